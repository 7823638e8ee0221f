"""Test fixture: a pack that imports fine but whose tree has two problems (a code used twice,
children that do not add up to their group)."""

from jixiao import Group, Indicator, Pack, PluginRef, RuleSet, hookimpl


def leaf(code, std):
    return Indicator(code=code, name=code, standard_score=std, source=PluginRef(name="qualitative_rating"),
                     method=PluginRef(name="rating_times_standard"))


PACK = Pack(name="fake-unsound", title="不健全的包", rule_set=RuleSet(name="unsound"), tree=(
    Group(code="A", name="A", standard_score=60, children=(leaf("A1", 50),)),
    Group(code="B", name="B", standard_score=40, children=(leaf("A1", 40),)),
))


@hookimpl
def jixiao_packs():
    return [PACK]
