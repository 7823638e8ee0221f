"""Declarative packs: a TOML-only pack evaluates from the CLI; any pack exports to TOML and back."""

from __future__ import annotations

import json
import shutil
import textwrap

from conftest import SEED, SEED_DIR, run_cli


def comparable(doc):
    """The document minus what names where it came from (run info, distribution)."""
    doc = dict(doc)
    doc.pop("run")
    doc["pack"] = {k: v for k, v in doc["pack"].items() if k != "distribution"}
    return doc


def test_seed_pack_round_trips_through_toml(tmp_path):
    """`jixiao show PACK --format toml` exports the Python seed pack; the file evaluates identically."""
    dest = tmp_path / "seed"
    shutil.copytree(SEED_DIR, dest)
    res = run_cli("show", "shanghai-consumer-protection-2018", "--format", "toml", "-o", dest / "pack.toml")
    assert res.code == 0, res
    cfg = dest / "evaluation.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace(
        'pack = "shanghai-consumer-protection-2018"', 'pack = { path = "pack.toml" }'), encoding="utf-8")
    exported = run_cli("evaluate", cfg, "--format", "json")
    original = run_cli("evaluate", SEED, "--format", "json")
    assert exported.code == 0 and original.code == 0, (exported, original)
    assert comparable(exported.json()) == comparable(original.json())
    # and the exported file exports to the same text again (a fixed point)
    again = run_cli("show", dest / "pack.toml", "--format", "toml")
    assert again.stdout == (dest / "pack.toml").read_text(encoding="utf-8")
    assert run_cli("validate", dest / "pack.toml").code == 0


TOML_PACK = textwrap.dedent('''
    #:schema https://jixiao.readthedocs.io/schemas/pack.schema.json
    schema_version = 1

    [pack]
    name = "river-cleanup"
    title = "河道保洁项目绩效评价"
    version = "1"

    [rule_set]
    name = "county-2024"
    zero_division = "met"
    total_standard = 100

    [rule_set.rounding]
    value_places = 4
    score_places = 2

    [rule_set.grading_scheme]
    name = "county"
    title = "县级评级"
    bands = [
      { label = "优秀", lower = 85 },
      { label = "合格", lower = 60, upper = 85 },
      { label = "不合格", upper = 60 },
    ]

    [inputs."保洁里程计划"]
    kind = "number"
    [inputs."保洁里程完成"]
    kind = "number"
    [inputs."投诉件数"]
    kind = "count"

    [indicators.A]
    name = "产出"
    standard_score = 70

    [indicators.A1]
    parent = "A"
    name = "保洁里程完成率"
    standard_score = 50
    target = "≥100%"
    value = { formula = "保洁里程完成 ÷ 保洁里程计划" }
    score = { method = "deduct_per_point", k = "2%" }

    [indicators.A2]
    parent = "A"
    name = "管理规范性"
    standard_score = 20
    value = { indicator = "qualitative_rating" }
    score = { method = "rating_times_standard" }

    [indicators.B]
    name = "效益"
    standard_score = 30

    [indicators.B1]
    parent = "B"
    name = "群众投诉"
    standard_score = 30
    target = "=0件"
    value = { input = "投诉件数", kind = "count" }
    score = { method = "zero_incidence" }
''')

TOML_CONFIG = textwrap.dedent('''
    schema_version = 1
    pack = { path = "pack.toml" }

    [project]
    name = "2024年某县河道保洁"

    [inputs]
    "保洁里程计划" = 120.5
    "保洁里程完成" = 118
    "投诉件数" = 0

    [ratings.A2]
    rating = "80%"
    reason = "台账基本齐全，个别月份巡查记录缺失。"
''')


def test_a_toml_only_pack_outside_the_repo_evaluates(tmp_path):
    folder = tmp_path / "firm-packs"
    folder.mkdir()
    (folder / "pack.toml").write_text(TOML_PACK, encoding="utf-8")
    (folder / "evaluation.toml").write_text(TOML_CONFIG, encoding="utf-8")
    res = run_cli("evaluate", folder / "evaluation.toml", "--format", "json", cwd=tmp_path)
    assert res.code == 0, res
    doc = res.json()
    a1 = next(i for i in doc["indicators"] if i["code"] == "A1")
    # 118 ÷ 120.5 = 97.925…% → 97.93%; 50 − (1 − 97.93%) × 50 × 100 × 2% = 47.93
    assert a1["value"] == "0.9793"
    assert a1["trace"] == "47.93=50-(1-97.93%)*50*100*2%"
    assert doc["total"] == "93.93"  # 47.93 + 16.00 + 30.00
    assert doc["grade"] == "优秀"
    assert run_cli("validate", folder / "pack.toml", folder / "evaluation.toml").code == 0


def test_rounding_policies_can_give_different_totals(tmp_path):
    """Round each leaf then add (the seed) versus carry unrounded leaves and round the total."""
    pack = textwrap.dedent('''
        schema_version = 1
        [pack]
        name = "rounding-demo"
        title = "rounding"
        [rule_set]
        grading = "national-2020"
        total_standard = 3
        [rule_set.rounding]
        value_places = 4
        score_places = 2
        leaves = "LEAVES"
        [indicators.A]
        name = "A"
        standard_score = 3
    ''')
    for code in ("A1", "A2", "A3"):
        pack += textwrap.dedent(f'''
            [indicators.{code}]
            parent = "A"
            name = "{code}"
            standard_score = 1
            value = {{ indicator = "qualitative_rating" }}
            score = {{ method = "rating_times_standard" }}
        ''')
    config = 'schema_version = 1\npack = "pack.toml"\n' + "".join(
        f'[ratings.{c}]\nrating = "33.335%"\nreason = "r"\n' for c in ("A1", "A2", "A3"))
    totals = {}
    for leaves in ("round_then_sum", "carry_unrounded"):
        d = tmp_path / leaves
        d.mkdir()
        (d / "pack.toml").write_text(pack.replace("LEAVES", leaves), encoding="utf-8")
        (d / "evaluation.toml").write_text(config, encoding="utf-8")
        res = run_cli("evaluate", d / "evaluation.toml", "--format", "json")
        assert res.code == 0, res
        totals[leaves] = res.json()["total"]
    # each leaf 0.33335 → 0.33 (half-up); 3 × 0.33 = 0.99, but 3 × 0.33335 = 1.00005 → 1.00
    assert totals == {"round_then_sum": "0.99", "carry_unrounded": "1.00"}


def test_exported_json_schema_files_match_the_code():
    from conftest import ROOT
    from jixiao.schema import SCHEMAS, schema_text

    for name in SCHEMAS:
        assert (ROOT / "schemas" / name).read_text(encoding="utf-8") == schema_text(name), (
            f"schemas/{name} is out of date: run `jixiao schema --write schemas`")


def test_schema_command_writes_the_schemas(tmp_path):
    assert run_cli("schema", "--write", tmp_path).code == 0
    data = json.loads((tmp_path / "pack.schema.json").read_text(encoding="utf-8"))
    assert data["title"] == "jixiao pack file"
