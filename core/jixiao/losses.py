"""Lost-points analysis (失分分析): for every leaf the points lost and why, ranked, and a draft
"存在的问题" section — all read off the JSON document, nothing recomputed but differences."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .numbers import ZERO, fmt_percent_short, quantize


def _reason(ind: dict[str, Any]) -> tuple[str, str]:
    if ind.get("override") and ind.get("panel"):
        ov = ind["override"]
        return (f"评价组调整得分（专家组评分 {ov['computed_score']}）：{ov['reason']}",
                f"evaluation team override (expert panel {ov['computed_score']}): {ov['reason']}")
    if ind.get("override"):
        ov = ind["override"]
        return (f"评价人调整得分（计算得分 {ov['computed_score']}）：{ov['reason']}",
                f"evaluator override (computed {ov['computed_score']}): {ov['reason']}")
    kind = ind.get("value_kind")
    if ind.get("panel"):  # scored by the expert panel
        return (f"专家组评分 {ind['panel']['working']}", f"expert panel score {ind['panel']['working']}")
    if kind == "rating":
        return (f"评价人按{ind['value_display']}评定", f"rated {ind['value_display']} by the evaluator")
    reason = ind.get("loss_reason")
    if reason == "below_benchmark" and ind.get("shortfall") is not None and ind.get("benchmark") is not None:
        gap = Decimal(ind["shortfall"])
        bench = Decimal(ind["benchmark"])
        if kind == "rate":
            pts = f"{quantize(gap * 100, 2):f}"
            return (f"实际值{ind['value_display']}，较基准值{fmt_percent_short(bench)}相差{pts}个百分点",
                    f"actual {ind['value_display']}, {pts} percentage points short of the {fmt_percent_short(bench)} benchmark")
        return (f"实际值{ind['value_display']}，较基准值{bench.normalize():f}相差{gap.normalize():f}",
                f"actual {ind['value_display']}, {gap.normalize():f} short of the benchmark {bench.normalize():f}")
    if reason == "incidents":
        return (f"发生{ind['value_display']}起", f"{ind['value_display']} incident(s) occurred")
    if reason == "not_met":
        tgt = ind["target"]["display"] if ind.get("target") else ""
        return (f"实际值{ind['value_display']}未达到{tgt}", f"actual {ind['value_display']} does not meet {tgt}")
    if reason:
        return (f"{reason}（实际值{ind['value_display']}）", f"{reason} (actual {ind['value_display']})")
    return (f"实际值{ind['value_display']}", f"actual {ind['value_display']}")


def _kind(ind: dict[str, Any]) -> str:
    """Why points went: an override, a qualitative rating, or the method's own reason."""
    if ind.get("override"):
        return "override"
    if ind.get("panel"):
        return "panel"
    if ind.get("value_kind") == "rating":
        return "rating"
    return ind.get("loss_reason") or ind.get("value_kind") or ""


def analyse_losses(doc: dict[str, Any]) -> dict[str, Any]:
    """Rank leaves by points lost (ties in the tree's order) and draft the problems section."""
    items = []
    total = ZERO
    for order, ind in enumerate(doc["indicators"]):
        if ind.get("points_lost") is None:
            continue
        lost = Decimal(ind["points_lost"])
        if lost <= 0:
            continue
        total += lost
        zh, en = _reason(ind)
        items.append((-lost, order, {
            "code": ind["code"],
            "name": ind["name"],
            "name_en": ind.get("name_en"),
            "path": ind["path"],
            "standard_score": ind["standard_score"],
            "score": ind["score"],
            "points_lost": ind["points_lost"],
            "kind": _kind(ind),
            "reason_zh": zh,
            "reason_en": en,
            "note": ind.get("note") or "",
        }))
    items.sort(key=lambda t: (t[0], t[1]))
    ranked = [t[2] for t in items]
    rounding = doc["rule_set"]["rounding"]
    places = rounding.get("leaf_places", rounding["score_places"])  # the sum of the leaves' printed losses
    problems_zh, problems_en = [], []
    for it in ranked:
        note = it["note"].strip()
        first = note.split("。")[0] + "。" if note else ""
        problems_zh.append(f"{it['code']} {it['name']}：失分{it['points_lost']}分，{it['reason_zh']}。{first}".rstrip())
        problems_en.append(f"{it['code']} {it.get('name_en') or it['name']}: lost {it['points_lost']} "
                           f"point(s); {it['reason_en']}.")
    return {
        "total_lost": f"{quantize(total, places):f}" if quantize(total, places) == total else f"{total:f}",
        "ranked": ranked,
        "problems_zh": problems_zh,
        "problems_en": problems_en,
    }
