"""Test fixture for ``jixiao packs --check``: examples of every kind that are wrong, found before use.

- grading scheme ``fake-lenient`` (优 from 85): its example says 85 is 良, which the scheme refutes;
- aggregator ``fake_max`` (the best child's score, at most ``cap``): its example writes ``cap = "high"``;
- pack ``fake-badagg`` writes ``weigths`` for the built-in ``weighted_mean`` (which takes ``weights``);
- renderer ``fake_html`` returns HTML whose ``<p>`` is closed by ``</div>``.
"""

from decimal import Decimal

from jixiao import (
    GradeBand,
    GradingScheme,
    Group,
    Indicator,
    Pack,
    PluginRef,
    RuleSet,
    Target,
    hookimpl,
)
from jixiao.types import (
    AggregateOutcome,
    Aggregator,
    Example,
    GradingSchemeRecord,
    ParamSpec,
    Renderer,
)

LENIENT = GradingScheme(name="fake-lenient", title="宽松等级", bands=(
    GradeBand(label="优", lower=85, upper=None), GradeBand(label="良", lower=70, upper=85),
    GradeBand(label="差", lower=None, upper=70)))


@hookimpl
def jixiao_grading_schemes():
    return [GradingSchemeRecord(name="fake-lenient", scheme=LENIENT, examples=(
        Example.graded("fake-lenient", "84.99", "良"), Example.graded("fake-lenient", "85", "良")))]


def best(ai):
    cap = Decimal(str(ai.params.get("cap", 100)))
    scores = [c.score for c in ai.children if isinstance(c.score, Decimal)]
    return AggregateOutcome(score=min(cap, max(scores)), working=f"min({cap},max({','.join(map(str, scores))}))")


MAX_EXAMPLE = Example(
    indicators='[indicators.X]\nname = "分组"\naggregator = { name = "fake_max", cap = "high" }\n\n'
               '[indicators.X1]\nparent = "X"\nname = "指标"\nstandard_score = 10\ntarget = "≥100%"\n'
               'value = { input = "a", kind = "rate" }\nscore = { method = "rate_times_standard" }',
    evaluation='[inputs]\na = "90%"', expect="min(5,max(9.00))", code="X")


@hookimpl
def jixiao_aggregators():
    return [Aggregator(name="fake_max", title="best child", aggregate=best,
                       params=(ParamSpec(name="cap", type="number", doc="the highest score"),),
                       examples=(MAX_EXAMPLE,))]


def leaf(code):
    return Indicator(code=code, name=code, standard_score=10, target=Target(value=Decimal(1)),
                     source=PluginRef(name="input_value", params={"input": code, "kind": "rate"}),
                     method=PluginRef(name="rate_times_standard"))


@hookimpl
def jixiao_packs():
    return [Pack(name="fake-badagg", title="聚合参数写错的包", rule_set=RuleSet(name="bad", grading=None), tree=(
        Group(code="A", name="A", standard_score=100, children=(leaf("A1"), leaf("A2")),
              aggregator=PluginRef(name="weighted_mean", params={"weigths": {"A1": 2, "A2": 1}})),))]


def render_bad_html(result, *, lang="zh"):
    return b"<!doctype html><html><body><div><p>report</div></body></html>"


@hookimpl
def jixiao_renderers():
    return [Renderer(name="fake_html", title="broken HTML", suffixes=(".html",), render=render_bad_html)]
