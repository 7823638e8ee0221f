"""Turn a read :class:`~jixiao.forms.reader.Form` into a commented evaluation config for the national pack.

Every figure the form states is kept: the funds block's amounts as ``[inputs]``, its stated 执行率 and
得分 in ``[stated]``, each 三级指标's 年度指标值 and 实际完成值 as ``target`` and ``actual``, its 得分 as
``stated_score`` and its 偏差原因 as ``deviation_reason``, the 总分 and 自评等级 in ``[stated]``, and the
cell each came from in ``[stated.cells]``. ``evaluate`` recomputes every score from the figures.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

from ..errors import DataError
from .reader import Form, squash

PACK = "national-2020-self-evaluation"
LEVEL1 = {"产出": "B", "效益": "C", "满意度": "D"}
LEVEL2 = {
    "B": {"数量": "B1", "质量": "B2", "时效": "B3", "成本": "B4"},
    "C": {"经济效益": "C1", "社会效益": "C2", "生态效益": "C3", "可持续影响": "C4"},
    "D": {"满意度": "D1"},
}
_NUMBER_ONLY = re.compile(r"^[-+]?\d+(?:\.\d+)?$")


def s(v: str) -> str:
    return json.dumps(v, ensure_ascii=False)


def c(text: str) -> str:
    """Text for a comment line: one line."""
    return " ".join(str(text).split())


def num(d: Decimal) -> str:
    d = d.normalize()
    return format(d, "f")


def _code1(text: str) -> str | None:
    t = squash(text)
    return next((code for word, code in LEVEL1.items() if word in t), None)


def _code2(l1: str, text: str) -> str | None:
    t = squash(text)
    return next((code for word, code in LEVEL2[l1].items() if word in t), None)


def template_points(pack: str = PACK) -> dict[str, Decimal]:
    """The template's first-level standard scores by code (loaded once per process)."""
    return dict(_template_points(pack))


_TEMPLATES: dict[str, tuple[tuple[str, Decimal], ...]] = {}


def _template_points(pack: str) -> tuple[tuple[str, Decimal], ...]:
    if pack not in _TEMPLATES:
        from ..plugins import Registry

        tree = Registry().pack_record(pack).pack.tree
        _TEMPLATES[pack] = tuple((n.code, n.standard_score) for n in tree if n.standard_score is not None)
    return _TEMPLATES[pack]


def level_sums(form: Form) -> dict[str, Decimal]:
    """The form's first level: the 预算执行 block's 分值 (A) and the 分值 added up per 一级指标 (B, C, D)."""
    sums: dict[str, Decimal] = {"A": form.budget_points}
    for ind in form.indicators:
        code = _code1(ind.level1)
        if code:
            sums[code] = sums.get(code, Decimal(0)) + ind.points
    return sums


def own_split(form: Form, pack: str = PACK) -> dict[str, Decimal] | None:
    """The unit's own split of the first level when it differs from the template's but adds up to the same
    total: 40/30/20 where the template has 50/30/10, or a provincial 20-point 预算执行 block (A 20) with
    产出/效益/满意度 adding up to 80. Written as ``[weights]`` (A only when it is not the template's). None
    otherwise — a split adding up to another total is a ``weights`` finding."""
    sums = level_sums(form)
    template = {c: p for c, p in template_points(pack).items() if c in sums}
    if set(sums) - {"A"} != set(template) - {"A"} or sums == template:
        return None
    if sum(sums.values()) != sum(template.values()):
        return None
    return {c: p for c, p in sums.items() if c != "A" or p != template.get("A")}


def _value(text: str) -> str:
    t = text.strip()
    return t if _NUMBER_ONLY.match(t) else s(t)


def form_config(form: Form, *, pack: str = PACK) -> str:
    """The config text; raises :class:`DataError` at the form's cell for what the national pack cannot take."""
    from .. import reading

    lines = [
        f"# Imported from {c(form.file)} ({c(form.where)}) by `jixiao import-form`.",
        f"# {c(form.title)}" if form.title else "# 项目支出绩效自评表",
        "# Figures are the form's own; jixiao recomputes every score, tier, the total and the grade from them",
        "# and lists where the form's stated scores differ (review.discrepancies in the JSON document).",
        "schema_version = 1",
        f"pack = {s(pack)}",
        "",
        "[project]",
        f"name = {s(form.project)}",
    ]
    if form.unit:
        lines.append(f"unit = {s(form.unit)}")
    if form.department:
        lines.append(f"department = {s(form.department)}")
    if form.year:
        lines.append(f"period = {s(f'{form.year}年度')}")
    lines += ["", "# 项目资金（万元）: 年度资金总额 row of the form", "[inputs]"]
    total = form.funds["年度资金总额"]
    refs = form.fund_refs["年度资金总额"]
    cells: dict[str, str] = {}
    for col in ("年初预算数", "全年预算数", "全年执行数"):
        text = total.get(col, "")
        if not text:
            if col == "年初预算数":
                continue
            raise DataError(f"the 年度资金总额 {col} is empty; expected an amount in 万元", file=form.file,
                            path=refs.get(col))
        try:
            q = reading.read_quantity(text)
        except reading.ReadError as e:
            raise DataError(f"the 年度资金总额 {col} {text!r} cannot be read: {e}", file=form.file,
                            path=refs[col]) from None
        if q.unit not in ("", "万元"):
            raise DataError(f"the 年度资金总额 {col} {text!r} is not an amount in 万元", file=form.file,
                            path=refs[col])
        lines.append(f"{s(col)} = {num(q.value)}")
        cells[f"inputs.{col}"] = refs[col]

    counters: dict[str, int] = {}
    leaves: list[tuple[str, object]] = []
    for ind in form.indicators:
        c1 = _code1(ind.level1)
        if not c1:
            raise DataError(f"一级指标 {ind.level1!r} is not one of 产出指标/效益指标/满意度指标", file=form.file,
                            path=ind.refs.get("level1", ind.ref))
        c2 = _code2(c1, ind.level2)
        if not c2:
            names = "/".join(w + "指标" for w in LEVEL2[c1])
            raise DataError(f"二级指标 {ind.level2!r} is not one of {names} under {ind.level1}", file=form.file,
                            path=ind.refs.get("level2", ind.ref))
        counters[c2] = counters.get(c2, 0) + 1
        leaves.append((f"{c2}{counters[c2]}", ind))

    for code, ind in leaves:
        if not ind.target:
            raise DataError(f"the 年度指标值 of {ind.name} is empty", file=form.file, path=ind.refs["target"])
        if not ind.actual:
            raise DataError(f"the 实际完成值 of {ind.name} is empty", file=form.file, path=ind.refs["actual"])
        try:
            target = reading.read_target(ind.target)
        except reading.ReadError as e:
            raise DataError(f"the 年度指标值 of {ind.name} {ind.target!r} cannot be read: {e}", file=form.file,
                            path=ind.refs["target"]) from None
        lines += ["", f"# {c(ind.level1)} / {c(ind.level2)} / {c(ind.name)} (form row {ind.ref})", f"[indicators.{code}]",
                  f"parent = {s(code[:2])}", f"name = {s(ind.name)}", f"standard_score = {num(ind.points)}",
                  f"target = {s(ind.target)}"]
        if target.kind == "qualitative":
            lines += ['value = { indicator = "qualitative_rating" }', 'score = { method = "three_band" }']
        else:
            lines.append(f"actual = {_value(ind.actual)}")
        lines.append(f"stated_actual = {s(ind.actual)}")
        if ind.score is not None:
            lines.append(f"stated_score = {num(ind.score)}")
        if ind.reason:
            lines.append(f"deviation_reason = {s(ind.reason)}")
        for k in ("target", "actual", "score", "reason"):
            if k in ind.refs:
                cells[f"indicators.{code}.{k}"] = ind.refs[k]
    for code, ind in leaves:
        if reading.read_target(ind.target).kind == "qualitative":
            if ind.score is None:
                raise DataError(f"{ind.name} is a qualitative indicator with no 得分; a rating needs the unit's "
                                "score", file=form.file, path=ind.refs["score"])
            rating = (ind.score / ind.points * 100).quantize(Decimal("0.01")) if ind.points else Decimal(0)
            reason = ind.reason or f"自评表定性指标：实际完成“{ind.actual}”，自评得分{num(ind.score)}"
            lines += ["", f"# {c(ind.name)}: a qualitative target is rated; the unit's rating, to be reviewed",
                      f"[ratings.{code}]",
                      f"band = {s('达成' if rating >= 80 else '部分达成' if rating >= 60 else '未达成')}",
                      f"rating = {s(num(rating) + '%')}", f"reason = {s(reason)}"]

    scored = [ind.score for ind in form.indicators if ind.score is not None]
    if scored and all(x == x.to_integral_value() for x in scored) and (
            form.total is None or form.total == form.total.to_integral_value()):
        # Whole-point items say how the form rounds only together with its arithmetic: offered, not assumed.
        lines += ["", "# Every 得分 on this form is a whole number. If the form truncates each item and rounds the",
                  "# total of the unrounded items once (items 9 + 50 + 34 under a 总分 of 94), uncomment:",
                  "# [rounding]", '# leaves = "carry_unrounded"', "# leaf_places = 0", '# leaf_mode = "down"',
                  "# total_places = 0", '# total_mode = "half_up"']
    split = own_split(form, pack)
    if split:
        lines += ["", "# The form's own split of the 一级指标 points (the template's are scaled to it)", "[weights]"]
        lines += [f"{code} = {num(points)}" for code, points in split.items()]
    lines += ["", "# What the form states, checked by evaluate (review.discrepancies)", "[stated]"]
    if form.total is not None:
        lines.append(f"total = {num(form.total)}")
        cells["total"] = form.total_ref
    if form.grade:
        lines.append(f"grade = {s(form.grade)}")
        cells["grade"] = form.grade_ref
    lines.append(f"budget_points = {num(form.budget_points)}")
    lines.append(f"budget_variant = {s(form.budget_variant)}")
    for col, key in (("执行率", "budget_rate"), ("得分", "budget_score")):
        if total.get(col):
            lines.append(f"{key} = {s(total[col])}")
            cells[key] = refs[col]
    if form.goal_expected:
        lines.append(f"goal_expected = {s(form.goal_expected)}")
    if form.goal_actual:
        lines.append(f"goal_actual = {s(form.goal_actual)}")
    lines.append(f"source = {s(form.file)}")
    for row, values in form.funds.items():
        if row == "年度资金总额" or not any(values.values()):
            continue
        lines.append(f"funds.{s(row)} = {{ {', '.join(f'{s(k)} = {s(v)}' for k, v in values.items() if v)} }}")
    lines += ["", "# Where each figure was read (sheet!cell or table, row, column)", "[stated.cells]"]
    lines += [f"{s(k)} = {s(v)}" for k, v in cells.items()]
    return "\n".join(lines) + "\n"
