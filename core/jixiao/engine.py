"""The pipeline: measure each leaf, score it, aggregate the tree, grade the total.

measure (indicator plugins) → score (scoring methods; the core clamps, rounds and writes the
working) → aggregate (aggregator plugins, ``sum`` by default) → grade (a grading scheme).
Rounding happens here and only here, at the points the rule set declares.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import attrs

from .builtin.aggregators import sum_children, sum_figure, sum_lazy
from .config import CsvRef, EvaluationConfig, Rating
from .errors import ConfigError, DataError, JixiaoError, raise_all
from .model import (
    CARRY_UNROUNDED,
    ROUND_THEN_SUM,
    EvaluationResult,
    GradingScheme,
    Group,
    Indicator,
    LeafResult,
    Measurement,
    NodeResult,
    Pack,
    RuleSet,
    RunInfo,
    ScoreOutcome,
    _frozen_mapping,
    quick_init,
    working_text,
)
from .numbers import (
    CONTEXT,
    MAX_MAGNITUDE,
    NUMBER_ERRORS,
    ROUNDING_MODES,
    ZERO,
    fmt_fixed,
    fmt_number,
    quantize,
    range_problem,
    rounding_mark,
    to_decimal,
)
from .plugins import Registry
from .types import AggregateInput, AggregateOutcome, InputRequirement, ScoreInput

RATE_KINDS = ("rate", "rating")

# The result records the evaluation builds for every leaf and node, made without attrs' __init__
# (model.quick_init: the same objects, in about half the time); the arguments are in field order.
_leaf_result = quick_init(LeafResult, "indicator", "measurement", "value", "score", "score_unrounded", "working",
                          "outcome", "computed_score", "override", "note", "status")
_node_result = quick_init(NodeResult, "group", "children", "score", "score_unrounded", "working", "standard_score",
                          "counts")
_run_info = quick_init(RunInfo, "core_version", "pack", "pack_version", "pack_distribution", "plugins", "config",
                       "config_sha256")
_evaluation_result = quick_init(EvaluationResult, "pack", "project", "tiers", "total", "total_unrounded",
                                "total_standard", "grade", "grading_scheme", "run", "tables", "total_working", "extras")
_score_input = quick_init(ScoreInput, "value", "value_kind", "standard_score", "target", "params", "rule_set",
                          "measurement", "indicator", "file")


class Measure:
    """The context an indicator plugin computes in (implements :class:`jixiao.types.MeasureContext`)."""

    __slots__ = ("config", "file", "indicator", "pack", "params", "plugin", "rule_set")

    def __init__(self, *, indicator: Indicator, params: Mapping[str, Any], rule_set: RuleSet,
                 config: EvaluationConfig, pack: Pack, plugin: str) -> None:
        self.indicator = indicator
        self.params = params
        self.rule_set = rule_set
        self.config = config
        self.pack = pack
        self.plugin = plugin
        self.file = config.file

    # -- locating ---------------------------------------------------------------------------

    def _input_name(self, param: str) -> str:
        name = self.params.get(param)
        if not isinstance(name, str):
            raise ConfigError(
                f"indicator {self.indicator.code}: the {self.plugin} plugin needs parameter {param!r} "
                f"naming an input", file=self.pack.source, path=f"$.indicators.{self.indicator.code}.source.{param}")
        return name

    def _missing(self, name: str, param: str) -> ConfigError:
        return ConfigError(
            f"missing input {name!r}, needed by indicator {self.indicator.code} "
            f"({self.plugin}, parameter {param!r})",
            file=self.file, path=f"$.inputs.{name}")

    def raw(self, param: str) -> tuple[str, Any]:
        name = self._input_name(param)
        if name not in self.config.inputs:
            raise self._missing(name, param)
        return name, self.config.inputs[name]

    # -- typed access -----------------------------------------------------------------------

    def number(self, param: str, *, kind: str = "number") -> Decimal:
        """The input a parameter names, as a Decimal; counts must be whole and never negative."""
        name = self.params.get(param)
        if type(name) is str and name in self.config.inputs:  # the common case, without the calls below
            d = plain_number(self.config.inputs[name], kind)
            if d is not None:
                return d
        name, value = self.raw(param)
        return check_number(value, kind=kind, file=self.file, where=f"$.inputs.{name}")

    def table(self, param: str, columns: Sequence[str], labels: Sequence[str] = ()) -> list[dict[str, Any]]:
        """Rows of the table a parameter names, numeric columns as Decimals; each row has ``_ref``."""
        name, value = self.raw(param)
        return read_table(value, columns=tuple(columns), labels=tuple(labels), file=self.file,
                          where=f"$.inputs.{name}", name=name)

    def plain_table(self, param: str, columns: tuple[str, ...],
                    labels: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], tuple[Decimal, ...]]] | None:
        """The rows :meth:`table` would give, each as (its labels, its columns' Decimals), when the
        input is written in the config (an array of tables, not a CSV) and every row passes
        :meth:`table`'s checks by :func:`plain_number` alone; None for anything else (the caller then
        calls :meth:`table`, which reads it in full and refuses in its own words). No row references
        are written: the figure forms keep no breakdown."""
        name = self.params.get(param)
        if type(name) is not str:
            return None
        value = self.config.inputs.get(name)
        if type(value) is not list or not set(columns).isdisjoint(labels):
            return None
        out = []
        for raw in value:
            if type(raw) is not dict:
                return None
            texts = []
            for col in labels:
                v: Any = raw.get(col, "")
                if type(v) is not str:
                    return None
                texts.append(v)
            nums = []
            for col in columns:
                v = raw.get(col)  # a missing column: None, read in full
                t = type(v)
                # plain_number(v, "amount"), its common cases written out: a Decimal cell (Parquet
                # decimal128) and a whole number's digits (a table's counts)
                if t is Decimal and v.is_finite() and v >= ZERO and (v.adjusted() < _MAGNITUDE_DIGITS or not v) \
                        and CONTEXT.plus(v) == v:
                    nums.append(v)
                    continue
                if t is str and len(v) <= 15 and v.isascii() and v.isdigit():
                    nums.append(Decimal(v))
                    continue
                d = plain_number(v, "amount")
                if d is None:
                    return None
                nums.append(d)
            out.append((tuple(texts), tuple(nums)))
        return out

    def mapping(self, param: str) -> tuple[str, Mapping[str, Any]]:
        name, value = self.raw(param)
        if not isinstance(value, dict):
            raise ConfigError(f"expected a table, got {type(value).__name__}", file=self.file, path=f"$.inputs.{name}")
        return name, value

    def rating(self) -> Rating:
        code = self.indicator.code
        r = self.config.ratings.get(code)
        if r is None:
            raise ConfigError(
                f"missing rating for indicator {code} ({self.indicator.name}): add "
                f"[ratings.{code}] with rating = \"…%\" and reason = \"…\"",
                file=self.file, path=f"$.ratings.{code}")
        return r

    def ratio(self, numerator: Decimal, denominator: Decimal, *, what: str, where: str = "") -> tuple[Decimal, bool]:
        """numerator ÷ denominator, with 0 ÷ 0 following the rule set; returns (value, was_0/0)."""
        if denominator < 0:
            raise DataError(f"{what}: the denominator is negative ({denominator})", file=self.file, path=where or None)
        if denominator == 0:
            if numerator != 0:
                raise DataError(f"{what}: {numerator} ÷ 0 — the denominator is 0", file=self.file, path=where or None)
            policy = self.rule_set.zero_division
            if policy == "met":
                return Decimal(1), True
            if policy == "zero":
                return Decimal(0), True
            raise DataError(f"{what}: 0 ÷ 0 and the rule set refuses it (zero_division = \"error\")",
                            file=self.file, path=where or None)
        return CONTEXT.divide(numerator, denominator), False


def toml_key(key: str) -> str:
    """A key as it must be written in TOML (quoted unless bare: ``PI-2.1`` → ``"PI-2.1"``)."""
    import re

    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else '"' + key.replace('"', '\\"') + '"'


_SMALL_INT = 10 ** 15
_MAGNITUDE_DIGITS = MAX_MAGNITUDE.adjusted()  # 15: MAX_MAGNITUDE is a power of ten


def plain_number(value: Any, kind: str) -> Decimal | None:
    """What :func:`check_number` returns for a value every one of its checks passes, found without
    them (and without its caller writing the location it would name); None for any other value, which
    :func:`check_number` then reads in full (and refuses in its own words)."""
    t = type(value)
    if t is int:
        if -_SMALL_INT < value < _SMALL_INT and (value >= 0 or kind == "number"):
            return Decimal(value)  # a whole number within range: every check passes (the common cell)
        return None
    if t is str:
        if len(value) <= 15 and value.isascii() and value.isdigit():
            return Decimal(value)  # the same written as plain digits (a table cell, a CSV field)
        return None
    # |value| < MAX_MAGNITUDE (10**15), asked of its exponent: a finite non-zero value's adjusted() is
    # floor(log10 |value|); a zero is within range whatever its exponent
    if t is Decimal and value.is_finite() and (value.adjusted() < _MAGNITUDE_DIGITS or not value) \
            and CONTEXT.plus(value) == value:  # at most 34 significant digits: plus() rounds to 34
        if value < ZERO and kind != "number":
            return None
        if kind == "count" and value != value.to_integral_value():
            return None
        return value  # a Decimal cell (Parquet decimal128, a TOML float) is returned as it is
    return None


def check_number(value: Any, *, kind: str, file: str, where: str) -> Decimal:
    d = plain_number(value, kind)
    if d is not None:
        return d
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        raise ConfigError(f"expected a number, got {type(value).__name__}", file=file, path=where)
    if kind in ("count", "amount") and isinstance(value, str) and value.strip().endswith(("%", "％", "‰")):
        raise ConfigError(f"expected {'a count' if kind == 'count' else 'an amount'}, got the percentage {value!r}",
                          file=file, path=where)
    try:
        d = to_decimal(value)
    except NUMBER_ERRORS:
        raise ConfigError(f"expected a number, got {value!r}", file=file, path=where) from None
    if not d.is_finite():
        raise ConfigError(f"expected a finite number, got {value!r}", file=file, path=where)
    problem = range_problem(d)
    if problem:  # located here, at the key it is written in, not later at the indicator computing with it
        raise DataError(problem, file=file, path=where)
    if kind in ("count", "amount", "rate") and d < 0:
        raise DataError(f"{'an' if kind == 'amount' else 'a'} {kind} cannot be negative, got {value}",
                        file=file, path=where)
    if kind == "count" and d != d.to_integral_value():
        raise DataError(f"a count must be a whole number, got {value}", file=file, path=where)
    return d


def read_table(value: Any, *, columns: tuple[str, ...], labels: tuple[str, ...], file: str, where: str,
               name: str) -> list[dict[str, Any]]:
    if isinstance(value, CsvRef):
        rows = value.read(columns, labels, amounts=True)  # as check_number(kind="amount") reads [[inputs.X]] rows
        for csv_row in rows:
            for col in columns:
                if csv_row[col] < 0:
                    raise DataError(f"{col} cannot be negative, got {csv_row[col]}", file=str(value.path),
                                    path=f"{csv_row['_ref'].split(' ', 1)[1]}, column {col}")
        return rows
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise ConfigError(
            f"expected a table: an array of tables ([[inputs.{name}]] rows) or {{ csv = \"file.csv\" }}",
            file=file, path=where)
    out = []
    for i, raw in enumerate(value):
        row: dict[str, Any] = {"_ref": f"{where}[{i}]"}
        for col in labels:
            v = raw.get(col, "")
            if not isinstance(v, str):
                raise ConfigError(f"expected a string, got {type(v).__name__}", file=file, path=f"{where}[{i}].{col}")
            row[col] = v
        for col in columns:
            if col not in raw:
                raise ConfigError(f"missing column {col!r}", file=file, path=f"{where}[{i}]")
            v = raw[col]
            d = plain_number(v, "amount")
            row[col] = d if d is not None else check_number(v, kind="amount", file=file, where=f"{where}[{i}].{col}")
        for k, v in raw.items():
            row.setdefault(k, v)
        out.append(row)
    return out


# ----------------------------------------------------------------------------------------------
# Scoring: clamp, round, write the working
# ----------------------------------------------------------------------------------------------


def finish_score(outcome: ScoreOutcome, standard: Decimal, rule_set: RuleSet) -> tuple[Decimal, Decimal, str]:
    """Clamp a method's raw score to [0, standard], round per the rule set, and write the working.

    Returns (score that enters aggregation, unrounded clamped score, working string). A leaf rounded
    down or up (``leaf_mode``) and changed by it shows the mark: ``9=⌊10*99.1%⌋``.
    """
    entering, clamped, working = finish_score_lazy(outcome, standard, rule_set)
    return entering, clamped, working()


def finish_score_lazy(outcome: ScoreOutcome, standard: Decimal,
                      rule_set: RuleSet) -> tuple[Decimal, Decimal, Callable[[], str]]:
    """:func:`finish_score` with the working as a function that writes it (the same text), so an
    evaluation whose workings are never read (``jixiao batch``'s fallback) does not write them."""
    rounding = rule_set.rounding
    places, mode = rounding.level("leaf")
    raw = to_decimal(outcome.score)
    clamp = 0
    if raw < 0:
        clamped, clamp = ZERO, -1
    elif raw > standard:
        clamped, clamp = standard, 1
    else:
        clamped = raw
    rounded = quantize(clamped, places, mode)
    entering = clamped if rounding.leaves == CARRY_UNROUNDED else rounded

    def working() -> str:
        expr = outcome.expression
        if clamp < 0:
            expr = f"max(0,{expr})"
        elif clamp > 0:
            expr = f"min({_plain(standard)},{expr})"
        if rounded != clamped:
            expr = rounding_mark(expr, mode)
        return f"{fmt_fixed(rounded, places)}={expr}"

    return entering, clamped, working


def _plain(d: Decimal) -> str:
    return fmt_number(d)


def round_value(m: Measurement, rule_set: RuleSet) -> Decimal | str | None:
    """The value that enters scoring: rates rounded to the rule set's value precision."""
    if isinstance(m.value, Decimal) and m.kind in RATE_KINDS and rule_set.rounding.value_places is not None:
        return quantize(m.value, rule_set.rounding.value_places, rule_set.rounding.mode)
    return m.value


# ----------------------------------------------------------------------------------------------
# Evaluation
# ----------------------------------------------------------------------------------------------


@attrs.frozen
class Evaluation:
    pack: Pack
    provenance: Any
    config: EvaluationConfig
    registry: Registry


class Prepared:
    """A pack's tree walked once for many evaluations with one registry (``jixiao batch``'s per-row
    path): its leaves, their codes, the inputs they require and the plugin records looked up.

    Only successes are kept: a look-up that fails is asked again by the next evaluation, which then
    raises it where it always did, so results and errors are those of a fresh evaluation.
    """

    def __init__(self, pack: Pack, registry: Registry, *, memo: bool = False, figures: bool = False) -> None:
        self.pack = pack
        self.registry = registry
        self.memo = memo
        """Keep the results of leaves whose built-in plugins read nothing but their declared inputs,
        keyed by those inputs' exact values (``jixiao batch``'s fallback: ratings repeat across rows).
        A Prepared with a memo serves one thread at a time (the batch keeps one per thread and chunk)."""
        self.figures = figures
        """Compute the figures only (``jixiao batch``'s fallback keeps scores, totals and grades): each
        plugin's figure form where it has one (:attr:`jixiao.types.IndicatorPlugin.figure`,
        :attr:`jixiao.types.ScoringMethod.figure`), no workings (``""``), no breakdown tables, no total
        working. Every score, total, grade and error is the full evaluation's; the texts are not."""
        self._memo: dict[Any, tuple[LeafResult, Measurement]] = {}
        self._memo_counts: dict[Any, int] = {}
        self._plans: dict[str, tuple[tuple[str, ...], bool] | None] = {}
        self._nodes: dict[tuple[Any, ...], tuple[tuple[Any, ...], NodeResult]] = {}
        self._measures: dict[str, tuple[Any, Any, Measure | None]] = {}
        """leaf code → (its indicator plugin's record, the function that measures it here, the context it
        measures in when one serves every row: a built-in plugin's figure form in ``memo`` mode)."""
        self._methods: dict[str, tuple[Any, bool]] = {}
        """leaf code → (its method's record, whether the method's outcome may be remembered by value)."""
        self._aggregators: dict[str, tuple[Any, bool, tuple[Decimal | None] | None]] = {}
        """group code → (its aggregator's record, whether it is a built-in one, (its standard score,) when
        the evaluation sums it itself: the built-in sum's figure, no tier rounded before the parent)."""
        self._by_rating: dict[tuple[str, int, bool], tuple[Rating, LeafResult, Measurement]] = {}
        """The memo's results of leaves reading only their rating, by the Rating object's identity."""
        self._alive: set[int] = set()
        """ids of the results the memo holds: a node whose children are all among them is looked up by
        those ids (an id cannot be another object's while the memo keeps its object alive)."""
        self.leaves = pack.leaves()
        self.codes = {leaf.code for leaf in self.leaves}
        self._required: list[tuple[Indicator, InputRequirement]] | None = None
        self._flat: list[tuple[Any, int, str]] | None = None
        self._used_tuple: tuple[str, ...] | None = None
        self._grades: dict[Decimal, Any] = {}
        """total → its grade under a :class:`GradingScheme` of bands (``memo`` only)."""
        self._memo_misses: dict[str, int] = {}
        """leaf code → look-ups that found nothing once its memo was full, less four for each that found its
        result; at :data:`MEMO_PER_LEAF` the leaf is no longer looked up (fewer than about one in five hit)."""
        self._value_rounding: tuple[Decimal | None, str | None] | None = None
        self._leaf_rounding: tuple[Decimal, str, bool] | None = None
        self._stds: dict[str, Decimal | None] = {}
        """group code → the sum of its children's standard scores (a group declaring none)."""
        self._records: dict[tuple[str, str], Any] = {}
        self._used: tuple[int, list[str]] | None = None
        self._panel: dict[str, Decimal] | None = None
        self._scaled: tuple[str, ...] | None = None
        self._checked: set[Any] = set()
        self._register: Any = None
        """The evidence register of a config without a raw table (``memo`` only: a batch row's)."""
        self._cited: list[str] | None = None
        """:meth:`checked_key` of configs :func:`check_inputs` found nothing wrong with (``memo`` only)."""

    def value_rounding(self) -> tuple[Decimal | None, str | None]:
        """(the exponent, the decimal module's rounding) :func:`round_value` rounds rates to; (None, None)
        when the rule set keeps their digits."""
        if self._value_rounding is None:
            rounding = self.pack.rule_set.rounding
            places = rounding.value_places
            self._value_rounding = (None, None) if places is None else \
                (Decimal(1).scaleb(-places), ROUNDING_MODES[rounding.mode])
        return self._value_rounding

    def leaf_rounding(self) -> tuple[Decimal, str, bool]:
        """(the exponent and decimal module's rounding of a leaf's score, whether the unrounded score enters
        aggregation): what :func:`score_figures` reads of the rule set."""
        if self._leaf_rounding is None:
            rounding = self.pack.rule_set.rounding
            places, mode = rounding.level("leaf")
            self._leaf_rounding = (Decimal(1).scaleb(-places), ROUNDING_MODES[mode],
                                   rounding.leaves == CARRY_UNROUNDED)
        return self._leaf_rounding

    def flat(self) -> list[tuple[Any, int, str]]:
        """The pack's tree in post-order: (leaf, -1, code) or (group, number of children, code), once per pack."""
        if self._flat is None:
            out: list[tuple[Any, int, str]] = []

            def visit(node: Any) -> None:
                if isinstance(node, Indicator):
                    out.append((node, -1, node.code))
                    return
                for c in node.children:
                    visit(c)
                out.append((node, len(node.children), node.code))

            for n in self.pack.tree:
                visit(n)
            self._flat = out
        return self._flat

    def required(self) -> list[tuple[Indicator, InputRequirement]]:
        if self._required is None:
            self._required = required_inputs(self.pack, self.registry)
        return self._required

    def panel_standards(self) -> dict[str, Decimal]:
        """:func:`panel_standards` of the pack, memoised (a fresh dict each time)."""
        if self._panel is None:
            self._panel = {leaf.code: leaf.standard_score for leaf, req in self.required()
                           if req.kind == "rating" and leaf.scale is None and leaf.standard_score is not None}
        return dict(self._panel)

    def figure_of(self, rec: Any) -> Any:
        """A plugin record's figure form, or None (a record written before the field existed has none)."""
        return getattr(rec, "figure", None)

    def record(self, kind: str, name: str) -> Any:
        """``registry.indicator(name)`` (or method, aggregator, grading), memoised."""
        key = (kind, name)
        rec = self._records.get(key)
        if rec is None:
            rec = self._records[key] = getattr(self.registry, kind)(name)
        return rec

    def leaf_plan(self, leaf: Indicator) -> tuple[tuple[str, ...], bool] | None:
        """(input names, reads a rating) when a leaf's result is a function of those alone, else None.

        Only the built-in indicator plugins that read nothing else (not the config's project, not a
        table or questionnaire, whose values never repeat) with a built-in method qualify; a plugin a
        distribution registers under the same name does not (its function is not the built-in one).
        """
        code = leaf.code
        if code in self._plans:
            return self._plans[code]
        try:
            plugin = self.record("indicator", leaf.source.name)
            method = self.record("method", leaf.method.name)
        except JixiaoError:  # the evaluation raises it where it always did; asked again next time
            return None
        plan: tuple[tuple[str, ...], bool] | None = None
        params = leaf.source.params
        if (plugin.name in _PURE_INDICATORS
                and getattr(plugin.measure, "__module__", None) == "jixiao.builtin.indicators"
                and getattr(method.score, "__module__", None) == "jixiao.builtin.methods"
                and not (plugin.name == "handling_rate" and "table" in params)
                and not (plugin.name == "input_value" and leaf.target is not None and leaf.target.kind == "date")):
            reqs = [req for lf, req in self.required() if lf is leaf]
            plan = (tuple(req.name for req in reqs if req.kind != "rating"), any(r.kind == "rating" for r in reqs))
        self._plans[code] = plan
        return plan

    def checked_key(self, config: EvaluationConfig, panel_codes: tuple[str, ...]) -> Any:
        """All :func:`check_inputs` reads of a config: the keys of its inputs, ratings, overrides and
        notes, the panel's leaves, and the marks entered for leaves on an ordinal scale."""
        if self._scaled is None:
            self._scaled = tuple(leaf.code for leaf in self.leaves if leaf.scale)
        ratings = config.ratings
        marks = tuple(r.mark if (r := ratings.get(code)) is not None else None for code in self._scaled)
        return (frozenset(config.inputs), frozenset(ratings), frozenset(config.overrides), frozenset(config.notes),
                panel_codes, marks)

    def used_tuple(self) -> tuple[str, ...]:
        """:meth:`used_plugins` as the tuple a RunInfo holds (one object while no plugin is added)."""
        used = self.used_plugins()
        if self._used_tuple is None or list(self._used_tuple) != used:
            self._used_tuple = tuple(used)
        return self._used_tuple

    def used_plugins(self) -> list[str]:
        """The registry's used plugins, recomputed only when a look-up has added one."""
        used = getattr(self.registry, "_used", None)
        n = len(used) if isinstance(used, set) else -1
        if self._used is None or n < 0 or self._used[0] != n:
            self._used = (n, self.registry.used_plugins())
        return list(self._used[1])


_NO_COUNTS: Mapping[str, int] = MappingProxyType({})
"""A node's counts when its aggregator gives none (read-only, so one object serves every node)."""
_PURE_INDICATORS = frozenset({"qualitative_rating", "completion_rate", "recovery_rate", "handling_rate",
                              "incident_count", "input_value"})
_READS_MEASUREMENT = frozenset({"deadline", "three_band"})
"""Built-in methods whose outcome reads the measurement (its inputs), not only the value."""
MEMO_PER_LEAF = 256
"""At most this many remembered results per leaf and batch chunk (values that do not repeat stop being kept)."""


def _memo_key(code: str, plan: tuple[tuple[str, ...], bool], config: EvaluationConfig) -> Any:
    """The exact values a memoisable leaf reads (``1.0`` and ``1.00`` differ, as do ``1`` and ``"1"``),
    or None when one is not a plain number or text."""
    key: list[Any] = [code, config.plain_rates]
    inputs = config.inputs
    for name in plan[0]:
        v = inputs.get(name)
        t = type(v)
        if t is Decimal:
            key.append(str(v))
        elif t is int or t is str:
            key.append((t, v))
        else:
            return None
    if plan[1]:
        r = config.ratings.get(code)
        if r is None:
            return None
        key.append((type(r.value), str(r.value), r.mark, r.band, r.reason, r.path))
    return tuple(key)


def required_inputs(pack: Pack, registry: Registry) -> list[tuple[Indicator, InputRequirement]]:
    out = []
    for leaf in pack.leaves():
        plugin = registry.indicator(leaf.source.name)
        for req in plugin.requires(leaf.source.params):
            out.append((leaf, req))
    return out


def check_inputs(pack: Pack, config: EvaluationConfig, registry: Registry,
                 panel_codes: Sequence[str] = (), *, prepared: Prepared | None = None) -> list[JixiaoError]:
    """Every missing input and rating, found before anything is computed (all at once).

    ``panel_codes`` are the leaves an expert panel scores: they need no rating, and may not have one.
    """
    prep = prepared if prepared is not None and prepared.pack is pack else Prepared(pack, registry)
    errors: list[JixiaoError] = []
    seen: set[str] = set()
    for leaf, req in prep.required():
        if req.kind == "rating":
            if leaf.code in panel_codes:
                if leaf.code in config.ratings:
                    errors.append(ConfigError(
                        f"{leaf.code} ({leaf.name}) is scored by the expert panel ([experts]) and rated here too; "
                        f"keep one: remove [ratings.{toml_key(leaf.code)}] or the experts' scores for {leaf.code} "
                        f"(to replace the panel's result, use [overrides.{toml_key(leaf.code)}] with a reason)",
                        file=config.file, path=f"$.ratings.{leaf.code}"))
                continue
            if leaf.code not in config.ratings and leaf.code not in config.overrides:
                scale = pack.scale(leaf.scale) if leaf.scale else None
                entry = (f"mark = \"…\" (one of {', '.join(scale.levels + scale.non_scores)})" if scale
                         else "rating = \"…%\"")
                errors.append(ConfigError(
                    f"missing rating for indicator {leaf.code} ({leaf.name}): add [ratings.{toml_key(leaf.code)}] "
                    f"with {entry} and reason = \"…\"", file=config.file, path=f"$.ratings.{leaf.code}"))
            continue
        if req.name in config.inputs or req.name in seen:
            continue
        seen.add(req.name)
        errors.append(ConfigError(
            f"missing input {req.name!r} ({req.kind}), needed by indicator {leaf.code} ({leaf.name})",
            file=config.file, path=f"$.inputs.{req.name}"))
    from .ordinal import mark_problem

    for leaf in prep.leaves:  # an entered mark must be on the leaf's ordinal scale
        scale = pack.scale(leaf.scale) if leaf.scale else None
        rating = config.ratings.get(leaf.code)
        if scale is not None and rating is not None:
            problem = mark_problem(scale, rating.mark)
            if problem:
                at = ".mark" if rating.mark is not None else ""
                errors.append(ConfigError(f"{leaf.code}: {problem}", file=config.file, path=f"$.ratings.{leaf.code}{at}"))
    codes = prep.codes
    from .schema import suggestion

    for section, entries in (("ratings", config.ratings), ("overrides", config.overrides), ("notes", config.notes)):
        for code in entries:
            if code not in codes:
                order = [leaf.code for leaf in prep.leaves]
                # a misspelt rating is most likely the one a qualitative leaf still lacks
                rated = [leaf.code for leaf, req in prep.required() if req.kind == "rating"]
                unrated = [c for c in rated if c not in config.ratings and c not in config.overrides
                           and c not in panel_codes]
                close = ((suggestion(code, unrated) if unrated else None) or suggestion(code, rated or order)
                         if section == "ratings" else suggestion(code, order))
                if close is None:
                    hint = f"the pack's indicators: {', '.join(order)}"
                elif section == "notes":
                    hint = f"rename the key {toml_key(code)} in [notes] to {toml_key(close)}"
                else:
                    hint = f"rename [{section}.{toml_key(code)}] to [{section}.{toml_key(close)}]"
                errors.append(ConfigError(
                    f"no indicator {code!r} in pack {pack.name!r}" + (f"; did you mean {close!r}?" if close else ""),
                    file=config.file, path=f"$.{section}.{code}", hint=hint))
    return errors


def evaluate(pack: Pack, config: EvaluationConfig, registry: Registry, *, provenance: Any = None,
             prepared: Prepared | None = None) -> EvaluationResult:
    """Run the whole pipeline; raises a located :class:`JixiaoError` (or a group of them).

    ``prepared`` (a :class:`Prepared` of this pack and registry) saves walking the pack again when
    many projects are evaluated with one pack; the results are the same.
    """
    rule_set = pack.rule_set
    prep = prepared if prepared is not None and prepared.pack is pack and prepared.registry is registry \
        else Prepared(pack, registry)
    late = _late()

    # a batch row's config has no raw tables: no questionnaires to tally, no panel, nothing stated
    bare = prep.memo and not config.raw
    if bare:
        surveys: Any = {}
        panel: Any = None
    else:
        config, surveys = late.apply_surveys(config)  # raw questionnaires become the inputs their tallies would be
        panel = panel_of(pack, config, registry, prepared=prep)
    panel_codes = tuple(panel.combined) if panel else ()
    if prep.memo:  # the batch fallback: a set of keys (and marks) found complete once is complete again
        checked = prep.checked_key(config, panel_codes)
        if checked not in prep._checked:
            raise_all(check_inputs(pack, config, registry, panel_codes, prepared=prep))
            if len(prep._checked) < MEMO_PER_LEAF:
                prep._checked.add(checked)
    else:
        raise_all(check_inputs(pack, config, registry, panel_codes, prepared=prep))
    register_of = late.register_of

    # a missing or changed evidence file, an unknown citation: before any work
    if prep.memo and not config.raw:  # a batch row: no [evidence], no citations — the same empty register
        if prep._register is None:
            prep._register = register_of(config, pack_requires=rule_set.require_citations)
        register = prep._register
    else:
        register = register_of(config, pack_requires=rule_set.require_citations)
    if panel is not None:
        register = late.with_citations(register, panel.citations())

    errors: list[JixiaoError] = []
    tables: dict[str, Any] = {}
    figures = prep.figures
    figure_of = prep.figure_of
    value_exp, value_mode = prep.value_rounding()
    leaf_exp, leaf_mode, leaf_carry = prep.leaf_rounding()

    def measure_and_score(leaf: Indicator, standard: Decimal) -> tuple[Any, ...]:
        """The leaf's plugin measures, its method scores: (measurement, value, outcome, score, unrounded,
        working, status)."""
        code = leaf.code
        held = prep._measures.get(code)
        if held is None:
            plugin = prep.record("indicator", leaf.source.name)
            fn = (figure_of(plugin) or plugin.measure) if figures else plugin.measure
            # The batch fallback's figures from a built-in plugin: one context per leaf and Prepared (one
            # thread's chunk), its config set for each row — a built-in plugin keeps nothing of it
            # once it has returned. Any other plugin gets a context of its own for every call.
            reuse = prep.memo and figures and getattr(fn, "__module__", None) == "jixiao.builtin.indicators"
            held = prep._measures[code] = (plugin, fn, Measure(
                indicator=leaf, params=leaf.source.params, rule_set=rule_set, config=config, pack=pack,
                plugin=plugin.name) if reuse else None)
        plugin = held[0]
        ctx = held[2]
        if ctx is not None:
            ctx.config = config
            ctx.file = config.file
        else:
            ctx = Measure(indicator=leaf, params=leaf.source.params, rule_set=rule_set, config=config, pack=pack,
                          plugin=plugin.name)
        try:  # _guarded, written out: the per-leaf path runs it twice for every leaf of every row
            m = held[1](ctx)
        except (Exception, SystemExit) as exc:
            raise _failure(exc, f"indicator {plugin.name}", plugin, code, config.file) from exc
        if m.breakdown and not figures:
            tables[code] = m
        value = m.value  # round_value, written out: a rate enters scoring at the rule set's value places
        if value_exp is not None and isinstance(value, Decimal) and m.kind in RATE_KINDS:
            value = value.quantize(value_exp, rounding=value_mode, context=CONTEXT)
        how = prep._methods.get(code)
        if how is None:
            method = prep.record("method", leaf.method.name)
            how = prep._methods[code] = (method, prep.memo and method.name not in _READS_MEASUREMENT
                                         and getattr(method.score, "__module__", None) == "jixiao.builtin.methods")
        method = how[0]
        if how[1] and type(value) is Decimal:
            # a built-in method's outcome depends on the value's digits, not on how it was measured
            key = ("score", leaf.code, m.kind, str(value))
            hit = prep._memo.get(key)
            if hit is None:
                hit = score_value(leaf, standard, m, value, method)
                count = prep._memo_counts.get(key[:2], 0)
                if count < MEMO_PER_LEAF:
                    prep._memo[key] = hit
                    prep._memo_counts[key[:2]] = count + 1
            return (m, value, *hit)
        return (m, value, *score_value(leaf, standard, m, value, method))

    def score_value(leaf: Indicator, standard: Decimal, m: Measurement, value: Any, method: Any) -> tuple[Any, ...]:
        """The method's outcome for the value: (outcome, score, unrounded, working, status)."""
        si = _score_input(value, m.kind, standard, leaf.target, leaf.method.params, rule_set, m, leaf, config.file)
        try:
            outcome = (figure_of(method) or method.score)(si) if figures else method.score(si)
        except (Exception, SystemExit) as exc:
            raise _failure(exc, f"method {method.name}", method, leaf.code, config.file) from exc
        if method.ordinal or not isinstance(outcome.score, Decimal):
            if figures:
                working = ""
            else:
                working = f"{outcome.score}={outcome.expression}" if outcome.expression else str(outcome.score)
            status = late.status_of(pack.scale(leaf.scale) if leaf.scale else None, outcome.score)
            return outcome, outcome.score, outcome.score, working, status
        if figures:  # score_figures, written out
            raw = outcome.score
            clamped = ZERO if raw < 0 else standard if raw > standard else raw  # noqa: FURB136 (no call)
            if leaf_carry:
                return outcome, clamped, clamped, "", "scored"
            return outcome, clamped.quantize(leaf_exp, rounding=leaf_mode, context=CONTEXT), clamped, "", "scored"
        score, unrounded, lazy = finish_score_lazy(outcome, standard, rule_set)
        return outcome, score, unrounded, lazy, "scored"

    def memo_leaf(leaf: Indicator, standard: Decimal, plan: tuple[tuple[str, ...], bool]) -> LeafResult | None:
        """The remembered result of a leaf :meth:`Prepared.leaf_plan` says is a function of its inputs,
        or its result now, remembered; None when an input is not a plain value (scored as usual)."""
        code = leaf.code
        by_rating = None
        if plan[1] and not plan[0]:
            # A leaf reading its rating alone: a batch chunk's rows share one Rating for the same cells
            # (rowwise.row_config), found by identity before its exact digits are written into a key.
            r = config.ratings.get(code)
            if r is not None:
                by_rating = (code, id(r), config.plain_rates)
                held = prep._by_rating.get(by_rating)
                if held is not None and held[0] is r:  # held[0] keeps r alive: its id is no other's
                    if held[2].breakdown and not figures:
                        tables[code] = held[2]
                    return held[1]
        key = _memo_key(code, plan, config)
        if key is None:
            return None
        hit = prep._memo.get(key)
        if hit is None:
            m, value, outcome, score, unrounded, working, status = measure_and_score(leaf, standard)
            lr = _leaf_result(leaf, m, value, score, unrounded, working, outcome, None, None, "", status)
            count = prep._memo_counts.get(code, 0)
            if count < MEMO_PER_LEAF:
                prep._memo[key] = (lr, m)
                prep._memo_counts[code] = count + 1
                prep._alive.add(id(lr))
            else:
                # full: a leaf whose inputs hardly repeat (a count of cases, a sum of money) is no longer
                # looked up in this chunk — writing its key costs more than the few hits save
                misses = prep._memo_misses[code] = prep._memo_misses.get(code, 0) + 1
                if misses >= MEMO_PER_LEAF and plan[0]:
                    prep._plans[code] = None
            hit = (lr, m)
        else:
            if code in prep._memo_misses:  # a hit outweighs four misses (stops below about one in five)
                prep._memo_misses[code] -= 4
            if hit[1].breakdown and not figures:
                tables[code] = hit[1]
        if by_rating is not None and id(hit[0]) in prep._alive:
            count = prep._memo_counts.get(("rating", code), 0)
            if count < MEMO_PER_LEAF:
                prep._by_rating[by_rating] = (config.ratings[code], hit[0], hit[1])
                prep._memo_counts[("rating", code)] = count + 1
        return hit[0]

    def score_leaf(leaf: Indicator) -> LeafResult:
        standard = leaf.standard_score if leaf.standard_score is not None else ZERO
        combined = panel.combined.get(leaf.code) if panel is not None else None
        if combined is not None:  # the expert panel's combined score is the leaf's score
            m, outcome = panel_outcome(panel, combined, standard)
            if (panel.places, panel.rounding) != rule_set.rounding.level("leaf"):
                # the panel's own rounding, then the leaf's: 8.70=8.7=(8+9+9+10+7-10-7)/3
                outcome = attrs.evolve(outcome, expression=combined.working)
            value: Any = m.value
            score, unrounded, working = finish_score(outcome, standard, rule_set)
            status = "scored"
        elif prep.memo and leaf.code not in config.overrides and not config.notes.get(leaf.code) \
                and (plan := prep.leaf_plan(leaf)) is not None \
                and (lr := memo_leaf(leaf, standard, plan)) is not None:
            return lr
        else:
            m, value, outcome, score, unrounded, working, status = measure_and_score(leaf, standard)
        computed = None
        override = config.overrides.get(leaf.code)
        if override is not None:
            if override.score < 0 or override.score > standard:
                raise DataError(
                    f"override score {override.score} for {leaf.code} lies outside 0–{_plain(standard)}",
                    file=config.file, path=f"$.overrides.{leaf.code}.score")
            computed = score
            score = unrounded = override.score
            if not figures:
                shown = rule_set.rounding.figure(override.score, "leaf", entered=True)
                working = working_text(working)
                if combined is not None:  # the override applies; the panel's result is still shown
                    working = f"{shown}（评价组调整：{override.reason}；专家组评分 {working}）"
                else:
                    working = f"{shown}（评价人调整 override；计算得分 computed {working}）"
        note = config.notes.get(leaf.code, "")
        if combined is not None and note:  # the evaluator's note, then the experts' scores and reasons
            note = f"{note.rstrip('。')}。{m.note}"
        return _leaf_result(leaf, m, value, score, unrounded, working, outcome, computed, override, note, status)

    # The batch fallback without a panel: a leaf remembered by its Rating object (see memo_leaf) is
    # looked up before anything else is asked of it (its override and note checked as score_leaf does).
    quick = prep.memo and panel is None
    ratings, by_rating, plain_rates = config.ratings, prep._by_rating, config.plain_rates
    overrides, notes = config.overrides, config.notes

    def aggregate_node(group: Group, children: list[Any]) -> NodeResult:
        held = prep._aggregators.get(group.code)
        if held is None:
            agg = prep.record("aggregator", group.aggregator.name)
            builtin = getattr(agg.aggregate, "__module__", None) == "jixiao.builtin.aggregators"
            # the loop below sums a group itself when nothing but the figure is wanted of the built-in
            # sum and no tier is rounded before it enters its parent (its standard score found once)
            quick_sum = figures and agg.aggregate is sum_children and rule_set.rounding.tiers != ROUND_THEN_SUM
            held = prep._aggregators[group.code] = (
                agg, builtin, (standard_of(group, children, agg),) if quick_sum else None)
        agg = held[0]
        if prep.memo and held[1]:
            key = (group.code, *map(id, children))
            hit = prep._nodes.get(key)
            if hit is not None:
                return hit[1]
            result = aggregate_fresh(group, children, agg)
            remember(key, children, result)
            return result
        return aggregate_fresh(group, children, agg)

    def remember(key: tuple[Any, ...], children: list[Any], result: NodeResult) -> None:
        """Keep a built-in aggregator's result by its children's identities, when the memo holds them all."""
        if prep._alive.issuperset(map(id, children)):
            count = prep._memo_counts.get(key[:1], 0)
            if count < MEMO_PER_LEAF:
                prep._nodes[key] = (tuple(children), result)
                prep._memo_counts[key[:1]] = count + 1
                prep._alive.add(id(result))

    def standard_of(group: Group, children: list[Any], agg: Any) -> Decimal | None:
        """The group's standard score: declared, or its children's summed (the pack's, the same for every
        row: summed once per Prepared)."""
        std = group.standard_score
        if std is None and agg.numeric:
            if group.code in prep._stds:
                return prep._stds[group.code]
            stds = [c.standard_score for c in children]
            std = prep._stds[group.code] = sum(stds, ZERO) if all(s is not None for s in stds) else None
        return std

    def aggregate_fresh(group: Group, children: list[Any], agg: Any) -> NodeResult:
        counts: Any = ()
        working: str | Callable[[], str]
        try:
            if agg.aggregate is sum_children:  # the built-in sum: its working written only when read
                if figures:
                    unrounded, working = sum_figure(group, children), ""
                else:
                    unrounded, working = sum_lazy(AggregateInput(group=group, children=children,
                                                                 params=group.aggregator.params, rule_set=rule_set,
                                                                 pack=pack))
            else:
                ai = AggregateInput(group=group, children=children, params=group.aggregator.params,
                                    rule_set=rule_set, pack=pack)
                out = agg.aggregate(ai)
                unrounded, working, counts = out.score, out.working, out.counts
        except (Exception, SystemExit) as exc:
            raise _failure(exc, f"aggregator {agg.name}", agg, group.code, config.file) from exc
        std = standard_of(group, children, agg)
        score = unrounded
        if isinstance(score, Decimal) and not (figures and rule_set.rounding.tiers != ROUND_THEN_SUM):
            # A tier rounded down or up shows the mark; under tiers = "round_then_sum" the rounded
            # figure is what enters the parent (the only change figures-only evaluation needs).
            shown = rule_set.rounding.shown(score, "tier")
            if shown != score:
                if not figures:
                    working = _marked(working, rule_set.rounding.level("tier")[1])
                if rule_set.rounding.tiers == ROUND_THEN_SUM:
                    score = shown
        return _node_result(group, tuple(children), score, unrounded, working, std,
                            MappingProxyType(dict(counts)) if counts else _NO_COUNTS)

    # The tree in post-order (Prepared.flat): a leaf pushes its result, a group takes its children's off
    # the stack and pushes its own. A failed leaf pushes None and its error; a group with a None child
    # pushes None (every leaf is still scored, so all the row's errors are found at once).
    stack: list[Any] = []
    push = stack.append
    nodes, aggregators, memo = prep._nodes, prep._aggregators, prep.memo
    unmarked = not overrides and not notes  # no leaf of the row has an override or a note
    for node, k, code in prep.flat():
        if k < 0:  # a leaf
            if quick and (r := ratings.get(code)) is not None \
                    and (held := by_rating.get((code, id(r), plain_rates))) is not None and held[0] is r \
                    and (unmarked or (code not in overrides and not notes.get(code))):
                if not figures and held[2].breakdown:
                    tables[code] = held[2]
                push(held[1])
                continue
            try:
                push(score_leaf(node))
            except JixiaoError as exc:
                errors.append(exc)
                push(None)
            continue
        cut = len(stack) - k
        children = stack[cut:]
        del stack[cut:]
        if errors and any(c is None for c in children):
            push(None)
            continue
        summed = aggregators.get(code)
        if summed is not None and summed[2] is not None:
            # aggregate_node and aggregate_fresh for the built-in sum's figure, written out
            if memo:
                key = (code, *map(id, children))
                hit = nodes.get(key)
                if hit is not None:
                    push(hit[1])
                    continue
            try:
                figure = sum_figure(node, children)
            except (Exception, SystemExit) as exc:
                raise _failure(exc, f"aggregator {summed[0].name}", summed[0], code, config.file) from exc
            result = _node_result(node, tuple(children), figure, figure, "", summed[2][0], _NO_COUNTS)
            if memo:
                remember(key, children, result)
            push(result)
            continue
        push(aggregate_node(node, children))
    tiers = stack
    raise_all(errors)

    total = total_unrounded = None
    total_working = ""
    total_standard = rule_set.total_standard
    if rule_set.total_aggregator is not None:
        agg = prep.record("aggregator", rule_set.total_aggregator)
        if figures and agg.aggregate is sum_children:  # the total's working is not written
            try:
                out = AggregateOutcome(score=sum_figure(None, tiers), working="")
            except (Exception, SystemExit) as exc:
                raise _failure(exc, f"aggregator {agg.name}", agg, None, config.file) from exc
        else:
            ai = AggregateInput(group=None, children=tiers, params={}, rule_set=rule_set, pack=pack)
            out = _guarded(agg.aggregate, ai, what=f"aggregator {agg.name}", rec=agg, code=None, file=config.file)
        if isinstance(out.score, Decimal):
            total_unrounded = out.score
            total = rule_set.rounding.shown(out.score, "total")
            total_working = "" if figures else total_trace(total, out, rule_set)
    scheme: GradingScheme | None = None
    grade = None
    if rule_set.grading_scheme is not None:
        scheme = rule_set.grading_scheme
    elif rule_set.grading is not None:
        scheme = prep.record("grading", rule_set.grading)
    if scheme is not None and total is not None:
        if prep.memo and type(scheme) is GradingScheme:  # the model's bands: a total's grade is its value's
            grade = prep._grades.get(total)
            if grade is None:
                grade = _guarded(scheme.grade, total, what=f"grading {scheme.name}", rec=scheme, code=None,
                                 file=config.file)
                if len(prep._grades) < 16384:  # a total to two places: at most 10,001 of them
                    prep._grades[total] = grade
        else:
            grade = _guarded(scheme.grade, total, what=f"grading {scheme.name}", rec=scheme, code=None,
                             file=config.file)

    prov = provenance
    # RunInfo(core_version=…, config_sha256=…) and EvaluationResult(pack=…, extras=…), made by quick_init
    # (the same objects; the converters' work written out: _tuple, _frozen_mapping)
    run = _run_info(late.version, pack.name, pack.version, getattr(prov, "distribution", None),
                    prep.used_tuple(), config.file.replace("\\", "/").rsplit("/", 1)[-1], config.sha256)
    return _evaluation_result(pack, _frozen_mapping(config.project), tuple(tiers), total, total_unrounded,
                              total_standard, grade, scheme, run, _frozen_mapping(tables), total_working,
                              _extras(register, pack, registry, surveys, panel, config, prep)
                              | ({} if bare else late.stated_extras(config)))


def score_figures(outcome: ScoreOutcome, standard: Decimal, rule_set: RuleSet) -> tuple[Decimal, Decimal]:
    """:func:`finish_score_lazy`'s (entering, clamped) scores without its working."""
    rounding = rule_set.rounding
    raw = to_decimal(outcome.score)
    if raw < 0:
        clamped = ZERO
    elif raw > standard:
        clamped = standard
    else:
        clamped = raw
    places, mode = rounding.level("leaf")
    rounded = quantize(clamped, places, mode)
    return (clamped if rounding.leaves == CARRY_UNROUNDED else rounded), clamped


@functools.cache
def _late() -> Any:
    """What :func:`evaluate` calls from modules imported when it first runs, not with this one (start-up
    time), looked up once: an import statement in the function costs a microsecond or two each time."""
    from types import SimpleNamespace

    from . import __version__
    from .evidence import document_sections, findings, register_of, with_citations
    from .forms.review import stated_extras
    from .ordinal import status_of
    from .survey import apply_surveys

    return SimpleNamespace(apply_surveys=apply_surveys, register_of=register_of, with_citations=with_citations,
                           status_of=status_of, version=__version__, stated_extras=stated_extras,
                           document_sections=document_sections, findings=findings)


def _marked(working: str | Callable[[], str], mode: str) -> str | Callable[[], str]:
    """:func:`rounding_mark` of a working given as text or in its lazy form (kept lazy)."""
    if isinstance(working, str):
        return rounding_mark(working, mode)
    return lambda: rounding_mark(working(), mode)


def total_trace(total: Decimal, out: Any, rule_set: RuleSet) -> str:
    """The total's working: ``94=10.00+35.50+28.41+20.00（各项未取整得分合计）`` when items enter unrounded."""
    rounding = rule_set.rounding
    places, mode = rounding.level("total")
    expr = out.working if total == out.score else rounding_mark(out.working, mode)
    text = f"{fmt_fixed(total, places)}={expr}"
    if rounding.leaves == CARRY_UNROUNDED:
        text += "（各项未取整得分合计 sum of unrounded item scores）"
    return text


def panel_of(pack: Pack, config: EvaluationConfig, registry: Registry, *,
             prepared: Prepared | None = None) -> Any:
    """The config's expert panel, combined per leaf (:class:`jixiao.panel.Panel`), or None without one."""
    raw = config.raw
    if "panel" not in raw and "experts" not in raw:
        return None
    from .panel import load_panel

    standards = prepared.panel_standards() if prepared is not None else panel_standards(pack, registry)
    places, mode = pack.rule_set.rounding.level("leaf")  # by default the panel rounds as the leaves do
    return load_panel(config, standards, score_places=places, score_rounding=mode)


def panel_standards(pack: Pack, registry: Registry) -> dict[str, Decimal]:
    """The leaves an expert panel may score: qualitative (rated) leaves with a standard score in points."""
    return {leaf.code: leaf.standard_score for leaf, req in required_inputs(pack, registry)
            if req.kind == "rating" and leaf.scale is None and leaf.standard_score is not None}


def panel_outcome(panel: Any, c: Any, standard: Decimal) -> tuple[Measurement, ScoreOutcome]:
    """The measurement and score outcome of a leaf the expert panel scores."""
    expr = c.working.split("=", 1)[1]
    value = CONTEXT.divide(c.score, standard) if standard else None
    reasons = "；".join(f"{s.expert} {_plain(s.score)}" + (f"（{s.reason}）" if s.reason else "") for s in c.scores)
    note = f"专家组评分（{panel.method_text()}）：{reasons}" + (f"。{c.finding}" if c.finding else "")
    m = Measurement(value=value, kind="rating", expression=f"专家组评分（{panel.method_text()}）", note=note,
                    inputs={s.expert: s.score for s in c.scores})
    return m, ScoreOutcome(score=c.score, expression=expr)


def _extras(register: Any, pack: Pack, registry: Registry, surveys: Any = None, panel: Any = None,
            config: Any = None, prepared: Prepared | None = None) -> dict[str, Any]:
    """The evidence register, the surveys, the panel and their review findings, for the JSON document
    (empty when unused)."""
    document_sections, findings = _late().document_sections, _late().findings
    out_s: dict[str, Any] = {}
    if panel is not None:
        from .panel import discrepancies, document_section, leaf_section

        overrides = config.overrides if config is not None else {}
        out_s["panel"] = document_section(panel)
        out_s["panel_leaves"] = {code: leaf_section(panel, c, override=overrides.get(code),
                                                    places=pack.rule_set.rounding.score_places)
                                 for code, c in panel.combined.items()}
        found_p = discrepancies(panel)
        if found_p:
            out_s["review"] = {"discrepancies": found_p}
    if surveys:
        from .survey import document_sections as survey_sections

        section, per_leaf, found_s = survey_sections(surveys, pack)
        out_s.update({"surveys": section, "survey_stats": per_leaf})
        if found_s:
            out_s.setdefault("review", {})["findings"] = found_s
    prep = prepared if prepared is not None and prepared.pack is pack else Prepared(pack, registry)
    if prep._cited is None:
        prep._cited = [leaf.code for leaf in prep.leaves if leaf.require_citations]
    required = list(prep._cited)
    if not register.entries and not register.citations and not register.require_citations and not required:
        return out_s
    qualitative = [(leaf.code, leaf.name) for leaf, req in prep.required() if req.kind == "rating"]
    out: dict[str, Any] = {"evidence": document_sections(register),
                           "citations": {k: list(v) for k, v in register.citations.items()}}
    review = out_s.pop("review", {})
    found = findings(register, qualitative, required=required) + review.pop("findings", [])
    if found:
        review["findings"] = found
    if review:
        out["review"] = review
    return {**out_s, **out}


def _failure(exc: BaseException, what: str, rec: Any, code: str | None, file: str | None) -> JixiaoError:
    """What :func:`_guarded` raises for ``exc`` escaping from a plugin."""
    from .errors import plugin_failure

    return plugin_failure(exc, what=what, prov=getattr(rec, "provenance", None), code=code, file=file)


def _guarded(fn: Any, arg: Any, *, what: str, rec: Any, code: str | None, file: str | None) -> Any:
    """Call a plugin; an exception escaping it is attributed to the plugin and its distribution."""
    try:
        return fn(arg)
    except (Exception, SystemExit) as exc:
        from .errors import plugin_failure

        raise plugin_failure(exc, what=what, prov=getattr(rec, "provenance", None), code=code,
                             file=file) from exc
