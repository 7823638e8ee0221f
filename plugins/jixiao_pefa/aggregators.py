"""PEFA 2016 indicator scores from dimension scores: M1 (weakest link), M2 (Table 1) and the
single-dimension case, with D* counted as D and NA dimensions dropped (Framework §2.1–2.2).

Each aggregator reads its children's marks through their ordinal scale, so D* shows as D* on the
dimension and never reaches the indicator score ("Aggregate indicator scores will not include an
asterisk"). A dimension marked NU drops out like NA; an indicator whose dimensions are all NA is
NA, and all NA or NU (at least one NU) is NU — the Framework defines NU for whole indicators only.
"""

from __future__ import annotations

from typing import Any

from jixiao import hookimpl
from jixiao.errors import ConfigError
from jixiao.model import Group, Indicator, LeafResult, Pack
from jixiao.ordinal import level, non_score
from jixiao.types import AggregateInput, AggregateOutcome, Aggregator, Example

from .data import LETTERS, check_m2_table, m2_table, table_key

METHOD_OF = {"pefa_m1": "M1", "pefa_m2": "M2", "pefa_single": "single"}
METHOD_NAMES = {"M1": "M1 (weakest link)", "M2": "M2 (averaging, Table 1)", "single": "single dimension"}


def declared_method(pack: Pack, code: str) -> str | None:
    """The method the pack's data gives an indicator (``pefa_methods``), if it gives one."""
    methods = pack.data.get("pefa_methods") or {}
    return methods.get(code)


def _dimensions(ai: AggregateInput) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """(scored: code, mark as entered, level it counts as), (dropped: code, NA/NU)."""
    scored, dropped = [], []
    code = ai.group.code if ai.group else "the total"
    for c in ai.children:
        if not isinstance(c, LeafResult) or not c.indicator.scale:
            raise ConfigError(f"{code}: PEFA aggregators take dimension leaves on an ordinal scale; "
                              f"{c.code} is not one")
        scale = ai.pack.scale(c.indicator.scale)
        if scale is None:
            raise ConfigError(f"{code}: the pack has no scale {c.indicator.scale!r} (dimension {c.code})")
        ns = non_score(scale, c.score)
        if ns:
            dropped.append((c.code, ns))
        else:
            scored.append((c.code, str(c.score), level(scale, str(c.score))))
    return scored, dropped


def _not_scored(dropped: list[tuple[str, str]]) -> str:
    return "NU" if any(s == "NU" for _, s in dropped) else "NA"


def _args(scored, dropped) -> str:
    text = ",".join(m for _, m, _ in scored)
    if dropped:
        text += "; " + ", ".join(f"{c} {s}" for c, s in dropped)
    return text


def weakest_link(levels: list[str]) -> str:
    """M1: the lowest score, with "+" when any other dimension scores higher."""
    ranks = [LETTERS.index(lv) for lv in levels]
    low = max(ranks)
    plus = any(r < low for r in ranks)
    return LETTERS[low] + ("+" if plus else "")


def averaging(levels: list[str], table: dict[str, str]) -> str:
    """M2: the Table 1 row for this multiset of scores (order does not matter)."""
    return table[table_key(levels)]


def pefa_m1(ai: AggregateInput) -> AggregateOutcome:
    scored, dropped = _dimensions(ai)
    if not scored:
        s = _not_scored(dropped)
        return AggregateOutcome(score=s, working=f"{s}=M1({_args(scored, dropped)})")
    s = weakest_link([lv for _, _, lv in scored])
    return AggregateOutcome(score=s, working=f"{s}=M1({_args(scored, dropped)})")


def _table(pack: Pack) -> dict[str, str]:
    own = pack.data.get("m2_table")
    return dict(own) if own else m2_table()


def pefa_m2(ai: AggregateInput) -> AggregateOutcome:
    code = ai.group.code if ai.group else "the total"
    if ai.group is not None and declared_method(ai.pack, code) == "M1":
        # Never reached after validation; kept so that no path applies Table 1 to an M1 indicator.
        raise ConfigError(f"{code} is an M1 indicator: Table 1 must not be applied to it")
    scored, dropped = _dimensions(ai)
    if not scored:
        s = _not_scored(dropped)
        return AggregateOutcome(score=s, working=f"{s}=M2({_args(scored, dropped)})")
    levels = [lv for _, _, lv in scored]
    if len(levels) == 1:
        # "Proceeds as if the 'not applicable' dimensions did not exist": one dimension left needs no table.
        return AggregateOutcome(score=levels[0], working=f"{levels[0]}=M2({_args(scored, dropped)}): one scored dimension")
    if len(levels) > 4:
        raise ConfigError(f"{code}: M2 (Table 1) covers 2 to 4 dimensions, {code} has {len(levels)}")
    s = averaging(levels, _table(ai.pack))
    return AggregateOutcome(score=s, working=f"{s}=M2({_args(scored, dropped)}) [Table 1: {table_key(levels)}]")


def pefa_single(ai: AggregateInput) -> AggregateOutcome:
    scored, dropped = _dimensions(ai)
    if not scored:
        s = _not_scored(dropped)
        return AggregateOutcome(score=s, working=s)
    (dim, mark, lv), = scored
    return AggregateOutcome(score=lv, working=f"{lv}={dim}({mark})")


# -- columnar forms (jixiao batch): every row's indicator score from its dimensions' mark codes -----


_NA, _NU, _BAD = 10, 11, 12
LABELS = tuple(x for lv in LETTERS for x in (lv, lv + "+")) + ("NA", "NU")
"""Indicator scores as codes: 2 × rank (+1 with "+"), then NA and NU."""
CODE_NA, CODE_NU = LABELS.index("NA"), LABELS.index("NU")


def _dimension_ranks(va: Any) -> Any | None:
    """Per dimension and row: its level's rank in A–D, or NA/NU; None when the node is not one the
    per-row form takes (its rows then all go to the engine). Rows with a mark the engine would refuse
    are marked."""
    import numpy as np

    f = va.frame
    rows = []
    for c in va.children:
        if not c.is_leaf or not getattr(c.node, "scale", None) or c.marks is None:
            return None
        scale = va.pack.scale(c.node.scale)
        if scale is None:
            return None
        table = []
        for label in c.marks.labels:
            ns = non_score(scale, label)
            if ns:
                table.append(_NU if ns == "NU" else _NA)
                continue
            try:
                table.append(LETTERS.index(level(scale, label)))
            except (ConfigError, ValueError):
                table.append(_BAD)
        r = c.marks.map(table)
        f.mark((r < 0) | (r == _BAD))
        rows.append(r)
    if not rows:
        return None
    return np.vstack(rows)


def _not_scored_codes(ranks: Any) -> Any:
    import numpy as np

    return np.where((ranks == _NU).any(axis=0), CODE_NU, CODE_NA)


def _result(va: Any, codes: Any, labels: tuple[str, ...] = LABELS) -> Any:
    from jixiao.batch.fixed import Marks, NodeColumn

    return NodeColumn(marks=Marks(codes.astype("int16"), labels))


def _everything(va: Any) -> Any:
    import numpy as np

    from jixiao.batch.fixed import Marks, NodeColumn

    va.frame.mark(np.ones(va.frame.n, dtype=bool))
    return NodeColumn(marks=Marks.of(va.frame.n, LABELS))


def pefa_m1_columnar(va: Any) -> Any:
    """pefa_m1 over all rows: the worst scored dimension's rank, "+" when a scored one ranks better."""
    import numpy as np

    ranks = _dimension_ranks(va)
    if ranks is None:
        return _everything(va)
    scored = ranks <= 3
    low = np.where(scored, ranks, -1).max(axis=0)
    best = np.where(scored, ranks, 99).min(axis=0)
    codes = np.where(scored.any(axis=0), 2 * low + (best < low), _not_scored_codes(ranks))
    return _result(va, codes)


def pefa_m2_columnar(va: Any) -> Any:
    """pefa_m2 over all rows: Table 1 looked up by the counts of A, B, C and D among the scored
    dimensions (one scored dimension is itself, none is NA/NU; more than four: the engine refuses)."""
    import numpy as np

    if va.group is not None and declared_method(va.pack, va.group.code) == "M1":
        return _everything(va)
    ranks = _dimension_ranks(va)
    if ranks is None:
        return _everything(va)
    labels = list(LABELS)
    lut = np.full(5**4, -1, dtype=np.int64)
    table = _table(va.pack)
    from itertools import product

    for counts in product(range(5), repeat=4):
        if 2 <= sum(counts) <= 4:
            levels = [lv for lv, k in zip(LETTERS, counts, strict=True) for _ in range(k)]
            got = table.get(table_key(levels))
            if got is not None:
                if got not in labels:
                    labels.append(got)
                lut[sum(k * 5**j for j, k in enumerate(counts))] = labels.index(got)
    scored = ranks <= 3
    n_scored = scored.sum(axis=0)
    key = sum(np.minimum((ranks == j).sum(axis=0), 4) * 5**j for j in range(4))
    looked = lut[key]
    one = 2 * np.where(scored, ranks, -1).max(axis=0)
    codes = np.where(n_scored == 0, _not_scored_codes(ranks), np.where(n_scored == 1, one, looked))
    va.frame.mark((n_scored > 4) | ((n_scored >= 2) & (looked < 0)))
    return _result(va, np.where(codes < 0, 0, codes), tuple(labels))


def pefa_single_columnar(va: Any) -> Any:
    """pefa_single over all rows: the one scored dimension's level (two scored: the engine refuses)."""
    import numpy as np

    ranks = _dimension_ranks(va)
    if ranks is None:
        return _everything(va)
    scored = ranks <= 3
    n_scored = scored.sum(axis=0)
    va.frame.mark(n_scored > 1)
    codes = np.where(n_scored == 0, _not_scored_codes(ranks), 2 * np.where(scored, ranks, 0).max(axis=0))
    return _result(va, codes)


# -- structural checks (jixiao validate, and before every evaluation) -----------------------------


def _check(group: Group, pack: Pack, name: str, low: int, high: int | None) -> list[str]:
    problems: list[str] = []
    method = METHOD_OF[name]
    declared = declared_method(pack, group.code)
    if declared is not None and declared != method:
        if declared == "M1" and method == "M2":
            problems.append(f"{group.code} uses {METHOD_NAMES['M1']} in PEFA 2016; Table 1 (M2) must not be "
                            "applied to an M1 indicator — name the aggregator pefa_m1")
        else:
            problems.append(f"{group.code} uses {METHOD_NAMES.get(declared, declared)} in the pack's data, "
                            f"but its aggregator is {name} ({METHOD_NAMES[method]})")
    n = len(group.children)
    if n < low or (high is not None and n > high):
        if high is None:
            want = f"at least {low}"
        else:
            want = str(low) if high == low else f"{low} to {high}"
        problems.append(f"{name} ({METHOD_NAMES[method]}) needs {want} dimension(s); {group.code} has {n}")
    for child in group.children:
        if not isinstance(child, Indicator) or not child.scale:
            problems.append(f"{name}: {child.code} must be a dimension leaf on an ordinal scale")
            continue
        scale = pack.scale(child.scale)
        if scale is not None and not set(scale.levels) <= set(LETTERS):
            problems.append(f"{name}: dimension {child.code} is on scale {scale.name!r} whose levels "
                            f"({', '.join(scale.levels)}) are not the four-point A–D calibration")
    if group.aggregator.params:
        problems += [f"{name}: unexpected parameter {k!r}" for k in group.aggregator.params]
    return problems


def check_m1(group: Group, pack: Pack) -> list[str]:
    return _check(group, pack, "pefa_m1", 1, None)


def check_m2(group: Group, pack: Pack) -> list[str]:
    problems = _check(group, pack, "pefa_m2", 2, 4)
    own = pack.data.get("m2_table")
    if own:
        problems += [f"pack data: {p}" for p in check_m2_table(dict(own))]
    return problems


def check_single(group: Group, pack: Pack) -> list[str]:
    return _check(group, pack, "pefa_single", 1, 1)


def dimensions_example(aggregator: str, marks: tuple[str, ...], expect: str, *, pillar: bool = False) -> Example:
    """Indicator X over dimensions X1, X2… on the four-point scale, marked ``marks`` (``D*``, ``NA``
    allowed), aggregated by ``aggregator``; ``pillar`` puts X under a pillar P that counts the marks."""
    lines = ['[scales.pefa-dimension]', 'levels = ["A", "B", "C", "D"]', 'aliases = { "D*" = "D" }',
             'non_scores = ["NA", "NU"]']
    if pillar:
        lines += ['', '[scales.pefa-indicator]', 'levels = ["A", "B+", "B", "C+", "C", "D+", "D"]',
                  'non_scores = ["NA", "NU"]', '', '[indicators.P]', 'name = "示例支柱"',
                  'aggregator = { name = "ordinal_counts", scale = "pefa-indicator", merge_modifiers = true }']
    lines += ['', '[indicators.X]', 'name = "示例指标"'] + ['parent = "P"'] * pillar + [
        f'aggregator = {{ name = "{aggregator}" }}']
    evaluation = []
    for i, mark in enumerate(marks, 1):
        lines += ['', f'[indicators.X{i}]', 'parent = "X"', f'name = "维度{i}"', 'scale = "pefa-dimension"',
                  'value = { indicator = "ordinal_rating" }', 'score = { method = "ordinal_mark" }']
        evaluation += [f'[ratings.X{i}]', f'mark = "{mark}"', 'reason = "评估依据"', '']
    return Example(indicators="\n".join(lines), evaluation="\n".join(evaluation).strip(), expect=expect,
                   code="P" if pillar else "X")


EXAMPLES = {
    # M1: the lowest dimension, "+" when another scores higher; D* counts as D; NA drops out.
    "pefa_m1": (dimensions_example("pefa_m1", ("B", "C", "A"), "C+=M1(B,C,A)"),
                dimensions_example("pefa_m1", ("A", "D*", "NA"), "D+=M1(A,D*; X3 NA)")),
    # M2: Table 1 row for the multiset of marks (A,B → B+; A,B,C,D → C+), one scored dimension is itself.
    "pefa_m2": (dimensions_example("pefa_m2", ("A", "B"), "B+=M2(A,B) [Table 1: B A]"),
                dimensions_example("pefa_m2", ("A", "B", "C", "D*"), "C+=M2(A,B,C,D*) [Table 1: D C B A]"),
                dimensions_example("pefa_m2", ("B", "NA"), "B=M2(B; X2 NA): one scored dimension")),
    "pefa_single": (dimensions_example("pefa_single", ("B",), "B=X1(B)"),),
}


@hookimpl
def jixiao_aggregators() -> list[Any]:
    import attrs

    return [attrs.evolve(a, examples=EXAMPLES[a.name]) for a in _aggregators()]


def _aggregators() -> list[Any]:
    return [
        Aggregator(name="pefa_m1", title="PEFA M1 weakest link (最弱环节法)", aggregate=pefa_m1, check=check_m1,
                   vectorized=pefa_m1_columnar,
                   numeric=False, params=(),
                   description="the indicator's mark is its lowest dimension's, raised by \"+\" when another "
                               "dimension scores higher (PEFA 2016 M1)",
                   example="PI-2: dimensions B, C, A → C+"),
        Aggregator(name="pefa_m2", title="PEFA M2 averaging through Table 1 (平均法换算表)", aggregate=pefa_m2,
                   check=check_m2, vectorized=pefa_m2_columnar, numeric=False, params=(),
                   description="the indicator's mark read from PEFA 2016 Table 1 for its dimensions' marks",
                   example="PI-1: dimensions A, B → B+ (Table 1)"),
        Aggregator(name="pefa_single", title="PEFA single-dimension indicator (单维度指标)", aggregate=pefa_single,
                   check=check_single, vectorized=pefa_single_columnar, numeric=False, params=(),
                   description="the indicator's mark is its one dimension's mark",
                   example="PI-3: dimension B → B"),
    ]
