"""The batch fallback's figures-only evaluation (``evaluate_row(..., figures=True)``, what ``jixiao batch``
scores a row with): every score, node, total, grade and error is the full evaluation's.

Plugins may give a figure form (``IndicatorPlugin.figure``, ``ScoringMethod.figure``: the same figures
without the texts); a third-party plugin written before the field existed has none and is run in full.
"""

from __future__ import annotations

import csv
import json
import sys
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

from jixiao import (
    IndicatorPlugin,
    InputRequirement,
    Measurement,
    ScoreOutcome,
    ScoringMethod,
    hookimpl,
)
from jixiao.batch import load_pack_or_template, run_batch
from jixiao.batch.compile import layout_of
from jixiao.batch.portfolio import read_portfolio
from jixiao.batch.rowwise import evaluate_row, forget, known_inputs
from jixiao.numbers import fmt_number, quantize
from jixiao.plugins import Registry
from test_rowwise_memo import figures

CALLS: dict[str, int] = {}


def _count(name: str) -> None:
    CALLS[name] = CALLS.get(name, 0) + 1


def share(ctx, written: bool = True) -> Measurement:
    part, whole = ctx.number("part", kind="count"), ctx.number("whole", kind="count")
    if part > whole:
        from jixiao.errors import DataError

        raise DataError(f"{part} parts of {whole}", file=ctx.file, path=f"$.inputs.{ctx.params['part']}")
    value, zero = ctx.ratio(part, whole, what="share")
    return Measurement(value=value, kind="rate", expression=f"{fmt_number(part)}/{fmt_number(whole)}" if written else "",
                       inputs={"part": part, "whole": whole}, zero_division=zero)


def share_measure(ctx) -> Measurement:
    _count("share.measure")
    return share(ctx)


def share_figure(ctx) -> Measurement:
    _count("share.figure")
    return share(ctx, written=False)


def step(si, written: bool = True) -> ScoreOutcome:
    std = si.standard_score
    if si.value >= Decimal("0.9"):
        return ScoreOutcome(score=std, expression=f"{fmt_number(std)}（met）" if written else "")
    return ScoreOutcome(score=std * si.value * Decimal("0.5"), expression=f"{fmt_number(std)}*v/2" if written else "")


def step_score(si) -> ScoreOutcome:
    _count("step.score")
    return step(si)


def step_figure(si) -> ScoreOutcome:
    _count("step.figure")
    return step(si, written=False)


def _requires(params):
    return [InputRequirement(name=params[k], kind="count", param=k) for k in ("part", "whole") if k in params]


def plugins(with_figures: bool) -> SimpleNamespace:
    """A third-party distribution's indicator and method: written before figure forms existed (no
    ``figure``), or with them."""
    fig = {"figure": share_figure} if with_figures else {}
    sfig = {"figure": step_figure} if with_figures else {}

    @hookimpl
    def jixiao_indicators():
        return [IndicatorPlugin(name="tp_share", title="份额", measure=share_measure, requires=_requires, **fig)]

    @hookimpl
    def jixiao_scoring_methods():
        return [ScoringMethod(name="tp_step", title="阶梯", score=step_score, **sfig)]

    return SimpleNamespace(jixiao_indicators=jixiao_indicators, jixiao_scoring_methods=jixiao_scoring_methods)


PACK = """
schema_version = 1

[pack]
name = "third-party-figures"
title = "第三方插件"
version = "1"
api = 1

[rule_set]
name = "t"
grading = "national-2020"
zero_division = "met"
total_standard = 100

[rule_set.rounding]
value_places = 4
score_places = 2
mode = "half_up"
leaves = "round_then_sum"

[inputs.p1]
kind = "count"
[inputs.w1]
kind = "count"
[inputs.p2]
kind = "count"
[inputs.w2]
kind = "count"

[indicators.A]
name = "定量"

[indicators.A1]
parent = "A"
name = "份额一"
standard_score = 30
target = "≥90%"
value = { indicator = "tp_share", part = "p1", whole = "w1" }
score = { method = "tp_step" }

[indicators.A2]
parent = "A"
name = "份额二"
standard_score = 30
target = "≥90%"
value = { indicator = "tp_share", part = "p2", whole = "w2" }
score = { method = "deduct_per_point", k = "2%" }

[indicators.B]
name = "定性"

[indicators.B1]
parent = "B"
name = "评价"
standard_score = 40
value = { indicator = "completion_rate", done = "p1", planned = "w2" }
score = { method = "tp_step" }
"""


def _portfolio(path: Path) -> Path:
    rows = []
    for k in range(60):
        w1, w2 = 10 + k % 7, k % 5
        rows.append({"project_id": f"P{k}", "p1": (k * 3) % (w1 + 2), "w1": w1, "p2": k % 4 if w2 else 0, "w2": w2,
                     "override.A2": "12.5" if k % 9 == 0 else "", "override_reason.A2": "复核" if k % 9 == 0 else ""})
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def _rows(pack_ref: str, portfolio: Path, reg: Registry, figures_only: bool) -> list:
    pack, template = load_pack_or_template(pack_ref, reg)
    pf = read_portfolio(portfolio)
    layout = layout_of(list(pf.columns), known_inputs(pack, reg))
    forget()
    out = []
    for i in range(pf.n):
        errors: list = []
        res = evaluate_row(pack, reg, pf, layout, i, template, errors, f"P{i}", figures=figures_only)
        out.append((None if res is None else figures(res), sorted((e.column, e.message) for e in errors)))
    forget()
    return out


@pytest.mark.parametrize("with_figures", [False, True])
def test_third_party_plugins_with_and_without_figure_forms(tmp_path, with_figures):
    pack = tmp_path / "pack.toml"
    pack.write_text(PACK, encoding="utf-8")
    portfolio = _portfolio(tmp_path / "p.csv")
    reg = Registry()
    reg.register(plugins(with_figures), distribution="tp-dist", version="1")
    CALLS.clear()
    full = _rows(str(pack), portfolio, reg, False)
    assert "share.figure" not in CALLS and "step.figure" not in CALLS  # the full result never uses them
    CALLS.clear()
    got = _rows(str(pack), portfolio, reg, True)
    assert got == full
    assert any(r is None for r, _ in got) and any(r is not None for r, _ in got)  # refused rows too
    if with_figures:
        assert CALLS.get("share.figure") and CALLS.get("step.figure")
        assert "share.measure" not in CALLS and "step.score" not in CALLS
    else:  # a plugin without a figure form: its one function, as before
        assert CALLS.get("share.measure") and CALLS.get("step.score")
    # and jixiao batch (whose engine rows are figures-only: these plugins have no columnar form)
    out = tmp_path / "r.jsonl"
    outcome = run_batch(str(pack), str(portfolio), str(out), registry=reg)
    assert not outcome.columnar or outcome.engine_rows
    batch = {r["project_id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    p, _ = load_pack_or_template(str(pack), reg)
    sp, mode = p.rule_set.rounding.score_places, p.rule_set.rounding.mode
    pf = read_portfolio(portfolio)
    layout = layout_of(list(pf.columns), known_inputs(p, reg))
    forget()
    for i in range(pf.n):
        pid = pf.cell("project_id", i)
        res = evaluate_row(p, reg, pf, layout, i, None, [], pid)
        if res is None:
            assert pid not in batch
            continue
        assert batch[pid]["total"] == f"{res.total:f}"
        for lr in res.leaves():
            shown = lr.score if lr.override is not None else quantize(lr.score, sp, mode)
            assert batch[pid][lr.code] == f"{quantize(shown, sp):f}", (pid, lr.code)
    forget()


@pytest.mark.parametrize("case", ["seed", "national", "rules", "pefa", "part"])
def test_generated_rows_figures_equal_the_full_result(tmp_path, case):
    from conftest import ROOT

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import generate
    finally:
        sys.path.pop(0)
    portfolio = tmp_path / f"{case}.csv"
    assert generate.main(["150", "--pack", case, "-o", str(portfolio), "--seed", "11"]) == 0
    pack_ref = {"national": str(generate.NATIONAL_TEMPLATE), "rules": str(generate.RULES_PACK)}.get(
        case, generate.PACKS[case])
    reg = Registry()
    full = _rows(pack_ref, portfolio, reg, False)
    assert sum(r is not None for r, _ in full) > 100
    assert _rows(pack_ref, portfolio, reg, True) == full


BAD_TABLES = {
    "budget": [
        [],  # no rows
        [{"budget": "0", "actual": "0"}],  # total budget 0
        [{"budget": -5, "actual": 1}],  # negative amount
        [{"budget": "12.5%", "actual": 1}],  # a percentage where an amount goes
        [{"budget": 10}],  # missing column
        [{"budget": 10, "actual": 3, "category": 7}],  # a label that is no text
        [{"budget": Decimal("1E+40"), "actual": 1}],  # out of range
        "not a table",
        [{"budget": 10, "actual": 3, "category": "a"}, {"budget": "7.25", "actual": 1, "item": "b"},
         {"budget": 3, "actual": Decimal("2.5"), "category": "a", "item": "c"}],  # fine: categories
    ],
    "complaints": [
        [],  # 0 ÷ 0
        [{"received": 3, "handled": 4}],  # more handled than received
        [{"received": "x", "handled": 1}],
        [{"received": 5}],
        [{"received": 5, "handled": 2}, {"received": "0", "handled": "0"}],  # fine
    ],
    "satisfaction_survey": [  # the survey figure form's fast path and its fall-backs
        {"answers": {"很满意": 3, "基本满意": 2, "不满意": 1}, "responses": 6},  # fine
        {"answers": {"很满意": 3, "基本满意": "2", "不满意": 1}},  # fine, responses the total
        {"answers": {"很满意": 3, "基本满意": 2, "不满意": 1}, "responses": 7},  # do not add up
        {"answers": {"很满意": 3, "基本满意": 2, "不满意": 1}, "responses": 7, "single_choice": False},  # fine
        {"answers": {"很满意": 3, "基本满意": 2}, "single_choice": False},  # needs responses
        {"answers": {"很满意": 3, "不满意": 1}, "responses": 4},  # a chosen answer missing
        {"answers": {"很满意": -3, "基本满意": 2, "不满意": 1}},
        {"answers": {"很满意": 0, "基本满意": 0, "不满意": 0}, "responses": 0},  # 0 ÷ 0
        {"answers": {"很满意": 1, "基本满意": 0}, "responses": 0, "single_choice": False},
        {"answers": {"很满意": 1, "基本满意": 0}, "responses": "x", "single_choice": False},
        {"answers": {}},
        {"responses": 4},
        "not a survey",
    ],
}


@pytest.mark.parametrize("name", sorted(BAD_TABLES))
def test_table_figure_forms_refuse_and_score_as_the_full_forms(name):
    """The budget and handling figure forms read a plain table without the row references the full
    forms write (Measure.plain_table): every other table, and every table the full form refuses,
    gives the full form's value or error."""
    import attrs

    from conftest import ROOT
    from jixiao.config import load_config
    from jixiao.engine import Prepared, evaluate
    from jixiao.errors import JixiaoError
    from jixiao.session import resolve_pack

    cfg = load_config(ROOT / "docs" / "examples" / "consumer-protection-2018" / "evaluation.toml")
    reg = Registry()
    pack, _ = resolve_pack(cfg, reg)

    def outcome(c, figures):
        try:
            res = evaluate(pack, c, reg, prepared=Prepared(pack, reg, memo=True, figures=figures))
        except JixiaoError as exc:
            excs = getattr(exc, "errors", None) or [exc]
            return [(e.kind, e.message, e.file, e.path) for e in excs]
        return [(lr.code, str(lr.value), str(lr.score), lr.measurement.note, dict(lr.measurement.inputs))
                for lr in res.leaves()] + [str(res.total)]

    for table in BAD_TABLES[name]:
        c = attrs.evolve(cfg, inputs={**cfg.inputs, name: table})
        assert outcome(c, True) == outcome(c, False), table


@pytest.mark.parametrize("text", ["1E+15", "-1E+15", "999999999999999.99", "-999999999999999.99", "0E+20", "-0E+30",
                                  "0E-5", "1E-30", "9.99E+14", "10E+14", "0.1E+16", "1" * 35, "-0", "NaN"])
def test_plain_number_is_check_number_at_the_range_edges(text):
    """plain_number (every fast path's reader) gives check_number's value or None, never another figure."""
    from jixiao.engine import check_number, plain_number
    from jixiao.errors import JixiaoError

    for kind in ("number", "amount", "count"):
        d = plain_number(Decimal(text), kind)
        try:
            full = check_number(Decimal(text), kind=kind, file="f", where="$")
        except JixiaoError:
            assert d is None, (text, kind)
            continue
        assert d is None or (d == full and str(d) == str(full)), (text, kind)
        if abs(Decimal(text)) < Decimal(10) ** 15 and len(Decimal(text).as_tuple().digits) <= 34 \
                and (Decimal(text) >= 0 or kind == "number") and (kind != "count" or Decimal(text) % 1 == 0):
            assert d is not None, (text, kind)
