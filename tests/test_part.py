"""The PART packs through the CLI: OMB's FY2008 ratings from their section scores, the Results Not
Demonstrated override, exact thirds at a band edge, and answers off the scale."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT, run_cli

EXAMPLES = ROOT / "docs" / "examples" / "part"

# OMB, PART 2008 Budget table (ExpectMore.gov, 2/5/2007), the rows listed in the verified notes
# (../shared/research/pefa-part-verified.md §2.2): section 1–4 scores and OMB's published rating.
FY2008 = [
    ("Agricultural Commodity Grading and Certification Programs", 80, 88, 100, 40, "Adequate"),
    ("Agricultural Credit Insurance Fund – Guaranteed Loans", 100, 63, 100, 67, "Moderately Effective"),
    ("Agricultural Crops Counter Cyclical Payments", 80, 86, 71, 60, "Adequate"),
    ("Agricultural Marketing Loan Payments", 60, 88, 100, 67, "Moderately Effective"),
    ("Conservation Operations", 100, 100, 100, 67, "Moderately Effective"),
    ("Dairy Payment Program", 60, 100, 71, 53, "Adequate"),
    ("Commodity Purchase Services (Section 32)", 40, 0, 43, 13, "Results Not Demonstrated"),
    ("Commodity Supplemental Food Program", 40, 0, 67, 7, "Results Not Demonstrated"),
    ("Conservation Security Program", 40, 50, 100, 27, "Results Not Demonstrated"),
]
RND = "Results Not Demonstrated"


def sections_config(path: Path, s1, s2, s3, s4, *, measures="Yes", baseline="Yes") -> Path:
    lines = ["schema_version = 1", 'pack = "part-sections"']
    for code, value in zip(("I", "II", "III", "IV"), (s1, s2, s3, s4)):
        lines += [f"[ratings.{code}]", f'rating = "{value}%"', 'reason = "OMB FY2008 PART table"']
    lines += ["[ratings.measures]", f'mark = "{measures}"', 'reason = "test"',
              "[ratings.baseline]", f'mark = "{baseline}"', 'reason = "test"']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def rating(path: Path) -> dict:
    r = run_cli("evaluate", path, "--format", "json")
    assert r.code == 0, r
    return r.json()["tiers"][0]


@pytest.mark.parametrize(("name", "s1", "s2", "s3", "s4", "published"), FY2008, ids=[row[0] for row in FY2008])
def test_fy2008_programmes_get_their_published_rating(tmp_path, name, s1, s2, s3, s4, published):
    # The RND programmes lacked agreed measures or baseline data: that, not the score, rates them.
    no_results = published == RND
    cfg = sections_config(tmp_path / "evaluation.toml", s1, s2, s3, s4, measures="No" if no_results else "Yes")
    root = rating(cfg)
    assert root["score"] == published, root["trace"]
    if no_results:
        # Without the override their weighted scores (23–47) would band as Ineffective.
        plain = rating(sections_config(tmp_path / "plain.toml", s1, s2, s3, s4))
        assert plain["score"] == "Ineffective"
        assert "override" in root["trace"]


def test_override_on_missing_baseline_whatever_the_score(tmp_path):
    root = rating(sections_config(tmp_path / "evaluation.toml", 100, 100, 100, 100, baseline="No"))
    assert root["score"] == RND
    assert "baseline = No" in root["trace"]


@pytest.mark.parametrize(("scores", "expected"), [
    ((100, 100, 100, 70), "Effective"),        # 85 exactly: the lower edge is in the band
    ((100, 100, 100, 69.98), "Moderately Effective"),
    ((0, 0, 0, 100), "Adequate"),              # 50 exactly
    ((0, 0, 0, 99.98), "Ineffective"),
])
def test_band_edges(tmp_path, scores, expected):
    assert rating(sections_config(tmp_path / "e.toml", *scores))["score"] == expected


def questions_config(path: Path, answers: dict[str, str]) -> Path:
    text = (EXAMPLES / "evaluation.toml").read_text(encoding="utf-8")
    for code, mark in answers.items():
        head = f'[ratings."{code}"]\nmark = "'
        start = text.index(head) + len(head)
        end = text.index('"', start)
        text = text[:start] + mark + text[end:]
    path.write_text(text, encoding="utf-8")
    return path


def test_question_example_sections_and_rating():
    root = rating(EXAMPLES / "evaluation.toml")
    sections = {c["code"]: c for c in root["children"] if c["children"]}
    # I: 4 of 5 Yes; II: 5 of 7 answered (2.8 N/A); III: 5 of 7; IV: (2/3+1/3+0+2/3+1/3)/5.
    assert sections["I"]["score"] == "80.00"
    assert sections["II"]["score"] == "71.43" and "2.8 N/A" in sections["II"]["trace"]
    assert sections["IV"]["trace"] == "(2/3+1/3+0+2/3+1/3)/5=40%"
    assert root["score"] == "Adequate"


def test_thirds_stay_exact_at_a_band_edge(tmp_path):
    # All Yes in I–III, IV = 2/3 + 2/3 + 1/3 + 1/3 + 0 = 2 of 5: exactly 20+10+20+50×2/5 = 70.
    # In floating point 2/3+2/3+1/3+1/3 is 1.9999999999999998 and the programme would fall to Adequate.
    answers = {f"{s}.{q}": "Yes" for s, n in ((1, 5), (2, 8), (3, 7)) for q in range(1, n + 1)}
    answers.update({"4.1": "Large Extent", "4.2": "Large Extent", "4.3": "Small Extent", "4.4": "Small Extent",
                    "4.5": "No"})
    assert 2 / 3 + 2 / 3 + 1 / 3 + 1 / 3 < 2  # the float trap this test guards against
    root = rating(questions_config(tmp_path / "evaluation.toml", answers))
    assert root["score"] == "Moderately Effective", root["trace"]
    assert "=70 (70 ≤ 70 < 85)" in root["trace"]


def test_answer_off_the_scale_is_refused_with_key_path(tmp_path):
    cfg = questions_config(tmp_path / "evaluation.toml", {"1.1": "Large Extent", "4.2": "Maybe"})
    r = run_cli("evaluate", cfg)
    assert r.code == 2, r
    assert "$.ratings.1.1.mark" in r.stderr and "part-yes-no" in r.stderr
    assert "$.ratings.4.2.mark" in r.stderr and "part-extent" in r.stderr


def test_sections_example_runs():
    root = rating(EXAMPLES / "sections.toml")
    assert root["score"] == "Moderately Effective"
