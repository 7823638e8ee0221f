"""Property: ``jixiao batch`` gives, to the last digit, what evaluating each project alone gives.

Random seed-pack portfolios — with rates exactly on their benchmark, 0 ÷ 0, rates and scores that
end in 5 one place beyond the rounding point, and some bad rows — are written once as a portfolio
CSV and once as one evaluation TOML per project; every leaf, total and grade must agree, and a
project the engine refuses must be a reported row error in the batch.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jixiao
from jixiao.batch import run_batch
from jixiao.errors import JixiaoError

PACK = "shanghai-consumer-protection-2018"
RATED = ["A11", "A12", "A13", "A211", "A212", "A22", "B21", "B22", "B23", "B31", "B32", "C112", "C113", "C114",
         "C13", "C24"]
AWARE = ("是，经常关注", "不经常，偶尔关注", "不关注")
SATIS = ("很满意", "基本满意", "不满意")


def cents(n: int) -> str:
    return f"{Decimal(n).scaleb(-2):f}"


@st.composite
def budget(draw):
    rows = draw(st.integers(1, 6))
    mode = draw(st.sampled_from(["random", "on_benchmark", "per_mille"]))
    if mode == "random":
        bs = [draw(st.integers(0, 500_000)) for _ in range(rows)]
        acts = [draw(st.integers(0, 600_000)) for _ in range(rows)]
    else:
        # Budgets in whole 10 万元 steps make Σactual/Σbudget land exactly on 1 − j/1000: deductions
        # of j × 0.15 points, i.e. scores ending in 5 at the third decimal (4.985 → 4.99 half-up).
        bs = [draw(st.integers(1, 50)) * 1000 for _ in range(rows)]
        acts = list(bs)
        if mode == "per_mille":
            j = draw(st.integers(1, 40))
            cut = sum(bs) * j // 1000
            acts[0] = max(acts[0] - cut, 0)
    return [{"budget": cents(b), "actual": cents(a)} for b, a in zip(bs, acts, strict=True)]


@st.composite
def pair(draw, *, cap: bool, zero: float = 0.3, bad: bool = True):
    """(numerator, denominator) counts: often 0 ÷ 0, often equal, sometimes a bad row."""
    kind = draw(st.sampled_from(["zero", "equal", "random", "random", "bad"] if bad else
                                ["zero", "equal", "random"]))
    if kind == "zero":
        return 0, 0
    den = draw(st.integers(1, 5000))
    if kind == "equal":
        return den, den
    if kind == "bad":
        return (den + 1, den) if cap else (-1, den)
    return draw(st.integers(0, den if cap else 2 * den)), den


@st.composite
def complaints(draw):
    out = []
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            rec = 20_000 * draw(st.integers(1, 5))  # 1/20000 steps: fifth decimal 5 → half-up at 4
        else:
            rec = draw(st.integers(0, 400_000))
        hnd = draw(st.integers(0, rec))
        out.append({"received": str(rec), "handled": str(hnd)})
    return out


@st.composite
def survey(draw):
    if draw(st.integers(0, 9)) == 0:
        return (0, 0, 0)
    if draw(st.booleans()):
        n = 200  # 0.5% steps: hits 85% and 90% exactly
    else:
        n = draw(st.integers(1, 400))
    a = draw(st.integers(0, n))
    b = draw(st.integers(0, n - a))
    return (a, b, n - a - b)


rating = st.one_of(
    st.sampled_from(["100%", "80%", "60%", "40%", "20%", "0%"]),
    st.integers(0, 10000).map(lambda x: f"{Decimal(x).scaleb(-2):f}%"),  # 80.25% × 2 = 1.605 → 1.61
    st.integers(0, 100000).map(lambda x: f"{Decimal(x).scaleb(-3):f}%"),  # 80.125% → value 0.8013
)


@st.composite
def project(draw):
    return {
        "budget": draw(budget()),
        "spot": draw(pair(cap=False)),
        "noncon": draw(pair(cap=True)),
        "major": draw(pair(cap=True)),
        "complaints": draw(complaints()),
        "losses": draw(st.integers(0, 100_000).flatmap(
            lambda c: st.tuples(st.integers(0, c + (1 if c % 7 == 0 else 0)), st.just(c)))),
        "disputes": draw(st.sampled_from([0, 0, 0, 1, 2])),
        "aware": draw(survey()),
        "satis": draw(survey()),
        "ratings": {code: draw(rating) for code in RATED},
    }


def to_config(p: dict) -> dict:
    return {
        "schema_version": 1,
        "pack": PACK,
        "inputs": {
            "budget": p["budget"],
            "spot_check_done": p["spot"][0], "spot_check_planned": p["spot"][1],
            "nonconforming_handled": p["noncon"][0], "nonconforming_found": p["noncon"][1],
            "major_cases_closed": p["major"][0], "major_cases_total": p["major"][1],
            "complaints": p["complaints"],
            "losses_recovered": Decimal(p["losses"][0]).scaleb(-2),
            "losses_claimed": Decimal(p["losses"][1]).scaleb(-2),
            "major_disputes": p["disputes"],
            "awareness_survey": {"responses": sum(p["aware"]), "answers": dict(zip(AWARE, p["aware"], strict=True))},
            "satisfaction_survey": {"responses": sum(p["satis"]),
                                    "answers": dict(zip(SATIS, p["satis"], strict=True))},
        },
        "ratings": {code: {"rating": r, "reason": "评价理由"} for code, r in p["ratings"].items()},
    }


def to_row(pid: str, p: dict) -> dict:
    row = {"project_id": pid}
    for k, r in enumerate(p["budget"], start=1):
        row[f"budget[{k}].budget"] = r["budget"]
        row[f"budget[{k}].actual"] = r["actual"]
    row.update({"spot_check_done": p["spot"][0], "spot_check_planned": p["spot"][1],
                "nonconforming_handled": p["noncon"][0], "nonconforming_found": p["noncon"][1],
                "major_cases_closed": p["major"][0], "major_cases_total": p["major"][1],
                "losses_recovered": cents(p["losses"][0]), "losses_claimed": cents(p["losses"][1]),
                "major_disputes": p["disputes"]})
    for k, c in enumerate(p["complaints"], start=1):
        row[f"complaints[{k}].received"] = c["received"]
        row[f"complaints[{k}].handled"] = c["handled"]
    for name, answers, counts in (("awareness_survey", AWARE, p["aware"]), ("satisfaction_survey", SATIS, p["satis"])):
        for a, c in zip(answers, counts, strict=True):
            row[f"{name}.answers.{a}"] = c
        row[f"{name}.responses"] = sum(counts)
    for code, r in p["ratings"].items():
        row[f"rating.{code}"] = r
    return row


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(st.lists(project(), min_size=1, max_size=6))
def test_batch_equals_each_project_alone(tmp_path_factory, projects):
    d: Path = tmp_path_factory.mktemp("prop")
    rows = [to_row(f"P{i}", p) for i, p in enumerate(projects)]
    header = sorted({k for r in rows for k in r}, key=lambda k: (k != "project_id", k))
    with (d / "portfolio.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        w.writerows(rows)

    expected = {}
    for i, p in enumerate(projects):
        cfg = d / f"p{i}.toml"
        cfg.write_text(tomli_w.dumps(to_config(p)), encoding="utf-8")
        try:
            expected[f"P{i}"] = jixiao.evaluate_file(cfg)
        except JixiaoError:
            expected[f"P{i}"] = None

    outcome = run_batch(PACK, str(d / "portfolio.csv"), str(d / "results.csv"), errors_path=str(d / "errors.csv"))
    with (d / "results.csv").open(newline="", encoding="utf-8-sig") as fh:
        got = {r["project_id"]: r for r in csv.DictReader(fh)}
    failed = {e.project_id for e in outcome.errors}
    # Every good row was scored by the columnar program, not by the engine fallback.
    assert outcome.engine_rows == sum(res is None for res in expected.values())
    places = 2
    for pid, res in expected.items():
        if res is None:
            assert pid in failed and pid not in got, pid
            continue
        assert pid not in failed, (pid, outcome.errors)
        row = got[pid]
        assert row["total"] == f"{res.total:f}", pid
        assert row["grade"] == res.grade.label
        for leaf in res.leaves():
            assert str(row[leaf.code]) == f"{jixiao.numbers.quantize(leaf.score, places):f}", (pid, leaf.code)


PACK_FILE = """
schema_version = 1

[pack]
name = "batch-methods"
title = "threshold, rate × standard, carry-unrounded"
version = "1"
api = 1

[rule_set]
name = "test"
grading = "national-2020"
zero_division = "zero"
total_standard = 30

[rule_set.rounding]
value_places = 4
score_places = 2
mode = "{mode}"
leaves = "{leaves}"

[indicators.T]
name = "达标"
standard_score = 10
target = "{comparator}85%"
value = {{ indicator = "completion_rate", done = "done", planned = "planned" }}
score = {{ method = "threshold", partial = "{partial}" }}

[indicators.R]
name = "执行率"
standard_score = 10
target = "=100%"
value = {{ indicator = "completion_rate", done = "spent", planned = "budgeted" }}
score = {{ method = "rate_times_standard" }}

[indicators.Q]
name = "定性"
standard_score = 10
value = {{ indicator = "qualitative_rating" }}
score = {{ method = "rating_times_standard" }}
"""


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(mode=st.sampled_from(["half_up", "half_even"]), leaves=st.sampled_from(["round_then_sum", "carry_unrounded"]),
       comparator=st.sampled_from(["≥", ">", "≤", "<", "="]), partial=st.sampled_from(["0", "2.5", "50%"]),
       rows=st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40), st.integers(0, 3000), st.integers(0, 3000),
                               st.integers(0, 100000)), min_size=1, max_size=6))
def test_other_methods_and_rounding_policies(tmp_path_factory, mode, leaves, comparator, partial, rows):
    """threshold, rate_times_standard, half-even and carry-unrounded agree with the engine too."""
    d: Path = tmp_path_factory.mktemp("methods")
    pack = d / "pack.toml"
    pack.write_text(PACK_FILE.format(mode=mode, leaves=leaves, comparator=comparator, partial=partial),
                    encoding="utf-8")
    expected = {}
    portfolio = []
    for i, (done, planned, spent, budgeted, q) in enumerate(rows):
        rating = f"{Decimal(q).scaleb(-3):f}%"
        portfolio.append({"project_id": f"P{i}", "done": done, "planned": planned, "spent": spent,
                          "budgeted": budgeted, "rating.Q": rating})
        cfg = d / f"p{i}.toml"
        cfg.write_text(tomli_w.dumps({"schema_version": 1, "pack": {"path": str(pack)},
                                      "inputs": {"done": done, "planned": planned, "spent": spent,
                                                 "budgeted": budgeted},
                                      "ratings": {"Q": {"rating": rating, "reason": "理由"}}}), encoding="utf-8")
        try:
            expected[f"P{i}"] = jixiao.evaluate_file(cfg)
        except JixiaoError:
            expected[f"P{i}"] = None
    with (d / "portfolio.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(portfolio[0]))
        w.writeheader()
        w.writerows(portfolio)
    outcome = run_batch(str(pack), str(d / "portfolio.csv"), str(d / "results.jsonl"))
    assert outcome.columnar and outcome.engine_rows == sum(r is None for r in expected.values())
    import json

    got = {r["project_id"]: r for r in map(json.loads, (d / "results.jsonl").read_text(encoding="utf-8").splitlines())}
    for pid, res in expected.items():
        if res is None:
            assert pid not in got
            continue
        assert got[pid]["total"] == f"{res.total:f}" and got[pid]["grade"] == res.grade.label
        for leaf in res.leaves():
            assert got[pid][leaf.code] == f"{jixiao.numbers.quantize(leaf.score, 2, mode):f}", (pid, leaf.code)
