"""The PEFA 2016 pack (公共财政支出与财务问责框架 2016): 7 pillars, 31 indicators, 94 dimensions
scored A–D by the assessor, indicators aggregated by their own method (M1, M2 or single), no total.

The structure and each indicator's method are data (``framework.toml``), and so is Table 1
(``m2_table.toml``); this module only turns them into the indicator tree. See docs/packs/pefa.md.
"""

from __future__ import annotations

from pathlib import Path

from jixiao import (
    Group,
    Indicator,
    OrdinalScale,
    Pack,
    PluginRef,
    RoundingPolicy,
    RuleSet,
    hookimpl,
)

from .data import framework, m2_table

DIMENSION_SCALE = OrdinalScale(name="pefa-dimension", levels=("A", "B", "C", "D"), aliases={"D*": "D"},
                               non_scores=("NA", "NU"))
"""The four-point calibration of a dimension; D* (D for insufficient information) counts as D."""
INDICATOR_SCALE = OrdinalScale(name="pefa-indicator", levels=("A", "B+", "B", "C+", "C", "D+", "D"),
                               non_scores=("NA", "NU"))
"""Indicator scores: the dimension letters with "+" from M1 or Table 1."""

def example_path(name: str) -> Path:
    """A bundled example: inside the wheel (force-included), or in the source tree's docs/examples."""
    here = Path(__file__).resolve().parent
    for base in (here / "examples", here.parents[1] / "docs" / "examples"):
        if (base / name / "evaluation.toml").is_file():
            return base / name / "evaluation.toml"
    return here / "examples" / name / "evaluation.toml"


AGGREGATOR = {"M1": "pefa_m1", "M2": "pefa_m2", "single": "pefa_single"}


def _dimension(pi: int, m: int, title: str, count: int) -> Indicator:
    name = title if count == 1 else f"{title}, dimension {m}"
    return Indicator(code=f"PI-{pi}.{m}", name=name, name_en=name, scale=DIMENSION_SCALE.name,
                     source=PluginRef(name="ordinal_rating"), method=PluginRef(name="ordinal_mark"),
                     description=f"PEFA 2016 PI-{pi}.{m}: scored A, B, C or D (D* for insufficient "
                                 "information, NA not applicable, NU not used) with the evidence for the score.")


def build_pack() -> Pack:
    fw = framework()
    pillars = []
    methods: dict[str, str] = {}
    for p in fw["pillar"]:
        indicators = []
        for ind in p["indicators"]:
            pi, n, method = ind["pi"], ind["dimensions"], ind["method"]
            code = f"PI-{pi}"
            methods[code] = method
            indicators.append(Group(
                code=code, name=ind["title"], name_en=ind["title"],
                description=f"{n} dimension(s); scoring method {method}",
                children=tuple(_dimension(pi, m, ind["title"], n) for m in range(1, n + 1)),
                aggregator=PluginRef(name=AGGREGATOR[method])))
        pillars.append(Group(code=p["code"], name=p["title"], name_en=p["title"],
                             description=f"Pillar {p['code']}: {p['title']}", children=tuple(indicators),
                             aggregator=PluginRef(name="ordinal_counts",
                                                  params={"scale": INDICATOR_SCALE.name, "merge_modifiers": True})))
    return Pack(
        name="pefa-2016",
        title="PEFA 2016 公共财政管理绩效评估框架",
        title_en="PEFA 2016 Framework for assessing public financial management",
        version="2016.1",
        description="PEFA 2016: dimension scores A–D entered with evidence; indicator scores by M1 (weakest "
                    "link), M2 (Table 1) or a single dimension; pillar summaries count A, B, C and D. "
                    "There is no overall score.",
        rule_set=RuleSet(name="pefa-2016", title="PEFA 2016 scoring (Framework §2)", grading=None,
                         total_aggregator=None, total_standard=None, rounding=RoundingPolicy()),
        tree=tuple(pillars),
        scales=(DIMENSION_SCALE, INDICATOR_SCALE),
        data={"pefa_methods": methods, "m2_table": m2_table()},
        source=__name__,
        example=str(example_path("pefa-2016")),
    )


@hookimpl
def jixiao_packs():
    return [build_pack()]
