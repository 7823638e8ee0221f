"""The 2018 Shanghai consumer-protection programme pack (消费者权益保护专项), as its evaluation report
has it: three tiers, seven groups, 25 leaves, 100 points, Shanghai 2014 grades.

Where the report is silent — a score below target for C111, C121, C123 and C21, and any major
incident for C22 — the pack follows the same rule set's natural reading: C111/C121/C123/C21 lose 3%
of their standard score per percentage point below target (the rule the report applies to its
other rates), and C22 scores 0 once any major incident occurred. See docs/packs/shanghai.md.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from jixiao import (
    Group,
    Indicator,
    InputSpec,
    Pack,
    PluginRef,
    RoundingPolicy,
    RuleSet,
    Target,
    hookimpl,
)

D = Decimal
PCT100 = Target(value=D(1), comparator=">=", unit="%")


def pct(text: str) -> Target:
    return Target(value=D(text.rstrip("%")) / 100, comparator=">=", unit="%")


def rating(code, name, name_en, std, description, target=None) -> Indicator:
    """A qualitative leaf scored standard × rating (the 5-level "5分法")."""
    return Indicator(code=code, name=name, name_en=name_en, standard_score=std, description=description,
                     target=target, source=PluginRef(name="qualitative_rating"),
                     method=PluginRef(name="rating_times_standard"))


def rated_deduction(code, name, name_en, std, description) -> Indicator:
    """A qualitative judgement of a completion rate, scored 2% of the standard per point below 100%."""
    return Indicator(code=code, name=name, name_en=name_en, standard_score=std, description=description,
                     target=PCT100, source=PluginRef(name="qualitative_rating"),
                     method=PluginRef(name="deduct_per_point", params={"k": D("0.02")}))


def rate(code, name, name_en, std, description, target, source, **method) -> Indicator:
    """A computed rate scored 3% of the standard per point below its benchmark (the target unless set)."""
    params = {"k": D("0.03"), **method}
    return Indicator(code=code, name=name, name_en=name_en, standard_score=std, description=description,
                     target=target, source=source, method=PluginRef(name="deduct_per_point", params=params))


TREE = (
    Group(code="A", name="项目决策", name_en="Project decision", standard_score=10, children=(
        Group(code="A1", name="项目立项", name_en="Project approval", standard_score=6, children=(
            rating("A11", "战略目标适应性", "Fit with strategic goals", 2,
                   "项目与部门战略目标的适应性。①项目能够直接支持部门中长期的战略目标的实现；"
                   "②项目是否符合发展政策和优先发展重点。"),
            rating("A12", "立项依据充分性", "Sufficiency of the basis for approval", 2,
                   "项目立项是否有充分的依据，符合国家、本市的相关规定。①是否符合国家相关法律法规、国民经济发展规划和"
                   "党委政府决策；②是否与项目实施单位或委托单位职责密切相关。"),
            rating("A13", "项目立项规范性", "Regularity of project approval", 2,
                   "项目的申请、设立过程是否符合相关要求。①项目是否按照规定的程序申请设立；②所提交的文件、材料是否"
                   "符合相关要求；③事前是否已经过必要的可行性研究、专家论证、风险评估、集体决策等。"),
        )),
        Group(code="A2", name="项目目标", name_en="Project objectives", standard_score=4, children=(
            rating("A211", "绩效目标适应性", "Fit of performance objectives", 1,
                   "①绩效目标是否与目标项目的产出相适应，符合正常业绩水平；②绩效目标是否能全面客观地反应出项目的执行效果。"),
            rating("A212", "预算关联性", "Link to the budget", 1,
                   "①项目绩效目标与相应预算的关联性；②是否与预算确定的项目投资额或资金量相匹配。"),
            rating("A22", "绩效指标明确性", "Clarity of performance indicators", 2,
                   "绩效指标是否清晰、细化、可衡量等。①是否将项目绩效目标细化分解为具体的绩效指标；②是否通过清晰、"
                   "可衡量的指标值予以体现；③是否与项目年度计划数相对应。"),
        )),
    )),
    Group(code="B", name="项目管理", name_en="Project management", standard_score=23, children=(
        Group(code="B1", name="投入管理", name_en="Input management", standard_score=5, children=(
            rate("B11", "预算执行率", "Budget execution rate", 5,
                 "考察项目预算执行的进度。预算执行率=实际支出金额/项目预算金额×100%=Σ子项目实际支出金额/Σ子项目预算金额×100%。",
                 PCT100, PluginRef(name="budget_execution_rate", params={"table": "budget"})),
        )),
        Group(code="B2", name="财务管理", name_en="Financial management", standard_score=8, children=(
            rating("B21", "资金使用合规性", "Compliance of fund use", 2,
                   "项目资金使用是否符合相关法律法规、制度和规定。①是否符合国家财经法规和财务管理制度以及有关专项资金管理"
                   "办法的规定；②资金的拨付是否有完整的审批程序和手续；③项目的重大开支是否经过评估认证；④是否符合项目预算"
                   "批复或合同规定的用途；⑤是否存在截留、挤占、挪用、虚列支出等情况；⑥是否做到专款专用，相关支出与项目目标"
                   "是否一致。", PCT100),
            rating("B22", "财务管理制度健全性", "Soundness of financial rules", 4,
                   "项目的财务制度是否健全、完善、有效，用以反映和考核财务管理制度对资金规范、安全运行的保障情况。①是否已"
                   "制定或具有相应的项目资金管理办法；②项目资金管理办法是否符合相关财务会计制度的规定；③相应的项目预算管理"
                   "制度是否健全。", PCT100),
            rating("B23", "财务监控有效性", "Effectiveness of financial control", 2,
                   "项目实施单位是否采取了必要的监控、管理措施。①是否已制定或具有相应的监控机制；②是否采取了相应的财务检查"
                   "等必要的监控措施或手段；③是否按项目进行会计（成本）核算。", PCT100),
        )),
        Group(code="B3", name="项目实施", name_en="Implementation", standard_score=10, children=(
            rating("B31", "项目管理制度健全性", "Soundness of management rules", 5,
                   "与项目直接相关的业务管理制度是否健全、完善。①是否已制定或具有相应的业务管理制度；②业务管理制度是否"
                   "合法、合规、完整。", PCT100),
            rating("B32", "项目管理制度执行有效性", "Effective application of management rules", 5,
                   "项目实施是否符合相关业务管理规定，是否为达到项目质量要求采取了必需的措施。①项目实施是否遵守相关法律"
                   "法规和业务管理规定；②项目合同、技术资料、验收报告等是否齐全并及时归档；③项目实施人员条件、场地设备、"
                   "信息化等是否落实到位；④是否已制定或具有相应的项目质量要求或标准；⑤相应的质量检查、考核、总结等必需的"
                   "控制措施或手段。", PCT100),
        )),
    )),
    Group(code="C", name="项目绩效", name_en="Project performance", standard_score=67, children=(
        Group(code="C1", name="项目产出", name_en="Outputs", standard_score=36, children=(
            rate("C111", "流通领域商品质量监测计划完成率", "Completion of the retail product-quality monitoring plan",
                 10, "反映对全市流通领域商品质量抽检完成情况。流通领域商品质量监测计划完成率=Σ实际检测商品数(批)/"
                 "计划检测商品数(批)×100%。", PCT100,
                 PluginRef(name="completion_rate", params={"done": "spot_check_done",
                                                           "planned": "spot_check_planned"})),
            rated_deduction("C112", "调研课题完成率", "Completion of research topics", 2,
                            "反映消保维权调研课题完成情况。调研课题完成率=完成调研课题数/计划调研课题数×100%。"),
            rated_deduction("C113", "培训计划完成率", "Completion of the training plan", 2,
                            "考察消保法规知识培训完成情况。培训计划完成率=完成培训人(次)数/计划培训人(次)数×100%。"),
            rated_deduction("C114", "消费维权工作计划完成率", "Completion of the consumer-rights work plan", 5,
                            "反映消费维权及主题活动的完成情况：①申(投)诉和举报受理情况；②报刊订阅完成情况；③举办表彰活动"
                            "完成情况；④发放维权资料完成情况；⑤公益广告制作投放情况；⑥专题(主题)相关活动情况。消费维权宣传"
                            "完成率=Σ以上各子项目完成情况/子项目计划完成情况×100%×权数，权数=子项目预算金额/项目总预算。"),
            rate("C121", "不合格商品查处率", "Handling of non-conforming goods", 5,
                 "反映对流通领域商品的质量抽检出的不合格商品的查处力度。不合格商品查处率=依法处置的不合格商品数/"
                 "抽检的不合格商品数。", PCT100,
                 PluginRef(name="handling_rate", params={"handled": "nonconforming_handled",
                                                         "cases": "nonconforming_found"})),
            rate("C122", "消费者投诉和举报处理率", "Handling of consumer complaints and reports", 5,
                 "考察对消费者投诉和举报的处理情况。消费者投诉和举报处理率=处理投诉和举报数量/收到投诉和举报总量×100%。",
                 pct("90%"), PluginRef(name="handling_rate", params={"table": "complaints"}),
                 benchmark=D(1)),
            rate("C123", "重大案件和跨区域联动案件结查率", "Closure of major and cross-region cases", 3,
                 "考察对重大案件和跨区域联动案件的查处力度。重大案件和跨区域联动案件结查率=重大案件和跨区域联动案件结查量/"
                 "重大案件和跨区域联动案件总量×100%。", PCT100,
                 PluginRef(name="handling_rate", params={"handled": "major_cases_closed",
                                                         "cases": "major_cases_total"})),
            rated_deduction("C13", "完成时效", "Timeliness", 4,
                            "考察流通领域商品质量监测、消费维权及主题活动、3.15主题活动等消保工作总体完成情况，是否按年度"
                            "工作计划在项目期间内完成。"),
        )),
        Group(code="C2", name="项目效益", name_en="Effects", standard_score=31, children=(
            rate("C21", "消费者经济损失挽回率", "Recovery of consumers' economic losses", 8,
                 "考察通过处理消费者投(申)诉为消费者挽回经济损失的情况。消费者经济损失挽回率=为消费者挽回的经济损失/"
                 "消费者经济损失×100%。", pct("90%"),
                 PluginRef(name="recovery_rate", params={"recovered": "losses_recovered", "total": "losses_claimed",
                                                         "kind": "amount"})),
            Indicator(code="C22", name="重特大恶性消费纠纷零发生率", name_en="Zero major consumer disputes",
                      standard_score=5, description="体现随着消费维权活动的不断推行对本市总体消费活动起到的全面保障作用。",
                      target=Target(value=0, comparator="=", unit="起"),
                      source=PluginRef(name="incident_count", params={"count": "major_disputes"}),
                      method=PluginRef(name="zero_incidence")),
            rate("C23", "消费者维权法规和政策知晓率", "Awareness of consumer-rights law and policy", 5,
                 "考察消费者对于消费维权法规和政策、途径的知晓率。消费者维权法规和政策知晓率=知道消费维权法规和政策及途径的"
                 "人数/被调查的总人数。", pct("90%"),
                 PluginRef(name="survey_rate", params={"survey": "awareness_survey",
                                                       "chosen": ["是，经常关注", "不经常，偶尔关注"]})),
            rating("C24", "全市消费维权机制和基层维权网络正常运行", "Normal operation of the city's consumer-rights network",
                   5, "考察消费维权网络和公众诉求综合处置平台作用，实现12315系统与12345、12331、12365、12358等热线无缝"
                   "对接、正常运行，实现“一网通办”。", PCT100),
            rate("C25", "消费者满意率", "Consumer satisfaction", 8,
                 "主要反映投诉和举报的消费者对于其投诉和举报的情况处置效果的满意程度。消费者满意率=满意和基本满意的消费者"
                 "人数/抽样消费者总人数×100%。", pct("85%"),
                 PluginRef(name="survey_rate", params={"survey": "satisfaction_survey",
                                                       "chosen": ["很满意", "基本满意"]})),
        )),
    )),
)

INPUTS = (
    InputSpec(name="budget", kind="table", title="预算执行情况表（万元）", unit="万元",
              columns=("budget", "actual"), text_columns=("category", "item")),
    InputSpec(name="spot_check_planned", kind="count", title="计划抽样检验批次", unit="批"),
    InputSpec(name="spot_check_done", kind="count", title="实际完成抽样检验批次", unit="批"),
    InputSpec(name="nonconforming_found", kind="count", title="抽检不合格商品批次", unit="批"),
    InputSpec(name="nonconforming_handled", kind="count", title="依法处置的不合格商品批次", unit="批"),
    InputSpec(name="complaints", kind="table", title="投诉和举报（按渠道）", unit="件",
              columns=("received", "handled"), text_columns=("channel",)),
    InputSpec(name="major_cases_total", kind="count", title="重大案件和跨区域联动案件总量", unit="件"),
    InputSpec(name="major_cases_closed", kind="count", title="重大案件和跨区域联动案件结查量", unit="件"),
    InputSpec(name="losses_claimed", kind="number", title="消费者经济损失", unit="万元"),
    InputSpec(name="losses_recovered", kind="number", title="为消费者挽回的经济损失", unit="万元"),
    InputSpec(name="major_disputes", kind="count", title="重特大恶性消费纠纷发生数", unit="起"),
    InputSpec(name="awareness_survey", kind="text", title="问卷：消费维权法规宣传关注情况"),
    InputSpec(name="satisfaction_survey", kind="text", title="问卷：对消费维权工作的满意度"),
)

RULE_SET = RuleSet(
    name="shanghai-2014",
    title="上海市预算绩效管理实施办法（沪财绩〔2014〕22号）",
    grading="shanghai-2014",
    rounding=RoundingPolicy(value_places=4, score_places=2, mode="half_up", leaves="round_then_sum"),
    zero_division="met",
    total_standard=D(100),
)

def _example() -> Path:
    """The bundled example: inside the wheel (force-included), or in the source tree's docs/."""
    here = Path(__file__).resolve().parent
    for base in (here / "examples", here.parents[1] / "docs" / "examples"):
        candidate = base / "consumer-protection-2018" / "evaluation.toml"
        if candidate.is_file():
            return candidate
    return here / "examples" / "consumer-protection-2018" / "evaluation.toml"


EXAMPLE = _example()

PACK = Pack(
    name="shanghai-consumer-protection-2018",
    title="上海市消费者权益保护专项绩效评价指标体系（2018）",
    title_en="Shanghai consumer-protection programme evaluation (2018)",
    version="2018.1",
    api=1,
    description="The indicator tree of the published 2018 evaluation report (88.64 points, 良).",
    rule_set=RULE_SET,
    inputs=INPUTS,
    tree=TREE,
    example=str(EXAMPLE),
    source=__name__,
)


@hookimpl
def jixiao_packs():
    return [PACK]
