"""Built-in aggregators (sum, weighted mean, ordinal counts) found through their entry points."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from conftest import ROOT
from jixiao import Group, Indicator, Measurement, Pack, PluginRef, RuleSet, ScoreOutcome
from jixiao.model import LeafResult, OrdinalScale
from jixiao.plugins import Registry
from jixiao.types import AggregateInput

NATIONAL = ROOT / "docs" / "examples" / "national-education-2023" / "evaluation.toml"


def leaf(code: str, score, standard=None, scale=None) -> LeafResult:
    ind = Indicator(code=code, name=code, standard_score=standard, scale=scale,
                    source=PluginRef(name="input_value"), method=PluginRef(name="ordinal_mark"))
    return LeafResult(indicator=ind, measurement=Measurement(value=score), value=score, score=score,
                      score_unrounded=score, working=str(score), outcome=ScoreOutcome(score=score, expression=""))


def run_aggregator(name: str, children, params=None, group_std=None, scales=()):
    group = Group(code="G", name="G", standard_score=group_std, children=[c.indicator for c in children],
                  aggregator=PluginRef(name=name, params=params or {}))
    pack = Pack(name="t", title="t", rule_set=RuleSet(name="t"), tree=(group,), scales=scales)
    agg = Registry().aggregator(name)
    return agg, agg.aggregate(AggregateInput(group=group, children=children, params=group.aggregator.params,
                                             rule_set=pack.rule_set, pack=pack)), group, pack


def test_weighted_mean_of_percentages_is_exact():
    children = [leaf("I", Decimal(16), 20), leaf("II", Decimal(2), 3), leaf("III", Decimal(1), 3)]
    agg, out, group, pack = run_aggregator("weighted_mean", children,
                                          {"weights": {"I": 20, "II": 10, "III": 20}})
    # (20·80% + 10·2/3 + 20·1/3) / 50 · 100 = (16 + 20/3 + 20/3) / 50 · 100 = 176/3 … exactly 58.666…
    expected = (Fraction(16) + Fraction(20, 3) + Fraction(20, 3)) / 50 * 100
    assert abs(Fraction(out.score) - expected) < Fraction(1, 10**30)
    assert out.working == "(20*80.00%+10*66.67%+20*33.33%)/50*100"
    assert agg.check(group, pack) == []


def test_weighted_mean_defaults_to_the_childrens_standard_scores_and_the_node_standard():
    # a: 5 of 10 (50%), b: 30 of 30 (100%). Weighted by standard scores: (10·50% + 30·100%) / 40 = 87.5%
    # of the node's 20 = 17.5 (equal weights would give 75% → 15).
    children = [leaf("a", Decimal(5), 10), leaf("b", Decimal(30), 30)]
    _, out, _, _ = run_aggregator("weighted_mean", children, group_std=Decimal(20))
    assert out.score == Decimal("17.5")
    assert out.working == "(10*50.00%+30*100.00%)/40*20"


def test_weighted_mean_checks_its_weights():
    children = [leaf("a", Decimal(5), 10), leaf("b", Decimal(10), 10)]
    agg, _, group, pack = run_aggregator("weighted_mean", children, {"weights": {"a": 1, "b": 1}})
    bad = Group(code="G", name="G", children=group.children,
                aggregator=PluginRef(name="weighted_mean", params={"weights": {"a": -1, "x": 2}}))
    problems = agg.check(bad, pack)
    assert any("negative" in p for p in problems)
    assert any("'x'" in p for p in problems)
    assert any("no weight for child b" in p for p in problems)


def test_ordinal_counts_merges_plus_and_keeps_non_scores():
    scale = OrdinalScale(name="ind", levels=("A", "B+", "B", "C+", "C", "D+", "D"), non_scores=("NA", "NU"))
    children = [leaf(str(i), m) for i, m in enumerate(["B+", "B", "D", "NU", "C+", "B"])]
    _, out, _, _ = run_aggregator("ordinal_counts", children, {"scale": "ind", "merge_modifiers": True},
                                  scales=(scale,))
    assert out.score is None
    assert dict(out.counts) == {"A": 0, "B": 3, "C": 1, "D": 1, "NU": 1}
    _, exact, _, _ = run_aggregator("ordinal_counts", children, {"scale": "ind"}, scales=(scale,))
    assert dict(exact.counts)["B+"] == 1 and dict(exact.counts)["B"] == 2


def test_sum_refuses_ordinal_children():
    from jixiao.errors import ConfigError

    with pytest.raises(ConfigError, match="ordinal"):
        run_aggregator("sum", [leaf("a", "B")])


