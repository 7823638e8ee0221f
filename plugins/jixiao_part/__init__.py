"""The US OMB Program Assessment Rating Tool (PART, 2002–2008) as two packs.

``part``: the 25 standard questions (sections I–IV with 5, 8, 7 and 5 questions) answered Yes/No
(I–III) or Yes/Large Extent/Small Extent/No (IV); each section scores the weighted share of credit
its questions earned. ``part-sections``: the four section percentages entered as OMB published them.
Both weight the sections 20/10/20/50, band the result (Effective ≥ 85, Moderately Effective ≥ 70,
Adequate ≥ 50, Ineffective below) and give "Results Not Demonstrated" when the programme has no
agreed performance measures or no baseline data. Every one of these is a parameter below; which
are verified and which are defaults is in docs/packs/part.md.
"""

from __future__ import annotations

from pathlib import Path

from jixiao import Group, Indicator, OrdinalScale, Pack, PluginRef, RuleSet, hookimpl

YES_NO = OrdinalScale(name="part-yes-no", levels=("Yes", "No"), aliases={"N/A": "NA"}, non_scores=("NA",))
"""Sections I–III; an N/A answer drops out of the section's denominator."""
EXTENT = OrdinalScale(name="part-extent", levels=("Yes", "Large Extent", "Small Extent", "No"),
                      aliases={"N/A": "NA"}, non_scores=("NA",))
"""Section IV."""
EVIDENCE = OrdinalScale(name="part-evidence", levels=("Yes", "No"))
"""The two facts the Results Not Demonstrated override reads (no N/A: each must be answered)."""

YES_NO_CREDITS = {"Yes": "1", "No": "0"}
EXTENT_CREDITS = {"Yes": "1", "Large Extent": "2/3", "Small Extent": "1/3", "No": "0"}
"""Default credits for Section IV answers; no primary text states them (docs/packs/part.md)."""

SECTIONS = (
    ("I", "Program Purpose & Design", 20, 5),
    ("II", "Strategic Planning", 10, 8),
    ("III", "Program Management", 20, 7),
    ("IV", "Program Results/Accountability", 50, 5),
)
SECTION_ZH = {"I": "项目目的与设计", "II": "战略规划", "III": "项目管理", "IV": "项目结果与问责"}

BANDS = (("Effective", 85), ("Moderately Effective", 70), ("Adequate", 50), ("Ineffective", 0))

RATING_PARAMS = {
    "weights": {code: weight for code, _, weight, _ in SECTIONS},
    "bands": [list(b) for b in BANDS],
    "results_not_demonstrated": {"codes": ["measures", "baseline"], "when": ["No"],
                                 "label": "Results Not Demonstrated"},
}


def example_path(name: str) -> Path:
    """A bundled example: inside the wheel (force-included), or in the source tree's docs/examples."""
    here = Path(__file__).resolve().parent
    for base in (here / "examples", here.parents[1] / "docs" / "examples"):
        if (base / "part" / name).is_file():
            return base / "part" / name
    return here / "examples" / "part" / name


def _evidence() -> tuple[Indicator, ...]:
    return (
        Indicator(code="measures", name="有经认可的绩效指标 Agreed performance measures",
                  name_en="Agreed-upon performance measures",
                  description="Does the programme have agreed-upon performance measures? No → Results Not "
                              "Demonstrated, whatever the score.",
                  scale=EVIDENCE.name, source=PluginRef(name="ordinal_rating"), method=PluginRef(name="ordinal_mark")),
        Indicator(code="baseline", name="有基线绩效数据 Baseline performance data",
                  name_en="Baseline performance data",
                  description="Does the programme have baseline performance data? No → Results Not Demonstrated, "
                              "whatever the score.",
                  scale=EVIDENCE.name, source=PluginRef(name="ordinal_rating"), method=PluginRef(name="ordinal_mark")),
    )


def _rule_set(name: str) -> RuleSet:
    return RuleSet(name=name, title="OMB PART (2002–2008)", grading=None, total_aggregator=None,
                   total_standard=None)


def question_pack() -> Pack:
    sections = []
    for code, title, weight, n in SECTIONS:
        scale = EXTENT if code == "IV" else YES_NO
        credits = EXTENT_CREDITS if code == "IV" else YES_NO_CREDITS
        number = ("I", "II", "III", "IV").index(code) + 1
        questions = tuple(
            Indicator(code=f"{number}.{q}", name=f"{SECTION_ZH[code]} 问题{number}.{q}",
                      name_en=f"{title}, question {number}.{q}", scale=scale.name,
                      description=f"PART question {number}.{q}; answered {', '.join(scale.levels)} or N/A.",
                      source=PluginRef(name="ordinal_rating"), method=PluginRef(name="ordinal_mark"))
            for q in range(1, n + 1))
        sections.append(Group(code=code, name=SECTION_ZH[code], name_en=title, standard_score=100,
                              description=f"Section {code} ({weight}%): weighted share of credit earned",
                              children=questions,
                              aggregator=PluginRef(name="part_section", params={"credits": credits})))
    root = Group(code="PART", name="项目评级 Program rating", name_en="Program rating",
                 children=(*sections, *_evidence()), aggregator=PluginRef(name="part_rating", params=RATING_PARAMS))
    return Pack(name="part", title="美国管理和预算办公室项目评级工具 PART", title_en="OMB Program Assessment Rating Tool (PART)",
                version="2008.1", description="PART's 25 standard questions, section scores, rating and the Results "
                "Not Demonstrated override.", rule_set=_rule_set("part"), tree=(root,),
                scales=(YES_NO, EXTENT, EVIDENCE), source=__name__, example=str(example_path("evaluation.toml")))


def sections_pack() -> Pack:
    leaves = tuple(
        Indicator(code=code, name=SECTION_ZH[code], name_en=title, standard_score=100,
                  description=f"Section {code} ({weight}%): the section score as published (rating = \"80%\").",
                  source=PluginRef(name="qualitative_rating"), method=PluginRef(name="rating_times_standard"))
        for code, title, weight, _ in SECTIONS)
    root = Group(code="PART", name="项目评级 Program rating", name_en="Program rating",
                 children=(*leaves, *_evidence()), aggregator=PluginRef(name="part_rating", params=RATING_PARAMS))
    return Pack(name="part-sections", title="PART 项目评级（按公布的分部得分）",
                title_en="OMB PART rating from published section scores", version="2008.1",
                description="The four PART section scores as OMB published them, weighted into a rating.",
                rule_set=_rule_set("part-sections"), tree=(root,), scales=(EVIDENCE,), source=__name__,
                example=str(example_path("sections.toml")))


@hookimpl
def jixiao_packs():
    return [question_pack(), sections_pack()]
