"""The national 2020 self-evaluation form: an education programme whose figures are worked by hand."""

from __future__ import annotations

from conftest import ROOT, run_cli

EXAMPLE = ROOT / "docs" / "examples" / "national-education-2023" / "evaluation.toml"

# Worked by hand (rates enter scoring rounded to 2 decimals of a percent; scores half-up to 2 decimals):
#   A   预算执行率 432/480 = 90.00%            → 10 × 90.00% = 9.00
#   B11 1100 人 of ≥1200                      → 1100/1200 × 20 = 18.333… → 18.33
#   B12 33 所 of ≥35                          → 33/35 × 10 = 9.428… → 9.43
#   B21 97.50% of ≥98%                        → 97.5/98 × 10 = 9.948… → 9.95
#   B31 100% of =100%                         → 5.00
#   B41 1300 元 against ≤1250 元 (lower better) → 1250/1300 × 5 = 4.807… → 4.81
#   C21 qualitative, band 部分达成 (80–60%), 70% → 20 × 70% = 14.00
#   C41 80% of ≥90%                           → 80/90 × 10 = 8.888… → 8.89
#   D11 (150+36)/200 = 93.00% ≥ 90%           → 10.00 (capped)
#   B = 47.52, C = 22.89 (C1 and C3 have no indicators and drop out), total 89.41 → 良 (80 ≤ s < 90)
EXPECTED = {"A": "9.00", "B11": "18.33", "B12": "9.43", "B21": "9.95", "B31": "5.00", "B41": "4.81",
            "C21": "14.00", "C41": "8.89", "D11": "10.00"}


def test_hand_worked_figures():
    res = run_cli("evaluate", EXAMPLE, "--format", "json")
    assert res.code == 0, res
    doc = res.json()
    assert {i["code"]: i["score"] for i in doc["indicators"]} == EXPECTED
    assert {t["code"]: t["score"] for t in doc["tiers"]} == {"A": "9.00", "B": "47.52", "C": "22.89",
                                                            "D": "10.00"}
    assert doc["total"] == "89.41" and doc["grade"] == "良"
    groups = [g["code"] for t in doc["tiers"] for g in t["children"]]
    assert groups == ["B1", "B2", "B3", "B4", "C2", "C4", "D1"]


def test_same_score_is_中_under_national_bands_and_良_under_shanghai(tmp_path):
    """78 would be 良 in Shanghai (≥ 75) but 中 nationally (< 80): grading is pack data."""
    text = EXAMPLE.read_text(encoding="utf-8")
    cfg = tmp_path / "evaluation.toml"
    # C21 rated 未达成 at 30% loses 8 more points: 89.41 − 8 = 81.41; B11 at 900 loses 3.33 more: 78.08
    text = text.replace('band = "部分达成"\nrating = "70%"', 'band = "未达成"\nrating = "30%"')
    text = text.replace("actual = 1100", "actual = 900")
    cfg.write_text(text, encoding="utf-8")
    res = run_cli("evaluate", cfg, "--format", "json")
    assert res.code == 0, res
    doc = res.json()
    assert doc["total"] == "78.08" and doc["grade"] == "中"


def test_unit_defined_indicator_must_sit_in_an_open_group(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8").replace('parent = "B1"\nname = "补助学生人数"',
                                                      'parent = "B"\nname = "补助学生人数"')
    cfg = tmp_path / "evaluation.toml"
    cfg.write_text(text, encoding="utf-8")
    res = run_cli("evaluate", cfg)
    assert res.code == 2 and "$.indicators.B11.parent" in res.stderr and "open groups: B1" in res.stderr


def test_points_must_add_up_to_the_form(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8").replace("standard_score = 20\ntarget = \"≥1200人\"",
                                                      "standard_score = 25\ntarget = \"≥1200人\"")
    cfg = tmp_path / "evaluation.toml"
    cfg.write_text(text, encoding="utf-8")
    res = run_cli("validate", cfg)
    assert res.code == 2 and "the children of B add up to 55, but B has standard score 50" in res.stderr


def test_override_with_reason_is_shown(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8") + '\n[overrides.B41]\nscore = 5\nreason = "标准上调经财政批准"\n'
    cfg = tmp_path / "evaluation.toml"
    cfg.write_text(text, encoding="utf-8")
    doc = run_cli("evaluate", cfg, "--format", "json").json()
    b41 = next(i for i in doc["indicators"] if i["code"] == "B41")
    assert b41["override"]["computed_score"] == "4.81" and b41["score"] == "5.00"
    assert doc["total"] == "89.60"
