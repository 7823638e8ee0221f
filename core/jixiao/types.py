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
    params: Mapping[str, str] = attrs.field(factory=dict)
    """Parameter name → description, for ``jixiao show`` and the docs."""
    description: str = ""
    value_kind: str = "rate"
    vectorized: Callable[..., Any] | None = attrs.field(default=None, eq=False)
    """Optional columnar form for ``jixiao batch`` (see :mod:`jixiao.batch`)."""
    provenance: Provenance | None = attrs.field(default=None, eq=False)


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
    params: Mapping[str, str] = attrs.field(factory=dict)
    """Parameter name → description."""
    example: str = ""
    """A worked example with its working string."""
    check_params: Callable[[Mapping[str, Any]], Sequence[str]] = attrs.field(default=lambda p: (), eq=False)
    """Returns a sentence for each invalid parameter (run by ``jixiao validate``)."""
    ordinal: bool = False
    """True when the method returns ordinal marks rather than points."""
    vectorized: Callable[..., Any] | None = attrs.field(default=None, eq=False)
    """Optional columnar form for ``jixiao batch`` (see :mod:`jixiao.batch`)."""
    provenance: Provenance | None = attrs.field(default=None, eq=False)


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
    numeric: bool = True
    provenance: Provenance | None = attrs.field(default=None, eq=False)


@attrs.frozen(kw_only=True)
class GradingSchemeRecord:
    """A registered grading scheme (wraps :class:`jixiao.model.GradingScheme`)."""

    name: str
    scheme: Any
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
    provenance: Provenance | None = attrs.field(default=None, eq=False)


@attrs.frozen(kw_only=True)
class PackRecord:
    """A registered pack, as the registry keeps it."""

    name: str
    pack: Pack
    provenance: Provenance | None = attrs.field(default=None, eq=False)
