"""The default aggregator: a node's score is the sum of its children's scores."""

from __future__ import annotations

from decimal import Decimal

from ..hookspecs import hookimpl
from ..model import LeafResult
from ..numbers import ZERO, fmt_fixed
from ..types import AggregateInput, AggregateOutcome, Aggregator


def sum_children(ai: AggregateInput) -> AggregateOutcome:
    scores = [c.score for c in ai.children if not (isinstance(c, LeafResult) and c.status in ("NA", "NU"))]
    bad = [c.code for c in ai.children if c.score is not None and not isinstance(c.score, Decimal)]
    if bad:
        from ..errors import ConfigError

        where = ai.group.code if ai.group else "the total"
        raise ConfigError(f"{where}: the sum aggregator needs numeric scores, but {', '.join(bad)} are ordinal; "
                          "name an ordinal aggregator for this node")
    total = sum((s for s in scores if s is not None), ZERO)
    places = ai.rule_set.rounding.score_places
    working = "+".join(fmt_fixed(s, places) for s in scores if s is not None)
    return AggregateOutcome(score=total, working=working)


@hookimpl
def jixiao_aggregators():
    return [Aggregator(name="sum", title="求和 sum of children", aggregate=sum_children)]
