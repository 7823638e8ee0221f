"""Report labels in Chinese (default) and English (``--lang en``)."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    "pack": ("指标体系", "Pack"),
    "tier": ("一级指标", "Tier"),
    "level1": ("一级指标", "Level 1"),
    "level2": ("二级指标", "Level 2"),
    "level3": ("三级指标", "Level 3"),
    "level4": ("四级指标", "Level 4"),
    "level5": ("五级指标", "Level 5"),
    "indicator": ("指标", "Indicator"),
    "description": ("指标解释", "Definition"),
    "standard_score": ("标准分", "Standard"),
    "score": ("实际得分", "Score"),
    "score_rate": ("得分率", "Score rate"),
    "total": ("合计", "Total"),
    "grade": ("绩效评级", "Grade"),
    "summary": ("评价结论", "Summary"),
    "indicator_table": ("指标评分表", "Indicator scores"),
    "analysis": ("具体绩效分析", "Analysis by indicator"),
    "target": ("目标值", "Target"),
    "value": ("实际值", "Actual"),
    "method": ("评分方法", "Scoring method"),
    "working": ("计算过程", "Working"),
    "override": ("评价人调整", "Evaluator override"),
    "computed": ("计算得分", "computed"),
    "losses": ("失分分析", "Points lost"),
    "points_lost": ("失分", "Lost"),
    "reason": ("原因", "Reason"),
    "problems": ("存在的问题", "Problems found"),
    "item": ("实施内容", "Item"),
    "rate": ("比率", "Rate"),
    "unit": ("项目单位", "Implementing unit"),
    "evaluator": ("评价机构", "Evaluator"),
    "period": ("评价期间", "Period"),
    "note": ("评价说明", "Note"),
    "inputs": ("基础数据", "Inputs"),
}


def label(key: str, lang: str = "zh") -> str:
    zh, en = LABELS.get(key, (key, key))
    return en if lang == "en" else zh
