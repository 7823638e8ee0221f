"""Bad input gets one located message, no traceback, no output file, and the documented exit code."""

from __future__ import annotations

import pytest

from conftest import run_cli


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def run_bad(config, tmp_path):
    out = tmp_path / "out.json"
    res = run_cli("evaluate", config, "-o", out)
    assert "Traceback" not in res.stderr, res
    assert not out.exists(), "no output file on error"
    assert not list(tmp_path.glob(".out.json.*")), "no temporary file left behind"
    return res


@pytest.mark.parametrize("old,new,where,what", [
    ("schema_version = 1", "schema_version = = 1", "line 4, column 18", "TOML syntax error"),
    ('pack = "shanghai-consumer-protection-2018"', 'pack = "shanghai-consumer-protectoin-2018"', "",
     "unknown pack 'shanghai-consumer-protectoin-2018'"),
    ("spot_check_planned = 2736\n", "", "$.inputs.spot_check_planned", "missing input 'spot_check_planned'"),
    ("spot_check_planned = 2736", 'spot_check_planned = "many"', "$.inputs.spot_check_planned", "expected a number"),
    ('[ratings.A22]\nrating = "80%"', '[ratings.A22]\nrating = true', "$.ratings.A22.rating", "expected a percentage"),
    ("[ratings.A11]\n", "[ratings.A11x]\n", "$.ratings.A11", "missing rating for indicator A11"),
])
def test_configuration_errors_exit_2(seed_copy, tmp_path, old, new, where, what):
    edit(seed_copy, old, new)
    res = run_bad(seed_copy, tmp_path)
    assert res.code == 2, res
    assert str(seed_copy) in res.stderr or "unknown pack" in res.stderr
    assert where in res.stderr
    assert what in res.stderr


def test_unknown_pack_lists_installed_packs(seed_copy, tmp_path):
    edit(seed_copy, 'pack = "shanghai-consumer-protection-2018"', 'pack = "shanghai-consumer-protectoin-2018"')
    res = run_bad(seed_copy, tmp_path)
    assert "shanghai-consumer-protection-2018 (jixiao 0.1.0)" in res.stderr
    assert "did you mean 'shanghai-consumer-protection-2018'" in res.stderr


@pytest.mark.parametrize("old,new,where,what", [
    ("spot_check_planned = 2736", "spot_check_planned = -5", "$.inputs.spot_check_planned",
     "a count cannot be negative"),
    ("received = 312100\nhandled = 306953", "received = 312100\nhandled = 312101", "$.inputs.complaints[0].handled",
     "more handled (312101) than received (312100)"),
    ("nonconforming_handled = 599", "nonconforming_handled = 600", "$.inputs.nonconforming_handled",
     "is more than"),
    ('"不关注" = 17 }', '"不关注" = 18 }', "$.inputs.awareness_survey.responses", "add up to 121"),
    ("spot_check_planned = 2736", "spot_check_planned = 0", "$.inputs.spot_check_planned", "the denominator is 0"),
])
def test_data_errors_exit_3(seed_copy, tmp_path, old, new, where, what):
    edit(seed_copy, old, new)
    res = run_bad(seed_copy, tmp_path)
    assert res.code == 3, res
    assert where in res.stderr and what in res.stderr


def test_zero_budget_is_a_data_error_naming_the_file(seed_copy, tmp_path):
    csv = seed_copy.parent / "budget.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    zeroed = [lines[0]] + [",".join(line.split(",")[:2] + ["0", "0"]) for line in lines[1:]]
    csv.write_text("\n".join(zeroed) + "\n", encoding="utf-8")
    res = run_bad(seed_copy, tmp_path)
    assert res.code == 3, res
    assert "total budget is 0" in res.stderr and "$.inputs.budget" in res.stderr


def test_bad_csv_cell_names_row_and_column(seed_copy, tmp_path):
    csv = seed_copy.parent / "budget.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace("315宣传资料费,30.00,25.70", "315宣传资料费,30.00,abc"),
                   encoding="utf-8")
    res = run_bad(seed_copy, tmp_path)
    assert res.code == 3, res
    assert "budget.csv: row 3, column actual" in res.stderr


def test_missing_csv_column(seed_copy, tmp_path):
    csv = seed_copy.parent / "budget.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace("category,item,budget,actual",
                                                           "category,item,budget,spent"), encoding="utf-8")
    res = run_bad(seed_copy, tmp_path)
    assert res.code == 2, res
    assert "missing column(s) actual" in res.stderr


def test_several_problems_reported_at_once(seed_copy, tmp_path):
    edit(seed_copy, "spot_check_planned = 2736\n", "")
    edit(seed_copy, "major_disputes = 0\n", "")
    edit(seed_copy, "[ratings.C24]\n", "[ratings.C99]\n")
    res = run_bad(seed_copy, tmp_path)
    assert res.code == 2, res
    for where in ("$.inputs.spot_check_planned", "$.inputs.major_disputes", "$.ratings.C24", "$.ratings.C99"):
        assert where in res.stderr


def test_override_needs_a_reason_and_is_shown(seed_copy, tmp_path):
    text = seed_copy.read_text(encoding="utf-8")
    seed_copy.write_text(text + '\n[overrides.B32]\nscore = 4\n', encoding="utf-8")
    res = run_bad(seed_copy, tmp_path)
    assert res.code == 2 and "$.overrides.B32.reason" in res.stderr
    seed_copy.write_text(text + '\n[overrides.B32]\nscore = 4\nreason = "整改材料补充后复核"\n', encoding="utf-8")
    res = run_cli("evaluate", seed_copy, "--format", "json")
    assert res.code == 0, res
    doc = res.json()
    b32 = next(i for i in doc["indicators"] if i["code"] == "B32")
    assert b32["score"] == "4.00"
    assert b32["override"] == {"score": "4.00", "reason": "整改材料补充后复核", "computed_score": "3.00"}
    assert doc["total"] == "89.64"


def test_internal_errors_are_not_tracebacks(tmp_path):
    res = run_cli("evaluate", tmp_path / "nope.toml")
    assert res.code == 2 and "file not found" in res.stderr and "Traceback" not in res.stderr


def test_help_and_version():
    res = run_cli("--help")
    assert res.code == 0 and "evaluate" in res.stdout and "Exit codes" in res.stdout
    assert run_cli("--version").stdout.strip().startswith("jixiao, version")
