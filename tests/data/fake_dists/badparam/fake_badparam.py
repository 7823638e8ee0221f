"""Test fixture for ``jixiao packs --check``: bad parameters and a crashing plugin, found before any evaluation.

- pack ``fake-badparam`` writes ``kk = "3%"`` for the built-in ``deduct_per_point`` (which takes ``k``);
- method ``fake_capped`` declares ``cap`` but its own example writes ``cpa``;
- method ``fake_crash`` divides by its ``divisor`` parameter, and its example gives 0; pack
  ``fake-crash-user`` uses it with valid parameters, so only running the example finds the crash.
"""

from decimal import Decimal

from jixiao import Group, Indicator, Pack, PluginRef, RuleSet, ScoreOutcome, Target, hookimpl
from jixiao.types import Example, ParamSpec, ScoringMethod


def leaf(code, method):
    return Indicator(code=code, name=code, standard_score=100, target=Target(value=Decimal(1)),
                     source=PluginRef(name="input_value", params={"input": "rate", "kind": "rate"}), method=method)


BAD = Pack(name="fake-badparam", title="参数写错的包", rule_set=RuleSet(name="bad", grading=None), tree=(
    leaf("A1", PluginRef(name="deduct_per_point", params={"kk": "3%"})),))
CRASH_USER = Pack(name="fake-crash-user", title="用到会崩溃的方法的包", rule_set=RuleSet(name="crash", grading=None),
                  tree=(Group(code="A", name="A", standard_score=100, children=(
                      leaf("A1", PluginRef(name="fake_crash", params={"divisor": 2})),)),))


def capped(si):
    cap = Decimal(str(si.params.get("cap", 100)))
    score = min(cap, si.standard_score * si.value)
    return ScoreOutcome(score=score, expression=f"min({cap},{si.standard_score}*{si.value})")


def crash(si):
    score = si.standard_score * si.value / Decimal(str(si.params["divisor"]))  # ZeroDivisionError on 0
    return ScoreOutcome(score=score, expression=f"{si.standard_score}*{si.value}/{si.params['divisor']}")


def example(score):
    return Example.leaf(value='{ input = "rate", kind = "rate" }', score=score, target="≥100%",
                        evaluation='[inputs]\nrate = "90%"', expect="9.00=10*0.9")


@hookimpl
def jixiao_scoring_methods():
    return [
        ScoringMethod(name="fake_capped", title="capped", score=capped,
                      params=(ParamSpec(name="cap", type="number", doc="the highest score"),),
                      examples=(example('{ method = "fake_capped", cpa = 5 }'),)),
        ScoringMethod(name="fake_crash", title="crashes on divisor 0", score=crash,
                      params=(ParamSpec(name="divisor", type="number", required=True, doc="divides the score"),),
                      examples=(example('{ method = "fake_crash", divisor = 0 }'),)),
    ]


@hookimpl
def jixiao_packs():
    return [BAD, CRASH_USER]
