"""复核: what a config states (the unit's self-evaluation) against what jixiao computes.

A config states figures in two places (both optional):

- per leaf, in its own ``[indicators.CODE]`` table: ``stated_score`` (自评得分), ``stated_actual``
  (实际完成值 as the form printed it) and ``deviation_reason`` (偏差原因分析及改进措施);
- a ``[stated]`` section: ``total`` (总分), ``grade`` (自评等级), ``budget_rate`` / ``budget_score``
  (the 项目资金 block's 执行率 and 得分) and ``cells`` (``"indicators.B11.score" = "附件2!H12"``: where each
  figure was read, copied into the discrepancy).

``evaluate`` recomputes everything and lists every difference in the JSON document's
``review.discrepancies`` — ``code``, ``kind``, ``stated``, ``computed``, ``message`` (and ``cell`` when
known). Kinds are in :data:`KINDS`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from ..errors import ConfigError

KINDS = {
    "leaf_score": "a 三级指标's stated 得分 differs from the rule's score",
    "stated_sum": "the stated scores do not add up to the stated 总分",
    "total": "the stated 总分 differs from the recomputed total",
    "grade": "the stated 自评等级 differs from the grade of the recomputed total",
    "budget_score": "the 项目资金 block's stated 得分 differs from the recomputed 预算执行率 score",
    "budget_rate": "the 项目资金 block's stated 执行率 differs from the recomputed rate",
    "unmet_without_reason": "a target is not met and the form gives no 偏差原因",
    "deduction_without_reason": "the target is met but the form deducts points without a reason",
    "weights": "a level's 分值 do not add up to the template's standard score (jixiao review; no total graded)",
    "override": "a score entered by the evaluator in place of the rule's (listed for review)",
}
STATED_KEYS = frozenset({"total", "grade", "budget_rate", "budget_score", "budget_points", "budget_variant",
                         "goal_expected", "goal_actual", "source", "funds", "cells", "evidence"})
LEAF_KEYS = ("stated_score", "stated_actual", "deviation_reason")
CENT = Decimal("0.01")


def stated_extras(config: Any) -> dict[str, Any]:
    """What the engine passes on to the document: the stated figures (empty when the config states none)."""
    raw = getattr(config, "raw", None) or {}
    file = getattr(config, "file", None)
    stated = raw.get("stated") or {}
    if not isinstance(stated, dict):
        raise ConfigError("[stated] must be a table", file=file, path="$.stated")
    for key in stated:
        if key not in STATED_KEYS:
            raise ConfigError(f"unknown key {key!r} in [stated]; allowed: {', '.join(sorted(STATED_KEYS))}",
                              file=file, path=f"$.stated.{key}")
    leaves = {}
    for code, table in (raw.get("indicators") or {}).items():
        if isinstance(table, dict) and any(k in table for k in LEAF_KEYS):
            leaves[code] = {k: table[k] for k in LEAF_KEYS if k in table}
    out: dict[str, Any] = {}
    funds = _fund_inputs(raw.get("inputs"))
    if funds:  # for the form renderer (--format form): the 项目资金 amounts as entered; not in the JSON document
        out["form_inputs"] = funds
    if not stated and not leaves:
        return out
    overrides = raw.get("overrides") or {}
    out["stated_review"] = {"stated": stated, "leaves": leaves, "overrides": overrides, "file": file}
    return out


FUND_INPUTS = ("年初预算数", "全年预算数", "全年执行数")


def _fund_inputs(inputs: Any) -> dict[str, str]:
    """The config's 项目资金 amounts (年初预算数 …) as exact decimal text."""
    if not isinstance(inputs, dict):
        return {}
    out = {}
    for name in FUND_INPUTS:
        v = inputs.get(name)
        if isinstance(v, bool) or not isinstance(v, (int, float, str, Decimal)):
            continue
        out[name] = repr(v) if isinstance(v, float) else str(v)
    return out


def _dec(v: Any, where: str, file: str | None) -> Decimal:
    text = str(v).strip()
    pct = text.endswith("%")
    try:
        d = Decimal(text.rstrip("%"))
    except InvalidOperation:
        raise ConfigError(f"expected a number, got {v!r}", file=file, path=where) from None
    return d / 100 if pct else d


def _f2(d: Decimal) -> str:
    return str(d.quantize(CENT))


def discrepancies(doc: dict[str, Any], data: dict[str, Any]) -> list[dict[str, Any]]:
    """Every difference between the stated figures in ``data`` and the computed document ``doc``."""
    stated = data.get("stated") or {}
    cells = stated.get("cells") or {}
    file = data.get("file")
    out: list[dict[str, Any]] = []

    def add(code, kind, s, c, message, cell=None):
        item = {"code": code, "kind": kind, "stated": s, "computed": c, "message": message}
        if cell:
            item["cell"] = cell
        out.append(item)

    by_code = {i["code"]: i for i in doc.get("indicators", [])}
    stated_items: list[Decimal] = []
    for code, leaf in sorted(data.get("leaves", {}).items()):
        ind = by_code.get(code)
        if ind is None or ind.get("score") is None:
            continue
        computed = Decimal(ind["score"])
        standard = Decimal(ind["standard_score"])
        reason = str(leaf.get("deviation_reason") or "").strip()
        s = None
        if "stated_score" in leaf:
            s = _dec(leaf["stated_score"], f"$.indicators.{code}.stated_score", file)
            stated_items.append(s)
            if s.quantize(CENT) != computed:
                add(code, "leaf_score", _f2(s), ind["score"],
                    f"{code} {ind['name']}: the form states {_f2(s)}, the rule gives {ind['trace'] if ind.get('trace') else ind['score']}",
                    cells.get(f"indicators.{code}.score"))
        unmet = ind.get("loss_reason") == "below_benchmark"
        if unmet and not reason:
            add(code, "unmet_without_reason", leaf.get("stated_actual", ind.get("value_display")),
                (ind.get("target") or {}).get("display"),
                f"{code} {ind['name']}: the target {(ind.get('target') or {}).get('display', '')} is not met "
                f"({ind.get('value_display')}) and no 偏差原因 is given", cells.get(f"indicators.{code}.reason"))
        if not unmet and computed == standard and s is not None and s < standard and not reason:
            add(code, "deduction_without_reason", _f2(s), ind["score"],
                f"{code} {ind['name']}: the target is met ({ind.get('value_display')}) but the form deducts "
                f"{_f2(standard - s)} points with no reason", cells.get(f"indicators.{code}.score"))
    budget = by_code.get("A")
    if budget is not None and "budget_score" in stated:
        s = _dec(stated["budget_score"], "$.stated.budget_score", file)
        stated_items.append(s)
        if budget.get("score") is not None and s.quantize(CENT) != Decimal(budget["score"]):
            add("A", "budget_score", _f2(s), budget["score"],
                f"预算执行率: the form states {_f2(s)}, the rule gives {budget.get('trace') or budget['score']}",
                cells.get("budget_score"))
    if budget is not None and "budget_rate" in stated and budget.get("value") is not None:
        s = _dec(stated["budget_rate"], "$.stated.budget_rate", file)
        c = Decimal(budget["value"])
        if (s * 100).quantize(CENT) != (c * 100).quantize(CENT):
            add("A", "budget_rate", f"{_f2(s * 100)}%", budget.get("value_display"),
                f"执行率: the form states {_f2(s * 100)}%, {budget.get('value_expression', '')} gives "
                f"{budget.get('value_display')}", cells.get("budget_rate"))
    if "total" in stated:
        s = _dec(stated["total"], "$.stated.total", file)
        # Under leaves = "carry_unrounded" the total is the unrounded items' sum rounded once, so the printed
        # items need not add up to it (9 + 50 + 34 = 93 under a total of 94); the total is still checked.
        carried = (doc.get("rule_set") or {}).get("rounding", {}).get("leaves") == "carry_unrounded"
        if stated_items and not carried and sum(stated_items).quantize(CENT) != s.quantize(CENT):
            add(None, "stated_sum", _f2(s), _f2(sum(stated_items)),
                f"the stated scores add up to {_f2(sum(stated_items))}, the form's 总分 is {_f2(s)}",
                cells.get("total"))
        if doc.get("total") is not None and s.quantize(CENT) != Decimal(doc["total"]):
            add(None, "total", _f2(s), doc["total"],
                f"the form's 总分 is {_f2(s)}, the recomputed total is {doc['total']}", cells.get("total"))
    if "grade" in stated and doc.get("grade") is not None and str(stated["grade"]).strip() != doc["grade"]:
        add(None, "grade", str(stated["grade"]), doc["grade"],
            f"the form's 自评等级 is {stated['grade']}, the recomputed total {doc.get('total')} is graded {doc['grade']}",
            cells.get("grade"))
    for code, o in sorted((data.get("overrides") or {}).items()):
        ind = by_code.get(code, {})
        add(code, "override", str(o.get("score")), ind.get("score"),
            f"{code} {ind.get('name', '')}: score entered by the evaluator: {o.get('reason', '')}")
    return out


def add_review(doc: dict[str, Any], data: dict[str, Any] | None) -> None:
    """Append the discrepancies to ``doc['review']['discrepancies']`` (the review dict is shared)."""
    if not data:
        return
    found = discrepancies(doc, data)
    doc.setdefault("review", {}).setdefault("discrepancies", []).extend(found)


def level_findings(form: Any, pack: Any) -> list[dict[str, Any]]:
    """The form's first level (the 预算执行 分值 and each 一级's 分值 added up) against the template.

    A unit may split the 100 points its own way (产出 40, 效益 30, 满意度 20; a provincial 20-point 预算执行):
    the config then carries ``[weights]`` and there is nothing to report. A form whose levels do not add
    up to the template's total (产出 60 where 50 is declared, 110 in all) cannot be totalled as if valid:
    ``jixiao review`` reports a ``weights`` discrepancy per level that differs and grades no total for it.
    """
    from .toconfig import _code1, level_sums, own_split

    if own_split(form, pack.name):  # 40/30/20 where 50/30/10 is declared, a 20-point 预算执行: [weights]
        return []
    sums = level_sums(form)
    out = []
    for node in pack.tree:
        if node.code not in sums or node.standard_score is None:
            continue
        want = Decimal(node.standard_score)
        if sums[node.code] != want:
            if node.code == "A":
                cell = form.fund_refs["年度资金总额"].get("分值")
                what = "预算执行 分值 is"
            else:
                cell = form.indicators[[_code1(i.level1) for i in form.indicators].index(node.code)].refs.get("points")
                what = f"{node.name} 分值 add up to"
            out.append({"code": node.code, "kind": "weights", "stated": _f2(sums[node.code]), "computed": _f2(want),
                        "message": f"the form's {what} {_f2(sums[node.code])}, the template declares {_f2(want)} "
                                   f"and the levels add up to {_f2(sum(sums.values()))}, not "
                                   f"{_f2(sum(Decimal(n.standard_score) for n in pack.tree if n.standard_score is not None))}; "
                                   "no total is graded for this form",
                        "cell": cell})
    return out


KIND_ZH = {
    "leaf_score": "得分不符",
    "stated_sum": "分项合计与总分不符",
    "total": "总分不符",
    "grade": "自评等级不符",
    "budget_score": "预算执行得分不符",
    "budget_rate": "执行率不符",
    "unmet_without_reason": "未完成目标未说明偏差原因",
    "deduction_without_reason": "完成目标仍扣分且未说明理由",
    "weights": "分值与模板不符",
    "override": "评价人调整得分",
    "panel_spread": "专家意见分歧较大",
}
"""The 复核意见 section's wording of each kind (the JSON document keeps the code)."""
REVIEW_TITLE = {"zh": "复核意见", "en": "Review findings (复核意见)"}
REVIEW_HEADER = {"zh": ["序号", "指标", "类型", "自评", "复核", "单元格", "说明"],
                 "en": ["#", "Indicator", "Kind", "Stated", "Recomputed", "Cell", "Note"]}


def review_items(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The document's ``review.discrepancies`` (empty when the config stated nothing)."""
    return list((doc.get("review") or {}).get("discrepancies") or [])


def review_rows(doc: dict[str, Any], lang: str = "zh") -> list[list[str]]:
    """One row of text per discrepancy, in the order of :data:`REVIEW_HEADER` (every report's 复核意见)."""
    rows = []
    for i, d in enumerate(review_items(doc), 1):
        kind = d.get("kind") or ""
        rows.append([str(i), d.get("code") or ("总分" if lang != "en" else "total"),
                     KIND_ZH.get(kind, kind) if lang != "en" else kind,
                     "" if d.get("stated") is None else str(d["stated"]),
                     "" if d.get("computed") is None else str(d["computed"]),
                     str(d.get("cell") or ""), str(d.get("message") or "")])
    return rows
