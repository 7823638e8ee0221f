"""Built-in aggregators: the sum of children's scores (the default), the weighted mean of children's
percentages, and the count of ordinal marks among children (a summary with no numeric score)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ..hookspecs import hookimpl
from ..model import Group, LeafResult, Pack
from ..numbers import CONTEXT, ZERO, fmt_number, fmt_percent, to_decimal
from ..types import AggregateInput, AggregateOutcome, Aggregator, Example, ParamSpec


def sum_children(ai: AggregateInput) -> AggregateOutcome:
    total, working = sum_lazy(ai)
    return AggregateOutcome(score=total, working=working())


def sum_lazy(ai: AggregateInput) -> tuple[Decimal, Callable[[], str]]:
    """:func:`sum_children`'s score, and its working as a function that writes it: the engine calls
    this for the built-in ``sum`` so that a working nobody reads (``jixiao batch``'s per-row
    fallback keeps scores only) is never written. Same checks, same score, same text."""
    total, counted = _summed(ai.group, ai.children)
    rule_set = ai.rule_set
    return total, lambda: "+".join(entering_figure(c, rule_set) for c in counted)


def sum_figure(group: Group | None, children: Any) -> Decimal:
    """:func:`sum_children`'s score alone (the engine's figures-only evaluation): the same checks, the same
    additions in the same order, in one pass."""
    total = ZERO
    for c in children:
        s = c.score
        if isinstance(s, Decimal):
            if not (isinstance(c, LeafResult) and c.status in ("NA", "NU")):
                total += s
        elif s is not None:
            return _summed(group, children)[0]  # refused, in _summed's words
    return total


def _summed(group: Group | None, children: Any) -> tuple[Decimal, list[Any]]:
    """The sum of the numeric children's scores (``NA``/``NU`` leaves left out), and the children counted;
    a child scored as a mark is refused."""
    bad = [c.code for c in children if c.score is not None and not isinstance(c.score, Decimal)]
    if bad:
        from ..errors import ConfigError

        where = group.code if group else "the total"
        raise ConfigError(f"{where}: the sum aggregator needs numeric scores, but {', '.join(bad)} are ordinal; "
                          "name an ordinal aggregator for this node")
    counted = [c for c in children if isinstance(c.score, Decimal)
               and not (isinstance(c, LeafResult) and c.status in ("NA", "NU"))]
    return sum((c.score for c in counted), ZERO), counted


def sum_columnar(va: Any) -> Any:
    """sum over all rows (the batch engine's form): Σ the children's numeric columns; a row where a
    child scored a mark goes to :func:`sum_children`, which refuses it in its own words."""
    from ..batch.fixed import NodeColumn, numeric_of

    f = va.frame
    cols = []
    for c in va.children:
        if c.marks is not None:
            f.mark(c.marks.codes >= 0)
        v = numeric_of(f, c)
        if v is not None:
            cols.append(v)
    return NodeColumn(score=f.sum(cols))


def entering_figure(child: Any, rule_set: Any) -> str:
    """A child's score as it enters its parent, written for a working: a rounded leaf or tier at its
    level's places; an unrounded one (``carry_unrounded``) or an override at ``score_places``."""
    return rule_set.rounding.figure(child.score, "leaf" if isinstance(child, LeafResult) else "tier", entered=True)


# -- weighted mean of percentages ----------------------------------------------------------------



def child_weight_problems(aggregator: str, weights: Mapping[str, Any], group: Group,
                          number: Callable[[Any], Any]) -> list[str]:
    """Sentences for weights keyed by codes that are not children, negative or not numbers.

    Shared by every aggregator that weights its children (weighted_mean, PART's rating).
    """
    codes = {c.code for c in group.children}
    problems = []
    for code, w in weights.items():
        if code not in codes:
            problems.append(f"{aggregator}: weight for {code!r}, which is not a child of {group.code}")
        try:
            if number(w) < 0:
                problems.append(f"{aggregator}: the weight of {code} cannot be negative")
        except (TypeError, ArithmeticError, ValueError):
            problems.append(f"{aggregator}: the weight of {code} must be a number, got {w!r}")
    return problems


def fraction_to_decimal(f: Fraction) -> Decimal:
    """An exact fraction as a Decimal: exact when it terminates, else to the core's 34 digits."""
    return CONTEXT.divide(Decimal(f.numerator), Decimal(f.denominator))


def _weights(params: Mapping[str, Any], children: list[Any]) -> dict[str, Fraction]:
    """The ``weights`` table, or by default each child's standard score: a child of 20 points counts
    twice as much as one of 10, as it does in a sum."""
    raw = params.get("weights")
    if raw is None:
        return {c.code: Fraction(c.standard_score or 0) for c in children}
    return {c.code: Fraction(to_decimal(raw.get(c.code, 0))) for c in children}


def weighted_mean(ai: AggregateInput) -> AggregateOutcome:
    """Σ weight × (score ÷ standard) ÷ Σ weight, times the node's standard score (100 when it has none).

    Without ``weights`` each child weighs its standard score (so the mean is Σ score ÷ Σ standard).

    Computed in exact fractions: a share of 2/3 stays 2/3 until the result is shown.
    """
    from ..errors import ConfigError

    where = ai.group.code if ai.group else "the total"
    children = [c for c in ai.children if not (isinstance(c, LeafResult) and c.status in ("NA", "NU"))]
    weights = _weights(ai.params, children)
    num = Fraction(0)
    parts: list[str] = []
    for c in children:
        std = c.standard_score
        if not isinstance(c.score, Decimal) or not std:
            raise ConfigError(f"{where}: weighted_mean needs a numeric score and a standard score above 0 "
                              f"for every child; {c.code} has score {c.score!r}, standard {std!r}")
        share = Fraction(c.score) / Fraction(std)
        num += weights[c.code] * share
        parts.append(f"{fmt_number(fraction_to_decimal(weights[c.code]))}*{fmt_percent(fraction_to_decimal(share))}")
    total_w = sum(weights.values(), Fraction(0))
    if total_w == 0:
        raise ConfigError(f"{where}: the weights of weighted_mean add up to 0")
    scale = Fraction(ai.group.standard_score) if ai.group and ai.group.standard_score is not None else Fraction(100)
    score = num / total_w * scale
    working = f"({'+'.join(parts)})/{fmt_number(fraction_to_decimal(total_w))}*{fmt_number(fraction_to_decimal(scale))}"
    return AggregateOutcome(score=fraction_to_decimal(score), working=working)


def weighted_mean_columnar(va: Any) -> Any:
    """weighted_mean over all rows: the same exact fraction N ÷ D, with N an integer column
    (Σ aᵢ × scoreᵢ, the aᵢ from weights, standards and the node's standard over one common
    denominator) and D a constant. Where the node's figure is rounded before it goes on (tiers
    ``round_then_sum``, or as the total) it is rounded from the fraction exactly; otherwise only rows
    where N ÷ D is a finite decimal stay columnar (2/3 goes to the engine, whose 34 digits are not
    int64). A child scored as a mark, a zero standard or weights adding to 0: the engine's words."""
    import math

    import numpy as np

    from ..batch.fixed import LIMIT, Fixed, NodeColumn, exact_ratio, numeric_of, round_ratio

    f = va.frame
    everything = np.ones(f.n, dtype=bool)
    children = list(va.children)
    scores = []
    for c in children:
        if c.marks is not None:
            f.mark(c.marks.codes >= 0)
        scores.append(numeric_of(f, c))
    if any(v is None for v in scores) or any(not c.standard_score for c in children) or not children:
        f.mark(everything)
        return NodeColumn(score=f.full(0))
    try:
        weights = _weights(va.params, children)
    except (TypeError, ValueError, ArithmeticError, AttributeError):
        f.mark(everything)
        return NodeColumn(score=f.full(0))
    total_w = sum(weights.values(), Fraction(0))
    if total_w == 0:
        f.mark(everything)
        return NodeColumn(score=f.full(0))
    scale = Fraction(va.group.standard_score) if va.group and va.group.standard_score is not None else Fraction(100)
    cols = f.align(*scores)
    k = cols[0].scale
    coef = [weights[c.code] / total_w * scale / Fraction(c.standard_score) for c in children]
    q = math.lcm(*(x.denominator for x in coef))
    den = q * 10**k
    if den > LIMIT or any(abs(x * q) > LIMIT for x in coef):
        f.mark(everything)
        return NodeColumn(score=f.full(0))
    terms = [f.mul_const(Fixed(col.v, 0), int(x * q)) for col, x in zip(cols, coef, strict=True)]
    num = f.sum(terms).v
    places = va.places
    if places is not None:
        return NodeColumn(score=round_ratio(f, num, den, places[0], places[1]))
    return NodeColumn(score=exact_ratio(f, num, den))


def check_weighted_mean(group: Group, pack: Pack) -> list[str]:
    raw = group.aggregator.params.get("weights")
    problems = [f"weighted_mean: unexpected parameter {k!r}" for k in group.aggregator.params if k != "weights"]
    if raw is None:
        return problems
    if not isinstance(raw, Mapping):
        return problems + ["weighted_mean: weights must be a table of child code → weight"]
    codes = {c.code for c in group.children}
    problems += child_weight_problems("weighted_mean", raw, group, to_decimal)
    for code in sorted(codes - set(raw)):
        problems.append(f"weighted_mean: no weight for child {code}")
    return problems


# -- counting ordinal marks -----------------------------------------------------------------------


def _plain_letter(mark: str) -> str:
    return mark[:-1] if mark.endswith("+") and len(mark) > 1 else mark


def ordinal_counts(ai: AggregateInput) -> AggregateOutcome:
    """No score: how many children scored each mark (``merge_modifiers``: B+ counts as B).

    Keys follow the scale named by ``scale`` (every level present, zeros included), then the
    non-score marks that occur (NA, NU).
    """
    from ..ordinal import canonical, count_marks

    scale, merge, order = _count_keys(ai.pack, ai.params)
    marks = []
    for c in ai.children:
        if not isinstance(c.score, str):
            continue
        m = canonical(scale, c.score) if scale is not None else c.score
        marks.append(_plain_letter(m) if merge else m)
    counts = count_marks(marks, order)
    working = ", ".join(f"{k} {v}" for k, v in counts.items())
    return AggregateOutcome(score=None, working=working, counts=counts)


def _count_keys(pack: Any, params: Any) -> tuple[Any, bool, list[str]]:
    """ordinal_counts' (scale, merge_modifiers, keys in the scale's order), shared by both forms."""
    scale = pack.scale(params["scale"]) if params.get("scale") else None
    merge = bool(params.get("merge_modifiers", False))
    keys: list[str] = []
    if scale is not None:
        for lv in scale.levels:
            key = _plain_letter(lv) if merge else lv
            if key not in keys:
                keys.append(key)
    return scale, merge, keys


def ordinal_counts_columnar(va: Any) -> Any:
    """ordinal_counts over all rows: for each key (the scale's levels, then every other mark a child
    can carry), how many children carry it in each row. No score, as :func:`ordinal_counts`."""
    import numpy as np

    from ..batch.fixed import NodeColumn
    from ..ordinal import canonical

    f = va.frame
    scale, merge, keys = _count_keys(va.pack, va.params)
    counts: dict[str, np.ndarray] = {k: np.zeros(f.n, dtype=np.int32) for k in keys}
    for c in va.children:
        if c.marks is None:
            continue
        for i, label in enumerate(c.marks.labels):
            m = canonical(scale, label) if scale is not None else label
            key = _plain_letter(m) if merge else m
            hit = c.marks.codes == i
            if key not in counts:
                counts[key] = np.zeros(f.n, dtype=np.int32)
            counts[key] += hit
    return NodeColumn(counts=counts, marks=None, score=None)


def check_ordinal_counts(group: Group, pack: Pack) -> list[str]:
    problems = [f"ordinal_counts: unexpected parameter {k!r}" for k in group.aggregator.params
                if k not in ("scale", "merge_modifiers")]
    name = group.aggregator.params.get("scale")
    if name is not None and pack.scale(name) is None:
        problems.append(f"ordinal_counts: the pack has no scale {name!r}")
    return problems


def _group_example(aggregator: str, expect: str) -> Example:
    """Group X over two scored leaves (X1 3.44 of 5, X2 4.80 of 5), aggregated as ``aggregator`` says."""
    leaves = "".join(
        f'\n\n[indicators.{c}]\nparent = "X"\nname = "{n}"\nstandard_score = 5\ntarget = "≥100%"\n'
        f'value = {{ input = "{i}", kind = "rate" }}\nscore = {{ method = "{m}" }}'
        for c, n, i, m in (("X1", "资金到位率", "a", "deduct_per_point"), ("X2", "完成率", "b", "proportional")))
    return Example(indicators=f'[indicators.X]\nname = "示例分组"\n{aggregator}'.rstrip("\n") + leaves,
                   evaluation='[inputs]\na = "89.63%"\nb = "96%"', expect=expect, code="X")


_ORDINAL = Example(
    indicators='[scales.abcd]\nlevels = ["A", "B", "C", "D"]\n\n[indicators.X]\nname = "示例指标"\n'
               'aggregator = { name = "ordinal_counts", scale = "abcd" }' + "".join(
                   f'\n\n[indicators.X{i}]\nparent = "X"\nname = "维度{i}"\nscale = "abcd"\n'
                   'value = { indicator = "ordinal_rating" }\nscore = { method = "ordinal_mark" }' for i in (1, 2, 3)),
    evaluation="".join(f'[ratings.X{i}]\nmark = "{m}"\nreason = "…"\n\n' for i, m in ((1, "B"), (2, "A"), (3, "B"))),
    expect="A 1, B 2, C 0, D 0", code="X")
EXAMPLES = {
    "sum": (_group_example("", "3.44+4.80"),),
    "weighted_mean": (_group_example('standard_score = 10\naggregator = { name = "weighted_mean", '
                                     'weights = { X1 = 2, X2 = 1 } }', "(2*68.80%+1*96.00%)/3*10"),),
    "ordinal_counts": (_ORDINAL,),
}


@hookimpl
def jixiao_aggregators():
    import attrs

    return [attrs.evolve(a, examples=EXAMPLES.get(a.name, ())) for a in _aggregators()]


def _aggregators():
    return [
        Aggregator(name="sum", title="求和 sum of children", aggregate=sum_children, params=(),
                   vectorized=sum_columnar,
                   description="score = Σ children's scores (NA/NU children left out)", example="B: 8.50=3.44+5.06"),
        Aggregator(name="weighted_mean", title="加权平均 weighted mean of children's percentages",
                   aggregate=weighted_mean, check=check_weighted_mean, numeric=False,
                   vectorized=weighted_mean_columnar,
                   params=(ParamSpec(name="weights", type="table",
                                     doc="child code → weight; every child needs one (default: each child's "
                                         "standard score, so the mean is Σ score ÷ Σ standard)"),),
                   description="score = Σ weight × (score ÷ standard) ÷ Σ weight × the node's standard (100 if none)",
                   example="(2*90.00%+1*60.00%)/3*100"),
        Aggregator(name="ordinal_counts", title="等级计数 count of ordinal marks (no numeric score)",
                   aggregate=ordinal_counts, check=check_ordinal_counts, numeric=False,
                   vectorized=ordinal_counts_columnar,
                   params=(ParamSpec(name="scale", type="string", doc="the pack's scale whose levels are counted"),
                           ParamSpec(name="merge_modifiers", type="bool", default=False, doc="true counts B+ as B")),
                   description="no score: how many children scored each mark", example="A 1, B 2, C 0, D 0"),
    ]


__all__ = ["fraction_to_decimal", "ordinal_counts", "sum_children", "weighted_mean"]
