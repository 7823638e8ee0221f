"""Compiling a pack's declarative rules into one columnar program over all projects, in exact fixed point.

Each leaf becomes (vectorised indicator form) → value rounding → (vectorised scoring method) → clamp
→ half-up rounding → the tree's sums → the total. The forms of the built-in indicators and methods
live here; a plugin can bring its own through the ``vectorized`` field of its
:class:`~jixiao.types.IndicatorPlugin` / :class:`~jixiao.types.ScoringMethod` record. A leaf whose
plugin has no form, a node with an aggregator other than ``sum``, or any row the fast path cannot
read exactly is evaluated by the real engine instead (row by row), so both paths give the same digits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import attrs
import numpy as np

from ..model import CARRY_UNROUNDED, Group, Indicator, Pack, RuleSet, Target
from ..numbers import HUNDRED, ONE, ZERO, to_decimal
from .fixed import Fixed, Frame, to_scaled
from .portfolio import PER_CODE, SURVEY_ANSWER, SURVEY_FIELD, TABLE_COLUMN, Portfolio

COUNT_SCALE = 0
AMOUNT_SCALE = 4
"""Amounts (万元) to 10^-4, i.e. one yuan; finer figures fall back to Decimal for their row."""
RATING_SCALE = 6


# ------------------------------------------------------------------------------------------------
# Column layout: which portfolio columns feed which input
# ------------------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Layout:
    """The portfolio's columns sorted by role (see docs/batch.md for the naming)."""

    scalars: Mapping[str, str]
    tables: Mapping[str, Mapping[int, Mapping[str, str]]]
    """input → table row label (as written, 1-based) → column → portfolio column."""
    surveys: Mapping[str, Mapping[str, Any]]
    """input → {"answers": {answer: column}, "responses": column, "question": …, "single_choice": …}."""
    per_code: Mapping[str, Mapping[str, str]]
    """``rating``/``reason``/``band``/``mark``/``override``/``override_reason`` → code → column."""
    ignored: tuple[str, ...] = ()


def layout_of(columns: list[str], known_inputs: set[str]) -> Layout:
    scalars: dict[str, str] = {}
    tables: dict[str, dict[int, dict[str, str]]] = {}
    surveys: dict[str, dict[str, Any]] = {}
    per_code: dict[str, dict[str, str]] = {}
    ignored: list[str] = []
    for col in columns:
        if col == "project_id":
            continue
        if m := TABLE_COLUMN.match(col):
            tables.setdefault(m["input"], {}).setdefault(int(m["row"]), {})[m["column"]] = col
        elif m := SURVEY_ANSWER.match(col):
            surveys.setdefault(m["input"], {"answers": {}})["answers"][m["answer"]] = col
        elif m := SURVEY_FIELD.match(col):
            surveys.setdefault(m["input"], {"answers": {}})[m["field"]] = col
        elif m := PER_CODE.match(col):
            per_code.setdefault(m["what"], {})[m["code"]] = col
        elif col in known_inputs:
            scalars[col] = col
        else:
            ignored.append(col)
    tables = {k: dict(sorted(v.items())) for k, v in tables.items()}
    return Layout(scalars=scalars, tables=tables, surveys=surveys, per_code=per_code, ignored=tuple(ignored))


# ------------------------------------------------------------------------------------------------
# What vectorised forms get
# ------------------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class VecValue:
    """A leaf's value over all rows: either exact fixed point or an unrounded ratio num ÷ den."""

    kind: str
    value: Fixed | None = None
    ratio: tuple[Fixed, Fixed] | None = None


_SCALE = {"count": COUNT_SCALE, "amount": AMOUNT_SCALE, "rate": RATING_SCALE, "number": AMOUNT_SCALE}


class VecMeasure:
    """The columnar counterpart of :class:`jixiao.engine.Measure` for one leaf over all rows."""

    def __init__(self, *, indicator: Indicator, params: Mapping[str, Any], rule_set: RuleSet,
                 portfolio: Portfolio, layout: Layout, frame: Frame, defaults: Any) -> None:
        self.indicator = indicator
        self.params = params
        self.rule_set = rule_set
        self.portfolio = portfolio
        self.layout = layout
        self.frame = frame
        self.defaults = defaults  # the template EvaluationConfig, or None

    def _name(self, param: str) -> str | None:
        name = self.params.get(param)
        return name if isinstance(name, str) else None

    def _default_inputs(self) -> Mapping[str, Any]:
        return self.defaults.inputs if self.defaults is not None else {}

    def number(self, param: str, *, kind: str = "number") -> Fixed:
        """The scalar input ``param`` names; rows the engine would question fall back."""
        frame = self.frame
        scale = _SCALE.get(kind, AMOUNT_SCALE)
        name = self._name(param)
        default = _scalar_default(self._default_inputs().get(name) if name else None, scale)
        if name is None or (name not in self.layout.scalars and default is None):
            frame.mark(np.ones(frame.n, dtype=bool))
            return frame.full(0)
        if name in self.layout.scalars:
            f, present, ok = self.portfolio.fixed(self.layout.scalars[name], scale)
            frame.mark(~ok)
            if default is None:
                frame.mark(~present)
                v = f.v
            else:
                v = np.where(present, f.v, default)
        else:
            v = np.full(frame.n, default, dtype=np.int64)
        if kind in ("count", "amount", "rate"):
            frame.mark(v < 0)
        return Fixed(v, scale)

    def table(self, param: str, columns: tuple[str, ...]) -> list[tuple[np.ndarray, dict[str, Fixed]]]:
        """The wide-form table ``param`` names: per table row (present mask, column → values)."""
        frame = self.frame
        name = self._name(param)
        layout_rows = self.layout.tables.get(name or "", {})
        out = []
        any_row = np.zeros(frame.n, dtype=bool)
        for cols in layout_rows.values():
            present = np.zeros(frame.n, dtype=bool)
            for col in cols.values():
                present |= self.portfolio.present(col)
            values: dict[str, Fixed] = {}
            for c in columns:
                if c not in cols:
                    frame.mark(present)
                    values[c] = frame.full(0)
                    continue
                f, p, ok = self.portfolio.fixed(cols[c], AMOUNT_SCALE)
                frame.mark(present & (~p | ~ok | (f.v < 0)))
                values[c] = Fixed(np.where(present, f.v, 0), f.scale)
            any_row |= present
            out.append((present, values))
        # A row with no table cells takes the template's table (or lacks the input): the engine decides.
        frame.mark(~any_row)
        return out

    def survey(self, param: str) -> tuple[dict[str, tuple[np.ndarray, Fixed]], Fixed | None]:
        frame = self.frame
        name = self._name(param)
        spec = self.layout.surveys.get(name or "")
        default = self._default_inputs().get(name) if name else None
        if spec is None or "single_choice" in spec or (isinstance(default, dict)
                                                       and default.get("single_choice", True) is not True):
            frame.mark(np.ones(frame.n, dtype=bool))
            return {}, None
        answers: dict[str, tuple[np.ndarray, Fixed]] = {}
        any_cell = np.zeros(frame.n, dtype=bool)
        for answer, col in spec["answers"].items():
            f, present, ok = self.portfolio.fixed(col, COUNT_SCALE)
            frame.mark(present & (~ok | (f.v < 0)))
            answers[answer] = (present, Fixed(np.where(present, f.v, 0), COUNT_SCALE))
            any_cell |= present
        responses = None
        if "responses" in spec:
            f, present, ok = self.portfolio.fixed(spec["responses"], COUNT_SCALE)
            frame.mark(present & (~ok | (f.v < 0)))
            frame.mark(~present)  # without responses the engine adds up the answers; keep that path exact
            responses = Fixed(np.where(present, f.v, 0), COUNT_SCALE)
            any_cell |= present
        frame.mark(~any_cell)
        return answers, responses

    def rating(self) -> Fixed:
        frame = self.frame
        code = self.indicator.code
        col = self.layout.per_code.get("rating", {}).get(code)
        tmpl = self.defaults.ratings.get(code) if self.defaults is not None else None
        default = to_scaled(tmpl.value, RATING_SCALE) if tmpl is not None and tmpl.value is not None else None
        for what in ("band", "mark"):
            c = self.layout.per_code.get(what, {}).get(code)
            if c is not None:
                frame.mark(self.portfolio.present(c))
        if col is None:
            if default is None:
                frame.mark(np.ones(frame.n, dtype=bool))
                return frame.full(0)
            return Fixed(np.full(frame.n, default, dtype=np.int64), RATING_SCALE)
        f, present, ok = self.portfolio.fixed(col, RATING_SCALE)
        frame.mark(~ok)
        if default is None:
            frame.mark(~present)
            v = f.v
        else:
            v = np.where(present, f.v, default)
        frame.mark((v < 0) | (v > 10**RATING_SCALE))
        return Fixed(v, RATING_SCALE)


def _scalar_default(value: Any, scale: int) -> int | None:
    if value is None or isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        return None
    try:
        d = to_decimal(value)
    except (TypeError, ValueError, ArithmeticError):
        return None
    return to_scaled(d, scale) if d.is_finite() else None


# ------------------------------------------------------------------------------------------------
# Vectorised forms of the built-in indicator plugins
# ------------------------------------------------------------------------------------------------


def v_budget_execution_rate(vm: VecMeasure) -> VecValue:
    bcol = vm.params.get("budget_column", "budget")
    acol = vm.params.get("actual_column", "actual")
    rows = vm.table("table", (bcol, acol))
    f = vm.frame
    total_b = f.sum([vals[bcol] for _, vals in rows])
    total_a = f.sum([vals[acol] for _, vals in rows])
    f.mark(total_b.v == 0)  # the engine refuses a zero budget (a located data error)
    return VecValue(kind="rate", ratio=(total_a, total_b))


def _v_ratio(num_param: str, den_param: str, cap: bool) -> Callable[[VecMeasure], VecValue]:
    def form(vm: VecMeasure) -> VecValue:
        kind = vm.params.get("kind", "count")
        num = vm.number(num_param, kind=kind)
        den = vm.number(den_param, kind=kind)
        if cap:
            num_, den_ = vm.frame.align(num, den)
            vm.frame.mark(num_.v > den_.v)
        return VecValue(kind="rate", ratio=(num, den))

    return form


v_completion = _v_ratio("done", "planned", cap=False)
v_recovery = _v_ratio("recovered", "total", cap=True)
_v_handled = _v_ratio("handled", "cases", cap=True)


def v_handling_rate(vm: VecMeasure) -> VecValue:
    if "table" not in vm.params:
        return _v_handled(vm)
    rcol = vm.params.get("received_column", "received")
    hcol = vm.params.get("handled_column", "handled")
    rows = vm.table("table", (rcol, hcol))
    f = vm.frame
    for present, vals in rows:
        f.mark(present & (vals[hcol].v > vals[rcol].v))
    received = f.sum([vals[rcol] for _, vals in rows])
    handled = f.sum([vals[hcol] for _, vals in rows])
    return VecValue(kind="rate", ratio=(handled, received))


def v_survey_rate(vm: VecMeasure) -> VecValue:
    f = vm.frame
    answers, responses = vm.survey("survey")
    chosen = vm.params.get("chosen")
    if not answers or not isinstance(chosen, (list, tuple)) or not chosen or any(c not in answers for c in chosen):
        f.mark(np.ones(f.n, dtype=bool))
        return VecValue(kind="rate", value=f.full(0))
    for c in chosen:
        f.mark(~answers[c][0])  # a chosen answer missing from the row: the engine names it
    total = f.sum([v for _, v in answers.values()])
    picked = f.sum([answers[c][1] for c in chosen])
    if responses is None:
        responses = total
    else:
        f.mark(responses.v != total.v)
    return VecValue(kind="rate", ratio=(picked, responses))


def v_incident_count(vm: VecMeasure) -> VecValue:
    return VecValue(kind="count", value=vm.number("count", kind="count"))


def v_qualitative_rating(vm: VecMeasure) -> VecValue:
    return VecValue(kind="rating", value=vm.rating())


BUILTIN_INDICATORS: dict[str, tuple[str, Callable[[VecMeasure], VecValue]]] = {
    "budget_execution_rate": ("budget_execution_rate", v_budget_execution_rate),
    "completion_rate": ("completion_measure", v_completion),
    "recovery_rate": ("recovery_measure", v_recovery),
    "handling_rate": ("handling_rate", v_handling_rate),
    "survey_rate": ("survey_rate", v_survey_rate),
    "incident_count": ("incident_count", v_incident_count),
    "qualitative_rating": ("qualitative_rating", v_qualitative_rating),
}
"""name → (function in jixiao.builtin.indicators it mirrors, columnar form)."""


# ------------------------------------------------------------------------------------------------
# Vectorised forms of the built-in scoring methods
# ------------------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class VecScore:
    """The columnar counterpart of :class:`jixiao.types.ScoreInput`."""

    value: Fixed
    value_kind: str
    standard_score: Decimal
    target: Target | None
    params: Mapping[str, Any]
    rule_set: RuleSet
    frame: Frame


def _benchmark(vs: VecScore) -> Decimal:
    b = vs.params.get("benchmark")
    if b is not None:
        return to_decimal(b)
    if vs.target is not None and vs.target.value is not None:
        return vs.target.value
    return ONE


def _lower(vs: VecScore) -> bool:
    d = vs.params.get("direction")
    if d is not None:
        return d == "lower"
    return vs.target is not None and vs.target.comparator in ("<=", "<")


def m_deduct_per_point(vs: VecScore) -> Fixed:
    f, std, b = vs.frame, vs.standard_score, _benchmark(vs)
    bench = f.const_col(b, vs.value.scale)
    gap = f.sub(vs.value, bench) if _lower(vs) else f.sub(bench, vs.value)
    if "points" in vs.params:
        factor = HUNDRED * to_decimal(vs.params["points"])
    else:
        factor = HUNDRED * std * to_decimal(vs.params.get("k", "0.03"))
    raw = f.sub(f.full(std), f.mul_const(gap, factor))
    return f.where(f.cmp_const(gap, 0) > 0, raw, f.full(std))


def m_rating_times_standard(vs: VecScore) -> Fixed:
    return vs.frame.mul_const(vs.value, vs.standard_score)


def _comparator(vs: VecScore) -> str:
    d = vs.params.get("direction")
    if d is not None:
        return "<=" if d == "lower" else ">="
    return vs.target.comparator if vs.target is not None else ">="


def m_threshold(vs: VecScore) -> Fixed:
    """threshold (达标法; also registered as full_if_met): std when met, else ``partial`` (points or a share)."""
    f, b = vs.frame, _benchmark(vs)
    c = f.cmp_const(vs.value, b)
    met = {">=": c >= 0, ">": c > 0, "<=": c <= 0, "<": c < 0, "=": c == 0}[_comparator(vs)]
    raw = vs.params.get("partial", 0)
    if isinstance(raw, str) and raw.strip().endswith("%"):
        partial = vs.standard_score * to_decimal(raw)
    else:
        partial = to_decimal(raw)
    return f.where(met, f.full(vs.standard_score), f.full(partial))


def m_rate_times_standard(vs: VecScore) -> Fixed:
    return vs.frame.mul_const(vs.value, vs.standard_score)


def m_zero_incidence(vs: VecScore) -> Fixed:
    f = vs.frame
    return f.where(f.cmp_const(vs.value, 0) == 0, f.full(vs.standard_score), f.full(ZERO))


BUILTIN_METHODS: dict[str, tuple[str, Callable[[VecScore], Fixed]]] = {
    "deduct_per_point": ("deduct_per_point", m_deduct_per_point),
    "rating_times_standard": ("rating_times_standard", m_rating_times_standard),
    "full_if_met": ("threshold", m_threshold),
    "threshold": ("threshold", m_threshold),
    "rate_times_standard": ("rate_times_standard", m_rate_times_standard),
    "zero_incidence": ("zero_incidence", m_zero_incidence),
}


# ------------------------------------------------------------------------------------------------
# The program
# ------------------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class LeafPlan:
    leaf: Indicator
    measure: Callable[[VecMeasure], VecValue]
    score: Callable[[VecScore], Fixed]


@attrs.frozen(kw_only=True)
class Program:
    """A pack compiled for columnar evaluation; ``reasons`` say why rows must all use the engine."""

    pack: Pack
    leaves: tuple[LeafPlan, ...]
    reasons: tuple[str, ...] = ()

    @property
    def vectorised(self) -> bool:
        return not self.reasons


def _builtin_form(rec: Any, module: str, table: Mapping[str, tuple[str, Callable]], attr: str) -> Callable | None:
    if rec.vectorized is not None:
        return rec.vectorized
    entry = table.get(rec.name)
    if entry is None:
        return None
    import importlib

    mod = importlib.import_module(module)
    # Only the very function this form mirrors: a plugin re-registering the name gets the engine.
    return entry[1] if getattr(mod, entry[0], None) is getattr(rec, attr) else None


def compile_pack(pack: Pack, registry: Any) -> Program:
    reasons: list[str] = []
    plans: list[LeafPlan] = []
    for leaf in pack.leaves():
        ind = registry.indicator(leaf.source.name)
        meth = registry.method(leaf.method.name)
        mform = _builtin_form(ind, "jixiao.builtin.indicators", BUILTIN_INDICATORS, "measure")
        sform = _builtin_form(meth, "jixiao.builtin.methods", BUILTIN_METHODS, "score")
        if mform is None:
            reasons.append(f"{leaf.code}: indicator {ind.name} has no columnar form")
        if sform is None or meth.ordinal:
            reasons.append(f"{leaf.code}: scoring method {meth.name} has no columnar form")
        if mform is not None and sform is not None:
            plans.append(LeafPlan(leaf=leaf, measure=mform, score=sform))

    def check(node: Any) -> None:
        if isinstance(node, Group):
            agg = registry.aggregator(node.aggregator.name)
            if agg.name != "sum" or not (agg.provenance is None or agg.provenance.plugin.startswith("jixiao.")):
                reasons.append(f"{node.code}: aggregator {agg.name} has no columnar form")
            for c in node.children:
                check(c)

    for node in pack.tree:
        check(node)
    if pack.rule_set.total_aggregator not in (None, "sum"):
        reasons.append(f"total: aggregator {pack.rule_set.total_aggregator} has no columnar form")
    return Program(pack=pack, leaves=tuple(plans), reasons=tuple(reasons))


@attrs.frozen(kw_only=True)
class Columnar:
    """The columnar results: leaf scores and the total at ``score_places``, and the rows to redo."""

    leaves: Mapping[str, np.ndarray]
    total: np.ndarray | None
    fallback: np.ndarray


def run_program(program: Program, portfolio: Portfolio, layout: Layout, defaults: Any) -> Columnar:
    pack = program.pack
    rs = pack.rule_set
    rounding = rs.rounding
    sp, mode = rounding.score_places, rounding.mode
    frame = Frame(portfolio.n)
    if not program.vectorised:
        frame.mark(np.ones(frame.n, dtype=bool))
        return Columnar(leaves={}, total=None, fallback=frame.fallback)
    # Overrides are rare and need their reasons checked: those rows go through the engine.
    for what in ("override", "override_reason"):
        for col in layout.per_code.get(what, {}).values():
            frame.mark(portfolio.present(col))
    if defaults is not None and defaults.overrides:
        frame.mark(np.ones(frame.n, dtype=bool))

    entering: dict[str, Fixed] = {}
    shown: dict[str, np.ndarray] = {}
    for plan in program.leaves:
        leaf = plan.leaf
        vm = VecMeasure(indicator=leaf, params=leaf.source.params, rule_set=rs, portfolio=portfolio,
                        layout=layout, frame=frame, defaults=defaults)
        vv = plan.measure(vm)
        value = _round_value(vv, rs, frame)
        std = leaf.standard_score if leaf.standard_score is not None else ZERO
        raw = plan.score(VecScore(value=value, value_kind=vv.kind, standard_score=std, target=leaf.target,
                                  params=leaf.method.params, rule_set=rs, frame=frame))
        clamped = frame.clamp(raw, ZERO, std)
        rounded = frame.quantize(clamped, sp, mode)
        entering[leaf.code] = clamped if rounding.leaves == CARRY_UNROUNDED else rounded
        shown[leaf.code] = rounded.v

    def walk(node: Any) -> Fixed:
        if isinstance(node, Indicator):
            return entering[node.code]
        return frame.sum([walk(c) for c in node.children])

    total = None
    if rs.total_aggregator is not None:
        total = frame.quantize(frame.sum([walk(n) for n in pack.tree]), sp, mode).v
    return Columnar(leaves=shown, total=total, fallback=frame.fallback)


def _round_value(vv: VecValue, rs: RuleSet, frame: Frame) -> Fixed:
    """What enters scoring: rates and ratings rounded to ``value_places`` (as the engine's round_value)."""
    places, mode = rs.rounding.value_places, rs.rounding.mode
    rate_like = vv.kind in ("rate", "rating")
    if vv.ratio is not None:
        if not rate_like or places is None:
            # An unrounded quotient is not a finite decimal in general: the engine computes it.
            frame.mark(np.ones(frame.n, dtype=bool))
            return frame.full(0)
        value, _ = frame.ratio(vv.ratio[0], vv.ratio[1], places, mode, rs.zero_division)
        return value
    assert vv.value is not None
    if rate_like and places is not None:
        return frame.quantize(vv.value, places, mode)
    return vv.value
