"""Test fixture (distribution jixiao-pack-x 0.1.0): plugins that raise while an evaluation runs.

- method ``deviation_penalty`` divides by zero (a plugin bug: exit 1, attributed);
- method ``fake_refuses`` raises jixiao's own DataError (stays exit 3);
- method ``fake_overflow`` multiplies the value by 10**999999999 (a Decimal overflow: exit 3);
- indicator ``fake_boom`` raises KeyError; aggregator ``fake_boom_sum`` raises RuntimeError;
- renderer ``fake_boom_render`` raises ValueError.
Each pack ``fake-crash-*`` has one leaf ``C21`` reading input ``rate`` and uses one of them.
"""

from decimal import Decimal

from jixiao import DataError, Group, Indicator, Pack, PluginRef, RuleSet, Target, hookimpl
from jixiao.types import Aggregator, IndicatorPlugin, Renderer, ScoringMethod


def pack(name, method="deduct_per_point", source="input_value", aggregator="sum"):
    src = {"input": "rate", "kind": "rate"} if source == "input_value" else {}
    leaf = Indicator(code="C21", name="消费者经济损失挽回率", standard_score=10, target=Target(value=Decimal(1)),
                     source=PluginRef(name=source, params=src), method=PluginRef(name=method))
    return Pack(name=name, title=name, rule_set=RuleSet(name=name, grading=None, total_standard=10),
                tree=(Group(code="C", name="效果", standard_score=10, aggregator=PluginRef(name=aggregator),
                            children=(leaf,)),))


def divides(si):
    return si.standard_score / (si.value - si.value)  # decimal.DivisionByZero: the plugin forgot 0


def refuses(si):
    raise DataError("the value is not a plausible rate", path="$.inputs.rate")


def overflows(si):
    from decimal import localcontext

    with localcontext() as ctx:
        ctx.traps[__import__("decimal").Overflow] = True
        return si.value * Decimal("1e999999999") * Decimal("1e999999999")


def boom_measure(ctx):
    raise KeyError("rate_missing")


def boom_requires(params):
    return ()


def boom_aggregate(inp):
    raise RuntimeError("aggregator exploded")


def boom_render(result, *, lang="zh"):
    raise ValueError("renderer exploded")


@hookimpl
def jixiao_scoring_methods():
    return [ScoringMethod(name="deviation_penalty", title="偏离度扣分", score=divides),
            ScoringMethod(name="fake_refuses", title="refuses", score=refuses),
            ScoringMethod(name="fake_overflow", title="overflows", score=overflows)]


@hookimpl
def jixiao_indicators():
    return [IndicatorPlugin(name="fake_boom", title="boom", measure=boom_measure, requires=boom_requires)]


@hookimpl
def jixiao_aggregators():
    return [Aggregator(name="fake_boom_sum", title="boom", aggregate=boom_aggregate)]


@hookimpl
def jixiao_renderers():
    return [Renderer(name="fake_boom_render", title="boom", suffixes=(".boom",), render=boom_render)]


@hookimpl
def jixiao_packs():
    return [pack("fake-crash-method", method="deviation_penalty"),
            pack("fake-crash-data", method="fake_refuses"),
            pack("fake-crash-overflow", method="fake_overflow"),
            pack("fake-crash-measure", source="fake_boom"),
            pack("fake-crash-agg", aggregator="fake_boom_sum")]
