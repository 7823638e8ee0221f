"""Formula values end to end: a TOML pack whose leaves compute values from named inputs and table
columns (inline and CSV), evaluated by the CLI in a subprocess; missing inputs and x ÷ 0 are located."""

from __future__ import annotations

import textwrap

from conftest import run_cli

PACK = textwrap.dedent('''
    schema_version = 1

    [pack]
    name = "formula-test"
    title = "公式测试"
    version = "1"

    [rule_set]
    name = "formula-test"
    grading = "national-2020"
    zero_division = "met"
    total_standard = 30

    [inputs."全年预算数"]
    kind = "number"
    [inputs."全年执行数"]
    kind = "number"
    [inputs."培训计划"]
    kind = "count"
    [inputs."培训完成"]
    kind = "count"
    [inputs.budget]
    kind = "table"
    columns = ["budget", "actual"]

    [indicators.A]
    name = "预算执行率"
    standard_score = 10
    target = "=100%"
    value = { formula = "全年执行数÷全年预算数" }
    score = { method = "rate_times_standard" }

    [indicators.B]
    name = "分项执行率"
    standard_score = 10
    target = "≥90%"
    value = { formula = "sum(budget.actual) / sum(budget.budget)" }
    score = { method = "proportional" }

    [indicators.C]
    name = "培训完成率"
    standard_score = 10
    target = "≥100%"
    value = { formula = "if(培训计划 = 0, 1, 培训完成/培训计划)" }
    score = { method = "threshold", partial = "50%" }
''')

CONFIG = textwrap.dedent('''
    schema_version = 1
    pack = { path = "pack.toml" }

    [inputs]
    "全年预算数" = 1526
    "全年执行数" = 1367.75
    "培训计划" = 12
    "培训完成" = 11
    budget = { csv = "budget.csv" }
''')

CSV = "item,budget,actual\n宣传,100,80\n检测,300,261.5\n"


def write(tmp_path, pack=PACK, config=CONFIG):
    (tmp_path / "pack.toml").write_text(pack, encoding="utf-8")
    (tmp_path / "budget.csv").write_text(CSV, encoding="utf-8")
    cfg = tmp_path / "evaluation.toml"
    cfg.write_text(config, encoding="utf-8")
    return cfg


def by_code(doc):
    return {i["code"]: i for i in doc["indicators"]}


def test_formula_values_evaluate_from_the_cli(tmp_path):
    res = run_cli("evaluate", write(tmp_path), "--format", "json")
    assert res.code == 0, res
    ind = by_code(res.json())
    # A: 1367.75 ÷ 1526 = 89.629…% → 89.63%; 10 × 89.63% = 8.963 → 8.96
    assert ind["A"]["value_expression"] == "1367.75/1526"
    assert ind["A"]["trace"] == "8.96=10*89.63%"
    # B: (80 + 261.5) ÷ (100 + 300) = 85.375% → 85.38%; 85.38 ÷ 90 × 10 = 9.4866… → 9.49
    assert ind["B"]["value_expression"] == "341.5/400"
    assert ind["B"]["trace"] == "9.49=85.38%/90%*10"
    # C: 11 ÷ 12 = 91.67% < 100% → half of 10
    assert ind["C"]["value_expression"] == "if(12=0,1,11/12)"
    assert ind["C"]["trace"] == "5.00=10*50%（91.67%<100%）"
    assert res.json()["total"] == "23.45"   # 8.96 + 9.49 + 5.00


def test_zero_over_zero_follows_the_rule_set(tmp_path):
    pack = PACK.replace('value = { formula = "全年执行数÷全年预算数" }', 'value = { formula = "培训完成/培训计划" }')
    config = CONFIG.replace('"培训计划" = 12', '"培训计划" = 0').replace('"培训完成" = 11', '"培训完成" = 0')
    res = run_cli("evaluate", write(tmp_path, pack, config), "--format", "json")
    assert res.code == 0, res
    a = by_code(res.json())["A"]
    assert a["value_expression"] == "0/0" and a["trace"] == "10.00=10*100.00%" and "0/0" in a["note"]
    refused = run_cli("evaluate", write(tmp_path, pack.replace('zero_division = "met"', 'zero_division = "error"'),
                                       config))
    assert refused.code == 3, refused
    assert "$.indicators.A.source.expr (column 5)" in refused.stderr and "0 ÷ 0" in refused.stderr


def test_division_by_zero_is_a_located_data_error(tmp_path):
    res = run_cli("evaluate", write(tmp_path, config=CONFIG.replace('"全年预算数" = 1526', '"全年预算数" = 0')))
    assert res.code == 3, res
    assert "pack.toml" in res.stderr and "$.indicators.A.source.expr (column 6)" in res.stderr
    assert "division by zero: 1367.75 ÷ 0" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "out.json").exists()


def test_missing_and_malformed_inputs_are_located(tmp_path):
    res = run_cli("evaluate", write(tmp_path, config=CONFIG.replace('"全年执行数" = 1367.75\n', '')))
    assert res.code == 2, res
    assert "$.inputs.全年执行数" in res.stderr and "Traceback" not in res.stderr
    res = run_cli("evaluate", write(tmp_path, config=CONFIG.replace('"培训完成" = 11', '"培训完成" = 10.5')))
    assert res.code == 3, res
    assert "$.inputs.培训完成" in res.stderr and "whole number" in res.stderr


def test_a_formula_the_language_refuses_stops_the_run(tmp_path):
    pack = PACK.replace('"全年执行数÷全年预算数"', '"全年执行数.__class__"')
    res = run_cli("evaluate", write(tmp_path, pack), "-o", tmp_path / "out.json")
    assert res.code == 2, res
    assert "underscore" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "out.json").exists()
