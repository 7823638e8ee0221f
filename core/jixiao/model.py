"""The domain model: packs, the indicator tree, rule sets, grading schemes, and evaluation results.

Every record is a frozen attrs class. Definitions (what a pack says) and results (what an
evaluation found) are separate: a renderer reads a :class:`EvaluationResult` and never recomputes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import attrs

from .numbers import fmt_fixed, quantize, to_decimal


def _opt_decimal(value: object) -> Decimal | None:
    return None if value is None else to_decimal(value)


def _tuple(value: Any) -> tuple[Any, ...]:
    """attrs converter: any iterable to a tuple (typed, so mypy keeps the field's element type)."""
    return tuple(value)


def working_text(w: Any) -> str:
    """A result's working as text: ``w`` itself, or what the function ``w`` writes (its lazy form)."""
    return w if isinstance(w, str) else w()


def _written_working(result: Any) -> str:
    """The working of a :class:`LeafResult` or :class:`NodeResult`, written once when first read (a lazy
    working is replaced by its text, so every read gives the same text)."""
    w = result._working
    if isinstance(w, str):
        return w
    w = w()
    object.__setattr__(result, "_working", w)
    return w


def _frozen_mapping(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(value or {}))


def quick_init(cls: type, *aliases: str) -> Callable[..., Any]:
    """A constructor of the frozen, slotted attrs class ``cls`` for the engine's hot path: it takes the
    fields ``aliases`` names (as ``cls(...)`` spells them) positionally, gives every other field its
    default, and writes the slots directly — about half the time of ``cls(...)``.

    No converter or validator runs on what it is given: the caller passes what the converter would
    return (a tuple, a :class:`MappingProxyType` of a dict no one else holds). Defaults are converted
    as ``cls(...)`` converts them (a factory's at every call). The instance equals the one ``cls(...)``
    makes from the same arguments.
    """
    fields = {f.alias: f for f in attrs.fields(cls)}
    if "__slots__" not in cls.__dict__ or hasattr(cls, "__attrs_post_init__") or \
            any(f.validator is not None for f in fields.values() if f.alias in aliases):
        raise TypeError(f"quick_init: {cls.__name__} is not a plain frozen slotted attrs class")
    missing = [f.alias for f in fields.values() if f.alias not in aliases and f.default is attrs.NOTHING]
    if any(isinstance(f.converter, attrs.Converter) for f in fields.values()):
        raise TypeError(f"quick_init({cls.__name__}): a converter taking the instance or its fields")
    if missing or not set(aliases) <= set(fields):
        raise TypeError(f"quick_init({cls.__name__}): fields without a default {missing} or unknown {aliases}")
    ns: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    lines = [f"def make({', '.join(f'a{i}' for i in range(len(aliases)))}):", "    self = _new(_cls)"]
    for i, f in enumerate(fields.values()):
        ns[f"_set{i}"] = cls.__dict__[f.name].__set__  # the slot's own descriptor: frozen __setattr__ bypassed
        if f.alias in aliases:
            lines.append(f"    _set{i}(self, a{aliases.index(f.alias)})")
        elif isinstance(f.default, attrs.Factory):  # type: ignore[arg-type]
            if f.default.takes_self:  # type: ignore[union-attr]
                raise TypeError(f"quick_init({cls.__name__}): {f.alias} has a factory taking self")
            ns[f"_factory{i}"] = f.default.factory  # type: ignore[union-attr]
            ns[f"_conv{i}"] = f.converter or (lambda v: v)
            lines.append(f"    _set{i}(self, _conv{i}(_factory{i}()))")
        else:
            ns[f"_default{i}"] = f.converter(f.default) if f.converter else f.default
            lines.append(f"    _set{i}(self, _default{i})")
    lines.append("    return self")
    exec("\n".join(lines), ns)  # noqa: S102 — a fixed template over the class's own field names
    make = ns["make"]
    make.__qualname__ = make.__name__ = f"quick_{cls.__name__}"
    return make


# --------------------------------------------------------------------------------------------
# Rule sets: rounding, division by zero, grading
# --------------------------------------------------------------------------------------------

ROUND_THEN_SUM = "round_then_sum"
CARRY_UNROUNDED = "carry_unrounded"
ROUNDING_MODE_NAMES = ("half_up", "half_even", "down", "up")
"""``half_up`` 四舍五入, ``half_even`` 银行家舍入, ``down`` 舍去 (toward zero), ``up`` 进一 (away from zero)."""
MAX_PLACES = 12
"""The most decimals any rounding point may keep (a bound, so a typo like 200 is refused)."""
LEVEL_KEYS = ("leaf_places", "leaf_mode", "tier_places", "tier_mode", "total_places", "total_mode")


def _places_ok(inst: Any, attribute: Any, value: Any) -> None:
    if value is None and attribute.name != "score_places":
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PLACES:
        raise ValueError(f"{attribute.name} must be a whole number from 0 to {MAX_PLACES}, got {value!r}")


def _mode_ok(inst: Any, attribute: Any, value: Any) -> None:
    if value is None and attribute.name != "mode":
        return
    if value not in ROUNDING_MODE_NAMES:
        raise ValueError(f"{attribute.name} must be one of {', '.join(ROUNDING_MODE_NAMES)}, got {value!r}")


@attrs.frozen(kw_only=True)
class RoundingPolicy:
    """Where figures are rounded, and how.

    The seed (Shanghai 2014) rounds each rate to two decimals of a percent *before* scoring
    (``value_places=4`` as a fraction), each leaf score to two decimals, and adds rounded leaves.
    Leaves, tiers (inner nodes) and the total may each have their own places and mode
    (``leaf_places``/``leaf_mode``, …); unset, they follow ``score_places`` and ``mode``. A form that
    truncates its items to whole points and rounds the total of the unrounded items once is
    ``leaf_places = 0, leaf_mode = "down", leaves = "carry_unrounded", total_places = 0``.
    """

    value_places: int | None = attrs.field(default=4, validator=_places_ok)
    """Decimals of a rate (as a fraction) that enter the scoring formula; ``None``: unrounded."""
    score_places: int = attrs.field(default=2, validator=_places_ok)
    """Decimals of every printed score (unless a level says otherwise), and of unrounded figures in workings."""
    mode: str = attrs.field(default="half_up", validator=_mode_ok)
    """``half_up`` (四舍五入) unless a rule set says otherwise; also the mode of ``value_places``."""
    leaves: str = attrs.field(
        default=ROUND_THEN_SUM, validator=attrs.validators.in_((ROUND_THEN_SUM, CARRY_UNROUNDED))
    )
    """``round_then_sum``: round each leaf, add rounded leaves; ``carry_unrounded``: add unrounded
    leaf scores and round only what is displayed and the total."""
    tiers: str = attrs.field(
        default=CARRY_UNROUNDED, validator=attrs.validators.in_((ROUND_THEN_SUM, CARRY_UNROUNDED))
    )
    """How an inner node enters its parent: ``carry_unrounded`` (the default: as its aggregator computed
    it; a sum of rounded leaves is exact anyway) or ``round_then_sum`` (rounded to ``tier_places``)."""
    leaf_places: int | None = attrs.field(default=None, validator=_places_ok)
    leaf_mode: str | None = attrs.field(default=None, validator=_mode_ok)
    tier_places: int | None = attrs.field(default=None, validator=_places_ok)
    tier_mode: str | None = attrs.field(default=None, validator=_mode_ok)
    total_places: int | None = attrs.field(default=None, validator=_places_ok)
    total_mode: str | None = attrs.field(default=None, validator=_mode_ok)

    def level(self, which: str) -> tuple[int, str]:
        """(places, mode) of ``leaf``, ``tier`` or ``total`` scores."""
        if which == "leaf":
            places, mode = self.leaf_places, self.leaf_mode
        elif which == "tier":
            places, mode = self.tier_places, self.tier_mode
        else:
            places, mode = getattr(self, f"{which}_places"), getattr(self, f"{which}_mode")
        return (self.score_places if places is None else places), (self.mode if mode is None else mode)

    @property
    def explicit(self) -> dict[str, Any]:
        """The level settings and ``tiers`` given explicitly (what the JSON document adds to its
        ``rule_set.rounding``; empty for every pack written before they existed)."""
        out: dict[str, Any] = {k: getattr(self, k) for k in LEVEL_KEYS if getattr(self, k) is not None}
        if self.tiers != CARRY_UNROUNDED:
            out["tiers"] = self.tiers
        return out

    def shown(self, value: Decimal, which: str) -> Decimal:
        """A ``leaf``, ``tier`` or ``total`` score as printed: rounded at that level's places and mode."""
        places, mode = self.level(which)
        return quantize(value, places, mode)

    def figure(self, value: Decimal, which: str, *, entered: bool = False) -> str:
        """The printed figure of a score at a level; ``entered`` (an override, a carried unrounded
        figure in a working) keeps digits the level would round away, up to ``score_places``."""
        places, mode = self.level(which)
        if not entered:
            return fmt_fixed(quantize(value, places, mode), places)
        if places >= self.score_places or quantize(value, places) == value:
            return fmt_fixed(value, places)
        return fmt_fixed(value, self.score_places)


@attrs.frozen(kw_only=True)
class GradeBand:
    """One grade: scores from ``lower`` to ``upper`` with explicit boundary inclusion."""

    label: str
    lower: Decimal | None = attrs.field(default=None, converter=_opt_decimal)
    """``None`` means no lower bound."""
    upper: Decimal | None = attrs.field(default=None, converter=_opt_decimal)
    """``None`` means no upper bound."""
    lower_inclusive: bool = True
    upper_inclusive: bool = False
    label_en: str | None = None

    def contains(self, score: Decimal) -> bool:
        below = self.lower is not None and (
            score < self.lower or (score == self.lower and not self.lower_inclusive))
        above = self.upper is not None and (
            score > self.upper or (score == self.upper and not self.upper_inclusive))
        return not (below or above)

    def describe(self) -> str:
        lo = "" if self.lower is None else f"{self.lower} {'≤' if self.lower_inclusive else '<'} "
        hi = "" if self.upper is None else f" {'≤' if self.upper_inclusive else '<'} {self.upper}"
        return f"{self.label}: {lo}s{hi}"


@attrs.frozen(kw_only=True)
class GradingScheme:
    """Ordered grade bands, highest first; gap-free and non-overlapping (checked by :func:`check`)."""

    name: str
    title: str
    bands: tuple[GradeBand, ...] = attrs.field(converter=_tuple)
    title_en: str | None = None
    minimum: Decimal = attrs.field(default=Decimal(0), converter=to_decimal)
    maximum: Decimal = attrs.field(default=Decimal(100), converter=to_decimal)

    def grade(self, score: Decimal) -> GradeBand:
        hits = [b for b in self.bands if b.contains(score)]
        if len(hits) != 1:
            from .errors import ConfigError

            raise ConfigError(f"grading scheme {self.name!r} gives {len(hits)} grades for score {score}")
        return hits[0]

    def problems(self) -> list[str]:
        """Every gap or overlap between ``minimum`` and ``maximum``, as sentences (empty when sound)."""
        from .grading_check import band_problems

        return band_problems(self)


@attrs.frozen(kw_only=True)
class RuleSet:
    """The rules an evaluation is scored under: grading, rounding, 0 ÷ 0, the total's standard."""

    name: str
    title: str = ""
    grading: str | None = "shanghai-2014"
    """Registered grading scheme name, or ``None`` when the pack has no overall grade (PEFA)."""
    grading_scheme: GradingScheme | None = None
    """A scheme declared inline by the pack (takes precedence over ``grading``)."""
    rounding: RoundingPolicy = RoundingPolicy()
    zero_division: str = attrs.field(default="met", validator=attrs.validators.in_(("met", "zero", "error")))
    """0 ÷ 0 in a rate: ``met`` counts it as 100% (the seed, C123), ``zero`` as 0, ``error`` refuses."""
    total_standard: Decimal | None = attrs.field(default=Decimal(100), converter=_opt_decimal)
    """What the first-level standard scores must add up to; ``None``: no numeric total."""
    total_aggregator: str | None = "sum"
    """How the first-level nodes combine into the total; ``None`` for packs without a total."""
    require_citations: bool = False
    """Every qualitative leaf must cite evidence; one that cites none is a review finding."""


# --------------------------------------------------------------------------------------------
# Pack definitions: the indicator tree
# --------------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Target:
    """An indicator's target (目标值): a number with a comparator and a unit, or a label."""

    value: Decimal | None = attrs.field(default=None, converter=_opt_decimal)
    """For rates a fraction (``0.9`` for 90%), for counts the count; a range's lower end."""
    comparator: str = attrs.field(default=">=",
                                  validator=attrs.validators.in_((">=", "<=", "=", ">", "<", "between")))
    unit: str = "%"
    """``%`` for rates, ``count``, ``rating``, or a free unit (``万元``, ``天``)."""
    text: str | None = None
    """The target as the report prints it, when it is not a number (``零发生``)."""
    upper: Decimal | None = attrs.field(default=None, converter=_opt_decimal)
    """A range target's upper end (``90%-95%``: value 0.9, upper 0.95, comparator ``between``)."""
    kind: str = attrs.field(default="number",
                            validator=attrs.validators.in_(("number", "range", "qualitative", "date")))
    """How the target was read (see :mod:`jixiao.reading`): a qualitative target or a deadline has no
    value and is for a rating or timeliness method, never a numeric benchmark."""

    def display(self) -> str:
        from .numbers import fmt_number, fmt_percent_short

        if self.value is None:
            return self.text or "—"
        if self.comparator == "between" and self.upper is not None:
            if self.unit == "%":
                return f"{fmt_percent_short(self.value)}-{fmt_percent_short(self.upper)}"
            unit = "" if self.unit in ("count", "rating", "") else self.unit
            return f"{fmt_number(self.value)}-{fmt_number(self.upper)}{unit}"
        sign = {">=": "≥", "<=": "≤", "=": "", ">": ">", "<": "<"}[self.comparator]
        if self.unit == "%":
            return f"{sign}{fmt_percent_short(self.value)}"
        unit = "" if self.unit in ("count", "rating", "") else self.unit
        return f"{sign}{fmt_number(self.value)}{unit}"


@attrs.frozen(kw_only=True)
class PluginRef:
    """A reference to a registered plugin by name, with the parameters this use gives it."""

    name: str
    params: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_mapping)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, **dict(self.params)}


@attrs.frozen(kw_only=True)
class Indicator:
    """A leaf (三级指标): how its value is measured, its target and standard score, how it is scored."""

    code: str
    name: str
    name_en: str | None = None
    description: str = ""
    """指标解释, the report's wording."""
    standard_score: Decimal | None = attrs.field(default=None, converter=_opt_decimal)
    target: Target | None = None
    source: PluginRef
    """The indicator plugin that computes the value, and its parameters (which inputs it reads)."""
    method: PluginRef
    """The scoring method and its parameters."""
    scale: str | None = None
    """Name of an ordinal scale (PEFA A–D); ``None`` for numeric scoring."""
    notes: str = ""
    """Pack documentation for this indicator (e.g. how a score below target is read)."""
    require_citations: bool = False
    """This leaf's judgement must cite evidence (a review finding when it cites none)."""

    @property
    def is_leaf(self) -> bool:
        return True


@attrs.frozen(kw_only=True)
class Group:
    """An inner node (一级/二级指标) whose score its aggregator computes from its children."""

    code: str
    name: str
    name_en: str | None = None
    description: str = ""
    standard_score: Decimal | None = attrs.field(default=None, converter=_opt_decimal)
    children: tuple[Node, ...] = attrs.field(converter=_tuple)
    aggregator: PluginRef = PluginRef(name="sum")
    open: bool = False
    """An evaluation config may add its own leaves here (the national form's unit-defined
    third-level indicators); an open group left empty is dropped."""
    default_source: PluginRef | None = None
    """Value source for leaves a config adds here without one (default: the entered ``actual``)."""
    default_method: PluginRef | None = None
    """Scoring method for leaves a config adds here without one."""

    @property
    def is_leaf(self) -> bool:
        return False


Node = Group | Indicator


@attrs.frozen(kw_only=True)
class InputSpec:
    """An input an evaluation supplies: a number, a count, a rate, or a table with named columns."""

    name: str
    kind: str = attrs.field(
        default="number", validator=attrs.validators.in_(("number", "count", "rate", "table", "text"))
    )
    title: str = ""
    unit: str = ""
    columns: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    """For tables: the numeric columns every row must have."""
    text_columns: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    """For tables: label columns (category, item, channel)."""
    minimum: Decimal | None = attrs.field(default=Decimal(0), converter=_opt_decimal)
    """Values below this are data errors; counts and amounts are never negative."""


@attrs.frozen(kw_only=True)
class OrdinalScale:
    """A labelled ordinal scale (PEFA A, B+, …, D), best first; marks that are not scores listed apart."""

    name: str
    levels: tuple[str, ...] = attrs.field(converter=_tuple)
    aliases: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_mapping)
    """Entered mark → level it counts as (``D*`` → ``D``)."""
    non_scores: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    """Marks that drop out of aggregation (``NA``) or report a non-use (``NU``)."""


@attrs.frozen(kw_only=True)
class Pack:
    """An indicator pack: metadata, the rule set, declared inputs and the indicator tree."""

    name: str
    title: str
    title_en: str | None = None
    version: str = "1"
    api: int = 1
    """The plugin API this pack targets (see :data:`jixiao.PLUGIN_API`)."""
    description: str = ""
    rule_set: RuleSet
    inputs: tuple[InputSpec, ...] = attrs.field(default=(), converter=_tuple)
    tree: tuple[Node, ...] = attrs.field(converter=_tuple)
    scales: tuple[OrdinalScale, ...] = attrs.field(default=(), converter=_tuple)
    example: str | None = None
    """Path (absolute, or relative to ``source``) of an example evaluation config for this pack."""
    source: str | None = attrs.field(default=None, eq=False)
    """Where the pack was defined (a module or a TOML file), for messages."""
    data: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_mapping)
    """Pack-level data tables used by its plugins (e.g. the PEFA M2 conversion table)."""

    def leaves(self) -> list[Indicator]:
        return [n for n in iter_nodes(self.tree) if isinstance(n, Indicator)]

    def input(self, name: str) -> InputSpec | None:
        for spec in self.inputs:
            if spec.name == name:
                return spec
        return None

    def scale(self, name: str) -> OrdinalScale | None:
        for s in self.scales:
            if s.name == name:
                return s
        return None


def iter_nodes(nodes: tuple[Node, ...]):
    """Depth-first, in the tree's order."""
    for node in nodes:
        yield node
        if isinstance(node, Group):
            yield from iter_nodes(node.children)


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class BreakdownRow:
    """A row of a breakdown table kept for the report (a budget category or sub-item, a channel)."""

    label: str
    level: int = 0
    """0 for a category (or a flat row), 1 for an item under it, -1 for the total row."""
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    rate: Decimal | None = None
    """numerator ÷ denominator, unrounded; ``None`` when the denominator is 0."""
    ref: str = ""
    """Row reference in the source table (``budget.csv row 3``)."""


@attrs.frozen(kw_only=True)
class Measurement:
    """What an indicator plugin found: the value and how it was obtained."""

    value: Decimal | str | None
    """Unrounded numeric value (a rate as a fraction, a count, a rating), or an ordinal mark."""
    kind: str = "rate"
    """``rate``, ``rating``, ``count``, ``amount``, ``ordinal`` or ``number``."""
    expression: str = ""
    """How the value was computed, e.g. ``1367.75/1526``."""
    inputs: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_mapping)
    """The figures the value came from (for the workpaper)."""
    breakdown: tuple[BreakdownRow, ...] = attrs.field(default=(), converter=_tuple)
    breakdown_title: str = ""
    numerator_label: str = ""
    denominator_label: str = ""
    note: str = ""
    """The evaluator's written reason (qualitative ratings) or a remark (0 ÷ 0 counted as met)."""
    zero_division: bool = False


@attrs.frozen(kw_only=True)
class ScoreOutcome:
    """What a scoring method returns: the raw score and the working that produced it."""

    score: Decimal | str | None
    """Unrounded, unclamped numeric score, or an ordinal mark for ordinal methods."""
    expression: str
    """The right-hand side of the working, as evaluators write it: ``5-(1-89.63%)*5*100*3%``."""
    benchmark: Decimal | None = None
    """The value full marks need, when the method has one."""
    gap: Decimal | None = None
    """How far below the benchmark the value is, in the value's unit (fraction for rates)."""
    reason: str = ""
    """Short machine-readable reason for lost points: ``below_benchmark``, ``rating``, ``items``…"""


@attrs.frozen(kw_only=True)
class Override:
    """A score the evaluator entered in place of the computed one, with the mandatory reason."""

    score: Decimal = attrs.field(converter=to_decimal)
    reason: str


@attrs.frozen(kw_only=True)
class LeafResult:
    """One scored leaf."""

    indicator: Indicator
    measurement: Measurement
    value: Decimal | str | None
    """The value as it entered the scoring (a rate rounded per the rule set)."""
    score: Decimal | str | None
    """The leaf's score as it enters aggregation (rounded under ``round_then_sum``)."""
    score_unrounded: Decimal | str | None
    _working: str | Callable[[], str] = attrs.field(alias="working", eq=working_text,
                                                    repr=lambda w: repr(working_text(w)))
    """The working (read :attr:`working`); given as text, or as a function of no arguments that
    writes it (the engine's lazy form: written the first time it is read, never when only scores
    are kept, as ``jixiao batch``'s per-row fallback does)."""
    outcome: ScoreOutcome
    computed_score: Decimal | str | None = None
    """The score the method computed, when an override replaced it."""
    override: Override | None = None
    note: str = ""
    """The evaluator's note on this indicator."""
    status: str = "scored"
    """``scored``; ``NA``/``NU`` for ordinal marks that are not scores."""

    @property
    def working(self) -> str:
        """``9.60=10-(1-98%)*10*100*2%``: the score and how it was computed."""
        return _written_working(self)

    @property
    def code(self) -> str:
        return self.indicator.code

    @property
    def standard_score(self) -> Decimal | None:
        return self.indicator.standard_score


@attrs.frozen(kw_only=True)
class NodeResult:
    """One aggregated inner node."""

    group: Group
    children: tuple[NodeResult | LeafResult, ...] = attrs.field(converter=_tuple)
    score: Decimal | str | None
    score_unrounded: Decimal | str | None = None
    _working: str | Callable[[], str] = attrs.field(default="", alias="working", eq=working_text,
                                                    repr=lambda w: repr(working_text(w)))
    """The working (read :attr:`working`): text, or a function writing it when first read (as for
    :class:`LeafResult`)."""
    standard_score: Decimal | None = None
    """The group's standard score: declared, or the sum of its children's."""
    counts: Mapping[str, int] = attrs.field(factory=dict, converter=_frozen_mapping)
    """For ordinal nodes: how many children scored each mark."""

    @property
    def working(self) -> str:
        return _written_working(self)

    @property
    def code(self) -> str:
        return self.group.code


@attrs.frozen(kw_only=True)
class RunInfo:
    """Provenance printed with every result: which code and which pack produced it."""

    core_version: str
    pack: str
    pack_version: str
    pack_distribution: str | None
    plugins: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    """``name (distribution version)`` of every plugin the run used."""
    config: str | None = None
    config_sha256: str | None = None


@attrs.frozen(kw_only=True)
class EvaluationResult:
    """The one immutable result object every renderer reads."""

    pack: Pack
    project: Mapping[str, Any] = attrs.field(converter=_frozen_mapping)
    tiers: tuple[NodeResult | LeafResult, ...] = attrs.field(converter=_tuple)
    total: Decimal | None
    total_unrounded: Decimal | None
    total_standard: Decimal | None
    grade: GradeBand | None
    grading_scheme: GradingScheme | None
    run: RunInfo
    tables: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_mapping)
    """Input tables for the report (the budget table), keyed by input name."""
    total_working: str = ""
    """How the total was reached (``94=…`` from the tiers as they entered it); in the JSON document as
    ``total_trace`` when the rule set rounds levels on their own."""
    extras: Mapping[str, Any] = attrs.field(factory=dict)
    """Sections other modules add to the JSON document (``evidence``, ``review``, ``surveys``, ``panel``)."""

    def leaves(self) -> list[LeafResult]:
        return list(_iter_leaf_results(self.tiers))

    def nodes(self):
        """Every node and leaf result, depth first, in the tree's order."""
        return _iter_results(self.tiers)


def _iter_results(items):
    for item in items:
        yield item
        if isinstance(item, NodeResult):
            yield from _iter_results(item.children)


def _iter_leaf_results(items):
    for item in _iter_results(items):
        if isinstance(item, LeafResult):
            yield item
