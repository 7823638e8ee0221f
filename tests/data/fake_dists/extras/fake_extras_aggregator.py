"""Test fixture: a third-party aggregator, the weakest link: standard × the lowest child score rate."""

from fake_extras_log import imported

from jixiao import AggregateOutcome, Aggregator, hookimpl

imported(__name__)


def aggregate(ai):
    rates = [c.score / c.standard_score for c in ai.children]
    std = sum(c.standard_score for c in ai.children)
    low = min(rates)
    return AggregateOutcome(score=std * low, working=f"{std}*min(...)")


@hookimpl
def jixiao_aggregators():
    return [Aggregator(name="fake_weakest_link", title="最弱项 weakest link", aggregate=aggregate)]
