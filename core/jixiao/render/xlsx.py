"""The Excel workpaper (评价底稿, .xlsx): a summary sheet, one row per indicator with its inputs, value,
target, method and parameters, working, score and points lost, the lost-points ranking and the
breakdown tables.

Figures are the JSON document's rounded decimal strings written as numbers with a number format
(never text, never re-rounded); every piece of text is written as a string cell with a quote prefix
when it starts like a formula, so no user text can ever become one (OWASP ASVS 1.2.10).
"""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

from ..document import build_document
from ..hookspecs import hookimpl
from ..labels import label
from ..types import Renderer

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")


def _name(d: dict[str, Any], lang: str) -> str:
    return (d.get("name_en") or d["name"]) if lang == "en" else d["name"]


class Sheet:
    """Writes rows into one worksheet, text safely and numbers with formats."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.row = 1

    def text(self, row: int, col: int, value: str | None, *, bold: bool = False, wrap: bool = False):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        from openpyxl.styles import Alignment, Font

        cell = self.ws.cell(row=row, column=col)
        if value is None or value == "":
            return cell
        text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(value))
        cell.value = text
        # openpyxl turns a string starting with "=" into a formula; Excel re-reads + - @ as one
        # when the cell is edited. A string cell with a quote prefix stays text in both.
        cell.data_type = "s"
        if text.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
        if bold:
            cell.font = Font(bold=True)
        if wrap:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        return cell

    def number(self, row: int, col: int, value: str | None, fmt: str, *, bold: bool = False):
        from openpyxl.styles import Font

        cell = self.ws.cell(row=row, column=col)
        if value is None or value == "":
            return cell
        try:
            number = _decimal(value)
        except ArithmeticError:  # an ordinal mark ("B+", "Adequate") is a score but not a number
            return self.text(row, col, str(value), bold=bold)
        cell.value = number
        # A score keeps the decimals the document prints it with (9 for a leaf truncated to whole points)
        cell.number_format = _fmt_fixed(_places(value)) if fmt == AS_PRINTED else fmt
        if bold:
            cell.font = Font(bold=True)
        return cell

    def header(self, row: int, headers: list[str]) -> None:
        from openpyxl.styles import Alignment, Font, PatternFill

        fill = PatternFill("solid", fgColor="DDE6F0")
        for c, h in enumerate(headers, start=1):
            cell = self.text(row, c, h)
            cell.font = Font(bold=True)
            cell.fill = fill
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)

    def widths(self, widths: list[float]) -> None:
        from openpyxl.utils import get_column_letter

        for i, w in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(i)].width = w


def _decimal(text: str) -> Decimal:
    """A document figure as a Decimal: ``"3.44"`` → 3.44, ``"89.63%"`` → 0.8963 (the cell shows %)."""
    text = str(text)
    if text.endswith("%"):
        return Decimal(text[:-1]).scaleb(-2)
    return Decimal(text)


AS_PRINTED = "as printed"
"""The number format of score cells: as many decimals as the document's figure has."""


def _places(text: str) -> int:
    t = str(text).rstrip("%")
    return len(t.split(".")[1]) if "." in t else 0


def _fmt_fixed(places: int) -> str:
    return "0" if places <= 0 else "0." + "0" * places


def _fmt_percent(places: int) -> str:
    return ("0" if places <= 0 else "0." + "0" * places) + "%"


def _value_format(ind: dict[str, Any]) -> str:
    """The number format that shows a value as the report prints it (89.63%, 80%, 2824)."""
    shown = ind.get("value_display") or ""
    if shown.endswith("%"):
        return _fmt_percent(_places(shown))
    return _fmt_fixed(_places(ind["value"])) if ind.get("value") else "General"


def _plain_text(v: Any) -> str:
    if isinstance(v, dict):
        return "; ".join(f"{k}={_plain_text(x) if not isinstance(x, (dict, list)) else json.dumps(x, ensure_ascii=False)}"
                         for k, x in v.items())
    if isinstance(v, list):
        return json.dumps(v, ensure_ascii=False)
    return "" if v is None else str(v)


def _summary(sheet: Sheet, doc: dict[str, Any], lang: str, score_fmt: str) -> None:
    L = lambda k: label(k, lang)
    title = (doc["pack"].get("title_en") or doc["pack"]["title"]) if lang == "en" else doc["pack"]["title"]
    r = 1
    sheet.text(r, 1, f"{L('workpaper')}", bold=True)
    r += 1
    info = [("project", doc["project"].get("name"))]
    info += [(k, doc["project"].get(k)) for k in ("unit", "authority", "evaluator", "period", "report_date")]
    info += [("pack", f"{title} ({doc['pack']['name']} {doc['pack'].get('version') or ''})".strip())]
    for key, value in info:
        if value:
            sheet.text(r, 1, L(key), bold=True)
            sheet.text(r, 2, str(value))
            r += 1
    r += 1
    sheet.header(r, [L("code"), L("tier_type"), L("standard_score"), L("score"), L("score_rate")])
    r += 1
    for t in doc["tiers"]:
        sheet.text(r, 1, t["code"])
        sheet.text(r, 2, _name(t, lang))
        sheet.number(r, 3, t["standard_score"], score_fmt)
        sheet.number(r, 4, t["score"], score_fmt)
        if t["score_rate"]:
            sheet.number(r, 5, t["score_rate"], _fmt_percent(_places(t["score_rate"])))
        r += 1
    sheet.text(r, 2, L("total_points"), bold=True)
    sheet.number(r, 3, doc["total_standard"], score_fmt, bold=True)
    sheet.number(r, 4, doc["total"], score_fmt, bold=True)
    if doc["score_rate"]:
        sheet.number(r, 5, doc["score_rate"], _fmt_percent(_places(doc["score_rate"])), bold=True)
    r += 1
    if doc["grade"] is not None:
        sheet.text(r, 2, L("grade"), bold=True)
        sheet.text(r, 4, doc["grade_en"] if lang == "en" and doc.get("grade_en") else doc["grade"], bold=True)
        r += 1
    losses = doc.get("losses") or {}
    if losses.get("total_lost") is not None:
        sheet.text(r, 2, L("points_lost"), bold=True)
        sheet.number(r, 4, losses["total_lost"], score_fmt)
        r += 1
    r += 1
    run = doc.get("run") or {}
    for key in ("core_version", "config", "config_sha256"):
        if run.get(key):
            sheet.text(r, 1, L(key))
            sheet.text(r, 2, str(run[key]))
            r += 1
    sheet.widths([16, 40, 12, 12, 12])


LEAF_COLUMNS = ("code", "level1", "level2", "indicator", "inputs", "value_raw", "value", "value_expression",
                "target", "benchmark", "method", "parameters", "working", "standard_score", "score",
                "points_lost", "score_rate", "override", "note")


def _leaves(sheet: Sheet, doc: dict[str, Any], lang: str, score_fmt: str) -> None:
    L = lambda k: label(k, lang)
    names = {}

    def walk(nodes):
        for n in nodes:
            names[n["code"]] = n
            walk(n["children"])

    walk(doc["tiers"])
    sheet.header(1, [L(c) for c in LEAF_COLUMNS])
    col = {c: i for i, c in enumerate(LEAF_COLUMNS, start=1)}
    for r, ind in enumerate(doc["indicators"], start=2):
        path = ind["path"]
        sheet.text(r, col["code"], ind["code"])
        if path:
            sheet.text(r, col["level1"], f"{path[0]} {_name(names[path[0]], lang)}")
        if len(path) > 1:
            sheet.text(r, col["level2"], " / ".join(f"{c} {_name(names[c], lang)}" for c in path[1:]))
        sheet.text(r, col["indicator"], _name(ind, lang))
        sheet.text(r, col["inputs"], _plain_text(ind.get("inputs") or {}), wrap=True)
        if ind.get("value") is not None:
            sheet.number(r, col["value_raw"], ind["value"], _value_format(ind))
        sheet.text(r, col["value"], ind.get("value_display"))
        sheet.text(r, col["value_expression"], ind.get("value_expression"))
        sheet.text(r, col["target"], (ind.get("target") or {}).get("display"))
        if ind.get("benchmark") is not None:
            fmt = _value_format(ind) if ind.get("value_kind") != "rating" else _fmt_percent(0)
            sheet.number(r, col["benchmark"], ind["benchmark"], fmt)
        method = dict(ind.get("method") or {})
        sheet.text(r, col["method"], method.pop("name", None))
        sheet.text(r, col["parameters"], _plain_text(method))
        sheet.text(r, col["working"], ind.get("trace"))
        sheet.number(r, col["standard_score"], ind.get("standard_score"), score_fmt)
        sheet.number(r, col["score"], ind.get("score"), score_fmt)
        sheet.number(r, col["points_lost"], ind.get("points_lost"), score_fmt)
        if ind.get("score_rate"):
            sheet.number(r, col["score_rate"], ind["score_rate"], _fmt_percent(_places(ind["score_rate"])))
        if ind.get("override"):
            ov = ind["override"]
            sheet.text(r, col["override"], f"{ov['score']} ({L('computed')} {ov['computed_score']}): {ov['reason']}",
                       wrap=True)
        sheet.text(r, col["note"], ind.get("note"), wrap=True)
    widths = [8, 16, 18, 26, 30, 12, 10, 18, 10, 10, 20, 16, 30, 9, 9, 9, 9, 24, 60]
    if any(ind.get("evidence") for ind in doc["indicators"]) or any(ind.get("panel") for ind in doc["indicators"]):
        from ..evidence import xlsx_cross_references

        xlsx_cross_references(sheet, doc, len(LEAF_COLUMNS) + 1)
        widths += [18, 24]
    sheet.ws.freeze_panes = "B2"
    sheet.widths(widths)


def _losses(sheet: Sheet, doc: dict[str, Any], lang: str, score_fmt: str) -> None:
    L = lambda k: label(k, lang)
    losses = doc.get("losses") or {}
    ranked = losses.get("ranked") or []
    sheet.header(1, [L("no"), L("code"), L("indicator"), L("standard_score"), L("score_short"),
                     L("points_lost"), L("reason"), L("note")])
    r = 2
    for i, item in enumerate(ranked, start=1):
        sheet.ws.cell(row=r, column=1, value=i)
        sheet.text(r, 2, item["code"])
        sheet.text(r, 3, _name(item, lang))
        sheet.number(r, 4, item["standard_score"], score_fmt)
        sheet.number(r, 5, item["score"], score_fmt)
        sheet.number(r, 6, item["points_lost"], score_fmt)
        sheet.text(r, 7, item["reason_en" if lang == "en" else "reason_zh"], wrap=True)
        sheet.text(r, 8, item.get("note"), wrap=True)
        r += 1
    if losses.get("total_lost") is not None:
        sheet.text(r, 3, L("total"), bold=True)
        sheet.number(r, 6, losses["total_lost"], score_fmt, bold=True)
        r += 1
    r += 1
    sheet.text(r, 1, L("problems"), bold=True)
    r += 1
    for i, p in enumerate(losses.get("problems_en" if lang == "en" else "problems_zh") or [], start=1):
        sheet.ws.cell(row=r, column=1, value=i)
        sheet.text(r, 2, p)
        r += 1
    sheet.widths([6, 8, 28, 9, 9, 9, 40, 60])


def _breakdown(sheet: Sheet, code: str, table: dict[str, Any], lang: str) -> None:
    L = lambda k: label(k, lang)
    sheet.text(1, 1, f"{table.get('title') or code} ({code})", bold=True)
    sheet.header(2, [L("item"), table["denominator"], table["numerator"], L("rate")])
    for r, row in enumerate(table["rows"], start=3):
        bold = row["level"] in (0, -1)
        sheet.text(r, 1, ("  " * max(row["level"], 0)) + row["label"], bold=bold)
        sheet.number(r, 2, row["denominator"], "#,##0.00", bold=bold)
        sheet.number(r, 3, row["numerator"], "#,##0.00", bold=bold)
        if row["rate"]:
            sheet.number(r, 4, row["rate"], _fmt_percent(_places(row["rate"])), bold=bold)
    sheet.widths([40, 14, 14, 12])


def _review(wb, doc: dict[str, Any], lang: str) -> None:
    """The 复核意见 sheet: review.discrepancies, one row each (only when there are any)."""
    from ..forms.review import REVIEW_HEADER, REVIEW_TITLE, review_rows

    rows = review_rows(doc, lang)
    if not rows:
        return
    key = "en" if lang == "en" else "zh"
    sheet = Sheet(wb.create_sheet(REVIEW_TITLE["zh"]))
    sheet.header(1, REVIEW_HEADER[key])
    for r, row in enumerate(rows, start=2):
        sheet.ws.cell(row=r, column=1, value=r - 1)
        for c, v in enumerate(row[1:], start=2):
            sheet.text(r, c, v, wrap=c == 7)
    sheet.ws.freeze_panes = "A2"
    sheet.widths([6, 8, 24, 12, 12, 22, 70])


def render_xlsx(result, *, lang: str = "zh", doc: dict[str, Any] | None = None) -> bytes:
    from openpyxl import Workbook

    doc = doc or build_document(result)
    score_fmt = AS_PRINTED
    wb = Workbook()
    wb.properties.creator = "jixiao"
    ws = wb.active
    ws.title = label("sheet_summary", lang)
    _summary(Sheet(ws), doc, lang, score_fmt)
    _leaves(Sheet(wb.create_sheet(label("sheet_leaves", lang))), doc, lang, score_fmt)
    _losses(Sheet(wb.create_sheet(label("sheet_losses", lang))), doc, lang, score_fmt)
    from ..evidence import xlsx_sheet

    xlsx_sheet(wb, doc, Sheet)
    from ..panel import xlsx_sheet as panel_sheet

    panel_sheet(wb, doc, Sheet)
    _review(wb, doc, lang)
    for code, table in doc["tables"].items():
        # Sheet names come from indicator codes (pack data), never from free text; 31 chars max.
        safe = "".join("_" if ch in "[]:*?/\\'" else ch for ch in code)
        _breakdown(Sheet(wb.create_sheet(f"{label('sheet_table', lang)} {safe}"[:31])), code, table, lang)
    buf = io.BytesIO()
    wb.save(buf)
    from . import reproducible_zip

    return reproducible_zip(buf.getvalue())


@hookimpl
def jixiao_renderers():
    return [Renderer(name="xlsx", title="Excel 评价底稿 workpaper (.xlsx)", suffixes=(".xlsx",), binary=True,
                     render=render_xlsx)]
