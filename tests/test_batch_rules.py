"""Property: every built-in rule's columnar form gives, to the last digit, what the per-row engine gives.

A pack using banded (points and shares), qualitative_levels (on the levels and between them),
three_band, per_item_deduction, threshold against a range target, and formulas with every operator
of the language (+ − × ÷, min, max, sum of a table column, comparisons, if) is batched over random
rows — values exactly on band edges, 0 ÷ 0, ratings off the levels, negative counts, bands that do
not contain their rating — and each row is compared with the engine evaluating that row alone. Rows
only go to the engine when the engine refuses them.
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jixiao.batch import run_batch
from jixiao.batch.compile import compile_pack, layout_of
from jixiao.batch.portfolio import read_portfolio
from jixiao.batch.rowwise import evaluate_row, known_inputs
from jixiao.numbers import quantize
from jixiao.plugins import Registry

PACK = """
schema_version = 1

[pack]
name = "every-rule"
title = "每种规则 every built-in rule"
version = "1"
api = 1

[rule_set]
name = "test"
grading = "national-2020"
zero_division = "{zero}"
total_standard = 62

[rule_set.rounding]
value_places = 4
score_places = 2
mode = "{mode}"
leaves = "{leaves}"

[inputs.done]
kind = "count"
[inputs.planned]
kind = "count"
[inputs.spent]
kind = "number"
[inputs.budgeted]
kind = "number"
[inputs.missing]
kind = "count"
[inputs.budget]
kind = "table"
columns = ["budget", "actual"]

[indicators.A]
name = "定量"

[indicators.A1]
parent = "A"
name = "完成率（区间，分值）"
standard_score = 10
target = "≥90%"
value = {{ indicator = "completion_rate", done = "done", planned = "planned" }}
score = {{ method = "banded", bands = [{{ lower = "90%", points = 10 }}, {{ lower = "80%", upper = "90%", lower_inclusive = false, points = 7.5 }}, {{ lower = "60%", upper = "80%", upper_inclusive = true, lower_inclusive = false, points = 4 }}, {{ upper = "60%", upper_inclusive = true, points = 0 }}] }}

[indicators.A2]
parent = "A"
name = "执行率（区间，比例）"
standard_score = 7
target = "≥95%"
value = {{ formula = "spent/budgeted" }}
score = {{ method = "banded", bands = [{{ lower = "95%", fraction = "100%" }}, {{ lower = "85%", upper = "95%", fraction = "62.5%" }}, {{ upper = "85%", fraction = "0%" }}] }}

[indicators.A3]
parent = "A"
name = "缺失材料（扣分）"
standard_score = 5
value = {{ indicator = "incident_count", count = "missing" }}
score = {{ method = "per_item_deduction", points = 0.75 }}

[indicators.A4]
parent = "A"
name = "区间目标"
standard_score = 6
target = "80%-95%"
value = {{ indicator = "completion_rate", done = "done", planned = "planned" }}
score = {{ method = "threshold", partial = "{partial}" }}

[indicators.A5]
parent = "A"
name = "公式 if/min/max"
standard_score = 8
target = "≥100%"
value = {{ formula = "if(budgeted=0, 0, min(spent, budgeted)/budgeted)" }}
score = {{ method = "deduct_per_point", k = "2%" }}

[indicators.A6]
parent = "A"
name = "公式 表列与比较"
standard_score = 4
target = "≥100%"
value = {{ formula = "if(sum(budget.actual) >= max(budget.budget) * 2, max(1, done) - min(done, planned) + 1, -(0-sum(budget.budget)) * 3 / (sum(budget.actual)+1))" }}
score = {{ method = "threshold" }}

[indicators.A7]
parent = "A"
name = "公式 比率乘因子"
standard_score = 5
target = "≥100%"
value = {{ formula = "done/planned*(1+0)", kind = "rate" }}
score = {{ method = "proportional" }}

[indicators.B]
name = "定性"

[indicators.B1]
parent = "B"
name = "五档"
standard_score = 4
value = {{ indicator = "qualitative_rating" }}
score = {{ method = "qualitative_levels" }}

[indicators.B2]
parent = "B"
name = "档间"
standard_score = 3
value = {{ indicator = "qualitative_rating" }}
score = {{ method = "qualitative_levels", levels = ["100%", "75%", "50%", "25%", "0%"], allow_between = true }}

[indicators.B3]
parent = "B"
name = "三档"
standard_score = 10
value = {{ indicator = "qualitative_rating" }}
score = {{ method = "three_band" }}
"""

BANDS = ("达成", "部分达成", "未达成", "met", "partly met", "not met")


def _pct(x: int) -> str:
    return f"{Decimal(x).scaleb(-3):f}%"


@st.composite
def row(draw):
    planned = draw(st.sampled_from([0, 0, 10, 20, 40, 100, 1000, 8000]) | st.integers(1, 5000))
    done = draw(st.sampled_from([0, planned, planned * 9 // 10, planned * 8 // 10, planned * 6 // 10,
                                 planned * 95 // 100]) | st.integers(0, max(planned * 2, 1)))
    budgeted = draw(st.sampled_from([0, 100000, 200000, 400000]) | st.integers(0, 10**7))
    spent = draw(st.sampled_from([0, budgeted, budgeted * 95 // 100, budgeted * 85 // 100, budgeted + 1])
                 | st.integers(0, 2 * 10**7))
    table = draw(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)), min_size=1, max_size=3))
    return {
        "done": done, "planned": planned, "spent": f"{Decimal(spent).scaleb(-2):f}",
        "budgeted": f"{Decimal(budgeted).scaleb(-2):f}",
        "missing": draw(st.sampled_from([0, 1, 2, 7, -1])),
        "table": table,
        "B1": draw(st.sampled_from(["100%", "80%", "60%", "40%", "20%", "70%", "80.000%"])),
        "B2": _pct(draw(st.integers(0, 100000))),
        "B3": _pct(draw(st.sampled_from([0, 59999, 60000, 79999, 80000, 100000]) | st.integers(0, 100000))),
        "band.B3": draw(st.sampled_from(BANDS)),
    }


def to_row(pid: str, r: dict) -> dict:
    out = {"project_id": pid, **{k: r[k] for k in ("done", "planned", "spent", "budgeted", "missing")}}
    for k, (b, a) in enumerate(r["table"], start=1):
        out[f"budget[{k}].budget"] = b
        out[f"budget[{k}].actual"] = a
    out.update({"rating.B1": r["B1"], "rating.B2": r["B2"], "rating.B3": r["B3"], "band.B3": r["band.B3"]})
    return out


def batch_against_engine(d: Path, pack_text: str, rows: list[dict]) -> tuple[int, int]:
    """Batch the rows and check every leaf and total against the engine row by row.

    Returns (rows the batch sent to the engine, rows the engine refuses)."""
    pack = d / "pack.toml"
    pack.write_text(pack_text, encoding="utf-8")
    portfolio = d / "portfolio.csv"
    data = [to_row(f"P{i}", r) for i, r in enumerate(rows)]
    header = list(dict.fromkeys(k for r in data for k in r))
    with portfolio.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        w.writerows(data)
    outcome = run_batch(str(pack), str(portfolio), str(d / "results.jsonl"))
    assert outcome.columnar, outcome.reasons
    got = {r["project_id"]: r for r in map(json.loads, (d / "results.jsonl").read_text(encoding="utf-8").splitlines())}

    from jixiao.batch import load_pack_or_template

    reg = Registry()
    p, _ = load_pack_or_template(str(pack), reg)
    pf = read_portfolio(portfolio)
    layout = layout_of(list(pf.columns), known_inputs(p, reg))
    refused = 0
    sp, mode = p.rule_set.rounding.score_places, p.rule_set.rounding.mode
    for i in range(pf.n):
        pid = f"P{i}"
        errors: list = []
        res = evaluate_row(p, reg, pf, layout, i, None, errors, pid)
        if res is None:
            refused += 1
            assert pid not in got, (pid, errors)
            assert {e.message for e in errors} <= {e.message for e in outcome.errors if e.project_id == pid}
            continue
        assert pid in got, (pid, [e.message for e in outcome.errors if e.project_id == pid])
        assert got[pid]["total"] == f"{res.total:f}", (pid, got[pid], rows[i])
        assert got[pid]["grade"] == res.grade.label
        for leaf in res.leaves():
            assert got[pid][leaf.code] == f"{quantize(leaf.score, sp, mode):f}", (pid, leaf.code, leaf.working)
    return outcome.engine_rows, refused


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(rows=st.lists(row(), min_size=1, max_size=8), mode=st.sampled_from(["half_up", "half_even"]),
       zero=st.sampled_from(["met", "zero", "error"]), partial=st.sampled_from(["0", "2.5", "50%"]))
def test_every_rule_columnar_equals_engine(tmp_path_factory, rows, mode, zero, partial):
    d = tmp_path_factory.mktemp("rules")
    engine_rows, refused = batch_against_engine(
        d, PACK.format(mode=mode, zero=zero, partial=partial, leaves="round_then_sum"), rows)
    assert engine_rows == refused  # only rows the engine refuses leave the columnar program


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(rows=st.lists(row(), min_size=1, max_size=8))
def test_every_rule_carry_unrounded(tmp_path_factory, rows):
    """carry_unrounded: leaves enter the total unrounded (proportional's quotient makes it go to the engine)."""
    d = tmp_path_factory.mktemp("carry")
    text = PACK.format(mode="half_up", zero="met", partial="0", leaves="carry_unrounded")
    text = text.replace('score = { method = "proportional" }', 'score = { method = "rate_times_standard" }')
    engine_rows, refused = batch_against_engine(d, text, rows)
    assert engine_rows == refused


def test_every_rule_pack_compiles_with_nothing_left_to_the_engine():
    reg = Registry()
    import tempfile

    from jixiao.batch import load_pack_or_template

    with tempfile.TemporaryDirectory() as tmp:
        pack = Path(tmp) / "pack.toml"
        pack.write_text(PACK.format(mode="half_up", zero="met", partial="0", leaves="round_then_sum"), encoding="utf-8")
        p, _ = load_pack_or_template(str(pack), reg)
        program = compile_pack(p, reg)
    assert program.reasons == ()
    assert {plan.leaf.code for plan in program.leaves} == {leaf.code for leaf in p.leaves()}


def _generated_batch(tmp: Path, pack: str, which: str, n: int = 300) -> dict:
    import subprocess
    import sys

    from conftest import ROOT

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import generate
    finally:
        sys.path.pop(0)
    portfolio = tmp / f"{which}.parquet"
    assert generate.main([str(n), "--pack", which, "-o", str(portfolio)]) == 0
    proc = subprocess.run([sys.executable, "-m", "jixiao", "batch", pack, str(portfolio), "-o",
                           str(tmp / f"{which}.out.parquet"), "--summary", str(tmp / f"{which}.json"), "--quiet"],
                          capture_output=True, text=True, check=False, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return json.loads((tmp / f"{which}.json").read_text(encoding="utf-8"))


def test_built_in_packs_score_valid_rows_without_the_engine(tmp_path):
    """The seed pack, the national template and the every-rule benchmark pack: 0 rows through the engine."""
    from conftest import ROOT

    cases = [("shanghai-consumer-protection-2018", "seed"),
             (str(ROOT / "docs" / "examples" / "national-education-2023" / "evaluation.toml"), "national"),
             (str(ROOT / "benchmarks" / "packs" / "rules.toml"), "rules")]
    for pack, which in cases:
        summary = _generated_batch(tmp_path, pack, which)
        assert (summary["projects"], summary["scored"], summary["evaluated_by_engine"]) == (300, 300, 0), which
