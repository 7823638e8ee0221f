"""Acceptance: the 2018 Shanghai consumer-protection report is reproduced exactly, from the CLI."""

from __future__ import annotations

import re

import pytest

from conftest import SEED, run_cli

# Every leaf score as the published report prints it (seed/DIGEST.md).
LEAF_SCORES = {
    "A11": "2.00", "A12": "2.00", "A13": "2.00", "A211": "1.00", "A212": "1.00", "A22": "1.60",
    "B11": "3.44", "B21": "2.00", "B22": "4.00", "B23": "2.00", "B31": "4.00", "B32": "3.00",
    "C111": "10.00", "C112": "1.20", "C113": "1.20", "C114": "3.00", "C121": "5.00", "C122": "4.83",
    "C123": "3.00", "C13": "2.40", "C21": "8.00", "C22": "5.00", "C23": "4.37", "C24": "5.00", "C25": "7.60",
}

# The working strings the report prints, in its own form.
REPORT_WORKINGS = {
    "B11": "3.44=5-(1-89.63%)*5*100*3%",
    "C122": "4.83=5-(1-98.88%)*5*100*3%",
    "C23": "4.37=5-(90%-85.83%)*5*100*3%",
    "C25": "7.60=8-(85%-83.33%)*8*100*3%",
}


@pytest.fixture(scope="module")
def doc():
    res = run_cli("evaluate", SEED, "--format", "json")
    assert res.code == 0, res
    return res.json()


def test_total_grade_and_tiers(doc):
    assert doc["total"] == "88.64"
    assert doc["grade"] == "良"
    assert doc["total_standard"] == "100.00"
    tiers = {t["code"]: (t["standard_score"], t["score"], t["score_rate"]) for t in doc["tiers"]}
    assert tiers == {
        "A": ("10.00", "9.60", "96.00%"),
        "B": ("23.00", "18.44", "80.17%"),
        "C": ("67.00", "60.60", "90.45%"),
    }


def test_every_leaf_score(doc):
    assert {i["code"]: i["score"] for i in doc["indicators"]} == LEAF_SCORES


def test_second_level_groups(doc):
    groups = {g["code"]: g["score"] for t in doc["tiers"] for g in t["children"]}
    assert groups == {"A1": "6.00", "A2": "3.60", "B1": "3.44", "B2": "8.00", "B3": "7.00",
                      "C1": "30.63", "C2": "29.97"}


def test_workings_as_the_report_writes_them(doc):
    traces = {i["code"]: i["trace"] for i in doc["indicators"]}
    for code, working in REPORT_WORKINGS.items():
        assert traces[code] == working
    # Every score shows its working, starting with the rounded score itself.
    for ind in doc["indicators"]:
        assert ind["trace"].startswith(ind["score"] + "="), ind


def test_values_are_decimal_strings(doc):
    values = {i["code"]: i["value"] for i in doc["indicators"]}
    assert values["B11"] == "0.8963"
    assert values["C111"] == "1.0322"
    assert values["C122"] == "0.9888"
    assert values["C23"] == "0.8583"
    assert values["A22"] == "0.80"
    assert values["C22"] == "0"
    assert values["C123"] == "1.0000"  # 0 ÷ 0, counted as met under this rule set


def test_budget_table_is_computed_from_the_amounts(doc):
    table = doc["tables"]["B11"]
    rows = {r["label"]: r for r in table["rows"]}
    assert len([r for r in table["rows"] if r["level"] == 1]) == 24
    assert len([r for r in table["rows"] if r["level"] == 0]) == 6
    total = next(r for r in table["rows"] if r["level"] == -1)
    assert (total["denominator"], total["numerator"], total["rate"]) == ("1526.00", "1367.75", "89.63%")
    # Rates are computed from the printed amounts, not copied from the report (DIGEST.md).
    assert rows["315公益广告费"]["rate"] == "93.33%"
    assert rows["抽检商品样品购买费用"]["rate"] == "126.98%"
    assert rows["三、开展“放心消费”创建活动"]["rate"] == "61.58%"
    assert rows["执法通告、宣传册印制费"]["rate"] == "346.00%"


def test_points_lost(doc):
    losses = doc["losses"]
    assert losses["total_lost"] == "11.36"
    top = [(i["code"], i["points_lost"]) for i in losses["ranked"][:4]]
    assert top == [("B32", "2.00"), ("C114", "2.00"), ("C13", "1.60"), ("B11", "1.56")]


def test_json_is_byte_identical_across_runs(tmp_path):
    a = run_cli("evaluate", SEED, "--format", "json")
    b = run_cli("evaluate", SEED, "--format", "json", cwd=tmp_path)
    assert a.code == b.code == 0
    assert a.stdout == b.stdout


def test_terminal_summary():
    res = run_cli("evaluate", SEED)
    assert res.code == 0, res
    assert re.search(r"A 项目决策\s+10\.00\s+9\.60\s+96\.00%", res.stdout)
    assert "88.64" in res.stdout and "良" in res.stdout


def test_markdown_report(tmp_path):
    out = tmp_path / "report.md"
    res = run_cli("evaluate", SEED, "--format", "markdown", "-o", out)
    assert res.code == 0, res
    text = out.read_text(encoding="utf-8")
    assert "| C 项目绩效 | 67.00 | 60.60 | 90.45% |" in text
    assert "【3.44=5-(1-89.63%)\\*5\\*100\\*3%】" in text
    for code, score in LEAF_SCORES.items():
        assert re.search(rf"\| {code} [^|]+\| [\d.]+ \| {re.escape(score)} \|", text), code
