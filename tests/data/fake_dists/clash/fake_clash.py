"""Test fixture: records under names jixiao itself registers (a pack, indicator plugin, method, grading scheme)."""

from jixiao import (
    GradingSchemeRecord,
    IndicatorPlugin,
    Measurement,
    ScoreOutcome,
    ScoringMethod,
    hookimpl,
)
from jixiao.builtin.grading import SHANGHAI_2014
from jixiao_shanghai.consumer_protection import PACK


@hookimpl
def jixiao_packs():
    return [PACK]


@hookimpl
def jixiao_indicators():
    return [IndicatorPlugin(name="completion_rate", title="clash",
                            measure=lambda ctx: Measurement(value=1, expression="1"))]


@hookimpl
def jixiao_scoring_methods():
    return [ScoringMethod(name="deduct_per_point", title="clash",
                          score=lambda si: ScoreOutcome(score=0, expression="0"))]


@hookimpl
def jixiao_grading_schemes():
    return [GradingSchemeRecord(name="shanghai-2014", scheme=SHANGHAI_2014)]

