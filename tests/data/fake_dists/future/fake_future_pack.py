"""Test fixture: a pack written for a plugin API this jixiao does not support."""

from jixiao import Group, Indicator, Pack, PluginRef, RuleSet, hookimpl

PACK = Pack(name="fake-future", title="来自未来的包", api=999, rule_set=RuleSet(name="future"), tree=(
    Group(code="A", name="A", standard_score=100, children=(
        Indicator(code="A1", name="A1", standard_score=100, source=PluginRef(name="qualitative_rating"),
                  method=PluginRef(name="rating_times_standard")),)),))


@hookimpl
def jixiao_packs():
    return [PACK]
