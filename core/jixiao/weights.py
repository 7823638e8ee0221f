"""An evaluation's ``[weights]``: new standard scores for a template's nodes, the leaves beneath scaled to match.

The national form fixes 预算执行率 at 10 and lets a unit split the other 90 between 产出, 效益 and
满意度 (``[weights] B = 40, C = 30, D = 20``). Each re-weighted node gets the new standard score;
the standard scores of the leaves beneath it are scaled by ``new ÷ their present sum`` in exact
fractions, rounded to ``score_places`` by the largest-remainder method, so that they add up to the
new weight exactly (leaves that already add up to it are left as they are). Declared standard
scores of groups in between become the sums of their scaled leaves. Then the template's
constraint is checked at the config's key path: siblings add up to their parent's standard score
(the first level to the rule set's ``total_standard``).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs

from .errors import ConfigError, JixiaoError, raise_all
from .model import Group, Indicator, Pack, iter_nodes
from .numbers import ZERO, fmt_number


def _effective(node: Any) -> Decimal | None:
    from .validate import effective_standard

    return effective_standard(node)


def _leaves(node: Any) -> list[Indicator]:
    return [n for n in iter_nodes((node,)) if isinstance(n, Indicator)]


def scaled_standards(leaves: list[Indicator], weight: Decimal, places: int) -> dict[str, Decimal]:
    """Each leaf's standard score × weight ÷ their sum, at ``places`` decimals, adding up to ``weight``.

    Largest remainder (Hamilton): every share is first cut down to ``places``; the units still missing
    go one each to the largest remainders, earlier leaves first on a tie.
    """
    old = sum((Fraction(leaf.standard_score or 0) for leaf in leaves), Fraction(0))
    unit = Fraction(1, 10**places)
    target_units = Fraction(weight) / unit
    shares = [Fraction(leaf.standard_score or 0) * Fraction(weight) / old / unit for leaf in leaves]
    floors = [s.numerator // s.denominator for s in shares]
    missing = int(target_units) - sum(floors)
    order = sorted(range(len(leaves)), key=lambda i: (-(shares[i] - floors[i]), i))
    for i in order[:missing]:
        floors[i] += 1
    return {leaf.code: Decimal(f).scaleb(-places) for leaf, f in zip(leaves, floors, strict=True)}


def apply_weights(pack: Pack, config: Any) -> Pack:
    """The pack with the config's ``[weights]`` applied (unchanged without them); located exit-2 errors."""
    from .schema import suggestion

    weights = config.raw.get("weights") or {}
    if not isinstance(weights, dict) or not weights:
        return pack
    file = config.file
    places = pack.rule_set.rounding.score_places
    nodes = {n.code: n for n in iter_nodes(pack.tree)}
    errors: list[JixiaoError] = []
    wanted: dict[str, Decimal] = {}
    for code, w in weights.items():
        where = f"$.weights.{code}"
        if code not in nodes:
            close = suggestion(code, [c for c, n in nodes.items() if isinstance(n, Group)] or list(nodes))
            errors.append(ConfigError(
                f"no node {code!r} in pack {pack.name!r} to re-weight"
                + (f"; did you mean {close!r}?" if close else "")
                + f" (its first-level codes: {', '.join(n.code for n in pack.tree)})", file=file, path=where))
            continue
        w = Decimal(w)
        if w != w.quantize(Decimal(1).scaleb(-places)):
            errors.append(ConfigError(f"a weight has at most {places} decimals (the rule set's score_places), "
                                      f"got {fmt_number(w)}", file=file, path=where))
            continue
        node = nodes[code]
        if isinstance(node, Group):
            leaves = _leaves(node)
            if not leaves or any(leaf.standard_score is None for leaf in leaves) or not sum(
                    (leaf.standard_score or ZERO for leaf in leaves), ZERO):
                errors.append(ConfigError(
                    f"{code} ({node.name}) has no leaves with standard scores to scale to {fmt_number(w)}; add its "
                    "indicators first", file=file, path=where))
                continue
        wanted[code] = w
    raise_all(errors)

    new_std: dict[str, Decimal] = {}
    for code in [c for c in nodes if c in wanted]:  # tree order: a nested weight refines its parent's scaling
        node, w = nodes[code], wanted[code]
        if isinstance(node, Indicator):
            new_std[code] = w
        else:
            leaves = [attrs.evolve(leaf, standard_score=new_std.get(leaf.code, leaf.standard_score))
                      for leaf in _leaves(node)]
            new_std.update(scaled_standards(leaves, w, places))

    def rebuild(items: tuple[Any, ...]) -> tuple[Any, ...]:
        out = []
        for n in items:
            if isinstance(n, Indicator):
                out.append(attrs.evolve(n, standard_score=new_std[n.code]) if n.code in new_std else n)
                continue
            kids = rebuild(n.children)
            std = n.standard_score
            if n.code in wanted:
                std = wanted[n.code] if std is not None else None
            elif std is not None and any(leaf.code in new_std for leaf in _leaves(n)):
                std = sum((_effective(k) or ZERO for k in kids), ZERO)
            out.append(attrs.evolve(n, children=kids, standard_score=std))
        return tuple(out)

    tree = rebuild(pack.tree)
    check_weights(tree, pack, wanted, file)
    return attrs.evolve(pack, tree=tree)


def check_weights(tree: tuple[Any, ...], pack: Pack, wanted: dict[str, Decimal], file: str) -> None:
    """Siblings that include a re-weighted node add up to their parent's standard (the first level to
    ``total_standard``); otherwise one error at the first re-weighted code, naming found and expected."""
    errors: list[JixiaoError] = []

    def look(siblings: tuple[Any, ...], parent_std: Decimal | None, parent: str) -> None:
        mine = [n for n in siblings if n.code in wanted]
        if mine and parent_std is not None:
            stds = [_effective(n) for n in siblings]
            if all(s is not None for s in stds):
                found = sum((s for s in stds if s is not None), ZERO)
                if found != parent_std:
                    fixed = [n for n in siblings if n.code not in wanted]
                    fixed_sum = sum((_effective(n) or ZERO for n in fixed), ZERO)
                    names = " + ".join(f"{n.code} {fmt_number(wanted[n.code])}" for n in mine)
                    mine_sum = sum((wanted[n.code] for n in mine), ZERO)
                    rest = "".join(f" − {n.code} {fmt_number(_effective(n) or ZERO)}" for n in fixed)
                    errors.append(ConfigError(
                        f"the weights {names} add up to {fmt_number(mine_sum)}, expected "
                        f"{fmt_number(parent_std - fixed_sum)} ({parent} {fmt_number(parent_std)}{rest}); "
                        f"the template's {'first level' if parent == 'total' else 'children of ' + parent} must "
                        f"add up to {fmt_number(parent_std)}", file=file, path=f"$.weights.{mine[0].code}",
                        hint=f"change the weights of {', '.join(n.code for n in mine)} to add up to "
                             f"{fmt_number(parent_std - fixed_sum)}"))
        for n in siblings:
            if isinstance(n, Group):
                look(n.children, n.standard_score, n.code)

    total_std = pack.rule_set.total_standard if pack.rule_set.total_aggregator == "sum" else None
    look(tree, total_std, "total")
    raise_all(errors)
