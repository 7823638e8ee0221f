"""Built-in scoring methods. Each returns the raw score and the working's right-hand side;
the core clamps to [0, standard score], rounds and prefixes the rounded score.

Every method documents its formula, parameters and an example here and in docs/scoring-methods.md;
``check_params`` returns one sentence per invalid parameter (run by ``jixiao validate``).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from itertools import pairwise
from typing import Any

import attrs

from ..errors import ConfigError, DataError
from ..hookspecs import hookimpl
from ..model import ScoreOutcome, quick_init
from ..numbers import (
    CONTEXT,
    HUNDRED,
    ONE,
    ZERO,
    fmt_number,
    fmt_percent,
    fmt_percent_short,
    to_decimal,
)
from ..types import Example, ParamSpec, ScoreInput, ScoringMethod


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


def benchmark_of(si: Any) -> Decimal:
    """The value full marks need: the ``benchmark`` parameter, else the target's number.

    Takes anything with ``params`` and ``target`` (a ScoreInput, or the batch engine's column input).
    A leaf with neither — no target, a qualitative target (有效), a deadline (12月底前) or a range for a
    method that scores against one number — is a located configuration error: there is no default
    benchmark.
    """
    b = si.params.get("benchmark")
    if b is not None:
        return to_decimal(b)
    t = si.target
    if t is not None and t.value is not None and t.comparator != "between":
        return t.value
    raise ConfigError(_no_benchmark(si), file=getattr(si, "file", None), path=_target_path(si))


def _target_path(si: Any) -> str | None:
    ind = getattr(si, "indicator", None)
    return f"$.indicators.{ind.code}.target" if ind is not None else None


def _no_benchmark(si: Any) -> str:
    ind = getattr(si, "indicator", None)
    who = f"indicator {ind.code} ({ind.name})" if ind is not None else "this indicator"
    t = si.target
    if t is None or (t.value is None and not t.text):
        return f"{who} has no target and its method has no benchmark parameter: give target = \"≥95%\" (or the unit's own)"
    if t.comparator == "between":
        return (f"{who}: the range target {t.display()} needs a method that scores ranges (threshold); "
                f"or give benchmark = …")
    return (f"{who}: the target {t.text!r} is {'a deadline' if t.kind == 'date' else 'qualitative'}, not a number; "
            f"score it with a rating method (qualitative_levels, three_band, rating_times_standard) or give a "
            f"numeric target")


def lower_is_better(si: Any) -> bool:
    """True for lower-is-better: ``direction = "lower"``, else a ≤ or < target."""
    d = si.params.get("direction")
    if d is not None:
        return d == "lower"
    return si.target is not None and si.target.comparator in ("<=", "<")


_outcome = quick_init(ScoreOutcome, "score", "expression", "benchmark", "gap", "reason")
"""ScoreOutcome(score=, expression=, benchmark=, gap=, reason=) for the methods every seed row runs, made
as :func:`jixiao.model.quick_init` makes it (the same object, without attrs' __init__)."""


def _num(si: ScoreInput) -> Decimal:
    if not isinstance(si.value, Decimal):
        raise TypeError(f"expected a numeric value, got {si.value!r}")
    return si.value


# -- deduction per percentage point ------------------------------------------------------------


def deduct_per_point(si: ScoreInput) -> ScoreOutcome:
    return _deduct_per_point(si, written=True)


def deduct_per_point_figure(si: ScoreInput) -> ScoreOutcome:
    """:func:`deduct_per_point` without its expression (the record's figure form)."""
    return _deduct_per_point(si, written=False)


def _deduct_per_point(si: ScoreInput, *, written: bool) -> ScoreOutcome:
    std, v, b = si.standard_score, _num(si), benchmark_of(si)
    lower = lower_is_better(si)
    gap = (v - b) if lower else (b - v)
    if gap <= 0:
        sign = "≤" if lower else "≥"
        expr = f"{fmt_number(std)}（{value_text(si, v)}{sign}{cond_text(si, b)}）" if written else ""
        return _outcome(std, expr, b, ZERO, "")
    points = "points" in si.params
    if points:
        pts = to_decimal(si.params["points"])
        deduction = gap * HUNDRED * pts
    else:
        k = to_decimal(si.params.get("k", "0.03"))
        deduction = gap * HUNDRED * std * k
    expr = ""
    if written:
        std_t = fmt_number(std)
        diff = f"({value_text(si, v)}-{bench_text(si, b)})" if lower else f"({bench_text(si, b)}-{value_text(si, v)})"
        expr = f"{std_t}-{diff}*100*{fmt_number(pts)}" if points else f"{std_t}-{diff}*{std_t}*100*{fmt_percent_short(k)}"
    return _outcome(std - deduction, expr, b, gap, "below_benchmark")


def check_deduct(params: Mapping[str, Any]) -> list[str]:
    probs = []
    if "k" in params and "points" in params:
        probs.append("give either k (share of the standard score per point) or points, not both")
    for key in ("k", "points", "benchmark"):
        if key in params:
            try:
                d = to_decimal(params[key])
            except (TypeError, ValueError, ArithmeticError):
                probs.append(f"{key} must be a number or a percentage, got {params[key]!r}")
                continue
            if d < 0:
                probs.append(f"{key} cannot be negative")
    if "direction" in params and params["direction"] not in ("higher", "lower"):
        probs.append("direction must be 'higher' or 'lower'")
    return probs


# -- standard × rating -------------------------------------------------------------------------


def rating_times_standard(si: ScoreInput) -> ScoreOutcome:
    return _rating_times_standard(si, written=True)


def rating_times_standard_figure(si: ScoreInput) -> ScoreOutcome:
    """:func:`rating_times_standard` without its expression (the record's figure form)."""
    return _rating_times_standard(si, written=False)


def _rating_times_standard(si: ScoreInput, *, written: bool) -> ScoreOutcome:
    std, v = si.standard_score, _num(si)
    gap = ONE - v
    return _outcome(std * v, f"{fmt_number(std)}*{fmt_percent_short(v)}" if written else "", ONE, gap,
                    "rating" if gap > 0 else "")


# -- threshold / full if met (达标法 / 0-1法) ---------------------------------------------------

_MET_SIGN = {">=": ("≥", "<"), ">": (">", "≤"), "<=": ("≤", ">"), "<": ("<", "≥"), "=": ("=", "≠")}


def _comparator(si: ScoreInput) -> str:
    """How the value must relate to the benchmark: ``direction`` wins, else the target's comparator."""
    d = si.params.get("direction")
    if d is not None:
        return "<=" if d == "lower" else ">="
    if si.target is not None:
        return si.target.comparator
    return ">="


def _meets(v: Decimal, b: Decimal, comparator: str) -> bool:
    return {">=": v >= b, ">": v > b, "<=": v <= b, "<": v < b, "=": v == b}[comparator]


def _partial(si: ScoreInput) -> tuple[Decimal, str]:
    """The score when a threshold is missed: points (``2``) or a share of the standard (``"50%"``)."""
    raw = si.params.get("partial", 0)
    if isinstance(raw, str) and raw.strip().endswith("%"):
        share = to_decimal(raw)
        return si.standard_score * share, f"{fmt_number(si.standard_score)}*{fmt_percent_short(share)}"
    pts = to_decimal(raw)
    return pts, fmt_number(pts)


def threshold(si: ScoreInput) -> ScoreOutcome:
    t = si.target
    if t is not None and t.comparator == "between" and "benchmark" not in si.params and t.upper is not None:
        return _threshold_range(si, t.value, t.upper)
    std, v, b = si.standard_score, _num(si), benchmark_of(si)
    comp = _comparator(si)
    met = _meets(v, b, comp)
    sign = _MET_SIGN[comp][0 if met else 1]
    cond = f"{value_text(si, v)}{sign}{cond_text(si, b)}"
    if met:
        return ScoreOutcome(score=std, expression=f"{fmt_number(std)}（{cond}）", benchmark=b, gap=ZERO)
    partial, partial_text = _partial(si)
    return ScoreOutcome(score=partial, expression=f"{partial_text}（{cond}）", benchmark=b,
                        gap=abs(v - b), reason="not_met")


def _threshold_range(si: ScoreInput, lo: Decimal, hi: Decimal) -> ScoreOutcome:
    """A range target (``90%-95%``): full marks inside it, both ends included, else the partial score."""
    std, v = si.standard_score, _num(si)
    rng = f"{cond_text(si, lo)}-{cond_text(si, hi)}"
    if lo <= v <= hi:
        return ScoreOutcome(score=std, expression=f"{fmt_number(std)}（{value_text(si, v)}∈{rng}）", benchmark=lo,
                            gap=ZERO)
    partial, partial_text = _partial(si)
    gap = lo - v if v < lo else v - hi
    return ScoreOutcome(score=partial, expression=f"{partial_text}（{value_text(si, v)}∉{rng}）", benchmark=lo,
                        gap=gap, reason="not_met")


def deadline(si: ScoreInput) -> ScoreOutcome:
    """时效: full marks when the work was done by the deadline; late, ``per_day`` points off for each day
    (never below 0) or, without it, the ``partial`` score (default 0). The value is the days late."""
    std, late = si.standard_score, _num(si)
    inputs = si.measurement.inputs
    done = next((v for k, v in inputs.items() if k != "deadline"), "")
    due = inputs.get("deadline", "")
    if late <= 0:
        return ScoreOutcome(score=std, expression=f"{fmt_number(std)}（{done}≤{due}）", benchmark=ZERO, gap=ZERO)
    if "per_day" in si.params:
        per = to_decimal(si.params["per_day"])
        score = max(ZERO, std - late * per)
        return ScoreOutcome(score=score, expression=f"{fmt_number(std)}-{fmt_number(late)}*{fmt_number(per)}"
                            f"（{done}晚于{due} {fmt_number(late)}天）", benchmark=ZERO, gap=late, reason="late")
    partial, partial_text = _partial(si)
    return ScoreOutcome(score=partial, expression=f"{partial_text}（{done}晚于{due} {fmt_number(late)}天）",
                        benchmark=ZERO, gap=late, reason="late")


def deadline_columnar(vs: Any) -> Any:
    """deadline over all rows: std where the days late are ≤ 0, else std − days × ``per_day`` (never
    below 0) or the ``partial`` score."""
    import numpy as np

    from ..batch.fixed import Fixed

    f, std, late = vs.frame, vs.standard_score, vs.value
    on_time = f.cmp_const(late, 0) <= 0
    if "per_day" in vs.params:
        left = f.sub(f.full(std), f.mul_const(late, to_decimal(vs.params["per_day"])))
        late_score = Fixed(np.maximum(left.v, 0), left.scale)
    else:
        raw = vs.params.get("partial", 0)
        if isinstance(raw, str) and raw.strip().endswith("%"):
            late_score = f.full(std * to_decimal(raw))
        else:
            late_score = f.full(to_decimal(raw))
    return f.where(on_time, f.full(std), late_score)


def check_deadline(params: Mapping[str, Any]) -> list[str]:
    probs = []
    if "per_day" in params:
        probs += _check_number(params, "per_day")
    return probs


full_if_met = threshold
"""The original name of :func:`threshold`, kept for packs that use it."""


def check_threshold(params: Mapping[str, Any]) -> list[str]:
    probs = _check_direction(params)
    if "benchmark" in params:
        probs += _check_number(params, "benchmark", negative_ok=True)
    if "partial" in params:
        raw = params["partial"]
        try:
            d = to_decimal(raw)
        except (TypeError, ValueError, ArithmeticError):
            return probs + [f"partial must be points (2) or a share of the standard score (\"50%\"), got {raw!r}"]
        if d < 0:
            probs.append("partial cannot be negative")
        elif isinstance(raw, str) and raw.strip().endswith("%") and d > 1:
            probs.append("partial as a share of the standard score cannot exceed 100%")
    return probs


def _check_direction(params: Mapping[str, Any]) -> list[str]:
    if "direction" in params and params["direction"] not in ("higher", "lower"):
        return [f"direction must be 'higher' or 'lower', got {params['direction']!r}"]
    return []


def _check_number(params: Mapping[str, Any], key: str, *, negative_ok: bool = False,
                  positive: bool = False) -> list[str]:
    raw = params[key]
    try:
        d = to_decimal(raw)
    except (TypeError, ValueError, ArithmeticError):
        return [f"{key} must be a number or a percentage, got {raw!r}"]
    if not d.is_finite():
        return [f"{key} must be a finite number, got {raw!r}"]
    if positive and d <= 0:
        return [f"{key} must be greater than 0, got {raw!r}"]
    if not negative_ok and d < 0:
        return [f"{key} cannot be negative, got {raw!r}"]
    return []


# -- proportional (比率法) -------------------------------------------------------------------------


def proportional(si: ScoreInput) -> ScoreOutcome:
    """value ÷ target × std (higher is better) or target ÷ value × std (lower is better), capped."""
    return _proportional(si, written=True)


def proportional_figure(si: ScoreInput) -> ScoreOutcome:
    """:func:`proportional` without its expression (the record's figure form)."""
    return _proportional(si, written=False)


def _proportional(si: ScoreInput, *, written: bool) -> ScoreOutcome:
    std, v, b = si.standard_score, _num(si), benchmark_of(si)
    lower = lower_is_better(si)
    if (v <= b) if lower else (v >= b):
        return _outcome(std, f"{fmt_number(std)}（{value_text(si, v)}{'≤' if lower else '≥'}{cond_text(si, b)}）"
                        if written else "", b, ZERO, "")
    gap = (v - b) if lower else (b - v)
    if b <= 0:
        # A ratio to a target of 0 or below means nothing (0 ÷ v, or two negatives giving more than 100%):
        # missing such a target scores 0.
        return _outcome(ZERO, f"0（{value_text(si, v)}{'>' if lower else '<'}{cond_text(si, b)}）" if written else "",
                        b, gap, "below_benchmark")
    if lower:
        # v > b > 0 here, so the ratio is well defined.
        score = CONTEXT.multiply(CONTEXT.divide(b, v), std)
    else:
        score = CONTEXT.multiply(CONTEXT.divide(v, b), std)
    expr = ""
    if written:
        std_t, vt, bt = fmt_number(std), value_text(si, v), bench_text(si, b)
        if lower:
            expr = f"{bt}/{vt}*{std_t}"
        else:
            expr = f"{vt}*{std_t}" if b == ONE else f"{vt}/{bt}*{std_t}"
    return _outcome(score, expr, b, gap, "below_benchmark")


def check_proportional(params: Mapping[str, Any]) -> list[str]:
    probs = _check_direction(params)
    if "benchmark" in params:
        probs += _check_number(params, "benchmark", negative_ok=True)
    return probs


# -- rate × standard (the national self-evaluation form's 预算执行率) ---------------------------------


def rate_times_standard(si: ScoreInput) -> ScoreOutcome:
    """std × rate; the core caps it at the standard score (``min(10,10*103.22%)``)."""
    std, v = si.standard_score, _num(si)
    gap = ONE - v if v < ONE else ZERO
    return ScoreOutcome(score=CONTEXT.multiply(std, v), expression=f"{fmt_number(std)}*{value_text(si, v)}",
                        benchmark=ONE, gap=gap, reason="below_benchmark" if gap > 0 else "")


# -- banded (区间法) ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Band:
    """One band of a banded method: ``lower`` to ``upper`` (``None``: unbounded) with explicit inclusion."""

    lower: Decimal | None
    upper: Decimal | None
    lower_inclusive: bool = True
    upper_inclusive: bool = False
    points: Decimal | None = None
    fraction: Decimal | None = None
    name: str = ""
    where: str = ""

    def contains(self, v: Decimal) -> bool:
        if self.lower is not None and (v < self.lower or (v == self.lower and not self.lower_inclusive)):
            return False
        return not (self.upper is not None and (v > self.upper or v == self.upper and not self.upper_inclusive))


_BANDS: dict[tuple[int, str, bool, tuple[bool, bool]], tuple[Any, list[Band], list[str]]] = {}
"""What :func:`_parse_bands` read from a pack's bands parameter, by the parameter's identity (the entry
keeps it alive, so its id is no other object's); a pack's parameters are not changed once read."""


def _parse_bands(raw: Any, *, key: str = "bands", need_score: bool = True,
                 defaults: tuple[bool, bool] = (True, False)) -> tuple[list[Band], list[str]]:
    """Bands from pack parameters, with a sentence for each malformed one (new lists: callers add to them).

    Read once per parameter: a banded leaf asks for its bands whenever it scores (every batch row)."""
    k = (id(raw), key, need_score, defaults)
    held = _BANDS.get(k)
    if held is None or held[0] is not raw:
        held = (raw, *_read_bands(raw, key=key, need_score=need_score, defaults=defaults))
        if len(_BANDS) < 4096:
            _BANDS[k] = held
    return list(held[1]), list(held[2])


def _read_bands(raw: Any, *, key: str, need_score: bool, defaults: tuple[bool, bool]) -> tuple[list[Band], list[str]]:
    probs: list[str] = []
    if not isinstance(raw, (list, tuple)) or not raw:
        return [], [f"{key} must be a non-empty array of tables like {{ lower = \"90%\", points = 5 }}"]
    bands = []
    for i, entry in enumerate(raw):
        where = f"{key}[{i}]"
        if not isinstance(entry, Mapping):
            probs.append(f"{where} must be a table like {{ lower = \"90%\", upper = \"100%\", points = 5 }}")
            continue
        allowed = {"lower", "upper", "lower_inclusive", "upper_inclusive", "name", "name_en"}
        allowed |= {"points", "fraction"} if need_score else set()
        for k in entry:
            if k not in allowed:
                probs.append(f"{where}: unknown key {k!r}; expected {', '.join(sorted(allowed))}")
        nums: dict[str, Decimal | None] = {}
        ok = True
        for k in ("lower", "upper", "points", "fraction"):
            if k not in entry:
                nums[k] = None
                continue
            try:
                d = nums[k] = to_decimal(entry[k])
                if not d.is_finite():
                    raise ValueError
            except (TypeError, ValueError, ArithmeticError):
                probs.append(f"{where}.{k} must be a number or a percentage, got {entry[k]!r}")
                ok = False
        for k in ("lower_inclusive", "upper_inclusive"):
            if k in entry and not isinstance(entry[k], bool):
                probs.append(f"{where}.{k} must be true or false, got {entry[k]!r}")
                ok = False
        if not ok:
            continue
        if need_score and (nums["points"] is None) == (nums["fraction"] is None):
            probs.append(f"{where} needs exactly one of points (fixed points) or fraction (share of the standard)")
            continue
        if nums["points"] is not None and nums["points"] < 0:
            probs.append(f"{where}.points cannot be negative")
        if nums["fraction"] is not None and not (0 <= nums["fraction"] <= 1):
            probs.append(f"{where}.fraction must lie between 0% and 100%")
        band = Band(lower=nums["lower"], upper=nums["upper"],
                    lower_inclusive=entry.get("lower_inclusive", defaults[0]),
                    upper_inclusive=entry.get("upper_inclusive", defaults[1]),
                    points=nums["points"], fraction=nums["fraction"], name=str(entry.get("name", "")),
                    where=where)
        if band.lower is not None and band.upper is not None and (
                band.lower > band.upper
                or (band.lower == band.upper and not (band.lower_inclusive and band.upper_inclusive))):
                probs.append(f"{where} is empty: lower {fmt_number(band.lower)} is not below upper "
                             f"{fmt_number(band.upper)}")
                continue
        bands.append(band)
    return bands, probs


def _band_order_problems(bands: list[Band]) -> list[str]:
    """Gaps and overlaps between bands, as sentences (bands may be written in any order)."""
    probs: list[str] = []
    ordered = sorted(bands, key=lambda b: (b.lower is not None, b.lower if b.lower is not None else ZERO,
                                           not b.lower_inclusive))
    for a, b in pairwise(ordered):
        if b.lower is None or a.upper is None:
            probs.append(f"{a.where} and {b.where} overlap (both unbounded on the same side)")
            continue
        if a.upper < b.lower:
            probs.append(f"gap between {a.where} (up to {fmt_number(a.upper)}) and {b.where} "
                         f"(from {fmt_number(b.lower)})")
        elif a.upper > b.lower:
            probs.append(f"{a.where} and {b.where} overlap between {fmt_number(b.lower)} and {fmt_number(a.upper)}")
        elif a.upper_inclusive and b.lower_inclusive:
            probs.append(f"{a.where} and {b.where} both include {fmt_number(a.upper)}: set upper_inclusive = false "
                         f"on one or lower_inclusive = false on the other")
        elif not a.upper_inclusive and not b.lower_inclusive:
            probs.append(f"{fmt_number(a.upper)} lies in neither {a.where} nor {b.where}: one of them must include it")
    return probs


def check_banded(params: Mapping[str, Any]) -> list[str]:
    if "bands" not in params:
        return ["banded needs bands = [{ lower = …, upper = …, points = … }, …]"]
    bands, probs = _parse_bands(params["bands"])
    return probs + _band_order_problems(bands)


def _bound_text(si: ScoreInput, d: Decimal) -> str:
    return cond_text(si, d)


def banded(si: ScoreInput, written: bool = True) -> ScoreOutcome:
    std, v = si.standard_score, _num(si)
    bands, probs = _parse_bands(si.params.get("bands"))
    probs += _band_order_problems(bands)
    code = si.indicator.code if si.indicator is not None else "?"
    if probs:
        raise ConfigError(f"indicator {code}: banded scoring: " + "; ".join(probs),
                          path=f"$.indicators.{code}.score.bands")
    hit = next((b for b in bands if b.contains(v)), None)
    if hit is None:
        shown = ", ".join(_describe_band(si, b) for b in bands)
        raise DataError(f"indicator {code}: the value {value_text(si, v)} lies in none of the bands of its banded "
                        f"scoring ({shown})", file=si.file, path=f"value of indicator {code}",
                        hint="the pack's bands should cover every value the indicator can take")
    cond = _describe_band(si, hit, v) if written else ""
    if hit.points is not None:
        score, expr = hit.points, f"{fmt_number(hit.points)}（{cond}）" if written else ""
    else:
        fraction = hit.fraction if hit.fraction is not None else ZERO  # check_params: points or fraction
        score = CONTEXT.multiply(std, fraction)
        expr = f"{fmt_number(std)}*{fmt_percent_short(fraction)}（{cond}）" if written else ""
    # Points lost are measured from the band that gives the most points.
    best = max(bands, key=lambda b: b.points if b.points is not None else CONTEXT.multiply(std, b.fraction or ZERO))
    reason, gap = "", ZERO
    if best is not hit and best.lower is not None and v < best.lower:
        reason, gap = "below_benchmark", best.lower - v
    return _outcome(score, expr, best.lower, gap, reason)


def banded_figure(si: ScoreInput) -> ScoreOutcome:
    """:func:`banded` without its expression (the record's figure form; its refusals as they are)."""
    return banded(si, False)


def banded_columnar(vs: Any) -> Any:
    """banded over all rows (the batch engine's form): each row takes the points (or share of std) of
    the band its value lies in. Bands the pack defines badly, or a value in no band: the rows go to
    :func:`banded`, which reports them in its own words."""
    import numpy as np

    f = vs.frame
    bands, probs = _parse_bands(vs.params.get("bands"))
    probs += _band_order_problems(bands)
    if probs:
        f.mark(np.ones(f.n, dtype=bool))
        return f.full(0)
    out = f.full(0)
    hit = np.zeros(f.n, dtype=bool)
    for b in bands:
        inside = ~hit & _band_mask(f, vs.value, b)
        score = b.points if b.points is not None else CONTEXT.multiply(vs.standard_score, b.fraction or ZERO)
        out = f.where(inside, f.full(score), out)
        hit |= inside
    f.mark(~hit)
    return out


def _band_mask(f: Any, v: Any, b: Band) -> Any:
    """Rows of the fixed-point column ``v`` inside band ``b`` (exact comparisons)."""
    import numpy as np

    ok = np.ones(f.n, dtype=bool)
    if b.lower is not None:
        c = f.cmp_const(v, b.lower)
        ok &= (c >= 0) if b.lower_inclusive else (c > 0)
    if b.upper is not None:
        c = f.cmp_const(v, b.upper)
        ok &= (c <= 0) if b.upper_inclusive else (c < 0)
    return ok


def _describe_band(si: ScoreInput, b: Band, v: Decimal | None = None) -> str:
    mid = "x" if v is None else value_text(si, v)
    lo = "" if b.lower is None else f"{_bound_text(si, b.lower)}{'≤' if b.lower_inclusive else '<'}"
    hi = "" if b.upper is None else f"{'≤' if b.upper_inclusive else '<'}{_bound_text(si, b.upper)}"
    return f"{lo}{mid}{hi}"


# -- qualitative levels (5分法 and the national three-band scale) ---------------------------------

FIVE_LEVELS = ("100%", "80%", "60%", "40%", "20%")

THREE_BANDS = (
    {"name": "达成", "name_en": "met", "lower": "80%", "upper": "100%"},
    {"name": "部分达成", "name_en": "partly met", "lower": "60%", "upper": "80%"},
    {"name": "未达成", "name_en": "not met", "lower": "0%", "upper": "60%"},
)
"""The national scale (财预〔2020〕10号): a value inside the named band, boundaries in both bands."""


def _rating_path(si: ScoreInput, key: str) -> str | None:
    return f"$.ratings.{si.indicator.code}.{key}" if si.indicator is not None else None


def _levels(params: Mapping[str, Any]) -> list[Decimal]:
    return [to_decimal(x) for x in params.get("levels", FIVE_LEVELS)]


def qualitative_levels(si: ScoreInput) -> ScoreOutcome:
    std, v = si.standard_score, _num(si)
    levels = _levels(si.params)
    if not si.params.get("allow_between", False) and v not in levels:
        raise DataError(f"the rating {fmt_percent_short(v)} is not one of the levels "
                        f"{', '.join(fmt_percent_short(x) for x in levels)}", file=si.file,
                        path=_rating_path(si, "rating"),
                        hint="rate at one of the levels, or let the pack set allow_between = true")
    gap = max(levels) - v
    return ScoreOutcome(score=CONTEXT.multiply(std, v), expression=f"{fmt_number(std)}*{fmt_percent_short(v)}",
                        benchmark=max(levels), gap=gap, reason="rating" if gap > 0 else "")


def qualitative_levels_columnar(vs: Any) -> Any:
    """qualitative_levels over all rows: std × rating; a rating off the levels (unless allow_between)
    goes to :func:`qualitative_levels`, which names it."""
    import numpy as np

    f = vs.frame
    if check_levels(vs.params):
        f.mark(np.ones(f.n, dtype=bool))
        return f.full(0)
    if not vs.params.get("allow_between", False):
        on = np.zeros(f.n, dtype=bool)
        for x in _levels(vs.params):
            on |= f.cmp_const(vs.value, x) == 0
        f.mark(~on)
    return f.mul_const(vs.value, vs.standard_score)


def check_levels(params: Mapping[str, Any]) -> list[str]:
    probs = []
    raw = params.get("levels", FIVE_LEVELS)
    if not isinstance(raw, (list, tuple)) or not raw:
        probs.append("levels must be a non-empty array of percentages like [\"100%\", \"80%\"]")
    else:
        for i, x in enumerate(raw):
            try:
                d = to_decimal(x)
            except (TypeError, ValueError, ArithmeticError):
                probs.append(f"levels[{i}] must be a percentage, got {x!r}")
                continue
            if not (0 <= d <= 1):
                probs.append(f"levels[{i}] must lie between 0% and 100%, got {x!r}")
    if "allow_between" in params and not isinstance(params["allow_between"], bool):
        probs.append(f"allow_between must be true or false, got {params['allow_between']!r}")
    return probs


def _three_bands(params: Mapping[str, Any]) -> tuple[list[Band], list[str]]:
    raw = params.get("bands", THREE_BANDS)
    bands, probs = _parse_bands(raw, need_score=False, defaults=(True, True))
    if isinstance(raw, (list, tuple)):
        for i, entry in enumerate(raw):
            if isinstance(entry, Mapping) and (not isinstance(entry.get("name"), str) or not entry["name"]):
                probs.append(f"bands[{i}] needs a name (name = \"达成\")")
    names = [b.name for b in bands]
    for n in sorted({n for n in names if names.count(n) > 1}):
        probs.append(f"two bands are named {n!r}")
    return bands, probs


def _band_aliases(params: Mapping[str, Any]) -> dict[str, str]:
    raw = params.get("bands", THREE_BANDS)
    out = {}
    for entry in raw:
        if isinstance(entry, Mapping) and isinstance(entry.get("name"), str):
            out[entry["name"]] = entry["name"]
            if isinstance(entry.get("name_en"), str):
                out[entry["name_en"]] = entry["name"]
    return out


def three_band(si: ScoreInput) -> ScoreOutcome:
    std, v = si.standard_score, _num(si)
    bands, probs = _three_bands(si.params)
    code = si.indicator.code if si.indicator is not None else "?"
    if probs:
        raise ConfigError(f"indicator {code}: three_band scoring: " + "; ".join(probs),
                          path=f"$.indicators.{code}.score.bands")
    names = ", ".join(b.name for b in bands)
    entered = si.measurement.inputs.get("band") or ""
    if not entered:
        raise ConfigError(f"indicator {code} is scored on the three-band scale: name the band the rating lies in "
                          f"(band = one of {names})", file=si.file, path=_rating_path(si, "band"))
    name = _band_aliases(si.params).get(entered)
    band = next((b for b in bands if b.name == name), None)
    if band is None:
        raise ConfigError(f"unknown band {entered!r}; expected one of {names}", file=si.file,
                          path=_rating_path(si, "band"))
    if not band.contains(v):
        raise DataError(f"the rating {fmt_percent_short(v)} lies outside the band {band.name} "
                        f"({_describe_band(si, band)} of the standard score)", file=si.file,
                        path=_rating_path(si, "rating"))
    return ScoreOutcome(score=CONTEXT.multiply(std, v),
                        expression=f"{fmt_number(std)}*{fmt_percent_short(v)}（{band.name}）",
                        benchmark=ONE, gap=ONE - v, reason="rating" if v < ONE else "")


def check_three_band(params: Mapping[str, Any]) -> list[str]:
    bands, probs = _three_bands(params)
    for b in bands:
        for bound in (b.lower, b.upper):
            if bound is not None and not (0 <= bound <= 1):
                probs.append(f"{b.where} must lie between 0% and 100% of the standard score")
    # Bands share their boundaries (both inclusive by default), so only gaps are problems here.
    ordered = sorted(bands, key=lambda b: b.lower if b.lower is not None else ZERO)
    for a, b in pairwise(ordered):
        if a.upper is not None and b.lower is not None and a.upper < b.lower:
            probs.append(f"gap between {a.where} (up to {fmt_number(a.upper)}) and {b.where} "
                         f"(from {fmt_number(b.lower)})")
        elif a.upper is not None and b.lower is not None and a.upper > b.lower:
            probs.append(f"{a.where} and {b.where} overlap between {fmt_number(b.lower)} and {fmt_number(a.upper)}")
    return probs


# -- per-item deductions (扣分法) ------------------------------------------------------------------


def per_item_deduction(si: ScoreInput) -> ScoreOutcome:
    """std − items × points, floored at 0 by the core (``max(0,…)``)."""
    std, v = si.standard_score, _num(si)
    if v < 0:
        code = si.indicator.code if si.indicator is not None else "?"
        raise DataError(f"indicator {code}: the number of items cannot be negative, got {fmt_number(v)}",
                        file=si.file, path=f"value of indicator {code}")
    pts = to_decimal(si.params.get("points", 1))
    return ScoreOutcome(score=std - CONTEXT.multiply(v, pts), expression=f"{fmt_number(std)}-{fmt_number(v)}*"
                        f"{fmt_number(pts)}", benchmark=ZERO, gap=v, reason="incidents" if v > 0 else "")


def per_item_deduction_columnar(vs: Any) -> Any:
    """per_item_deduction over all rows: std − items × points (the core floors it at 0); a negative
    number of items goes to :func:`per_item_deduction`, which refuses it."""
    import numpy as np

    f = vs.frame
    if check_per_item(vs.params):
        f.mark(np.ones(f.n, dtype=bool))
        return f.full(0)
    f.mark(f.cmp_const(vs.value, 0) < 0)
    return f.sub(f.full(vs.standard_score), f.mul_const(vs.value, to_decimal(vs.params["points"])))


def check_per_item(params: Mapping[str, Any]) -> list[str]:
    if "points" not in params:
        return ["per_item_deduction needs points = the points deducted per item (e.g. 0.5)"]
    return _check_number(params, "points", positive=True)


# -- zero incidence -----------------------------------------------------------------------------


def zero_incidence(si: ScoreInput) -> ScoreOutcome:
    std, v = si.standard_score, _num(si)
    if v == 0:
        return ScoreOutcome(score=std, expression=f"{fmt_number(std)}（0起）", benchmark=ZERO, gap=ZERO)
    return ScoreOutcome(score=ZERO, expression=f"0（{fmt_number(v)}起>0）", benchmark=ZERO, gap=v, reason="incidents")


# ------------------------------------------------------------------------------------------------
# Columnar forms for jixiao batch (registered in each record's ``vectorized`` field; see
# docs/plugin-guide.md "Fast path"): the same rules over all rows in exact int64 fixed point
# (jixiao.batch.fixed), rows they cannot do exactly marked for the per-row forms above.
# ------------------------------------------------------------------------------------------------


def deduct_per_point_columnar(vs: Any) -> Any:
    f, std, b = vs.frame, vs.standard_score, benchmark_of(vs)
    bench = f.const_col(b, vs.value.scale)
    gap = f.sub(vs.value, bench) if lower_is_better(vs) else f.sub(bench, vs.value)
    if "points" in vs.params:
        factor = HUNDRED * to_decimal(vs.params["points"])
    else:
        factor = HUNDRED * std * to_decimal(vs.params.get("k", "0.03"))
    raw = f.sub(f.full(std), f.mul_const(gap, factor))
    return f.where(f.cmp_const(gap, 0) > 0, raw, f.full(std))


def rating_times_standard_columnar(vs: Any) -> Any:
    return vs.frame.mul_const(vs.value, vs.standard_score)


def threshold_columnar(vs: Any) -> Any:
    """threshold (达标法; also registered as full_if_met): std when met, else ``partial`` (points or a share)."""
    f, t = vs.frame, vs.target
    if t is not None and t.comparator == "between" and "benchmark" not in vs.params and t.upper is not None:
        # A range target (90%-95%): full marks inside it, both ends included.
        met = (f.cmp_const(vs.value, t.value) >= 0) & (f.cmp_const(vs.value, t.upper) <= 0)
    else:
        c = f.cmp_const(vs.value, benchmark_of(vs))
        met = {">=": c >= 0, ">": c > 0, "<=": c <= 0, "<": c < 0, "=": c == 0}[_comparator(vs)]
    raw = vs.params.get("partial", 0)
    if isinstance(raw, str) and raw.strip().endswith("%"):
        partial = vs.standard_score * to_decimal(raw)
    else:
        partial = to_decimal(raw)
    return f.where(met, f.full(vs.standard_score), f.full(partial))


def rate_times_standard_columnar(vs: Any) -> Any:
    return vs.frame.mul_const(vs.value, vs.standard_score)


def proportional_columnar(vs: Any) -> Any:
    """proportional (比率法), already rounded to ``score_places``: std when the target is met, else
    value ÷ target × std (target ÷ value × std when lower is better), 0 for a target ≤ 0.

    The engine computes the quotient and then the product in 34 significant digits; the exact quotient
    rounded once gives the same digits except exactly on a rounding midpoint (…5), where the engine's
    two 34-digit steps may land just below or above it. Those rows (and any row too large for the bound
    below) are computed here with the engine's own Decimal steps; all others in int64.
    """
    import numpy as np

    from ..batch.fixed import Fixed
    from ..numbers import CONTEXT, quantize

    f, std, b = vs.frame, vs.standard_score, benchmark_of(vs)
    rs = vs.rule_set
    sp, mode = rs.rounding.level("leaf")
    v = vs.value
    lower = lower_is_better(vs)
    c = f.cmp_const(v, b)
    met = c <= 0 if lower else c >= 0
    full = f.quantize(f.full(std), sp, mode).v
    out = np.where(met, full, 0).astype(np.int64)
    if b <= 0:
        return Fixed(out, sp)
    bi, bs = _const(b)
    si_, ss = _const(std)
    sv = v.scale
    n = f.n
    # score × 10^sp = num ÷ den, exactly; rows outside int64 or the bound take the slow path below.
    limit = _den_limit(std, sp)
    if lower:
        todo = ~met  # v > b > 0 here
        num_c, den_c = bi * si_ * 10 ** (sv + sp), 10 ** (bs + ss)
        if num_c > _LIMIT or den_c > _LIMIT:
            exact_ok = np.zeros(n, dtype=bool)
        else:
            exact_ok = (v.v > 0) & (v.v <= min(_LIMIT, limit - 1) // den_c)
        num_v = np.full(n, num_c if num_c <= _LIMIT else 0, dtype=np.int64)
        den_v = np.where(exact_ok, v.v, 1) * (den_c if den_c <= _LIMIT else 1)
    else:
        todo = ~met & (v.v > 0)  # v ≤ 0 below a positive target: the score is ≤ 0, clamped to 0
        den_c, mul = bi * 10 ** (sv + ss), si_ * 10 ** (bs + sp)
        if den_c > _LIMIT or mul > _LIMIT or den_c >= limit:
            exact_ok = np.zeros(n, dtype=bool)
            num_v, den_v = np.zeros(n, dtype=np.int64), np.ones(n, dtype=np.int64)
        else:
            exact_ok = np.abs(v.v) <= _LIMIT // mul
            num_v = np.where(exact_ok, v.v, 0) * mul
            den_v = np.full(n, den_c, dtype=np.int64)
    sel = todo & exact_ok
    num_s = np.where(sel, num_v, 0)
    den_s = den_v if lower else den_c  # one integer when higher is better: numpy's fast division by it
    q = num_s // den_s
    r = num_s - q * den_s  # no overflow: q·den ≤ num
    rest = den_s - r
    # Where the engine's two 34-digit steps may land on either side of the exact result: a midpoint for
    # the half modes, a multiple of 10^-sp itself for down / up.
    tie = sel & ((r == 0) if mode in ("down", "up") else (r == rest))
    if not lower and _strip25(bi) == 1 and bi <= 10**6:
        # v ÷ b is then a finite decimal of at most 34 digits (b = 2^i·5^j ≤ 10^6): the engine's quotient
        # and product are exact, a midpoint stays a midpoint, and the integer rounding above is its rounding.
        tie = np.zeros(n, dtype=bool)
    if mode == "down":
        up = np.zeros(n, dtype=bool)
    elif mode == "up":
        up = r > 0
    else:
        up = (r > rest) | ((r == rest) & (q % 2 == 1)) if mode == "half_even" else r >= rest
    out = np.where(sel, q + up, out)
    # Midpoints and rows beyond the int64 bound: the engine's Decimal steps, row by row.
    # Each distinct value once (the score depends on the value alone): a portfolio's midpoints repeat.
    slow = np.flatnonzero(tie | (todo & ~exact_ok))
    if len(slow):
        vals, where = np.unique(v.v[slow], return_inverse=True)
        scores = []
        for x in vals.tolist():
            d = Decimal(x).scaleb(-sv)
            raw = CONTEXT.multiply(CONTEXT.divide(b, d) if lower else CONTEXT.divide(d, b), std)
            raw = min(max(raw, ZERO), std)
            scores.append(int(quantize(raw, sp, mode).scaleb(sp)))
        out[slow] = np.array(scores, dtype=np.int64)[where]
    return Fixed(out, sp)


_LIMIT = 2**63 - 1
"""The int64 bound of the columnar forms."""


def _const(d: Decimal) -> tuple[int, int]:
    from ..batch.fixed import const

    return const(d)


def _strip25(k: int) -> int:
    """``k`` without its factors 2 and 5 (1 when 1/k is a finite decimal)."""
    k = abs(k)
    for p in (2, 5):
        while k and k % p == 0:
            k //= p
    return k


def _den_limit(std: Decimal, sp: int) -> int:
    """The largest denominator D of an exact score (× 10^sp) whose rounding the engine's 34-digit steps
    cannot change: their error (< 3·10⁻³³·std) stays below the distance 10^-sp/(2D) to any midpoint."""
    # D < 10^(33 − sp) / (6 · std)
    return int((Decimal(10) ** (33 - sp) / (6 * max(std, ONE))).to_integral_value(rounding="ROUND_FLOOR"))


def three_band_columnar(vs: Any) -> Any:
    """three_band: std × rating where the rating lies inside the band the row names (达成/部分达成/未达成).

    A missing or unknown band, a rating outside its band, or bands the pack defines badly: the row
    goes to the engine, which reports it (row and column) in its own words.
    """
    import numpy as np

    from ..batch.compile import BandCells

    f = vs.frame
    bands, probs = _three_bands(vs.params)
    cells = vs.inputs.get("band")
    if probs or not isinstance(cells, BandCells):
        f.mark(np.ones(f.n, dtype=bool))
        return f.full(0)
    names = [b.name for b in bands]
    aliases = _band_aliases(vs.params)
    keys = list(aliases)
    to_band = np.array([names.index(aliases[k]) if aliases[k] in names else -1 for k in keys] + [-1],
                       dtype=np.int64)
    default = names.index(aliases[cells.default]) if cells.default in aliases and aliases[cells.default] in names \
        else -1
    idx = np.full(f.n, default, dtype=np.int64)
    if cells.column is not None:
        import pyarrow as pa
        import pyarrow.compute as pc

        col = cells.column
        if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
            f.mark(cells.present)  # the engine reads such a cell as text and names what is wrong
            col = pa.nulls(len(col), pa.string())
        found = pc.index_in(col, value_set=pa.array(keys, pa.string())).fill_null(len(keys))
        row_band = to_band[np.asarray(found.to_numpy(zero_copy_only=False), dtype=np.int64)]
        idx = np.where(cells.present, row_band, idx)
    f.mark(idx < 0)
    v = vs.value
    inside = np.zeros(f.n, dtype=bool)
    for k, band in enumerate(bands):
        ok = idx == k
        if band.lower is not None:
            cl = f.cmp_const(v, band.lower)
            ok &= (cl >= 0) if band.lower_inclusive else (cl > 0)
        if band.upper is not None:
            cu = f.cmp_const(v, band.upper)
            ok &= (cu <= 0) if band.upper_inclusive else (cu < 0)
        inside |= ok
    f.mark(~inside)
    return f.mul_const(v, vs.standard_score)


def zero_incidence_columnar(vs: Any) -> Any:
    f = vs.frame
    return f.where(f.cmp_const(vs.value, 0) == 0, f.full(vs.standard_score), f.full(ZERO))


_BENCHMARK = ParamSpec(name="benchmark", type="percent", doc="value for full marks (default: the target)")
_DIRECTION = ParamSpec(name="direction", type="choice", choices=("higher", "lower"),
                       doc="higher or lower is better (default: the target's comparator; ≥ unless it says ≤, <, > or =)")
_PARTIAL = ParamSpec(name="partial", type="percent", default=0,
                     doc="score when not met: points (2) or a share of the standard score (\"50%\")")
_THRESHOLD_PARAMS = (
    ParamSpec(name="benchmark", type="percent", doc="value the threshold compares with (default: the target)"),
    _DIRECTION, _PARTIAL,
)

_RATE = '{ input = "rate", kind = "rate" }'
_RATING = '{ indicator = "qualitative_rating" }'
EXAMPLES = {
    # name: runnable examples (a leaf as a pack file writes it, the evaluation's entries, the working)
    "deduct_per_point": (Example.leaf(value=_RATE, score='{ method = "deduct_per_point", k = "3%" }', standard=5,
                                      target="≥100%", evaluation='[inputs]\nrate = "89.63%"',
                                      expect="3.44=5-(1-89.63%)*5*100*3%"),),
    "deadline": (Example.leaf(value='{ input = "done" }', score='{ method = "deadline", per_day = 0.5 }', standard=5,
                              target="12月底前", evaluation='[inputs]\ndone = "2024-01-03"',
                              expect="3.50=5-3*0.5（2024-01-03晚于2023-12-31 3天）"),),
    "rating_times_standard": (Example.leaf(value=_RATING, score='{ method = "rating_times_standard" }', standard=2,
                                           evaluation='[ratings.X1]\nrating = "80%"\nreason = "制度基本健全"',
                                           expect="1.60=2*80%"),),
    "full_if_met": (Example.leaf(value=_RATE, score='{ method = "full_if_met" }', target="≥100%",
                                 evaluation='[inputs]\nrate = "103.22%"', expect="10.00=10（103.22%≥100%）"),),
    "threshold": (Example.leaf(value=_RATE, score='{ method = "threshold", partial = "50%" }', standard=5,
                               target="≥90%", evaluation='[inputs]\nrate = "88%"', expect="2.50=5*50%（88.00%<90%）"),),
    "proportional": (Example.leaf(value='{ input = "days", kind = "number" }', score='{ method = "proportional" }',
                                  target="≤12天", evaluation="[inputs]\ndays = 15", expect="8.00=12/15*10"),),
    "rate_times_standard": (Example.leaf(value=_RATE, score='{ method = "rate_times_standard" }', target="100%",
                                         evaluation='[inputs]\nrate = "96.04%"', expect="9.60=10*96.04%"),),
    "banded": (Example.leaf(value=_RATE, score='{ method = "banded", bands = [{ lower = "90%", points = 5 }, '
                                               '{ lower = "85%", upper = "90%", points = 4 }, '
                                               '{ upper = "85%", points = 0 }] }',
                            standard=5, target="≥90%", evaluation='[inputs]\nrate = "89.63%"',
                            expect="4.00=4（85%≤89.63%<90%）"),),
    "qualitative_levels": (Example.leaf(value=_RATING, score='{ method = "qualitative_levels" }', standard=2,
                                        evaluation='[ratings.X1]\nrating = "80%"\nreason = "基本完善"',
                                        expect="1.60=2*80%"),),
    "three_band": (Example.leaf(value=_RATING, score='{ method = "three_band" }',
                                evaluation='[ratings.X1]\nrating = "85%"\nband = "达成"\nreason = "目标基本达成"',
                                expect="8.50=10*85%（达成）"),),
    "per_item_deduction": (Example.leaf(value='{ input = "missing", kind = "count" }',
                                        score='{ method = "per_item_deduction", points = 0.5 }', standard=5,
                                        evaluation="[inputs]\nmissing = 2", expect="4.00=5-2*0.5"),),
    "zero_incidence": (Example.leaf(value='{ indicator = "incident_count", count = "incidents" }',
                                    score='{ method = "zero_incidence" }', standard=5, target="=0起",
                                    evaluation="[inputs]\nincidents = 0", expect="5.00=5（0起）"),),
}


@hookimpl
def jixiao_scoring_methods():
    return [attrs.evolve(m, examples=EXAMPLES.get(m.name, ())) for m in _methods()]


def _methods():
    return [
        ScoringMethod(
            name="deduct_per_point", vectorized=deduct_per_point_columnar,
            title="每低1个百分点扣分 deduction per percentage point",
            score=deduct_per_point, figure=deduct_per_point_figure, check_params=check_deduct,
            formula="score = std − max(0, benchmark − value) × 100 × std × k  (or × points per point)",
            params=(ParamSpec(name="k", type="percent", default="3%",
                              doc="share of the standard score deducted per percentage point"),
                    ParamSpec(name="points", type="number", doc="fixed points deducted per percentage point instead of k"),
                    _BENCHMARK, _DIRECTION),
            example="B11: 3.44=5-(1-89.63%)*5*100*3%"),
        ScoringMethod(
            name="deadline", title="时效 on time by the deadline", score=deadline, check_params=check_deadline,
            vectorized=deadline_columnar,
            formula="score = std if done by the deadline (12月底前), else std − days late × per_day, or partial",
            params=(ParamSpec(name="per_day", type="number", doc="points off for each day late (default: the partial score)"),
                    ParamSpec(name="partial", type="percent", default=0,
                              doc="the score when late without per_day (points or \"50%\")")),
            example="5.00=5（2023-12-20≤2023-12-31）; 3.50=5-3*0.5（2024-01-03晚于2023-12-31 3天）"),
        ScoringMethod(
            name="rating_times_standard", vectorized=rating_times_standard_columnar,
            title="标准分×评定比例 standard × rating (5分法)",
            score=rating_times_standard, figure=rating_times_standard_figure, formula="score = std × rating",
            params=(), example="A22: 1.60=2*80%"),
        ScoringMethod(
            name="full_if_met", vectorized=threshold_columnar,
            title="达标法 full if met (= threshold)", score=full_if_met,
            check_params=check_threshold,
            formula="score = std if value meets the benchmark, else partial (default 0)",
            params=_THRESHOLD_PARAMS, example="10.00=10（103.22%≥100%）"),
        ScoringMethod(
            name="threshold", vectorized=threshold_columnar,
            title="达标法/0-1法 threshold", score=threshold, check_params=check_threshold,
            formula="score = std if value meets the benchmark (≥, >, ≤, < or = as the target says), else partial",
            params=_THRESHOLD_PARAMS, example="0.00=0（88%<90%）; with partial = \"50%\": 2.50=5*50%（88%<90%）"),
        ScoringMethod(
            name="proportional", vectorized=proportional_columnar,
            title="比率法 proportional",
            score=proportional, figure=proportional_figure, check_params=check_proportional,
            formula="score = min(std, value ÷ target × std); lower is better: min(std, target ÷ value × std)",
            params=(_BENCHMARK, ParamSpec(name="direction", type="choice", choices=("higher", "lower"),
                                          doc="higher or lower is better (default: lower when the target's "
                                              "comparator is ≤ or <)")),
            example="8.96=89.63%*10 (target 100%); 8.00=12/15*10 (target ≤12 days, actual 15)"),
        ScoringMethod(
            name="rate_times_standard", vectorized=rate_times_standard_columnar,
            title="执行率×分值 rate × standard (预算执行率)",
            score=rate_times_standard,
            formula="score = min(std, std × rate)", params=(),
            example="9.60=10*96.04%; 10.00=min(10,10*103.22%)"),
        ScoringMethod(
            name="banded", title="区间法 banded", score=banded, figure=banded_figure, check_params=check_banded,
            vectorized=banded_columnar,
            formula="score = the points (or share of std) of the band the value lies in",
            params=(ParamSpec(name="bands", type="list", required=True,
                              doc="array of { lower, upper, lower_inclusive = true, upper_inclusive = false, "
                                  "points | fraction }; contiguous and non-overlapping; lower/upper may be omitted "
                                  "for an unbounded end"),),
            example="4.00=4（85%≤89.63%<90%）; 3.00=5*60%（80%≤82%<85%）"),
        ScoringMethod(
            name="qualitative_levels", title="定性分档 qualitative levels (5 levels: 100/80/60/40/20%)",
            score=qualitative_levels, vectorized=qualitative_levels_columnar, check_params=check_levels,
            formula="score = std × rating, the rating one of the levels",
            params=(ParamSpec(name="levels", type="list", default=["100%", "80%", "60%", "40%", "20%"],
                              doc="the allowed ratings"),
                    ParamSpec(name="allow_between", type="bool", default=False,
                              doc="true lets a rating lie between the levels")),
            example="1.60=2*80%"),
        ScoringMethod(
            name="three_band", vectorized=three_band_columnar,
            title="三档评价 national three-band scale (达成/部分达成/未达成)",
            score=three_band, check_params=check_three_band,
            formula="score = std × rating, the rating inside its named band: 达成 80–100%, 部分达成 60–80%, 未达成 0–60%",
            params=(ParamSpec(name="bands", type="list",
                              doc="array of { name, name_en, lower, upper, lower_inclusive = true, "
                                  "upper_inclusive = true } (default the national 80/60 bands; a province's "
                                  "80/50 variant changes lower/upper)"),),
            example="[ratings.C1] rating = \"85%\", band = \"达成\" → 8.50=10*85%（达成）"),
        ScoringMethod(
            name="per_item_deduction", title="扣分法 per-item deduction", score=per_item_deduction,
            vectorized=per_item_deduction_columnar,
            check_params=check_per_item,
            formula="score = max(0, std − items × points)",
            params=(ParamSpec(name="points", type="number", required=True,
                              doc="points deducted per item (missing document, late case…)"),),
            example="4.00=5-2*0.5; 0.00=max(0,2-5*0.5)"),
        ScoringMethod(
            name="zero_incidence", vectorized=zero_incidence_columnar,
            title="零发生 zero incidence", score=zero_incidence,
            formula="score = std if no incident occurred, else 0", params=(), example="C22: 5.00=5（0起）"),
    ]
