"""Registration records that plugin hooks return (for pack and plugin authors).

Hooks *return* these frozen records; the core stamps each with its :class:`Provenance`, validates
it and refuses a name that two distributions register. Fields added later always have defaults, so
records stay constructible by older plugins (keyword-only).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from .model import _tuple

if TYPE_CHECKING:
    from .model import (
        EvaluationResult,
        Group,
        Indicator,
        LeafResult,
        Measurement,
        NodeResult,
        Pack,
        RuleSet,
        ScoreOutcome,
        Target,
    )


@attrs.frozen(kw_only=True)
class Provenance:
    """Who provided a record: the plugin module and its distribution."""

    plugin: str
    """The module (or object) registered with pluggy."""
    distribution: str | None = None
    version: str | None = None
    entry_point: str | None = None

    def describe(self) -> str:
        dist = f"{self.distribution} {self.version}" if self.distribution else "no distribution"
        return f"{self.plugin} ({dist})"


# ------------------------------------------------------------------------------------------
# Declared parameters
# ------------------------------------------------------------------------------------------

PARAM_TYPES = ("number", "percent", "integer", "string", "input", "bool", "choice", "list", "table", "any")
"""What a :class:`ParamSpec` ``type`` may be: ``percent`` takes ``"3%"`` or ``0.03``; ``input`` names an
input of the evaluation; ``choice`` is one of ``choices``; ``table`` is a TOML table (a mapping)."""


@attrs.frozen(kw_only=True)
class ParamSpec:
    """One declared parameter of a plugin: checked by ``jixiao validate``, ``packs --check`` and
    :func:`jixiao.testing.check_pack` before anything runs, and listed by ``jixiao plugins``."""

    name: str
    type: str = "any"
    """One of :data:`PARAM_TYPES`."""
    default: Any = None
    """The value used when the parameter is not given (``None``: none, or computed; see ``doc``)."""
    required: bool = False
    doc: str = ""
    """What the parameter means, in one line."""
    choices: tuple[Any, ...] = attrs.field(default=(), converter=_tuple)
    aliases: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    """Other names accepted for this parameter (the ``formula`` indicator's ``expr`` is written
    ``formula =`` in pack files)."""
    declared: bool = True
    """False for a parameter known only from an old-style ``{name: description}`` mapping."""

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not a valid value of this parameter (``must be …``), or None."""
        from .numbers import NUMBER_ERRORS, to_decimal

        t = self.type
        if t == "any":
            return None
        if t == "bool":
            return None if isinstance(value, bool) else f"must be true or false, got {value!r}"
        if t in ("string", "input"):
            if isinstance(value, str) and value.strip():
                return self._choice(value)
            return f"must be {'the name of an input' if t == 'input' else 'a string'}, got {value!r}"
        if t == "choice":
            return self._choice(value)
        if t == "list":
            return None if isinstance(value, (list, tuple)) else f"must be an array [ … ], got {value!r}"
        if t == "table":
            return None if isinstance(value, Mapping) else f"must be a table {{ … }}, got {value!r}"
        if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
            return f"must be a {'number or a percentage' if t == 'percent' else 'number'}, got {value!r}"
        if t == "number" and isinstance(value, str) and value.strip().endswith("%"):
            return f"must be a number, got {value!r} (a percentage)"
        try:
            d = to_decimal(value)
        except NUMBER_ERRORS:
            what = "number or a percentage" if t == "percent" else "number"
            return f"must be a {what}, got {value!r}"
        if not d.is_finite():
            return f"must be a finite number, got {value!r}"
        if t == "integer" and d != d.to_integral_value():
            return f"must be a whole number, got {value!r}"
        return self._choice(value)

    def _choice(self, value: Any) -> str | None:
        if self.choices and value not in self.choices:
            return f"must be one of {', '.join(repr(c) for c in self.choices)}, got {value!r}"
        return None


def _param_specs(raw: Any) -> tuple[ParamSpec, ...] | None:
    """``None`` (not declared), an old ``{name: description}`` mapping, or a sequence of :class:`ParamSpec`."""
    if raw is None:
        return None
    if isinstance(raw, Mapping):
        return tuple(v if isinstance(v, ParamSpec) else ParamSpec(name=k, doc=str(v), declared=False)
                     for k, v in raw.items())
    return tuple(raw)


def params_declared(specs: tuple[ParamSpec, ...] | None) -> bool:
    """True when a record declares every parameter it takes (so an unknown one is an error)."""
    return specs is not None and all(p.declared for p in specs)


def param_problems(specs: tuple[ParamSpec, ...] | None, given: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(key, sentence)`` for every unknown (with did-you-mean), mistyped or missing parameter."""
    import difflib

    if specs is None:
        return []
    names: dict[str, ParamSpec] = {}
    for p in specs:
        names[p.name] = p
        for a in p.aliases:
            names[a] = p
    out: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for key, value in given.items():
        spec = names.get(key)
        if spec is None:
            if params_declared(specs):
                close = difflib.get_close_matches(key, list(names), n=1, cutoff=0.6)
                known = ", ".join(p.name for p in specs) or "none"
                hint = f"; did you mean {close[0]!r}?" if close else ""
                out.append((key, f"unknown parameter {key!r}{hint} (parameters: {known})"))
            continue
        if spec.name in seen:
            out.append((key, f"{key!r} and {seen[spec.name]!r} are the same parameter; give one"))
            continue
        seen[spec.name] = key
        problem = spec.problem(value)
        if problem:
            out.append((key, f"{key} {problem}"))
    for p in specs:
        if p.required and p.name not in seen:
            out.append(("", f"missing parameter {p.name!r} ({p.doc or p.type})"))
    return out


def normalize_params(specs: tuple[ParamSpec, ...] | None, given: Mapping[str, Any]) -> dict[str, Any]:
    """``given`` with every alias replaced by its parameter's name (``formula`` → ``expr``)."""
    alias = {a: p.name for p in specs or () for a in p.aliases}
    return {alias.get(k, k): v for k, v in given.items()}


@attrs.frozen(kw_only=True)
class Example:
    """A runnable example of a plugin of any kind, as a pack author writes it.

    ``indicators`` is the body of a pack file's ``[indicators.*]`` (and ``[scales.*]``) tables,
    ``evaluation`` the evaluation's entries (``[inputs]``, ``[ratings.X1]``), ``rule_set`` lines of the
    pack's ``[rule_set]`` table (default: no grading, no total), and ``expect`` the working that node
    ``code`` must show (``3.44=5-(1-89.63%)*5*100*3%``). ``grade``, when given, is the grade the total
    must get (a grading scheme's example). A renderer's example is also rendered by that renderer: the
    output must be well-formed for its format and show ``expect``. ``jixiao packs --check`` and the
    tests run every one (:func:`jixiao.reference.example_problems`).
    """

    indicators: str
    evaluation: str = ""
    expect: str
    code: str = "X1"
    rule_set: str = ""
    """Lines of ``[rule_set]`` (``grading = "shanghai-2014"``); keys not given are ``grading = "none"``,
    ``total_standard = "none"``, ``total_aggregator = "none"``."""
    grade: str = ""
    """The grade label the total must get (empty: not checked)."""

    @classmethod
    def leaf(cls, *, value: str, score: str, expect: str, standard: str | int = 10, target: str | None = None,
             evaluation: str = "", name: str = "示例指标", rule_set: str = "", grade: str = "") -> Example:
        """One leaf ``X1``: ``value`` and ``score`` are TOML inline tables as a pack file writes them."""
        lines = ["[indicators.X1]", f"name = \"{name}\"", f"standard_score = {standard}"]
        if target is not None:
            lines.append(f"target = \"{target}\"")
        lines += [f"value = {value}", f"score = {score}"]
        return cls(indicators="\n".join(lines), evaluation=evaluation, expect=expect, rule_set=rule_set,
                   grade=grade)

    @classmethod
    def graded(cls, scheme: str, total: str, grade: str) -> Example:
        """A grading scheme's example: one leaf of 100 points scores ``total`` (a rate × 100, so
        ``"89.99"`` scores 89.99), the total is graded by ``scheme`` and must get ``grade``."""
        return cls.leaf(value='{ input = "rate", kind = "rate" }', score='{ method = "rate_times_standard" }',
                        standard=100, evaluation=f'[inputs]\nrate = "{total}%"',
                        expect=f"{_two_places(total)}=100*{_two_places(total)}%",
                        rule_set=f'grading = "{scheme}"\ntotal_standard = 100\ntotal_aggregator = "sum"',
                        grade=grade)


def _two_places(text: str) -> str:
    """``"90"`` → ``"90.00"`` (a score as the default rounding policy prints it)."""
    from .numbers import fmt_fixed, to_decimal

    return fmt_fixed(to_decimal(text), 2)


RENDER_EXAMPLE = Example.leaf(value='{ input = "a", kind = "rate" }', score='{ method = "deduct_per_point" }',
                              standard=5, target="≥100%", name="资金到位率", evaluation='[inputs]\na = "89.63%"',
                              expect="3.44=5-(1-89.63%)*5*100*3%")
"""The example every renderer without its own is checked with: one leaf, rendered, must show its working."""


# ------------------------------------------------------------------------------------------
# Indicator plugins (value calculators)
# ------------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class InputRequirement:
    """An input an indicator needs, derived from its parameters (for validation before running)."""

    name: str
    kind: str = "number"
    """``number``, ``count``, ``rate``, ``table`` or ``rating``."""
    columns: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    param: str = ""
    """The indicator parameter that named this input (for error messages)."""


class MeasureContext(Protocol):
    """What an indicator plugin gets to compute a value (see :class:`jixiao.engine.Measure`)."""

    indicator: Indicator
    params: Mapping[str, Any]
    rule_set: RuleSet

    def number(self, param: str, *, kind: str = "number") -> Decimal: ...
    def table(self, param: str, columns: Sequence[str]) -> Any: ...
    def rating(self) -> Any: ...
    def ratio(self, numerator: Decimal, denominator: Decimal, *, what: str) -> tuple[Decimal, bool]: ...


@attrs.frozen(kw_only=True)
class IndicatorPlugin:
    """An indicator plugin: computes an indicator's value from the evaluation's inputs.

    Any pack reuses it with its own standard score, target and scoring method; ``params`` name the
    inputs it reads (``table = "budget"``).
    """

    name: str
    title: str
    measure: Callable[[MeasureContext], Measurement] = attrs.field(eq=False)
    requires: Callable[[Mapping[str, Any]], Sequence[InputRequirement]] = attrs.field(
        default=lambda params: (), eq=False
    )
    """Which inputs a use with these parameters needs (checked before anything runs)."""
    params: tuple[ParamSpec, ...] | None = attrs.field(default=None, converter=_param_specs)
    """The parameters it takes (:class:`ParamSpec`; an old ``{name: description}`` mapping is accepted
    and not checked for unknown names); listed by ``jixiao plugins``."""
    description: str = ""
    example: str = ""
    """A use as a pack file writes it and the working it produces."""
    examples: tuple[Example, ...] = attrs.field(default=(), converter=_tuple)
    """Runnable examples (:class:`Example`), run by ``jixiao packs --check``."""
    value_kind: str = "rate"
    vectorized: Callable[..., Any] | None = attrs.field(default=None, eq=False)
    """Optional columnar form for ``jixiao batch`` (see :mod:`jixiao.batch`)."""
    provenance: Provenance | None = attrs.field(default=None, eq=False)
    figure: Callable[[MeasureContext], Measurement] | None = attrs.field(default=None, eq=False)
    """Optional figure form for ``jixiao batch``'s per-row fallback, which keeps only scores: the
    :class:`Measurement` ``measure`` returns, raising what it raises, but its ``expression``,
    ``breakdown`` and breakdown labels may be left empty (docs/plugin-guide.md, "Figure form")."""


# ------------------------------------------------------------------------------------------
# Scoring methods
# ------------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ScoreInput:
    """What a scoring method gets."""

    value: Decimal | str | None
    """The value as it enters scoring (rates rounded per the rule set)."""
    value_kind: str
    standard_score: Decimal
    target: Target | None
    params: Mapping[str, Any]
    rule_set: RuleSet
    measurement: Measurement
    indicator: Indicator | None = None
    """The leaf being scored (for messages that name it)."""
    file: str | None = None
    """The evaluation config, where the evaluator's entries (ratings, bands) are located."""


@attrs.frozen(kw_only=True)
class ScoringMethod:
    """A registered, parameterised scoring rule that returns a score and its working."""

    name: str
    title: str
    score: Callable[[ScoreInput], ScoreOutcome] = attrs.field(eq=False)
    formula: str = ""
    """The rule in one line, as a pack author reads it."""
    params: tuple[ParamSpec, ...] | None = attrs.field(default=None, converter=_param_specs)
    """The parameters it takes (:class:`ParamSpec`, or an old ``{name: description}`` mapping)."""
    example: str = ""
    """A worked example with its working string."""
    examples: tuple[Example, ...] = attrs.field(default=(), converter=_tuple)
    """Runnable examples (:class:`Example`), run by ``jixiao packs --check``."""
    check_params: Callable[[Mapping[str, Any]], Sequence[str]] = attrs.field(default=lambda p: (), eq=False)
    """Returns a sentence for each invalid parameter (run by ``jixiao validate``)."""
    ordinal: bool = False
    """True when the method returns ordinal marks rather than points."""
    vectorized: Callable[..., Any] | None = attrs.field(default=None, eq=False)
    """Optional columnar form for ``jixiao batch`` (see :mod:`jixiao.batch`)."""
    provenance: Provenance | None = attrs.field(default=None, eq=False)
    figure: Callable[[ScoreInput], ScoreOutcome] | None = attrs.field(default=None, eq=False)
    """Optional figure form for ``jixiao batch``'s per-row fallback: the :class:`ScoreOutcome` ``score``
    returns, raising what it raises, but its ``expression`` may be left empty."""


# ------------------------------------------------------------------------------------------
# Aggregators, grading schemes, renderers
# ------------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class AggregateInput:
    """What an aggregator gets: the node, its children's results, the rule set and the pack."""

    group: Group | None
    """``None`` when aggregating the first-level nodes into the total."""
    children: Sequence[NodeResult | LeafResult]
    params: Mapping[str, Any]
    rule_set: RuleSet
    pack: Pack


@attrs.frozen(kw_only=True)
class AggregateOutcome:
    score: Decimal | str | None
    working: str = ""
    counts: Mapping[str, int] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class Aggregator:
    """How a node's score comes from its children (sum by default; PEFA M1/M2, weighted mean…)."""

    name: str
    title: str
    aggregate: Callable[[AggregateInput], AggregateOutcome] = attrs.field(eq=False)
    check: Callable[[Group, Pack], Sequence[str]] = attrs.field(default=lambda g, p: (), eq=False)
    """Returns a sentence per structural problem (``jixiao validate``)."""
    params: tuple[ParamSpec, ...] | None = attrs.field(default=None, converter=_param_specs)
    description: str = ""
    example: str = ""
    examples: tuple[Example, ...] = attrs.field(default=(), converter=_tuple)
    """Runnable examples (:class:`Example`), run by ``jixiao packs --check``."""
    numeric: bool = True
    vectorized: Callable[..., Any] | None = attrs.field(default=None, eq=False)
    """Optional columnar form for ``jixiao batch``: gets the node, its children's columns and the frame
    (:class:`jixiao.batch.compile.VecAggregate`) and returns the node's column
    (:class:`jixiao.batch.fixed.NodeColumn`), marking the rows it cannot do exactly into the frame's
    fallback (docs/plugin-guide.md, "Fast path")."""
    provenance: Provenance | None = attrs.field(default=None, eq=False)


@attrs.frozen(kw_only=True)
class GradingSchemeRecord:
    """A registered grading scheme (wraps :class:`jixiao.model.GradingScheme`)."""

    name: str
    scheme: Any
    examples: tuple[Example, ...] = attrs.field(default=(), converter=_tuple)
    """Totals and the grades they must get (:meth:`Example.graded`), boundaries included; run by
    ``jixiao packs --check``."""
    provenance: Provenance | None = attrs.field(default=None, eq=False)


class RenderFunction(Protocol):
    def __call__(self, result: EvaluationResult, *, lang: str = "zh") -> bytes: ...


@attrs.frozen(kw_only=True)
class Renderer:
    """An output format: ``render(result, lang=...)`` returns the file's bytes."""

    name: str
    """The format name (``json``, ``docx``…), used by ``--format``."""
    title: str
    suffixes: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    """File suffixes ``-o FILE`` maps to this format."""
    render: RenderFunction = attrs.field(eq=False)
    binary: bool = False
    examples: tuple[Example, ...] = attrs.field(default=(), converter=_tuple)
    """Evaluations this renderer renders in ``jixiao packs --check``: the output must be well-formed for
    its format and show the example's working (:data:`RENDER_EXAMPLE` when none is given)."""
    provenance: Provenance | None = attrs.field(default=None, eq=False)


@attrs.frozen(kw_only=True)
class PackRecord:
    """A registered pack, as the registry keeps it."""

    name: str
    pack: Pack
    provenance: Provenance | None = attrs.field(default=None, eq=False)
