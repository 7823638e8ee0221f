"""Lost-points analysis (失分分析): ranked, ties in tree order, adds up to 100 − total, in JSON and text."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from conftest import SEED, run_cli


@pytest.fixture(scope="module")
def doc():
    res = run_cli("evaluate", SEED, "--format", "json")
    assert res.code == 0, res
    return res.json()


def test_seed_losses_add_up_to_the_points_missing_from_the_total(doc):
    losses = doc["losses"]
    assert losses["total_lost"] == "11.36"
    assert Decimal(doc["total_standard"]) - Decimal(doc["total"]) == Decimal("11.36")
    assert sum(Decimal(i["points_lost"]) for i in losses["ranked"]) == Decimal("11.36")
    # Every leaf that is below its standard score is listed, and no other.
    below = [i["code"] for i in doc["indicators"] if Decimal(i["score"]) < Decimal(i["standard_score"])]
    assert sorted(below) == sorted(i["code"] for i in losses["ranked"])


def test_seed_ranking_matches_the_report(doc):
    top = [(i["code"], i["points_lost"]) for i in doc["losses"]["ranked"][:4]]
    assert top == [("B32", "2.00"), ("C114", "2.00"), ("C13", "1.60"), ("B11", "1.56")]


def test_equal_losses_keep_the_tree_order(doc):
    order = [i["code"] for i in doc["indicators"]]
    ranked = doc["losses"]["ranked"]
    for a, b in itertools.pairwise(ranked):
        la, lb = Decimal(a["points_lost"]), Decimal(b["points_lost"])
        assert la >= lb
        if la == lb:
            assert order.index(a["code"]) < order.index(b["code"]), (a["code"], b["code"])


def test_reasons_say_why(doc):
    by_code = {i["code"]: i for i in doc["losses"]["ranked"]}
    assert by_code["B11"]["kind"] == "below_benchmark"
    assert "89.63%" in by_code["B11"]["reason_zh"] and "10.37个百分点" in by_code["B11"]["reason_zh"]
    assert "10.37 percentage points" in by_code["B11"]["reason_en"]
    assert by_code["B32"]["kind"] == "rating"
    assert "60%" in by_code["B32"]["reason_zh"]
    assert by_code["C114"]["kind"] == "rating"  # rated by the evaluator, whatever the method


def test_problems_draft_lists_each_indicator_that_lost_points(doc):
    ranked = doc["losses"]["ranked"]
    for lang in ("zh", "en"):
        problems = doc["losses"][f"problems_{lang}"]
        assert len(problems) == len(ranked)
        for item, text in zip(ranked, problems):
            assert text.startswith(item["code"] + " ")
            assert item["points_lost"] in text
    assert "项目管理制度执行有效性：失分2.00分" in doc["losses"]["problems_zh"][0]


def test_override_is_a_reason_and_ties_with_a_rating_in_tree_order(seed_copy):
    with open(seed_copy, "a", encoding="utf-8") as fh:
        fh.write('\n[overrides.C21]\nscore = 7.00\nreason = "挽回损失统计口径不一致"\n')
    res = run_cli("evaluate", seed_copy, "--format", "json")
    assert res.code == 0, res
    losses = res.json()["losses"]
    assert losses["total_lost"] == "12.36"
    codes = [i["code"] for i in losses["ranked"]]
    # B31 (rated 80%) and the overridden C21 both lose 1.00: B31 comes first in the tree.
    assert codes.index("B31") + 1 == codes.index("C21")
    c21 = losses["ranked"][codes.index("C21")]
    assert c21["kind"] == "override"
    assert "挽回损失统计口径不一致" in c21["reason_zh"] and "8.00" in c21["reason_zh"]


@pytest.mark.parametrize("fmt", ["markdown", "table"])
def test_text_formats_carry_the_losses_and_problems(fmt, doc):
    res = run_cli("evaluate", SEED, "--format", fmt)
    assert res.code == 0, res
    text = res.stdout
    assert "失分分析" in text and "存在的问题" in text and "11.36" in text
    positions = [text.index(f"{code} ", text.index("失分分析")) for code in ("B32", "C114", "C13", "B11")]
    assert positions == sorted(positions)
    for problem in doc["losses"]["problems_zh"][:3]:
        assert problem.split("：")[0] in text
