"""OMB PART scoring: a section's score is the weighted share of credit its questions earned, and the
programme's rating is the band its weighted section scores fall in — unless the programme has no
agreed performance measures or no baseline data, which gives "Results Not Demonstrated".

All arithmetic is in exact fractions (a "Large Extent" answer earns 2/3, never 0.666…); numbers are
rounded only where they are shown. Band edges, answer credits and the override are parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from jixiao import hookimpl
from jixiao.builtin.aggregators import child_weight_problems, fraction_to_decimal
from jixiao.errors import ConfigError
from jixiao.model import Group, Indicator, LeafResult, NodeResult, Pack
from jixiao.numbers import fmt_number, quantize
from jixiao.ordinal import canonical, non_score
from jixiao.types import AggregateInput, AggregateOutcome, Aggregator, Example, ParamSpec

RND = "Results Not Demonstrated"


def frac(value: Any) -> Fraction:
    """A parameter as an exact fraction: ``1``, ``"2/3"``, ``0.5`` (TOML Decimals), ``"50%"``."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    text = str(value).strip()
    if text.endswith("%"):
        return Fraction(text[:-1]) / 100
    return Fraction(text)


def show(f: Fraction, places: int = 2) -> str:
    """A fraction as the working shows it: exact when it terminates within ``places``, else rounded."""
    d = fraction_to_decimal(f)
    q = quantize(d, places)
    return fmt_number(d) if q == d else f"{fmt_number(q)}"


def show_credit(f: Fraction) -> str:
    return str(f.numerator) if f.denominator == 1 else f"{f.numerator}/{f.denominator}"


# -- sections --------------------------------------------------------------------------------------


def section_share(group: Group, children: list[Any], pack: Pack) -> tuple[Fraction | None, str]:
    """(credit earned ÷ credit possible over the answered questions, working); N/A answers drop out."""
    credits = {k: frac(v) for k, v in group.aggregator.params.get("credits", {}).items()}
    weights = {k: frac(v) for k, v in (group.aggregator.params.get("weights") or {}).items()}
    num = den = Fraction(0)
    terms, dropped = [], []
    for c in children:
        if not isinstance(c, LeafResult):
            raise ConfigError(f"{group.code}: part_section takes question leaves; {c.code} is a group")
        scale = pack.scale(c.indicator.scale) if c.indicator.scale else None
        if non_score(scale, c.score):
            dropped.append(c.code)
            continue
        mark = canonical(scale, c.score) if scale is not None else c.score
        if mark not in credits:
            raise ConfigError(f"{group.code}: answer {c.score!r} to {c.code} has no credit "
                              f"(credits: {', '.join(credits)})")
        w = weights.get(c.code, Fraction(1))
        num += w * credits[mark]
        den += w
        terms.append(show_credit(credits[mark]) if w == 1 else f"{show_credit(w)}*{show_credit(credits[mark])}")
    if den == 0:
        return None, "no question answered"
    share = num / den
    denom = show_credit(den)
    working = f"({'+'.join(terms)})/{denom}={show(share * 100)}%"
    if dropped:
        working += f" ({', '.join(dropped)} N/A)"
    return share, working


def part_section(ai: AggregateInput) -> AggregateOutcome:
    assert ai.group is not None
    share, working = section_share(ai.group, list(ai.children), ai.pack)
    if share is None:
        return AggregateOutcome(score="NA", working=working)
    return AggregateOutcome(score=fraction_to_decimal(share * 100), working=working)


def part_section_columnar(va: Any) -> Any:
    """part_section over all rows (the batch engine's form): per row the integers NUM and DEN with
    share = NUM ÷ DEN exactly (credits and weights over their common denominators), so the node
    carries its score as the exact ratio 100·NUM ÷ DEN (a parent rounds it or, PART's rating,
    recomputes from it as :func:`_share_of` does); a section with no answered question is ``NA``.
    An answer with no credit, or a child that is not a question leaf: the engine's words."""
    import math

    import numpy as np

    from jixiao.batch.fixed import LIMIT, Marks, NodeColumn

    f, group = va.frame, va.group
    everything = np.ones(f.n, dtype=bool)
    try:
        credits = {k: frac(v) for k, v in group.aggregator.params.get("credits", {}).items()}
        weights = {k: frac(v) for k, v in (group.aggregator.params.get("weights") or {}).items()}
    except (TypeError, ValueError, ZeroDivisionError, AttributeError):
        f.mark(everything)
        return NodeColumn(marks=Marks.of(f.n, ("NA",)))
    children = list(va.children)
    if not children or any(not c.is_leaf or c.marks is None for c in children):
        f.mark(everything)
        return NodeColumn(marks=Marks.of(f.n, ("NA",)))
    lw = math.lcm(*(weights.get(c.code, Fraction(1)).denominator for c in children))
    lc = math.lcm(*(x.denominator for x in credits.values())) if credits else 1
    num = np.zeros(f.n, dtype=np.int64)
    den = np.zeros(f.n, dtype=np.int64)
    bound = 0
    for c in children:
        scale = va.pack.scale(c.node.scale) if c.node.scale else None
        w = weights.get(c.code, Fraction(1)) * lw
        nt, dt, bad = [], [], []
        for label in c.marks.labels:
            if non_score(scale, label):
                nt.append(0)
                dt.append(0)
                bad.append(False)
                continue
            mark = canonical(scale, label) if scale is not None else label
            credit = credits.get(mark)
            bad.append(credit is None)
            nt.append(int(w * credit * lc) if credit is not None else 0)
            dt.append(int(w * lc))
        bound += max([abs(x) for x in nt + dt] + [0])
        if bound > LIMIT // 200:
            f.mark(everything)
            return NodeColumn(marks=Marks.of(f.n, ("NA",)))
        f.mark(c.marks.map([int(b) for b in bad]) != 0)  # no credit, or no mark (−1)
        num += c.marks.map(nt)
        den += c.marks.map(dt)
    none = den <= 0
    marks = Marks(np.where(none, 0, -1).astype(np.int16), ("NA",))
    return NodeColumn(marks=marks, ratio=(np.where(none, 0, num * 100), np.where(none, 0, den)))


def check_section(group: Group, pack: Pack) -> list[str]:
    params = group.aggregator.params
    problems = [f"part_section: unexpected parameter {k!r}" for k in params if k not in ("credits", "weights")]
    credits = params.get("credits")
    if not isinstance(credits, Mapping) or not credits:
        return problems + ["part_section: credits must map each answer to its credit (Yes = 1, No = 0)"]
    for answer, value in credits.items():
        try:
            f = frac(value)
        except (TypeError, ValueError, ZeroDivisionError):
            problems.append(f"part_section: the credit of {answer!r} must be a number or a fraction like \"2/3\"")
            continue
        if not 0 <= f <= 1:
            problems.append(f"part_section: the credit of {answer!r} must lie between 0 and 1")
    codes = {c.code for c in group.children}
    for code, w in (params.get("weights") or {}).items():
        if code not in codes:
            problems.append(f"part_section: weight for {code!r}, which is not a question of {group.code}")
        else:
            try:
                if frac(w) <= 0:
                    problems.append(f"part_section: the weight of {code} must be above 0")
            except (TypeError, ValueError, ZeroDivisionError):
                problems.append(f"part_section: the weight of {code} must be a number")
    for child in group.children:
        if not isinstance(child, Indicator) or not child.scale or pack.scale(child.scale) is None:
            problems.append(f"part_section: {child.code} must be a question leaf on one of the pack's scales")
            continue
        for level in pack.scale(child.scale).levels:
            if level not in credits:
                problems.append(f"part_section: answer {level!r} of {child.code} has no credit")
    return problems


# -- the rating --------------------------------------------------------------------------------------


def _share_of(child: Any, pack: Pack) -> Fraction:
    """A section's exact share: recomputed from its answers, or the published percentage entered."""
    if isinstance(child, NodeResult) and child.group.aggregator.name == "part_section":
        share, _ = section_share(child.group, list(child.children), pack)
        if share is None:
            raise ConfigError(f"section {child.code} has no answered question")
        return share
    if isinstance(child, LeafResult) and isinstance(child.value, Decimal) and child.measurement.kind == "rating":
        return Fraction(child.value)
    if isinstance(child.score, Decimal) and child.standard_score:
        return Fraction(child.score) / Fraction(child.standard_score)
    raise ConfigError(f"part_rating: section {child.code} has no numeric score")


def part_rating(ai: AggregateInput) -> AggregateOutcome:
    params = ai.params
    by_code = {c.code: c for c in ai.children}
    weights = {k: frac(v) for k, v in params["weights"].items()}
    total_w = sum(weights.values(), Fraction(0))
    weighted = Fraction(0)
    terms = []
    for code, w in weights.items():
        share = _share_of(by_code[code], ai.pack)
        weighted += w * share
        terms.append(f"{show_credit(w / total_w * 100)}%*{show(share * 100)}%")
    score = weighted / total_w * 100
    bands = sorted(((label, frac(lower)) for label, lower in params["bands"]), key=lambda b: -b[1])
    band = next((label for label, lower in bands if score >= lower), bands[-1][0])
    edges = {label: lower for label, lower in bands}
    upper = [lo for _, lo in bands if lo > edges[band]]
    where = f"{show_credit(edges[band])} ≤ {show(score)}" + (f" < {show_credit(min(upper))}" if upper else "")
    working = f"{'+'.join(terms)}={show(score)} ({where})"
    rnd = params.get("results_not_demonstrated")
    if rnd:
        missing = []
        for code in rnd["codes"]:
            child = by_code[code]
            scale = ai.pack.scale(child.indicator.scale) if child.indicator.scale else None
            mark = canonical(scale, child.score) if scale is not None else child.score
            if mark in rnd.get("when", ("No",)):
                missing.append(f"{code} = {child.score}")
        if missing:
            label = rnd.get("label", RND)
            return AggregateOutcome(score=label, working=f"{label}: {', '.join(missing)} (override; the weighted "
                                                         f"score {working} would give {band})")
    return AggregateOutcome(score=band, working=f"{band}: {working}")


def part_rating_columnar(va: Any) -> Any:
    """part_rating over all rows: each weighted section's exact share (from a part_section node's
    ratio, a published rating, or score ÷ standard), the weighted score compared with every band's
    lower edge by cross-multiplying in Python integers (no rounding anywhere), then the Results Not
    Demonstrated override from the evidence leaves' marks. A section with no answered question, or
    one without a number: the engine's words."""
    import numpy as np

    from jixiao.batch.fixed import Marks, NodeColumn

    f, params = va.frame, va.params
    everything = np.ones(f.n, dtype=bool)
    by_code = {c.code: c for c in va.children}
    try:
        weights = {k: frac(v) for k, v in params["weights"].items()}
        bands = sorted(((label, frac(lower)) for label, lower in params["bands"]), key=lambda b: -b[1])
        rnd = params.get("results_not_demonstrated")
        shares = []
        for code, w in weights.items():
            c = by_code[code]
            if getattr(c.node, "children", None) is not None and c.node.aggregator.name == "part_section":
                if c.ratio is None:
                    raise ValueError(code)
                n_, d_ = c.ratio
                f.mark(d_ <= 0)  # "section … has no answered question"
                shares.append((w, n_, np.where(d_ > 0, d_, 1) * 100))
            elif c.is_leaf and c.value is not None and c.value_kind == "rating":
                shares.append((w, c.value.v, np.full(f.n, 10**c.value.scale, dtype=np.int64)))
            elif c.score is not None and c.standard_score:
                std = Fraction(c.standard_score)
                if c.marks is not None:
                    f.mark(c.marks.codes >= 0)
                shares.append((w, c.score.v * std.denominator,
                               np.full(f.n, 10**c.score.scale * std.numerator, dtype=np.int64)))
            else:
                raise ValueError(code)
    except (KeyError, TypeError, ValueError, ZeroDivisionError, AttributeError):
        f.mark(everything)
        return NodeColumn(marks=Marks.of(f.n, ()))
    total_w = sum(weights.values(), Fraction(0))
    if total_w == 0 or not bands:
        f.mark(everything)
        return NodeColumn(marks=Marks.of(f.n, ()))
    # score = Σ w·n/d ÷ total_w × 100; as one fraction P ÷ Q over the product of the denominators.
    p = np.zeros(f.n, dtype=object)
    q = np.ones(f.n, dtype=object)
    for w, n_, d_ in shares:
        n_o, d_o = n_.astype(object) * (w.numerator * 100), d_.astype(object) * (w.denominator)
        p, q = p * d_o + n_o * q, q * d_o
    q = q * total_w.numerator
    p = p * total_w.denominator
    labels = [label for label, _ in bands]
    codes = np.full(f.n, len(bands) - 1, dtype=np.int16)
    hit = np.zeros(f.n, dtype=bool)
    for i, (_, lower) in enumerate(bands):
        ge = np.asarray(p * lower.denominator >= q * lower.numerator, dtype=bool)
        codes = np.where(~hit & ge, i, codes)
        hit |= ge
    if rnd:
        label = rnd.get("label", RND)
        when = tuple(rnd.get("when", ("No",)))
        labels.append(label)
        override = np.zeros(f.n, dtype=bool)
        for code in rnd["codes"]:
            c = by_code.get(code)
            if c is None:
                f.mark(everything)
                continue
            if c.marks is None:
                continue
            scale = va.pack.scale(c.node.scale) if getattr(c.node, "scale", None) else None
            table = [int((canonical(scale, m) if scale is not None else m) in when) for m in c.marks.labels]
            override |= c.marks.map(table) == 1
        codes = np.where(override, len(labels) - 1, codes)
    return NodeColumn(marks=Marks(codes.astype(np.int16), tuple(labels)))


def check_rating(group: Group, pack: Pack) -> list[str]:
    params = group.aggregator.params
    problems = [f"part_rating: unexpected parameter {k!r}" for k in params
                if k not in ("weights", "bands", "results_not_demonstrated")]
    codes = {c.code for c in group.children}
    weights = params.get("weights")
    if not isinstance(weights, Mapping) or not weights:
        problems.append("part_rating: weights must map each section's code to its weight")
    else:
        problems += child_weight_problems("part_rating", weights, group, frac)
    bands = params.get("bands")
    try:
        lowers = [frac(lo) for _, lo in bands]
        if not lowers or min(lowers) != 0:
            problems.append("part_rating: the lowest band must start at 0, so every score has a rating")
        if len(set(lowers)) != len(lowers):
            problems.append("part_rating: two bands start at the same score")
    except (TypeError, ValueError, ZeroDivisionError):
        problems.append("part_rating: bands must be a list of [label, lower edge] pairs")
    rnd = params.get("results_not_demonstrated")
    if rnd is not None:
        for code in rnd.get("codes", ()):
            if code not in codes:
                problems.append(f"part_rating: the Results Not Demonstrated override reads {code!r}, "
                                f"which is not a child of {group.code}")
    return problems


_SECTION_EXAMPLE = Example(
    indicators="\n".join(
        ['[scales.part-yes-no]', 'levels = ["Yes", "No"]', 'aliases = { "N/A" = "NA" }', 'non_scores = ["NA"]', '',
         '[indicators.I]', 'name = "项目目的与设计"', 'standard_score = 100',
         'aggregator = { name = "part_section", credits = { Yes = "1", No = "0" }, weights = { "1.1" = 2 } }']
        + [line for i in range(1, 5) for line in (
            '', f'[indicators."1.{i}"]', 'parent = "I"', f'name = "问题1.{i}"', 'scale = "part-yes-no"',
            'value = { indicator = "ordinal_rating" }', 'score = { method = "ordinal_mark" }')]),
    evaluation="\n".join(f'[ratings."1.{i}"]\nmark = "{m}"\nreason = "评估依据"\n'
                         for i, m in enumerate(("Yes", "Yes", "No", "N/A"), 1)),
    # question 1.1 weighs 2: (2×1 + 1 + 0) ÷ (2 + 1 + 1) = 75%; the N/A answer leaves the denominator
    expect="(2*1+1+0)/4=75% (1.4 N/A)", code="I")


def _rating_example(measures: str, expect: str) -> Example:
    """Four published section scores weighted 20/10/20/50 and banded; ``measures`` = No overrides."""
    lines = ['[scales.part-evidence]', 'levels = ["Yes", "No"]', '', '[indicators.PART]', 'name = "项目评级"',
             ('aggregator = { name = "part_rating", weights = { I = 20, II = 10, III = 20, IV = 50 }, '
              'bands = [["Effective", 85], ["Moderately Effective", 70], ["Adequate", 50], ["Ineffective", 0]], '
              'results_not_demonstrated = { codes = ["measures"], when = ["No"], label = "Results Not Demonstrated" } }')]
    evaluation = []
    for code, rating in (("I", "80%"), ("II", "88%"), ("III", "100%"), ("IV", "40%")):
        lines += ['', f'[indicators.{code}]', 'parent = "PART"', f'name = "分部{code}"', 'standard_score = 100',
                  'value = { indicator = "qualitative_rating" }', 'score = { method = "rating_times_standard" }']
        evaluation += [f'[ratings.{code}]', f'rating = "{rating}"', 'reason = "OMB 公布的分部得分"', '']
    lines += ['', '[indicators.measures]', 'parent = "PART"', 'name = "有经认可的绩效指标"', 'scale = "part-evidence"',
              'value = { indicator = "ordinal_rating" }', 'score = { method = "ordinal_mark" }']
    evaluation += ['[ratings.measures]', f'mark = "{measures}"', 'reason = "评估依据"']
    return Example(indicators="\n".join(lines), evaluation="\n".join(evaluation), expect=expect, code="PART")


_WEIGHTED = "20%*80%+10%*88%+20%*100%+50%*40%=64.8 (50 ≤ 64.8 < 70)"
EXAMPLES = {
    "part_section": (_SECTION_EXAMPLE,),
    "part_rating": (_rating_example("Yes", f"Adequate: {_WEIGHTED}"),
                    _rating_example("No", "Results Not Demonstrated: measures = No (override; the weighted score "
                                          f"{_WEIGHTED} would give Adequate)")),
}


@hookimpl
def jixiao_aggregators():
    import attrs

    return [attrs.evolve(a, examples=EXAMPLES[a.name]) for a in _aggregators()]


def _aggregators():
    return [
        Aggregator(name="part_section", title="PART section score: weighted share of question credit",
                   aggregate=part_section, check=check_section,
                   vectorized=part_section_columnar, numeric=False,
                   params=(ParamSpec(name="credits", type="table", doc="answer → its credit "
                                     "(Yes = 1, Large Extent = 2/3, Small Extent = 1/3, No = 0); N/A drops out"),
                           ParamSpec(name="weights", type="table", doc="question code → weight (default equal)")),
                   description="Σ weight × credit ÷ Σ weight of the section's questions, as a percentage",
                   example="answers Yes, Yes, No, N/A → 2/3 = 66.67%"),
        Aggregator(name="part_rating", title="PART rating: weighted sections, bands, Results Not Demonstrated",
                   aggregate=part_rating, check=check_rating,
                   vectorized=part_rating_columnar, numeric=False,
                   params=(ParamSpec(name="weights", type="table", required=True, doc="section code → weight"),
                           ParamSpec(name="bands", type="list", required=True,
                                     doc="[label, lower edge] pairs (Effective 85, …, Ineffective 0)"),
                           ParamSpec(name="results_not_demonstrated", type="table",
                                     doc="{ codes = [questions…], … }: the override to Results Not Demonstrated")),
                   description="the weighted sections' score and its band; Results Not Demonstrated overrides",
                   example="Adequate: 20%*80%+10%*88%+20%*100%+50%*40%=64.8 (50 ≤ 64.8 < 70)"),
    ]
