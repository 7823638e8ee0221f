"""Test fixture: a third-party pack that uses the fake indicator, method, aggregator and grading scheme."""

from pathlib import Path

from fake_extras_log import imported

from jixiao import Group, Indicator, Pack, PluginRef, RuleSet, Target, hookimpl

imported(__name__)

TREE = (
    Group(code="A", name="产出", standard_score=60, aggregator=PluginRef(name="fake_weakest_link"), children=(
        Indicator(code="A1", name="份额", standard_score=40, target=Target(value=1),
                  source=PluginRef(name="fake_share", params={"part": "part", "whole": "whole"}),
                  method=PluginRef(name="fake_step")),
        Indicator(code="A2", name="计划完成率", standard_score=20, target=Target(value=1),
                  source=PluginRef(name="completion_rate", params={"done": "done", "planned": "planned"}),
                  method=PluginRef(name="deduct_per_point", params={"k": "0.03"})),
    )),
    Group(code="B", name="管理", standard_score=40, children=(
        Indicator(code="B1", name="制度健全性", standard_score=40, source=PluginRef(name="qualitative_rating"),
                  method=PluginRef(name="rating_times_standard")),
    )),
)

PACK = Pack(name="fake-extras", title="测试包 fake extras", version="1.0", api=1,
            rule_set=RuleSet(name="fake", grading="fake-pass-fail"), tree=TREE,
            example=str(Path(__file__).with_name("fake_extras_example.toml")), source=__name__)


@hookimpl
def jixiao_packs():
    return [PACK]
