"""The 项目支出绩效自评表 as a deliverable (``--format form``): an evaluation in the 财预〔2020〕10号 附件2
layout, as an Excel workbook or a Word document chosen by the ``-o`` suffix (``.xlsx`` / ``.docx``).

The form has a fixed shape — a 项目资金 block scored as 预算执行率, then 产出/效益/满意度 指标 each with
二级 groups holding the unit's 三级指标 — so only an evaluation whose tree has that shape is rendered
(the national pack and every imported form); any other pack (the seed's 决策/过程/产出/效益, PEFA, PART)
is refused with exit 2 naming what does not fit, rather than printed as a form it is not.

Every figure comes from the JSON document (scores, tiers, total, grade, 执行率) or from the config's
inputs (the 年初预算数/全年预算数/全年执行数 amounts); nothing is recomputed or typed here. The
stated text an imported form carried (年度总体目标, the 其中 rows of the funds block, 实际完成值 of a
qualitative indicator, 偏差原因) is printed as the form had it. Text in a workbook is a string cell with a
quote prefix when it starts like a formula; ``jixiao import-form`` reads the result back.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import attrs

from ..document import build_document
from ..errors import ConfigError
from ..hookspecs import hookimpl
from ..numbers import fmt_number
from ..types import Example, Renderer

COLUMNS = 9
"""A: block labels; B 一级 C 二级 D 三级 E 年度指标值 F 实际完成值 G 分值 H 得分 I 偏差原因分析及改进措施."""
INDICATOR_HEADER = ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                    "偏差原因分析及改进措施"]
FUND_HEADER = ["项目资金（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分", ""]
FUND_ROWS = (("年度资金总额", "年度资金总额"), ("其中：当年财政拨款", "当年财政拨款"), ("上年结转资金", "上年结转资金"),
             ("其他资金", "其他资金"))
LEVEL1_WORDS = ("产出", "效益", "满意度")
COMPARATOR_SIGNS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "=": "="}
SUFFIXES = (".xlsx", ".docx")


@attrs.define
class Cell:
    value: Any = ""
    """Text (str) or a figure (Decimal)."""
    fmt: str = "General"
    """The Excel number format of a figure."""
    bold: bool = False
    align: str = "center"
    """center, left or right."""


@attrs.define
class Grid:
    rows: list[list[Cell]] = attrs.field(factory=list)
    merges: list[tuple[int, int, int, int]] = attrs.field(factory=list)
    """(first row, first column, last row, last column), 0-based inclusive."""
    heights: dict[int, float] = attrs.field(factory=dict)

    def add(self, *cells: Cell | str) -> int:
        row = [c if isinstance(c, Cell) else Cell(c) for c in cells]
        row += [Cell() for _ in range(COLUMNS - len(row))]
        self.rows.append(row)
        return len(self.rows) - 1

    def merge(self, r0: int, c0: int, r1: int, c1: int) -> None:
        if (r0, c0) != (r1, c1):
            self.merges.append((r0, c0, r1, c1))


def _dec(text: Any) -> Decimal | None:
    if text is None or text == "":
        return None
    try:
        return Decimal(str(text).rstrip("%")) / (100 if str(text).endswith("%") else 1)
    except InvalidOperation:
        return None


def _places(text: str) -> int:
    t = str(text).rstrip("%")
    return len(t.split(".")[1]) if "." in t else 0


def _fixed(places: int) -> str:
    return "0" if places <= 0 else "0." + "0" * places


def _score(text: str | None, *, bold: bool = False) -> Cell:
    d = _dec(text)
    return Cell(d, _fixed(_places(text)), bold=bold) if d is not None else Cell(text or "", bold=bold)


def _points(text: str | None, *, bold: bool = False) -> Cell:
    """A 分值 as the form prints it: 20, not 20.00."""
    d = _dec(text)
    return Cell(Decimal(fmt_number(d)), "General", bold=bold) if d is not None else Cell(text or "", bold=bold)


def _rate(text: str | None) -> Cell:
    """A rate (``90.00%``) as a percentage figure."""
    d = _dec(text)
    if d is None or not str(text).endswith("%"):
        return Cell(text or "")
    return Cell(d, _fixed(_places(text)) + "%")


def _amount(text: str | None) -> Cell:
    d = _dec(text)
    if d is None or str(text).endswith("%"):
        return Cell(text or "")
    return Cell(d, "#,##0.00" if _places(text) <= 2 else "#,##0." + "0" * _places(text), align="right")


def _year(project: dict[str, Any]) -> int | None:
    for key in ("period", "year", "report_date"):
        m = re.search(r"(\d{4})", str(project.get(key) or ""))
        if m:
            return int(m.group(1))
    return None


def _target_text(ind: dict[str, Any]) -> str:
    target = ind.get("target") or {}
    shown = str(target.get("display") or "")
    if target.get("unit") == "rating" or not shown:
        return shown
    sign = COMPARATOR_SIGNS.get(target.get("comparator") or "", "")
    if sign and not shown.startswith(("≥", "≤", ">", "<", "=", "＝")):
        shown = sign + shown  # the form prints the comparator the target was read with (=100%)
    return shown


def _actual_text(ind: dict[str, Any], leaf: dict[str, Any]) -> str:
    """实际完成值: the evaluation's value with its unit (a rate with every place it was computed with)."""
    if ind.get("value_kind") == "rating":
        stated = str(leaf.get("stated_actual") or "").strip()
        if stated:
            return stated
        band = (ind.get("inputs") or {}).get("band")
        return f"{band}（{ind['value_display']}）" if band else str(ind.get("value_display") or "")
    shown = str(ind.get("value_display") or "")
    if ind.get("survey"):
        shown = shown.removesuffix(" " + ind["survey"]["display"])
    if ind.get("value_kind") == "rate" and ind.get("value") is not None:
        pct = Decimal(ind["value"]) * 100
        exact = pct.normalize()
        places = max(2, -exact.as_tuple().exponent if exact.as_tuple().exponent < 0 else 0)
        return f"{pct.quantize(Decimal(1).scaleb(-places))}%"
    return shown


def _reason(ind: dict[str, Any], leaf: dict[str, Any]) -> str:
    parts = [str(leaf.get("deviation_reason") or ind.get("note") or "").strip()]
    ov = ind.get("override")
    if ov:
        parts.append(f"评价人调整得分为{ov['score']}（按规则{ov['computed_score']}）：{str(ov.get('reason') or '').strip()}")
    return "；".join(p for p in parts if p)


def check_shape(doc: dict[str, Any]) -> None:
    """Refuse (exit 2) an evaluation whose tree is not the 附件2 form's."""
    pack = doc["pack"]["name"]
    tiers = doc["tiers"]
    names = "、".join(f"{t['code']} {t['name']}" for t in tiers)
    why = None
    budget = [t for t in tiers if not t["children"]]
    groups = [t for t in tiers if t["children"]]
    by_code = {i["code"]: i for i in doc["indicators"]}
    if len(budget) != 1 or not {"全年预算数", "全年执行数"} <= set((by_code.get(budget[0]["code"]) or {}).get("inputs") or {}):
        why = "its first tier must be one 预算执行率 indicator computed from 全年预算数 and 全年执行数"
    elif [next((w for w in LEVEL1_WORDS if w in t["name"]), None) for t in groups] != list(LEVEL1_WORDS):
        why = "its other tiers must be 产出指标, 效益指标 and 满意度指标, in this order"
    else:
        for t in groups:
            for g in t["children"]:
                if not g["children"] and g["code"] in by_code:
                    why = f"{g['code']} {g['name']} is an indicator directly under {t['name']}; the form needs a 二级指标 above every 三级指标"
                    break
                if any(c["children"] for c in g["children"]):
                    why = f"{g['code']} {g['name']} has groups under it; the form has three levels (一级/二级/三级)"
                    break
            if why:
                break
    if why:
        raise ConfigError(f"the pack {pack!r} ({names}) does not have the shape of the 项目支出绩效自评表: {why}; "
                          "use --format docx or --format xlsx for its report", path="--format")


def form_grid(doc: dict[str, Any], result: Any = None) -> Grid:
    """The form as a grid of cells and merges (shared by the workbook and the Word document)."""
    check_shape(doc)
    extras = getattr(result, "extras", None) or {}
    stated_review = extras.get("stated_review") or {}
    stated = stated_review.get("stated") or {}
    leaves = stated_review.get("leaves") or {}
    inputs = extras.get("form_inputs") or {}
    project = doc["project"]
    by_code = {i["code"]: i for i in doc["indicators"]}
    budget_tier = next(t for t in doc["tiers"] if not t["children"])
    budget = by_code[budget_tier["code"]]

    g = Grid()
    year = _year(project)
    r = g.add(Cell(f"项目支出绩效自评表\n（{year if year else '　　'}年度）", bold=True))
    g.merge(r, 0, r, COLUMNS - 1)
    g.heights[r] = 40
    r = g.add("项目名称", Cell(str(project.get("name") or ""), align="left"))
    g.merge(r, 1, r, COLUMNS - 1)
    r = g.add("主管部门", Cell(str(project.get("department") or ""), align="left"), "", "", "实施单位",
              Cell(str(project.get("unit") or ""), align="left"))
    g.merge(r, 1, r, 3)
    g.merge(r, 5, r, COLUMNS - 1)

    first = g.add(*[Cell(h, bold=bool(h)) for h in FUND_HEADER])
    budget_amounts = {"全年预算数": (budget.get("inputs") or {}).get("全年预算数"),
                      "全年执行数": (budget.get("inputs") or {}).get("全年执行数"),
                      "年初预算数": inputs.get("年初预算数")}
    stated_funds = stated.get("funds") or {}
    for label, key in FUND_ROWS:
        if key == "年度资金总额":
            cells = [_amount(budget_amounts[k]) for k in ("年初预算数", "全年预算数", "全年执行数")]
            g.add("", Cell(label, align="left"), *cells, _points(budget["standard_score"]),
                  _rate(budget.get("value_display")), _score(budget["score"]))
            continue
        row = stated_funds.get(key) or stated_funds.get(label) or {}
        cells = [_amount(row.get(k)) for k in ("年初预算数", "全年预算数", "全年执行数")]
        plan, done = _dec(row.get("全年预算数")), _dec(row.get("全年执行数"))
        rate = Cell("")
        if plan and done is not None:  # computed, never copied: 执行数/预算数
            pct = (done / plan * 100).quantize(Decimal("0.01"))
            rate = Cell(pct / 100, "0.00%")
        g.add("", Cell(label, align="left"), *cells, "—", rate, "—")
    g.merge(first, 0, len(g.rows) - 1, 0)

    goal = g.add("年度总体目标", Cell("预期目标", bold=True), "", "", "", Cell("实际完成情况", bold=True))
    g.merge(goal, 1, goal, 4)
    g.merge(goal, 5, goal, COLUMNS - 1)
    r = g.add("", Cell(str(stated.get("goal_expected") or ""), align="left"), "", "", "",
              Cell(str(stated.get("goal_actual") or ""), align="left"))
    g.merge(r, 1, r, 4)
    g.merge(r, 5, r, COLUMNS - 1)
    g.heights[r] = 48
    g.merge(goal, 0, r, 0)

    head = g.add(*[Cell(h, bold=True) for h in INDICATOR_HEADER])
    for tier in (t for t in doc["tiers"] if t["children"]):
        t0 = len(g.rows)
        for group in tier["children"]:
            g0 = len(g.rows)
            members = [by_code[c["code"]] for c in group["children"] if c["code"] in by_code]
            if not members:  # an empty 二级 group is printed as the official form lists it
                g.add("", tier["name"], group["name"])
            for ind in members:
                leaf = leaves.get(ind["code"]) or {}
                g.add("", tier["name"], group["name"], Cell(ind["name"], align="left"), _target_text(ind),
                      _actual_text(ind, leaf), _points(ind["standard_score"]), _score(ind["score"]),
                      Cell(_reason(ind, leaf), align="left"))
            g.merge(g0, 2, len(g.rows) - 1, 2)
        g.merge(t0, 1, len(g.rows) - 1, 1)
    g.merge(head, 0, len(g.rows) - 1, 0)
    r = g.add(Cell("总分", bold=True), "", "", "", "", "", _points(doc.get("total_standard"), bold=True),
              _score(doc.get("total"), bold=True),
              Cell(f"自评等级：{doc['grade']}" if doc.get("grade") else "自评等级：", bold=True))
    g.merge(r, 0, r, 5)
    return g


WIDTHS_XLSX = [9, 10, 12, 26, 13, 13, 9, 9, 32]
WIDTHS_DOCX_CM = [1.9, 2.0, 2.4, 4.6, 2.6, 2.6, 1.8, 1.8, 6.4]


def render_form_xlsx(doc: dict[str, Any], result: Any = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    from . import reproducible_zip
    from .xlsx import Sheet

    grid = form_grid(doc, result)
    wb = Workbook()
    wb.properties.creator = "jixiao"
    ws = wb.active
    ws.title = "项目支出绩效自评表"
    sheet = Sheet(ws)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for r, row in enumerate(grid.rows, 1):
        for c, cell in enumerate(row, 1):
            if isinstance(cell.value, Decimal):
                out = sheet.number(r, c, str(cell.value), cell.fmt, bold=cell.bold)
            else:
                out = sheet.text(r, c, cell.value, bold=cell.bold)
            align = "right" if isinstance(cell.value, Decimal) else cell.align
            out.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
            if r > 1:
                out.border = border
    for r0, c0, r1, c1 in grid.merges:
        ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
    ws.cell(1, 1).font = Font(bold=True, size=14)
    for r, h in grid.heights.items():
        ws.row_dimensions[r + 1].height = h
    sheet.widths(WIDTHS_XLSX)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    buf = io.BytesIO()
    wb.save(buf)
    return reproducible_zip(buf.getvalue())


def render_form_docx(doc: dict[str, Any], result: Any = None) -> bytes:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    from . import reproducible_zip
    from .docx import _page_numbers, _set_fonts

    grid = form_grid(doc, result)
    document = docx.Document()
    _set_fonts(document, "zh")
    document.styles["Normal"].font.size = Pt(10.5)
    for section in document.sections:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21)
        section.left_margin = section.right_margin = Cm(1.8)
        section.top_margin = section.bottom_margin = Cm(1.8)
    props = document.core_properties
    props.title = str(doc["project"].get("name") or "项目支出绩效自评表")
    props.author = "jixiao"
    props.comments = "jixiao --format form"
    title_text, _, year_text = grid.rows[0][0].value.partition("\n")
    p = document.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(title_text)
    run.bold = True
    run.font.size = Pt(16)
    run.add_break()
    p.add_run(year_text).font.size = Pt(12)
    body = grid.rows[1:]
    table = document.add_table(rows=len(body), cols=COLUMNS)
    table.style = "Table Grid"
    table.autofit = False
    for col, w in zip(table.columns, WIDTHS_DOCX_CM):
        col.width = Cm(w)
        for cell in col.cells:
            cell.width = Cm(w)
    align = {"left": WD_ALIGN_PARAGRAPH.LEFT, "right": WD_ALIGN_PARAGRAPH.RIGHT, "center": WD_ALIGN_PARAGRAPH.CENTER}

    def put(target, cell: Cell) -> None:
        target.text = ""
        para = target.paragraphs[0]
        text = cell.value if not isinstance(cell.value, Decimal) else _figure_text(cell)
        r = para.add_run(text)
        r.bold = cell.bold
        r.font.size = Pt(9)
        para.alignment = align["right" if isinstance(cell.value, Decimal) else cell.align]
        target.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER

    covered: set[tuple[int, int]] = set()
    for r0, c0, r1, c1 in grid.merges:
        if r0 == 0:
            continue
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    covered.add((r, c))
    for r, row in enumerate(body, 1):
        for c, cell in enumerate(row):
            if (r, c) not in covered:
                put(table.cell(r - 1, c), cell)
    for r0, c0, r1, c1 in grid.merges:
        if r0 == 0:
            continue
        top = table.cell(r0 - 1, c0)
        merged = top.merge(table.cell(r1 - 1, c1))
        put(merged, grid.rows[r0][c0])
    _page_numbers(document, "zh")
    buf = io.BytesIO()
    document.save(buf)
    return reproducible_zip(buf.getvalue())


def _figure_text(cell: Cell) -> str:
    """A figure as its number format shows it (the JSON document's text)."""
    d = cell.value
    if cell.fmt.endswith("%"):
        places = _places(cell.fmt[:-1])
        return f"{(d * 100).quantize(Decimal(1).scaleb(-places))}%"
    if cell.fmt == "General":
        return fmt_number(d)
    places = _places(cell.fmt)
    q = d.quantize(Decimal(1).scaleb(-places))
    return f"{q:,}" if cell.fmt.startswith("#,##") else str(q)


def render_form(result, *, lang: str = "zh", doc: dict[str, Any] | None = None, output: str | None = None) -> bytes:
    """The form in the format the output file's suffix names (.xlsx or .docx; a workbook when no file is
    named, which ``evaluate`` then refuses to print); the form is in Chinese."""
    suffix = Path(output).suffix.lower() if output else ".xlsx"
    if suffix not in SUFFIXES:
        raise ConfigError("the form format writes an Excel workbook or a Word document: give -o FORM.xlsx or "
                          "-o FORM.docx" + (f", not {suffix!r}" if suffix else ""), path="-o")
    doc = doc or build_document(result)
    return (render_form_xlsx if suffix == ".xlsx" else render_form_docx)(doc, result)


EXAMPLE_INDICATORS = """
[inputs."全年预算数"]
kind = "number"
unit = "万元"

[inputs."全年执行数"]
kind = "number"
unit = "万元"

[indicators.A]
name = "预算执行率"
standard_score = 10
target = "=100%"
value = { formula = "全年执行数/全年预算数" }
score = { method = "rate_times_standard" }

[indicators.B]
name = "产出指标"
standard_score = 50

[indicators.B1]
parent = "B"
name = "数量指标"

[indicators.B11]
parent = "B1"
name = "补助学生人数"
standard_score = 50
target = "≥100%"
value = { input = "b", kind = "rate" }
score = { method = "rate_times_standard" }

[indicators.C]
name = "效益指标"
standard_score = 30

[indicators.C2]
parent = "C"
name = "社会效益指标"

[indicators.C21]
parent = "C2"
name = "学生顺利完成学业"
standard_score = 30
target = "≥100%"
value = { input = "c", kind = "rate" }
score = { method = "rate_times_standard" }

[indicators.D]
name = "满意度指标"
standard_score = 10

[indicators.D1]
parent = "D"
name = "服务对象满意度指标"

[indicators.D11]
parent = "D1"
name = "学生及家长满意度"
standard_score = 10
target = "≥100%"
value = { input = "d", kind = "rate" }
score = { method = "rate_times_standard" }
"""
EXAMPLE = Example(indicators=EXAMPLE_INDICATORS, code="A", expect="9.00=10*90.00%",
                  evaluation='[inputs]\n"全年预算数" = 480\n"全年执行数" = 432\nb = "100%"\nc = "100%"\nd = "100%"')
"""The form needs the 附件2 shape, so it is checked with a small national-shaped evaluation."""


@hookimpl
def jixiao_renderers():
    return [Renderer(name="form", title="项目支出绩效自评表 (财预〔2020〕10号 附件2; -o .xlsx or .docx)", suffixes=(),
                     binary=True, render=render_form, examples=(EXAMPLE,))]
