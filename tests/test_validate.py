"""`jixiao validate`: staged checks, every problem located, exit 0/2/3."""

from __future__ import annotations

import textwrap

import pytest

from conftest import SEED, run_cli

BASE = textwrap.dedent('''
    schema_version = 1
    [pack]
    name = "demo"
    title = "演示"
    [rule_set]
    grading = "national-2020"
    total_standard = 100
    [inputs.planned]
    kind = "count"
    [inputs.done]
    kind = "count"
    [indicators.A]
    name = "产出"
    standard_score = 100
    [indicators.A1]
    parent = "A"
    name = "完成率"
    standard_score = 60
    target = "≥100%"
    value = { formula = "done / planned" }
    score = { method = "deduct_per_point", k = "3%" }
    [indicators.A2]
    parent = "A"
    name = "规范性"
    standard_score = 40
    value = { indicator = "qualitative_rating" }
    score = { method = "rating_times_standard" }
''')


def write(tmp_path, text, name="pack.toml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_clean_files_exit_0(tmp_path):
    res = run_cli("validate", write(tmp_path, BASE), SEED)
    assert res.code == 0, res
    assert "OK (pack file)" in res.stdout and "OK (evaluation config)" in res.stdout


def test_children_adding_up_to_110(tmp_path):
    res = run_cli("validate", write(tmp_path, BASE.replace("standard_score = 40", "standard_score = 50")))
    assert res.code == 2, res
    assert "$.indicators.A.standard_score" in res.stderr
    assert "the children of A add up to 110, but A has standard score 100" in res.stderr


def test_gapped_grading_scheme(tmp_path):
    text = BASE.replace('grading = "national-2020"', textwrap.dedent('''
        [rule_set.grading_scheme]
        name = "gappy"
        bands = [{ label = "好", lower = 80 }, { label = "差", upper = 70 }]
    ''').strip())
    res = run_cli("validate", write(tmp_path, text))
    assert res.code == 2, res
    assert "$.rule_set.grading" in res.stderr and "gap between '差' (up to 70) and '好' (from 80)" in res.stderr


def test_overlapping_and_doubly_included_bands(tmp_path):
    text = BASE.replace('grading = "national-2020"', textwrap.dedent('''
        [rule_set.grading_scheme]
        name = "overlap"
        bands = [{ label = "好", lower = 80, upper_inclusive = true }, { label = "中", lower = 60, upper = 85 },
                 { label = "差", upper = 60, upper_inclusive = true }]
    ''').strip())
    res = run_cli("validate", write(tmp_path, text))
    assert res.code == 2, res
    assert "overlap between 80 and 85" in res.stderr and "both include 60" in res.stderr


def test_formula_naming_an_undeclared_input(tmp_path):
    res = run_cli("validate", write(tmp_path, BASE.replace("done / planned", "done / plan")))
    assert res.code == 2, res
    assert "$.indicators.A1.value.formula" in res.stderr and "plan" in res.stderr


def test_ten_mistakes_ten_messages(tmp_path):
    text = (BASE
            .replace('name = "demo"', 'name = "Demo Pack"')                          # 1 name pattern
            .replace('title = "演示"', 'title = "演示"\nauthor = "x"')                # 2 unknown key
            .replace('grading = "national-2020"', 'grading = "national-2030"')       # 3 unknown scheme
            .replace('[inputs.done]\nkind = "count"', '[inputs.done]\nkind = "counts"')  # 4 bad enum
            .replace('standard_score = 40', 'standard_score = 50')                   # 5 sum 110
            .replace("done / planned", "done / plan")                                # 6 undeclared input
            .replace('k = "3%"', 'k = "-3%"')                                         # 7 bad param
            .replace('name = "规范性"', 'name = "规范性"\ncolour = "red"')            # 8 unknown key
            .replace('method = "rating_times_standard"', 'method = "rating_x_standard"')  # 9 unknown method
            .replace('target = "≥100%"', 'target = true'))                            # 10 wrong type
    res = run_cli("validate", write(tmp_path, text))
    assert res.code == 2, res
    expected = ["$.pack.name", "$.pack", "$.rule_set.grading", "$.inputs.done", "$.indicators.A.standard_score",
                "$.indicators.A1.value.formula", "$.indicators.A1.score", "$.indicators.A2",
                "$.indicators.A2.score", "$.indicators.A1.target"]
    for where in expected:
        assert where in res.stderr, where
    assert "10 problem(s)" in res.stderr or int(res.stderr.split(" problem(s)")[0].rsplit(" ", 1)[1]) >= 10


def test_config_problems_and_data_only_problems(tmp_path, seed_copy):
    text = seed_copy.read_text(encoding="utf-8")
    seed_copy.write_text(text.replace("spot_check_planned = 2736", "spot_check_planned = -1"), encoding="utf-8")
    res = run_cli("validate", seed_copy)
    assert res.code == 3, res
    assert "$.inputs.spot_check_planned" in res.stderr
    seed_copy.write_text(text.replace("major_disputes = 0", 'major_disputes = "none"'), encoding="utf-8")
    res = run_cli("validate", seed_copy)
    assert res.code == 2 and "$.inputs.major_disputes" in res.stderr


def test_syntax_error_is_located(tmp_path):
    res = run_cli("validate", write(tmp_path, BASE.replace('[indicators.A]', '[indicators.A')))
    assert res.code == 2 and "line 13" in res.stderr and "TOML syntax error" in res.stderr


@pytest.mark.parametrize("pack", ["shanghai-consumer-protection-2018", "national-2020-self-evaluation"])
def test_init_writes_a_config_that_validates_and_evaluates(tmp_path, pack):
    out = tmp_path / "evaluation.toml"
    res = run_cli("init", pack, "-o", out)
    assert res.code == 0, res
    assert run_cli("validate", out).code == 0
    ev = run_cli("evaluate", out, "--format", "json")
    assert ev.code == 0, ev
    assert ev.json()["total"] is not None


def test_init_starter_pack(tmp_path):
    assert run_cli("init", "--pack-file", tmp_path / "p").code == 0
    assert run_cli("validate", tmp_path / "p" / "pack.toml", tmp_path / "p" / "evaluation.toml").code == 0
    res = run_cli("evaluate", tmp_path / "p" / "evaluation.toml", "--format", "json")
    assert res.code == 0 and res.json()["total"] == "82.50"
