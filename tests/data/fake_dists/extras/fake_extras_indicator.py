"""Test fixture: a third-party indicator plugin, part ÷ whole of two named inputs."""

from fake_extras_log import imported

from jixiao import IndicatorPlugin, InputRequirement, Measurement, hookimpl

imported(__name__)


def measure(ctx):
    part = ctx.number("part", kind="count")
    whole = ctx.number("whole", kind="count")
    value, _ = ctx.ratio(part, whole, what="share")
    return Measurement(value=value, kind="rate", expression=f"{part}/{whole}（fake_share）",
                       inputs={"part": part, "whole": whole})


@hookimpl
def jixiao_indicators():
    return [IndicatorPlugin(
        name="fake_share", title="份额 share", measure=measure,
        requires=lambda p: [InputRequirement(name=p[k], kind="count", param=k) for k in ("part", "whole") if k in p],
        params={"part": "count", "whole": "count"})]
