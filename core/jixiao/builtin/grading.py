"""Built-in grading schemes, as data: Shanghai 2014 (沪财绩〔2014〕22号) and national 2020 (财预〔2020〕10号)."""

from __future__ import annotations

from ..hookspecs import hookimpl
from ..model import GradeBand, GradingScheme
from ..types import Example, GradingSchemeRecord

SHANGHAI_2014 = GradingScheme(
    name="shanghai-2014",
    title="上海市财政支出绩效评价等级（沪财绩〔2014〕22号）",
    title_en="Shanghai 2014 grades",
    bands=(
        GradeBand(label="优", label_en="Excellent", lower=90, upper=None),
        GradeBand(label="良", label_en="Good", lower=75, upper=90),
        GradeBand(label="合格", label_en="Pass", lower=60, upper=75),
        GradeBand(label="不合格", label_en="Fail", lower=None, upper=60),
    ),
)

NATIONAL_2020 = GradingScheme(
    name="national-2020",
    title="项目支出绩效评价等级（财预〔2020〕10号）",
    title_en="National 2020 grades",
    bands=(
        GradeBand(label="优", label_en="Excellent", lower=90, upper=None),
        GradeBand(label="良", label_en="Good", lower=80, upper=90),
        GradeBand(label="中", label_en="Fair", lower=60, upper=80),
        GradeBand(label="差", label_en="Poor", lower=None, upper=60),
    ),
)


EXAMPLES = {
    # Each band's edges: a lower edge belongs to its band (90 is 优), a score just below it does not.
    "shanghai-2014": (("100", "优"), ("90", "优"), ("89.99", "良"), ("75", "良"), ("74.99", "合格"),
                      ("60", "合格"), ("59.99", "不合格"), ("0", "不合格")),
    "national-2020": (("100", "优"), ("90", "优"), ("89.99", "良"), ("80", "良"), ("79.99", "中"),
                      ("60", "中"), ("59.99", "差"), ("0", "差")),
}


@hookimpl
def jixiao_grading_schemes():
    return [GradingSchemeRecord(name=s.name, scheme=s,
                                examples=tuple(Example.graded(s.name, t, g) for t, g in EXAMPLES[s.name]))
            for s in (SHANGHAI_2014, NATIONAL_2020)]
