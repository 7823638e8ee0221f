"""Built-in scoring methods. Each returns the raw score and the working's right-hand side;
the core clamps to [0, standard score], rounds and prefixes the rounded score."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..hookspecs import hookimpl
from ..model import ScoreOutcome
from ..numbers import HUNDRED, ONE, ZERO, fmt_number, fmt_percent, fmt_percent_short, to_decimal
from ..types import ScoreInput, ScoringMethod


def value_text(si: ScoreInput, value: Decimal) -> str:
    """A value as the working shows it: rates as percentages at the rule set's precision."""
    if si.value_kind in ("rate", "rating"):
        places = si.rule_set.rounding.value_places
        return fmt_percent(value, 2 if places is None else max(places - 2, 0))
    return fmt_number(value)


def bench_text(si: ScoreInput, bench: Decimal) -> str:
    """A benchmark as evaluators write it: ``1`` for 100%, else the short percentage (``85%``)."""
    if si.value_kind in ("rate", "rating"):
        return "1" if bench == ONE else fmt_percent_short(bench)
    return fmt_number(bench)


def cond_text(si: ScoreInput, bench: Decimal) -> str:
    """A benchmark in a condition (``103.22%≥100%``): always the short percentage for rates."""
    if si.value_kind in ("rate", "rating"):
        return fmt_percent_short(bench)
    return fmt_number(bench)


def _benchmark(si: ScoreInput) -> Decimal:
    b = si.params.get("benchmark")
    if b is not None:
        return to_decimal(b)
    if si.target is not None and si.target.value is not None:
        return si.target.value
    return ONE


def _lower_is_better(si: ScoreInput) -> bool:
    d = si.params.get("direction")
    if d is not None:
        return d == "lower"
    return si.target is not None and si.target.comparator in ("<=", "<")


def _num(si: ScoreInput) -> Decimal:
    if not isinstance(si.value, Decimal):
        raise TypeError(f"expected a numeric value, got {si.value!r}")
    return si.value


# -- deduction per percentage point ------------------------------------------------------------


def deduct_per_point(si: ScoreInput) -> ScoreOutcome:
    std, v, b = si.standard_score, _num(si), _benchmark(si)
    lower = _lower_is_better(si)
    gap = (v - b) if lower else (b - v)
    std_t = fmt_number(std)
    if gap <= 0:
        sign = "≤" if lower else "≥"
        return ScoreOutcome(score=std, expression=f"{std_t}（{value_text(si, v)}{sign}{cond_text(si, b)}）",
                            benchmark=b, gap=ZERO)
    if "points" in si.params:
        pts = to_decimal(si.params["points"])
        deduction = gap * HUNDRED * pts
        diff = f"({value_text(si, v)}-{bench_text(si, b)})" if lower else f"({bench_text(si, b)}-{value_text(si, v)})"
        expr = f"{std_t}-{diff}*100*{fmt_number(pts)}"
    else:
        k = to_decimal(si.params.get("k", "0.03"))
        deduction = gap * HUNDRED * std * k
        diff = f"({value_text(si, v)}-{bench_text(si, b)})" if lower else f"({bench_text(si, b)}-{value_text(si, v)})"
        expr = f"{std_t}-{diff}*{std_t}*100*{fmt_percent_short(k)}"
    return ScoreOutcome(score=std - deduction, expression=expr, benchmark=b, gap=gap, reason="below_benchmark")


def check_deduct(params: Mapping[str, Any]) -> list[str]:
    probs = []
    if "k" in params and "points" in params:
        probs.append("give either k (share of the standard score per point) or points, not both")
    for key in ("k", "points", "benchmark"):
        if key in params:
            try:
                d = to_decimal(params[key])
            except Exception:
                probs.append(f"{key} must be a number or a percentage, got {params[key]!r}")
                continue
            if d < 0:
                probs.append(f"{key} cannot be negative")
    if "direction" in params and params["direction"] not in ("higher", "lower"):
        probs.append("direction must be 'higher' or 'lower'")
    return probs


# -- standard × rating -------------------------------------------------------------------------


def rating_times_standard(si: ScoreInput) -> ScoreOutcome:
    std, v = si.standard_score, _num(si)
    gap = ONE - v
    return ScoreOutcome(score=std * v, expression=f"{fmt_number(std)}*{fmt_percent_short(v)}", benchmark=ONE,
                        gap=gap, reason="rating" if gap > 0 else "")


# -- full if met (达标法 / 0-1法) ---------------------------------------------------------------


def full_if_met(si: ScoreInput) -> ScoreOutcome:
    std, v, b = si.standard_score, _num(si), _benchmark(si)
    lower = _lower_is_better(si)
    met = v <= b if lower else v >= b
    sign = ("≤" if met else ">") if lower else ("≥" if met else "<")
    cond = f"{value_text(si, v)}{sign}{cond_text(si, b)}"
    if met:
        return ScoreOutcome(score=std, expression=f"{fmt_number(std)}（{cond}）", benchmark=b, gap=ZERO)
    partial = to_decimal(si.params.get("partial", 0))
    return ScoreOutcome(score=partial, expression=f"{fmt_number(partial)}（{cond}）", benchmark=b,
                        gap=(v - b) if lower else (b - v), reason="not_met")


# -- zero incidence -----------------------------------------------------------------------------


def zero_incidence(si: ScoreInput) -> ScoreOutcome:
    std, v = si.standard_score, _num(si)
    if v == 0:
        return ScoreOutcome(score=std, expression=f"{fmt_number(std)}（0起）", benchmark=ZERO, gap=ZERO)
    return ScoreOutcome(score=ZERO, expression=f"0（{fmt_number(v)}起>0）", benchmark=ZERO, gap=v, reason="incidents")


@hookimpl
def jixiao_scoring_methods():
    return [
        ScoringMethod(
            name="deduct_per_point", title="每低1个百分点扣分 deduction per percentage point",
            score=deduct_per_point, check_params=check_deduct,
            formula="score = std − max(0, benchmark − value) × 100 × std × k  (or × points per point)",
            params={"k": "share of the standard score per point (3%)", "points": "fixed points per point instead of k",
                    "benchmark": "value for full marks (default: the target)", "direction": "higher or lower"},
            example="B11: 3.44=5-(1-89.63%)*5*100*3%"),
        ScoringMethod(
            name="rating_times_standard", title="标准分×评定比例 standard × rating (5分法)",
            score=rating_times_standard, formula="score = std × rating", example="A22: 1.60=2*80%"),
        ScoringMethod(
            name="full_if_met", title="达标法 full if met", score=full_if_met,
            formula="score = std if value meets the benchmark, else partial (default 0)",
            params={"benchmark": "default: the target", "partial": "score when not met (default 0)"},
            example="10.00=10（103.22%≥100%）"),
        ScoringMethod(
            name="zero_incidence", title="零发生 zero incidence", score=zero_incidence,
            formula="score = std if no incident occurred, else 0", example="C22: 5.00=5（0起）"),
    ]
