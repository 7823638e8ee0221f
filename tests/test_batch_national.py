"""Property: ``jixiao batch`` with the national self-evaluation example as a template gives, to the last
digit, what evaluating each project alone gives.

Each random project is written once as a portfolio row (``全年预算数``, ``B11.actual``, ``rating.C21``,
``band.C21``, survey tallies…) and once as its own evaluation file — the template with the row's
figures put in — evaluated in process by the engine. Values sit exactly on their targets, are 0,
above target on lower-is-better indicators, end in 5 one place beyond a rounding point, or are bad
(x ÷ 0, a rating outside its band, an unknown band); a project the engine refuses must be a reported
row error in the batch, every other one must come from the columnar program.
"""

from __future__ import annotations

import csv
import json
import tomllib
from decimal import Decimal
from pathlib import Path

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jixiao
from jixiao.batch import run_batch
from jixiao.errors import JixiaoError

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "docs" / "examples" / "national-education-2023" / "evaluation.toml"
ANSWERS = ("满意", "基本满意", "不满意")


def dec(n: int, places: int) -> str:
    return f"{Decimal(n).scaleb(-places):f}"


@st.composite
def budget(draw):
    """(全年预算数, 全年执行数) in 万元 with up to two decimals: on budget, under, over, 0 ÷ 0, x ÷ 0."""
    kind = draw(st.sampled_from(["on", "under", "under", "over", "zero", "bad", "per_mille"]))
    if kind == "zero":
        return "0", "0"
    if kind == "bad":
        return "0", dec(draw(st.integers(1, 10_000)), 2)
    b = draw(st.integers(1, 50_000_000))
    if kind == "on":
        return dec(b, 2), dec(b, 2)
    if kind == "per_mille":
        # A budget in whole 10 万元 steps and a cut of j/20000: rates ending in 5 at the fifth decimal.
        b = draw(st.integers(1, 500)) * 20_000
        return dec(b, 2), dec(b - b * draw(st.integers(1, 400)) // 20_000, 2)
    a = draw(st.integers(0, b)) if kind == "under" else draw(st.integers(b, 2 * b))
    return dec(b, 2), dec(a, 2)


def count_around(target: int):
    """Counts below, on and above a ≥ target, and 0."""
    return st.one_of(st.just(target), st.just(0), st.integers(0, 2 * target), st.integers(target, 3 * target))


def rate_around(target_pct: int):
    """Rates as written on a form: on target, 100%, 0, and 1/1000 % steps (97.125% → 0.9713 half-up)."""
    return st.one_of(st.just(f"{target_pct}%"), st.just("100%"), st.just("0%"),
                     st.integers(0, 100_000).map(lambda x: f"{dec(x, 3)}%"),
                     st.integers(0, 10_000).map(lambda x: dec(x, 4)))


# Cost per student, lower is better (≤1250元): on target, below, 0, above; 2000 gives 3.125 → 3.13.
cost = st.one_of(st.sampled_from(["1250", "0", "2000", "1300", "2500", "1562.5"]), st.integers(0, 5000).map(str),
                 st.integers(0, 500_000).map(lambda x: dec(x, 2)))


@st.composite
def rating(draw):
    band = draw(st.sampled_from(["达成", "部分达成", "未达成", "met", "partly met", "not met", "达成", "部分达成",
                                 "unknown"]))
    lo, hi = {"达成": (80, 100), "met": (80, 100), "部分达成": (60, 80), "partly met": (60, 80)}.get(band, (0, 60))
    if draw(st.integers(0, 9)) == 0:
        lo, hi = 0, 100  # often outside the named band: a row error
    value = draw(st.one_of(st.sampled_from([lo, hi]).map(lambda x: f"{x}%"),
                           st.integers(lo * 1000, hi * 1000).map(lambda x: f"{dec(x, 3)}%")))
    return value, band


@st.composite
def survey(draw):
    n = draw(st.sampled_from([200, 0, 7])) if draw(st.booleans()) else draw(st.integers(1, 500))
    a = draw(st.integers(0, n))
    b = draw(st.integers(0, n - a))
    return a, b, n - a - b


@st.composite
def project(draw):
    b, a = draw(budget())
    return {
        "全年预算数": b, "全年执行数": a,
        "B11": draw(count_around(1200)), "B12": draw(count_around(35)),
        "B21": draw(rate_around(98)), "B31": draw(rate_around(100)), "B41": draw(cost),
        "C41": draw(rate_around(90)), "C21": draw(rating()), "D11": draw(survey()),
    }


def to_row(pid: str, p: dict) -> dict:
    row = {"project_id": pid, "全年预算数": p["全年预算数"], "全年执行数": p["全年执行数"]}
    for code in ("B11", "B12", "B21", "B31", "B41", "C41"):
        row[f"{code}.actual"] = p[code]
    row["rating.C21"], row["band.C21"] = p["C21"]
    for name, k in zip(ANSWERS, p["D11"], strict=True):
        row[f"satisfaction_survey.answers.{name}"] = k
    return row


RATE_LEAVES = ("B21", "B31", "C41")


def as_config_value(code: str, value, rate: bool = False):
    """A portfolio's rate column may hold a fraction (0.9713, the batch column convention); a config must
    write the percentage (97.13%), since there a bare number against a % target is refused as ambiguous."""
    if (code in RATE_LEAVES or rate) and isinstance(value, str) and not value.endswith("%"):
        return f"{(Decimal(value) * 100).normalize():f}%"
    return value


def to_config(template: dict, p: dict) -> dict:
    """The template with this project's figures put in: what one unit's own evaluation file would say."""
    cfg = json.loads(json.dumps(template))  # a deep copy (the template holds only strings and integers)
    cfg["inputs"]["全年预算数"] = p["全年预算数"]
    cfg["inputs"]["全年执行数"] = p["全年执行数"]
    cfg["inputs"]["satisfaction_survey"] = {"question": cfg["inputs"]["satisfaction_survey"]["question"],
                                            "answers": dict(zip(ANSWERS, p["D11"], strict=True))}
    for code in ("B11", "B12", "B21", "B31", "B41", "C41"):
        cfg["indicators"][code]["actual"] = as_config_value(code, p[code])
    value, band = p["C21"]
    cfg["ratings"]["C21"] = {"rating": value, "band": band, "reason": "理由"}
    return cfg


def write_csv(path: Path, rows: list[dict]) -> None:
    header = list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        w.writerows(rows)


def check_same(d: Path, template_path: Path, template: dict, projects: list[dict], *, to_cfg=to_config,
               to_r=to_row) -> None:
    write_csv(d / "portfolio.csv", [to_r(f"P{i}", p) for i, p in enumerate(projects)])
    expected = {}
    for i, p in enumerate(projects):
        cfg = template_path.parent / f"p{i}.toml"
        cfg.write_text(tomli_w.dumps(to_cfg(template, p)), encoding="utf-8")
        try:
            expected[f"P{i}"] = jixiao.evaluate_file(cfg)
        except JixiaoError:
            expected[f"P{i}"] = None
    outcome = run_batch(str(template_path), str(d / "portfolio.csv"), str(d / "results.csv"),
                        errors_path=str(d / "errors.csv"))
    assert outcome.columnar, outcome.reasons
    with (d / "results.csv").open(newline="", encoding="utf-8-sig") as fh:
        got = {r["project_id"]: r for r in csv.DictReader(fh)}
    failed = {e.project_id for e in outcome.errors}
    # Only the rows the engine refuses went through it; every good row was columnar.
    assert outcome.engine_rows == sum(res is None for res in expected.values()), outcome.errors
    for pid, res in expected.items():
        if res is None:
            assert pid in failed and pid not in got, pid
            continue
        assert pid not in failed, (pid, outcome.errors)
        row = got[pid]
        assert row["total"] == f"{res.total:f}", pid
        assert row["grade"] == res.grade.label, pid
        for leaf in res.leaves():
            assert row[leaf.code] == f"{jixiao.numbers.quantize(leaf.score, 2):f}", (pid, leaf.code, leaf.working)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(st.lists(project(), min_size=1, max_size=6))
def test_national_template_batch_equals_each_project_alone(tmp_path_factory, projects):
    d: Path = tmp_path_factory.mktemp("national")
    template = tomllib.loads(TEMPLATE.read_text(encoding="utf-8"))
    path = d / "evaluation.toml"
    path.write_text(TEMPLATE.read_text(encoding="utf-8"), encoding="utf-8")
    check_same(d, path, template, projects)


# A template with standard scores and targets chosen so that proportional scores land exactly on a
# rounding midpoint through a quotient that is not a finite decimal (10 ÷ 1200 × 3 = 0.025; 7 ÷ 600 ×
# 3 = 0.035), where the engine's two 34-digit steps decide the last digit.
MIDPOINT_TEMPLATE = {
    "schema_version": 1,
    "pack": "national-2020-self-evaluation",
    "inputs": {"年初预算数": 1, "全年预算数": 1, "全年执行数": 1},
    "indicators": {
        "B11": {"parent": "B1", "name": "数量", "standard_score": 3, "target": "≥1200人", "actual": 1},
        "B12": {"parent": "B1", "name": "数量二", "standard_score": 47, "target": "≥{b12}", "actual": 1},
        "C11": {"parent": "C1", "name": "成本", "standard_score": 3, "target": "≤7天", "actual": 1},
        "C12": {"parent": "C1", "name": "比率", "standard_score": 27, "target": "{c12}", "actual": "1%"},
        "D11": {"parent": "D1", "name": "满意度", "standard_score": 10, "target": "≥{d11}", "actual": "1%"},
    },
}


@st.composite
def midpoint_project(draw):
    lower_hits = [4200 // k for k in (1, 3, 5, 7, 15, 21, 25, 35, 75, 105, 175, 525)]  # 7 ÷ v × 3 = k/200
    return {
        "B11": draw(st.one_of(st.integers(0, 400).map(lambda k: 4 * k + 2), st.integers(0, 3000))),
        "B12": draw(st.one_of(st.integers(0, 3000), st.integers(0, 300_000).map(lambda x: dec(x, 4)))),
        "C11": draw(st.one_of(st.sampled_from(lower_hits), st.integers(0, 20),
                              st.integers(0, 200_000).map(lambda x: dec(x, 3)))),
        "C12": draw(st.integers(0, 1_000_000).map(lambda x: f"{dec(x, 4)}%")),
        "D11": draw(st.integers(0, 12_000).map(lambda x: f"{dec(x, 2)}%")),
    }


def midpoint_config(template: dict, p: dict) -> dict:
    cfg = json.loads(json.dumps(template))
    for code, v in p.items():
        rate = str(cfg["indicators"][code]["target"]).endswith("%")
        cfg["indicators"][code]["actual"] = as_config_value(code, str(v), rate)
    return cfg


def midpoint_row(pid: str, p: dict, template: dict) -> dict:
    """A portfolio row: a rate column's fraction stays plain (0.97 = 97%, the batch convention) up to 1; above
    1 it carries its percent sign, since a plain 2 against a % target is refused as ambiguous (2% or 200%?)."""
    def cell(code: str, v):
        rate = str(template["indicators"][code]["target"]).endswith("%")
        if rate and not str(v).endswith("%") and Decimal(str(v)) > 1:
            return as_config_value(code, str(v), rate)
        return v
    return {"project_id": pid, **{f"{code}.actual": cell(code, v) for code, v in p.items()}}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(b12=st.sampled_from(["35所", "3", "1200", "0.7", "96%"]), c12=st.sampled_from(["≥96%", "≤3%", "=100%", "≥0%"]),
       d11=st.sampled_from(["90%", "98%", "93%"]), projects=st.lists(midpoint_project(), min_size=1, max_size=8))
def test_proportional_midpoints_follow_the_engine(tmp_path_factory, b12, c12, d11, projects):
    d: Path = tmp_path_factory.mktemp("midpoint")
    template = json.loads(json.dumps(MIDPOINT_TEMPLATE))
    template["indicators"]["B12"]["target"] = f"≥{b12}"
    template["indicators"]["C12"]["target"] = c12
    template["indicators"]["D11"]["target"] = f"≥{d11}"
    path = d / "template.toml"
    path.write_text(tomli_w.dumps(template), encoding="utf-8")
    check_same(d, path, template, projects, to_cfg=midpoint_config,
               to_r=lambda pid, p: midpoint_row(pid, p, template))


def test_national_template_from_the_command_line(tmp_path):
    """The example as a template: a row with only some cells keeps the template's other figures (89.41 良
    when it repeats the example), bad rows are located by row and column, the rest is written, exit 3."""
    from conftest import run_cli

    example = {"全年预算数": "480", "全年执行数": "432", "B11.actual": "1100", "rating.C21": "70%",
               "band.C21": "部分达成", **{f"satisfaction_survey.answers.{a}": str(k)
                                          for a, k in zip(ANSWERS, (150, 36, 14), strict=True)}}
    rows = [
        {"project_id": "same", **example},
        {"project_id": "met", **example, "全年执行数": "480", "B11.actual": "1200", "rating.C21": "85%",
         "band.C21": "达成"},
        {"project_id": "bad-band", **example, "band.C21": "基本达成"},
        {"project_id": "outside", **example, "rating.C21": "85%"},
        {"project_id": "x/0", **example, "全年预算数": "0"},
        {"project_id": "cells-only", "B11.actual": "1100", **{k: v for k, v in example.items()
                                                               if k.startswith("satisfaction")}},
    ]
    write_csv(tmp_path / "p.csv", rows)
    r = run_cli("batch", TEMPLATE, tmp_path / "p.csv", "-o", tmp_path / "r.csv", "--errors", tmp_path / "e.csv",
                "--fill-from-template")
    assert r.code == 3, r.stderr
    with (tmp_path / "r.csv").open(newline="", encoding="utf-8-sig") as fh:
        got = {row["project_id"]: row for row in csv.DictReader(fh)}
    alone = jixiao.evaluate_file(TEMPLATE)
    assert {"same", "met", "cells-only"} == set(got)
    for pid in ("same", "cells-only"):
        assert (got[pid]["total"], got[pid]["grade"]) == (f"{alone.total:f}", alone.grade.label)
    assert got["met"]["A"] == "10.00" and got["met"]["B11"] == "20.00" and got["met"]["C21"] == "17.00"
    with (tmp_path / "e.csv").open(newline="", encoding="utf-8-sig") as fh:
        errors = {(e["project_id"], e["row"], e["column"]) for e in csv.DictReader(fh)}
    assert errors == {("bad-band", "4", "band.C21"), ("outside", "5", "rating.C21"), ("x/0", "6", "全年预算数")}, errors
    assert "row 4, column band.C21" in r.stderr and "基本达成" in r.stderr
    # Rows the columnar program can do are columnar; the three bad ones went through the engine to be named.
    assert "(3 columnar, 3 through the engine)" in r.stderr


def test_generated_national_portfolio_matches_the_hand_written_baseline(tmp_path):
    """The benchmark's pieces agree: generate.py --pack national rows are all columnar and valid, and
    baseline_national.py's arithmetic gives the very same Parquet as jixiao batch."""
    import subprocess
    import sys

    import pyarrow.parquet as pq

    from conftest import run_cli

    portfolio = tmp_path / "n.parquet"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "3000", "--pack", "national",
                    "-o", str(portfolio), "--seed", "5"], check=True, capture_output=True)
    r = run_cli("batch", TEMPLATE, portfolio, "-o", tmp_path / "j.parquet")
    assert r.code == 0, r.stderr
    assert "3000 of 3000 projects scored (3000 columnar, 0 through the engine)" in r.stderr
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "baseline_national.py"), str(portfolio), "-o",
                    str(tmp_path / "b.parquet")], check=True, capture_output=True)
    assert pq.read_table(tmp_path / "j.parquet").equals(pq.read_table(tmp_path / "b.parquet"))
