"""Changing an input changes the right scores, and only those (CLI on a copy of the seed)."""

from __future__ import annotations

import re

from conftest import run_cli


def evaluate(config):
    res = run_cli("evaluate", config, "--format", "json")
    assert res.code == 0, res
    doc = res.json()
    return doc, {i["code"]: i["score"] for i in doc["indicators"]}


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_108_of_120_satisfied_gives_c25_full_marks(seed_copy):
    _, before = evaluate(seed_copy)
    # 32 + 76 = 108 of 120 = 90% ≥ 85%: C25 earns its full 8 points.
    edit(seed_copy, '"基本满意" = 68, "不满意" = 20', '"基本满意" = 76, "不满意" = 12')
    doc, after = evaluate(seed_copy)
    assert after["C25"] == "8.00"
    assert {k: v for k, v in after.items() if k != "C25"} == {k: v for k, v in before.items() if k != "C25"}
    assert doc["total"] == "89.04"


def test_budget_actual_changes_b11_only(seed_copy):
    csv = seed_copy.parent / "budget.csv"
    text = csv.read_text(encoding="utf-8").replace("日常办公经费,10.00,0.13", "日常办公经费,10.00,10.00")
    csv.write_text(text, encoding="utf-8")
    doc, _after = evaluate(seed_copy)
    # 1377.62 / 1526 = 90.28% → 5-(1-90.28%)*5*100*3% = 3.542 → 3.54
    b11 = next(i for i in doc["indicators"] if i["code"] == "B11")
    assert b11["value"] == "0.9028"
    assert b11["trace"] == "3.54=5-(1-90.28%)*5*100*3%"
    assert doc["total"] == "88.74"


def test_a_major_incident_zeroes_c22(seed_copy):
    edit(seed_copy, "major_disputes = 0", "major_disputes = 1")
    doc, after = evaluate(seed_copy)
    assert after["C22"] == "0.00"
    assert doc["total"] == "83.64"


def test_a_change_that_flips_the_grade(seed_copy):
    # B32 rated 60% → 20%: loses 2 more points and the total falls below 88.64 − 2 = 86.64; the rating
    # of C24 falling to 20% costs 4 more: 82.64 — still 良. Spot checks falling to 80% of plan costs
    # C111 10 − 20*10*0.03 = 4 → 6 points: total 76.64 → still 良; complaints halved → C122 0: 71.81 → 合格.
    edit(seed_copy, 'rating = "60%"', 'rating = "20%"')
    edit(seed_copy, "spot_check_done = 2824", "spot_check_done = 2189")
    text = seed_copy.read_text(encoding="utf-8")
    text = re.sub(r'(\[ratings\.C24\]\nrating = )"100%"', r'\1"20%"', text)
    seed_copy.write_text(text, encoding="utf-8")
    edit(seed_copy, "handled = 306953", "handled = 156050")
    doc, after = evaluate(seed_copy)
    assert after["B32"] == "1.00"
    assert after["C24"] == "1.00"
    assert after["C111"] == "4.00"  # 2189/2736 = 80.01% → 10-(1-80.01%)*10*100*3% = 4.003
    assert after["C122"] == "0.00"  # (156050+146300)/(458400) = 65.96% → far below: floor 0
    c122 = next(i for i in doc["indicators"] if i["code"] == "C122")
    assert c122["trace"].startswith("0.00=max(0,")
    assert doc["grade"] == "合格"
    assert doc["total"] == "71.81"


def test_c23_uses_the_rounded_rate(tmp_path):
    """The rule set rounds rates to 2 decimals of a percent before scoring: C23 is 4.37, not 4.38."""
    from decimal import Decimal

    from jixiao.builtin.methods import deduct_per_point
    from jixiao.engine import finish_score
    from jixiao.model import Measurement, RoundingPolicy, RuleSet, Target
    from jixiao.types import ScoreInput

    def score(value, places):
        rs = RuleSet(name="t", rounding=RoundingPolicy(value_places=places))
        si = ScoreInput(value=value, value_kind="rate", standard_score=Decimal(5),
                        target=Target(value=Decimal("0.9")), params={"k": Decimal("0.03")}, rule_set=rs,
                        measurement=Measurement(value=value))
        return finish_score(deduct_per_point(si), Decimal(5), rs)

    exact = Decimal(103) / Decimal(120)
    assert score(Decimal("0.8583"), 4)[2] == "4.37=5-(90%-85.83%)*5*100*3%"
    assert score(exact, None)[2].startswith("4.38=")


def test_below_target_where_the_report_is_silent(seed_copy):
    """C21 below its 90% target loses 3% of 8 per point from 90% (pack documentation)."""
    edit(seed_copy, "losses_recovered = 6785", "losses_recovered = 5700")
    doc, _after = evaluate(seed_copy)
    c21 = next(i for i in doc["indicators"] if i["code"] == "C21")
    # 5700/6785 = 84.01% → 8-(90%-84.01%)*8*100*3% = 6.5624 → 6.56
    assert c21["trace"] == "6.56=8-(90%-84.01%)*8*100*3%"
