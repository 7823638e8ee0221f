"""A template's adjustable weights from the evaluation config (issue 11 §4): the national form's
产出/效益/满意度 split ``[weights] B = 40, C = 30, D = 20``, checked against the template at ``$.weights``;
and ``weighted_mean`` weighing children by their standard scores unless told otherwise."""

from __future__ import annotations

import shutil
from decimal import Decimal

import pytest

import jixiao
from conftest import ROOT, run_cli
from jixiao.document import build_document
from jixiao.errors import JixiaoError
from jixiao.model import Indicator, PluginRef
from jixiao.weights import scaled_standards

NATIONAL = ROOT / "docs" / "examples" / "national-education-2023" / "evaluation.toml"


@pytest.fixture
def national(tmp_path):
    dest = tmp_path / "evaluation.toml"
    shutil.copy(NATIONAL, dest)
    return dest


def with_weights(path, text: str):
    path.write_text(path.read_text(encoding="utf-8") + "\n[weights]\n" + text + "\n", encoding="utf-8")
    return path


def test_national_reweighted_40_30_20_scales_the_leaves(national):
    with_weights(national, "B = 40\nC = 30\nD = 20")
    r = run_cli("evaluate", national, "--format", "json")
    assert r.code == 0, r
    doc = r.json()
    tiers = {t["code"]: t for t in doc["tiers"]}
    assert {c: t["standard_score"] for c, t in tiers.items()} == {"A": "10.00", "B": "40.00", "C": "30.00",
                                                                 "D": "20.00"}
    std = {i["code"]: Decimal(i["standard_score"]) for i in doc["indicators"]}
    # B's leaves 20, 10, 10, 5, 5 (50) × 40/50; C's already add up to 30; D's 10 → 20.
    assert {c: std[c] for c in ("B11", "B12", "B21", "B31", "B41")} == {
        "B11": Decimal(16), "B12": Decimal(8), "B21": Decimal(8), "B31": Decimal(4), "B41": Decimal(4)}
    assert sum(std[c] for c in std if c.startswith("B")) == 40
    assert std["C21"] + std["C41"] == 30 and std["D11"] == 20
    scores = {i["code"]: i["score"] for i in doc["indicators"]}
    assert scores["B11"] == "14.67"  # 1100/1200 × 16
    assert scores["D11"] == "20.00"
    assert doc["total"] == "89.91"


def test_40_30_30_is_refused_at_the_weights_key(national):
    with_weights(national, "B = 40\nC = 30\nD = 30")
    r = run_cli("evaluate", national)
    assert r.code == 2, r
    assert r.stdout == "" and "Traceback" not in r.stderr
    assert "$.weights.B" in r.stderr
    assert "add up to 100, expected 90" in r.stderr and "A 10" in r.stderr


def test_unknown_code_and_bad_values_are_located(national):
    with_weights(national, "B = -4\nC = \"30\"")
    with pytest.raises(JixiaoError) as exc:
        jixiao.evaluate_file(national)
    text = str(exc.value)
    assert "$.weights.B" in text and "above 0" in text
    assert "$.weights.C" in text and "a number" in text
    (national.parent / "again.toml").write_text(NATIONAL.read_text(encoding="utf-8") + "\n[weights]\nDD = 20\n",
                                                encoding="utf-8")
    with pytest.raises(JixiaoError) as exc:
        jixiao.evaluate_file(national.parent / "again.toml")
    assert "$.weights.DD" in str(exc.value) and "did you mean 'D'" in str(exc.value)


def test_leaves_already_on_the_new_split_are_kept(national):
    text = national.read_text(encoding="utf-8").replace("standard_score = 20\ntarget = \"≥1200人\"",
                                                        "standard_score = 10\ntarget = \"≥1200人\"")
    national.write_text(text, encoding="utf-8")  # B's leaves now add up to 40 as the unit wrote them
    with_weights(national, "B = 40\nC = 30\nD = 20")
    doc = build_document(jixiao.evaluate_file(national))
    std = {i["code"]: i["standard_score"] for i in doc["indicators"]}
    assert (std["B11"], std["B12"], std["B41"]) == ("10.00", "10.00", "5.00")


def leaves(*stds):
    return [Indicator(code=f"L{i}", name="l", standard_score=s, source=PluginRef(name="input_value"),
                      method=PluginRef(name="proportional")) for i, s in enumerate(stds)]


def test_scaled_standards_add_up_exactly():
    # 40 × 1/3 = 13.333…: largest remainders, earlier leaves first on a tie.
    assert scaled_standards(leaves(10, 10, 10), Decimal(40), 2) == {
        "L0": Decimal("13.34"), "L1": Decimal("13.33"), "L2": Decimal("13.33")}
    out = scaled_standards(leaves(7, 11, 13, 19), Decimal(30), 2)
    assert sum(out.values()) == 30
    assert out == {"L0": Decimal("4.20"), "L1": Decimal("6.60"), "L2": Decimal("7.80"), "L3": Decimal("11.40")}
    assert scaled_standards(leaves(1, 2), Decimal(10), 0) == {"L0": Decimal(3), "L1": Decimal(7)}


PACK = """
schema_version = 1

[pack]
name = "wm"
title = "加权平均"
version = "1"
api = 1

[rule_set]
name = "wm"
grading = "none"
total_standard = 20

[indicators.G]
name = "综合"
standard_score = 20
aggregator = {{ name = "weighted_mean"{weights} }}

[indicators.G1]
parent = "G"
name = "甲"
standard_score = 10
target = "≥100%"
value = {{ input = "a", kind = "rate" }}
score = {{ method = "proportional" }}

[indicators.G2]
parent = "G"
name = "乙"
standard_score = 30
target = "≥100%"
value = {{ input = "b", kind = "rate" }}
score = {{ method = "proportional" }}
"""


@pytest.mark.parametrize(("weights", "total"), [("", "17.50"), (", weights = { G1 = 1, G2 = 1 }", "15.00")])
def test_weighted_mean_defaults_to_standard_scores(tmp_path, weights, total):
    # G1 50% of 10, G2 100% of 30: by standard scores (10·50% + 30·100%) / 40 × 20 = 17.5;
    # equal weights, now written out, give (50% + 100%) / 2 × 20 = 15.
    (tmp_path / "pack.toml").write_text(PACK.format(weights=weights), encoding="utf-8")
    (tmp_path / "e.toml").write_text('pack = { path = "pack.toml" }\n[inputs]\na = "50%"\nb = "100%"\n',
                                     encoding="utf-8")
    res = jixiao.evaluate_file(tmp_path / "e.toml")
    assert build_document(res)["total"] == total


def test_imported_form_with_the_units_own_split_is_scored_on_it(tmp_path):
    """A form printing 产出 40 / 效益 30 / 满意度 20 (90 with 预算执行 10): import-form writes [weights] and
    evaluate scores it on that split, with no weights discrepancy."""
    import sys

    sys.path.insert(0, str(ROOT / "tests" / "forms"))
    from builders import ROWS, write_xlsx

    rows = list(ROWS)
    rows[0] = ("产出指标", "数量指标", "补助学生人数", "≥1200人", "1100人", 10, "9.17", "部分学生转学，人数减少")
    rows[-1] = ("满意度指标", "服务对象满意度指标", "学生及家长满意度", "≥90%", "92%", 20, 20, "")
    write_xlsx(tmp_path / "form.xlsx", rows=rows, total="89")
    r = run_cli("import-form", tmp_path / "form.xlsx", "-o", tmp_path / "evaluation.toml")
    assert r.code == 0, r
    text = (tmp_path / "evaluation.toml").read_text(encoding="utf-8")
    assert "[weights]\nB = 40\nC = 30\nD = 20\n" in text
    doc = build_document(jixiao.evaluate_file(tmp_path / "evaluation.toml"))
    assert {t["code"]: t["standard_score"] for t in doc["tiers"]} == {"A": "10.00", "B": "40.00", "C": "30.00",
                                                                     "D": "20.00"}
    kinds = {d["kind"] for d in doc.get("review", {}).get("discrepancies", [])}
    assert "weights" not in kinds

    from jixiao.forms.reader import read_form
    from jixiao.forms.review import level_findings
    from jixiao.plugins import Registry

    pack = Registry().pack_record("national-2020-self-evaluation").pack
    assert level_findings(read_form(tmp_path / "form.xlsx"), pack) == []


def test_nested_weights_refine_and_are_checked_against_their_parent(national):
    # B = 40 scales B's leaves to 16, 8 | 8 | 4 | 4; B1 = 24 keeps its 16 + 8: consistent.
    with_weights(national, "B = 40\nC = 30\nD = 20\nB1 = 24")
    std = {i["code"]: i["standard_score"] for i in build_document(jixiao.evaluate_file(national))["indicators"]}
    assert (std["B11"], std["B12"]) == ("16.00", "8.00")
    # B1 = 25 rescales 16 + 8 to 16.67 + 8.33, and then B's children add up to 41, not 40
    text = national.read_text(encoding="utf-8").replace("B1 = 24", "B1 = 25")
    national.write_text(text, encoding="utf-8")
    with pytest.raises(JixiaoError) as exc:
        jixiao.evaluate_file(national)
    msg = str(exc.value)
    assert "$.weights.B1" in msg and "add up to 25, expected 24" in msg and "B 40 − B2 8 − B3 4 − B4 4" in msg
