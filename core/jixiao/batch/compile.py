"""Compiling a pack's declarative rules into one columnar program over all projects, in exact fixed point.

Each leaf becomes (vectorised indicator form) → value rounding → (vectorised scoring method) → clamp
→ rounding → the tree's sums → the total. The built-in indicators' and scoring methods' forms live
beside their per-row forms (:mod:`jixiao.builtin.indicators`, :mod:`jixiao.builtin.methods`),
registered like a plugin's own through the ``vectorized`` field of its
:class:`~jixiao.types.IndicatorPlugin` / :class:`~jixiao.types.ScoringMethod` record; this module
reads the columns, runs the forms and walks the tree through the aggregators' forms (the
:class:`~jixiao.types.Aggregator` record's ``vectorized``: sum, weighted_mean, ordinal_counts, PEFA's,
PART's). A leaf whose plugin has no form, a node whose aggregator has none, or any row the fast path
cannot do exactly is evaluated by the real engine instead (row by row), so both paths give the same
digits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import attrs
import numpy as np

from ..builtin.indicators import budget_execution_rate_columnar as v_budget_execution_rate
from ..builtin.indicators import completion_columnar as v_completion
from ..builtin.indicators import formula_columnar as v_formula
from ..builtin.indicators import formula_shape
from ..builtin.indicators import handling_rate_columnar as v_handling_rate
from ..builtin.indicators import incident_count_columnar as v_incident_count
from ..builtin.indicators import input_value_columnar as v_input_value
from ..builtin.indicators import qualitative_rating_columnar as v_qualitative_rating
from ..builtin.indicators import recovery_columnar as v_recovery
from ..builtin.indicators import survey_rate_columnar as v_survey_rate
from ..builtin.methods import deduct_per_point_columnar as m_deduct_per_point
from ..builtin.methods import proportional_columnar as m_proportional
from ..builtin.methods import rate_times_standard_columnar as m_rate_times_standard
from ..builtin.methods import rating_times_standard_columnar as m_rating_times_standard
from ..builtin.methods import three_band_columnar as m_three_band
from ..builtin.methods import threshold_columnar as m_threshold
from ..builtin.methods import zero_incidence_columnar as m_zero_incidence
from ..errors import JixiaoError
from ..model import CARRY_UNROUNDED, ROUND_THEN_SUM, Group, Indicator, Pack, RuleSet, Target
from ..numbers import ZERO, to_decimal
from .fixed import Fixed, Frame, Marks, NodeColumn, numeric_of, to_scaled
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
    inputs: Mapping[str, Any] = attrs.field(factory=dict)
    """What the scoring method may read besides the value (``band``: the :class:`BandCells`)."""


@attrs.frozen(kw_only=True)
class BandCells:
    """The band each row names for a leaf (``band.C21``), or the template's band where the cell is empty."""

    column: Any
    """The portfolio column (an Arrow array) or None."""
    present: np.ndarray
    default: str | None


_SCALE = {"count": COUNT_SCALE, "amount": AMOUNT_SCALE, "rate": RATING_SCALE, "number": AMOUNT_SCALE}


class VecMeasure:
    """The columnar counterpart of :class:`jixiao.engine.Measure` for one leaf over all rows."""

    def __init__(self, *, indicator: Indicator, params: Mapping[str, Any], rule_set: RuleSet,
                 portfolio: Portfolio, layout: Layout, frame: Frame, defaults: Any, pack: Pack | None = None) -> None:
        self.indicator = indicator
        self.pack = pack
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
        return self.scalar(self._name(param), kind=kind)

    def scalar(self, name: str | None, *, kind: str = "number") -> Fixed:
        """The scalar input ``name`` (a row's cell, else the template's value) at the scale of its kind."""
        frame = self.frame
        scale = _SCALE.get(kind, AMOUNT_SCALE)
        default = _scalar_default(self._default_inputs().get(name) if name else None, scale)
        if name is None or (name not in self.layout.scalars and default is None):
            frame.mark(np.ones(frame.n, dtype=bool))
            return frame.full(0)
        if name in self.layout.scalars:
            f, present, ok = self.portfolio.fixed(self.layout.scalars[name], scale)
            frame.mark(~ok)
            if kind in ("count", "amount"):
                frame.mark(self.portfolio.percent(self.layout.scalars[name]))
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
        return self.table_named(self._name(param), columns)

    def table_named(self, name: str | None, columns: tuple[str, ...]) -> list[tuple[np.ndarray, dict[str, Fixed]]]:
        """The wide-form table input ``name``: per table row (present mask, column → values)."""
        frame = self.frame
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
                frame.mark(present & (~p | ~ok | (f.v < 0) | self.portfolio.percent(cols[c])))
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
        # An ordinal mark is checked against its scale by the engine; a band travels with the value
        # (see band()) and only three_band reads it.
        c = self.layout.per_code.get("mark", {}).get(code)
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

    def band(self) -> BandCells:
        """The band named for this leaf: the row's ``band.CODE`` cell, else the template rating's band."""
        code = self.indicator.code
        col = self.layout.per_code.get("band", {}).get(code)
        tmpl = self.defaults.ratings.get(code) if self.defaults is not None else None
        default = tmpl.band if tmpl is not None else None
        if col is None:
            return BandCells(column=None, present=np.zeros(self.frame.n, dtype=bool), default=default)
        return BandCells(column=self.portfolio.columns[col], present=self.portfolio.present(col), default=default)


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


BUILTIN_INDICATORS: dict[str, tuple[str, Callable[[VecMeasure], VecValue]]] = {
    "budget_execution_rate": ("budget_execution_rate", v_budget_execution_rate),
    "completion_rate": ("completion_measure", v_completion),
    "recovery_rate": ("recovery_measure", v_recovery),
    "handling_rate": ("handling_rate", v_handling_rate),
    "survey_rate": ("survey_rate", v_survey_rate),
    "incident_count": ("incident_count", v_incident_count),
    "qualitative_rating": ("qualitative_rating", v_qualitative_rating),
    "input_value": ("input_value", v_input_value),
    "formula": ("formula_value", v_formula),
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
    inputs: Mapping[str, Any] = attrs.field(factory=dict)
    """The measurement's extras (``band`` for qualitative ratings)."""


BUILTIN_METHODS: dict[str, tuple[str, Callable[[VecScore], Fixed]]] = {
    "deduct_per_point": ("deduct_per_point", m_deduct_per_point),
    "rating_times_standard": ("rating_times_standard", m_rating_times_standard),
    "full_if_met": ("threshold", m_threshold),
    "threshold": ("threshold", m_threshold),
    "rate_times_standard": ("rate_times_standard", m_rate_times_standard),
    "zero_incidence": ("zero_incidence", m_zero_incidence),
    "proportional": ("proportional", m_proportional),
    "three_band": ("three_band", m_three_band),
}


# ------------------------------------------------------------------------------------------------
# The program
# ------------------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class LeafPlan:
    leaf: Indicator
    measure: Callable[[VecMeasure], VecValue]
    score: Callable[[VecScore], Fixed]
    ordinal: bool = False
    """The method returns marks (:class:`~jixiao.batch.fixed.Marks`), not points."""


@attrs.frozen(kw_only=True)
class VecAggregate:
    """The columnar counterpart of :class:`jixiao.types.AggregateInput`: the node (None for the total),
    its children's columns (:class:`~jixiao.batch.fixed.NodeColumn`, each with ``code``, ``node``,
    ``standard_score``), the aggregator's parameters, the rule set, the pack and the frame."""

    group: Group | None
    children: tuple[NodeColumn, ...]
    params: Mapping[str, Any]
    rule_set: RuleSet
    pack: Pack
    frame: Frame

    @property
    def places(self) -> tuple[int, str] | None:
        """Where the node's number is rounded before it goes on (the tier level under
        ``round_then_sum``, the total level for the total), or None when its exact value goes on."""
        r = self.rule_set.rounding
        if self.group is None:
            return r.level("total")
        return r.level("tier") if r.tiers == ROUND_THEN_SUM else None


@attrs.frozen(kw_only=True)
class AggPlan:
    form: Callable[[VecAggregate], NodeColumn]
    numeric: bool


@attrs.frozen(kw_only=True)
class Program:
    """A pack compiled for columnar evaluation; ``reasons`` say why rows must all use the engine."""

    pack: Pack
    leaves: tuple[LeafPlan, ...]
    reasons: tuple[str, ...] = ()
    aggregators: Mapping[str, AggPlan] = attrs.field(factory=dict)
    """Group code → its aggregator's columnar form."""
    total: AggPlan | None = None

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
        if sform is None:
            reasons.append(f"{leaf.code}: scoring method {meth.name} has no columnar form")
        elif sform is m_proportional and pack.rule_set.rounding.leaves == CARRY_UNROUNDED:
            reasons.append(f"{leaf.code}: proportional scores are not finite decimals, so they are columnar "
                           "only with leaves = \"round_then_sum\"")
            sform = None
        if mform is v_formula and (why := formula_shape(leaf.source.params, pack.rule_set)):
            reasons.append(f"{leaf.code}: {why}")
            mform = None
        if mform is not None and sform is not None:
            plans.append(LeafPlan(leaf=leaf, measure=mform, score=sform, ordinal=bool(meth.ordinal)))

    aggs: dict[str, AggPlan] = {}

    def check(node: Any) -> None:
        if isinstance(node, Group):
            agg = registry.aggregator(node.aggregator.name)
            if agg.vectorized is None:
                reasons.append(f"{node.code}: aggregator {agg.name} has no columnar form")
            else:
                aggs[node.code] = AggPlan(form=agg.vectorized, numeric=agg.numeric)
            for c in node.children:
                check(c)

    for node in pack.tree:
        check(node)
    total = None
    if pack.rule_set.total_aggregator is not None:
        agg = registry.aggregator(pack.rule_set.total_aggregator)
        if agg.vectorized is None:
            reasons.append(f"total: aggregator {agg.name} has no columnar form")
        else:
            total = AggPlan(form=agg.vectorized, numeric=agg.numeric)
    return Program(pack=pack, leaves=tuple(plans), reasons=tuple(reasons), aggregators=aggs, total=total)


@attrs.frozen(kw_only=True)
class Columnar:
    """The columnar results: leaf scores and the total at :func:`output_places`, and the rows to redo."""

    leaves: Mapping[str, np.ndarray]
    total: np.ndarray | None
    fallback: np.ndarray
    texts: Mapping[str, Marks] = attrs.field(factory=dict)
    """Leaves scored as marks (ordinal): code → the marks of every row (valid where not fallback)."""
    nodes: Mapping[str, NodeColumn] = attrs.field(factory=dict)
    """Every group's column as it entered its parent (for checks; the results file has leaves and total)."""


def run_program(program: Program, portfolio: Portfolio, layout: Layout, defaults: Any) -> Columnar:
    pack = program.pack
    rs = pack.rule_set
    rounding = rs.rounding
    lp, lmode = rounding.level("leaf")
    out_places = output_places(rs)
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

    entering: dict[str, NodeColumn] = {}
    shown: dict[str, np.ndarray] = {}
    texts: dict[str, Marks] = {}
    for plan in program.leaves:
        leaf = plan.leaf
        vm = VecMeasure(indicator=leaf, params=leaf.source.params, rule_set=rs, portfolio=portfolio,
                        layout=layout, frame=frame, defaults=defaults, pack=pack)
        std = leaf.standard_score if leaf.standard_score is not None else ZERO
        value: Fixed | None = None
        raw: Any
        try:
            vv = plan.measure(vm)
            if vv.kind == "ordinal":
                if not plan.ordinal:  # a mark scored by points: the engine says what is wrong
                    frame.mark(np.ones(frame.n, dtype=bool))
                value = frame.full(0)
            else:
                value = _round_value(vv, rs, frame)
            raw = plan.score(VecScore(value=value, value_kind=vv.kind, standard_score=std, target=leaf.target,
                                      params=leaf.method.params, rule_set=rs, frame=frame, inputs=vv.inputs))
        except JixiaoError:
            # A rule the leaf's parameters make impossible (no benchmark, …): the engine reports it per row.
            frame.mark(np.ones(frame.n, dtype=bool))
            raw = Marks.of(frame.n, ()) if plan.ordinal else frame.full(0)
            vv = VecValue(kind="ordinal" if plan.ordinal else "number")
        if isinstance(raw, Marks) or plan.ordinal:
            if not isinstance(raw, Marks):
                frame.mark(np.ones(frame.n, dtype=bool))
                raw = Marks.of(frame.n, ())
            texts[leaf.code] = raw
            entering[leaf.code] = NodeColumn(marks=raw, code=leaf.code, node=leaf,
                                             standard_score=leaf.standard_score, value_kind=vv.kind)
            continue
        clamped = frame.clamp(raw, ZERO, std)
        rounded = frame.quantize(clamped, lp, lmode)
        entering[leaf.code] = NodeColumn(score=clamped if rounding.leaves == CARRY_UNROUNDED else rounded,
                                         code=leaf.code, node=leaf, standard_score=leaf.standard_score,
                                         value=value, value_kind=vv.kind)
        shown[leaf.code] = frame.rescale(rounded, out_places).v

    nodes: dict[str, NodeColumn] = {}

    def aggregate(group: Group | None, children: list[NodeColumn], agg: AggPlan, params: Mapping[str, Any]) -> NodeColumn:
        va = VecAggregate(group=group, children=tuple(children), params=params, rule_set=rs, pack=pack, frame=frame)
        try:
            out = agg.form(va)
        except JixiaoError:
            frame.mark(np.ones(frame.n, dtype=bool))
            out = NodeColumn(score=frame.full(0))
        return out

    def walk(node: Any) -> NodeColumn:
        if isinstance(node, Indicator):
            return entering[node.code]
        children = [walk(c) for c in node.children]
        out = aggregate(node, children, program.aggregators[node.code], node.aggregator.params)
        std = node.standard_score
        if std is None and program.aggregators[node.code].numeric:
            stds = [c.standard_score for c in children]
            std = sum((s for s in stds if s is not None), ZERO) if all(s is not None for s in stds) else None
        score = out.score
        if rounding.tiers == ROUND_THEN_SUM:
            if score is not None:
                score = frame.quantize(score, *rounding.level("tier"))
            elif out.ratio is not None:
                score = numeric_of(frame, out, rounding.level("tier"))
        col = NodeColumn(score=score, marks=out.marks, ratio=out.ratio, counts=out.counts, code=node.code,
                         node=node, standard_score=std)
        nodes[node.code] = col
        return col

    tops = [walk(n) for n in pack.tree]
    total = None
    if rs.total_aggregator is not None:
        assert program.total is not None
        out = aggregate(None, tops, program.total, {})
        if out.score is None and out.ratio is not None:
            out = NodeColumn(score=numeric_of(frame, out, rounding.level("total")), marks=out.marks)
        if out.score is None:
            frame.mark(np.ones(frame.n, dtype=bool))
            out = NodeColumn(score=frame.full(0))
        if out.marks is not None:  # a text total: the engine gives none; let it say so
            frame.mark(out.marks.codes >= 0)
        assert out.score is not None
        total = frame.rescale(frame.quantize(out.score, *rounding.level("total")), out_places).v
    return Columnar(leaves=shown, total=total, fallback=frame.fallback, texts=texts, nodes=nodes)


def output_places(rs: RuleSet) -> int:
    """The one precision of batch score columns: ``score_places``, or finer when the leaf or total level
    keeps more decimals (each value is its level's rounded figure, so 9 truncated prints 9.00)."""
    r = rs.rounding
    return max(r.score_places, r.level("leaf")[0], r.level("total")[0])


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
