"""The Word report (.docx): the scoring sections of an evaluation report, laid out like the reference
report's 评价结论和绩效分析 — summary by tier and grade, one table per first-level tier with merged
一级/二级 cells, the budget execution table, an analysis paragraph per indicator with its working,
the lost-points analysis and a draft 存在的问题 section.

Every figure is a string from the JSON document; nothing is recomputed here.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from ..document import build_document
from ..evidence import appendix_rows, citation_text
from ..hookspecs import hookimpl
from ..labels import label
from ..numbers import fmt_number
from ..types import Renderer
from .fonts import find_cjk_font

# Chinese government reports are set in 宋体 with 黑体 headings; every Chinese Windows has both and
# LibreOffice substitutes an installed CJK face (Noto CJK / WenQuanYi) through fontconfig.
BODY_EAST_ASIA = "宋体"
HEADING_EAST_ASIA = "黑体"
LATIN = "Times New Roman"


def _name(d: dict[str, Any], lang: str) -> str:
    return (d.get("name_en") or d["name"]) if lang == "en" else d["name"]


def _set_fonts(document, lang: str) -> None:
    """Set the East-Asian font slot (w:eastAsia) on every style: python-docx's Font.name sets only
    the Latin slots, so without this Word falls back to a theme font for Chinese text."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import RGBColor

    def fonts(rpr, east_asia: str) -> None:
        rfonts = rpr.get_or_add_rFonts()
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            rfonts.attrib.pop(qn(attr), None)
        for attr in ("w:ascii", "w:hAnsi", "w:cs"):
            rfonts.set(qn(attr), LATIN)
        rfonts.set(qn("w:eastAsia"), east_asia)

    styles_el = document.styles.element
    defaults = styles_el.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr_default = defaults.find(qn("w:rPrDefault"))
        rpr = rpr_default.find(qn("w:rPr")) if rpr_default is not None else None
        if rpr is not None:
            fonts(rpr, BODY_EAST_ASIA)
            lang_el = rpr.find(qn("w:lang"))
            if lang_el is None:
                lang_el = OxmlElement("w:lang")
                rpr.append(lang_el)
            lang_el.set(qn("w:val"), "en-US" if lang == "en" else "zh-CN")
            lang_el.set(qn("w:eastAsia"), "zh-CN")
    for style in document.styles:
        if style.type not in (WD_STYLE_TYPE.PARAGRAPH, WD_STYLE_TYPE.CHARACTER, WD_STYLE_TYPE.TABLE):
            continue
        heading = style.name.startswith(("Heading", "Title"))
        fonts(style.element.get_or_add_rPr(), HEADING_EAST_ASIA if heading else BODY_EAST_ASIA)
        if heading:
            style.font.color.rgb = RGBColor(0, 0, 0)


def _cell(cell, text: str, *, bold: bool = False, align: str = "left", size: float = 9) -> None:
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    cell.text = ""
    para = cell.paragraphs[0]
    run = para.add_run(text)
    run.bold = bold
    run.font.size = Pt(size)
    para.alignment = {"left": WD_ALIGN_PARAGRAPH.LEFT, "right": WD_ALIGN_PARAGRAPH.RIGHT,
                      "center": WD_ALIGN_PARAGRAPH.CENTER}[align]
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _header_row(table, headers: list[str]) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    row = table.rows[0]
    for cell, text in zip(row.cells, headers):
        _cell(cell, text, bold=True, align="center")
    # Repeat the header on every page a long table runs over, as the reference report does.
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _table(document, headers: list[str], nrows: int, widths_cm: list[float] | None = None):
    from docx.shared import Cm

    table = document.add_table(rows=nrows + 1, cols=len(headers))
    table.style = "Table Grid"
    if widths_cm:
        # Word reads the cell widths, LibreOffice the grid columns: set both.
        table.autofit = False
        for col, w in zip(table.columns, widths_cm):
            col.width = Cm(w)
            for cell in col.cells:
                cell.width = Cm(w)
    _header_row(table, headers)
    return table


def _para(document, text: str, *, bold: bool = False, align: str | None = None, style: str | None = None):
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    p = document.add_paragraph(style=style)
    run = p.add_run(text)
    run.bold = bold
    if align == "center":
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return p


def _picture(document, png: bytes) -> None:
    from docx.shared import Cm

    document.add_picture(io.BytesIO(png), width=Cm(15.5))


def _nodes_by_code(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}

    def walk(nodes):
        for n in nodes:
            out[n["code"]] = n
            walk(n["children"])

    walk(doc["tiers"])
    return out


def _count_leaves(node: dict[str, Any]) -> int:
    return sum(_count_leaves(c) for c in node["children"]) if node["children"] else 1


def _tier_table(document, doc: dict[str, Any], tier: dict[str, Any], lang: str) -> None:
    L = lambda k: label(k, lang)
    nodes = _nodes_by_code(doc)
    leaves = _tier_leaves(doc, tier)
    depth = max((len(i["path"]) for i in leaves), default=1)
    levels = depth + 1
    described = any(leaf.get("description") for leaf in leaves)  # the 指标解释 column only when there is one
    headers = [L(f"level{n}") for n in range(1, levels + 1)] + ([L("description")] if described else []) + [
        L("standard_score"), L("score_short")]
    if described:
        level_w = 2.4 if levels <= 3 else 1.9
        widths = [level_w] * levels + [16.0 - level_w * levels - 3.0, 1.5, 1.5]
    else:  # the last level (三级指标) takes the width, so its names do not wrap
        first_w = 2.6 if levels > 1 else 0.0
        widths = [first_w] * (levels - 1) + [16.0 - first_w * (levels - 1) - 3.0, 1.5, 1.5]
    table = _table(document, headers, len(leaves) + 1, widths)
    desc = 1 if described else 0

    def group_text(code: str, top: bool) -> str:
        n = nodes[code]
        text = f"{code}. {_name(n, lang)}"
        if top and n.get("standard_score"):
            text += f" ({fmt_number(Decimal(n['standard_score']))})"
        return text

    for r, leaf in enumerate(leaves, start=1):
        row = table.rows[r].cells
        for c, code in enumerate(leaf["path"]):
            _cell(row[c], group_text(code, c == 0))
        _cell(row[len(leaf["path"])], f"{leaf['code']}. {_name(leaf, lang)}")
        if described:
            _cell(row[levels], leaf.get("description") or "", size=8)
        _cell(row[levels + desc], leaf["standard_score"] or "", align="right")
        _cell(row[levels + desc + 1], leaf["score"] or "", align="right")
        if len(leaf["path"]) + 1 < levels:  # a leaf directly under a higher group spans the spare columns
            row[len(leaf["path"])].merge(row[levels - 1])
            _cell(table.cell(r, len(leaf["path"])), f"{leaf['code']}. {_name(leaf, lang)}")
    # Merge each ancestor column over the consecutive rows that share the ancestor, as in the report.
    for c in range(levels - 1):
        start = 1
        for r in range(2, len(leaves) + 2):
            prev = leaves[start - 1]["path"][c] if c < len(leaves[start - 1]["path"]) else None
            cur = leaves[r - 1]["path"][c] if r <= len(leaves) and c < len(leaves[r - 1]["path"]) else None
            if cur != prev or cur is None:
                if prev is not None and r - 1 > start:
                    text = group_text(prev, c == 0)
                    table.cell(start, c).merge(table.cell(r - 1, c))
                    _cell(table.cell(start, c), text)
                start = r
    last = table.rows[len(leaves) + 1].cells
    last[0].merge(last[levels - 1 + desc])
    _cell(table.cell(len(leaves) + 1, 0), L("total"), bold=True, align="center")
    _cell(last[levels + desc], tier["standard_score"] or "", bold=True, align="right")
    _cell(last[levels + desc + 1], tier["score"] or "", bold=True, align="right")


def _tier_leaves(doc: dict[str, Any], tier: dict[str, Any]) -> list[dict[str, Any]]:
    """The leaves under a tier, in tree order; a tier that is itself a leaf (预算执行率) is its own one leaf."""
    if not tier["children"]:
        return [i for i in doc["indicators"] if i["code"] == tier["code"]]
    return [i for i in doc["indicators"] if i["path"] and i["path"][0] == tier["code"]]


def _sentence(text: str) -> str:
    """Text with its own closing 。 dropped, for a sentence the report closes itself (no 。。)."""
    return text.strip().rstrip("。.")


def _tier_heading(name: str) -> str:
    """``产出指标`` stays ``产出指标``; ``项目决策`` becomes ``项目决策类指标``."""
    return name if name.endswith("指标") else f"{name}类指标"


def _page_numbers(document, lang: str) -> None:
    """A centred page number (a PAGE field Word and LibreOffice fill in) in every section's footer."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    before, _, after = label("page", lang).partition("{page}")
    for section in document.sections:
        p = section.footer.paragraphs[0] if section.footer.paragraphs else section.footer.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if before:
            p.add_run(before)
        run = p.add_run()
        for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), (None, "1"), ("end", None)):
            if kind:
                el = OxmlElement("w:fldChar")
                el.set(qn("w:fldCharType"), kind)
            elif text == "PAGE":
                el = OxmlElement("w:instrText")
                el.set(qn("xml:space"), "preserve")
                el.text = " PAGE "
            else:
                el = OxmlElement("w:t")
                el.text = text
            run._r.append(el)
        if after:
            p.add_run(after)


def _leaf_paragraph(document, ind: dict[str, Any], lang: str) -> None:
    L = lambda k: label(k, lang)
    zh = lang != "en"
    p = document.add_paragraph()
    head = p.add_run(f"{ind['code']} {_name(ind, lang)}{'：' if zh else ': '}")
    head.bold = True
    parts = []
    if ind.get("note"):
        note = ind["note"].strip()
        parts.append(note if note.endswith(("。", ".", "；")) or not zh else note + "。")
    if ind["value_kind"] == "rating":
        parts.append(f"本指标按{ind['value_display']}评价计分。" if zh else f"Rated {ind['value_display']}.")
    else:
        fact = f"{L('value')}{ind['value_display']}" if zh else f"{L('value')} {ind['value_display']}"
        if ind.get("value_expression"):
            fact += f"（={ind['value_expression']}）" if zh else f" (= {ind['value_expression']})"
        if ind.get("target"):
            fact += f"，{L('target')}{ind['target']['display']}" if zh else f", {L('target').lower()} {ind['target']['display']}"
        parts.append(fact + ("。" if zh else "."))
    if ind.get("override"):
        ov = ind["override"]
        if ind.get("panel"):  # over an expert panel: the evaluation team's adjustment
            parts.append(f"评价组调整得分为{ov['score']}分（专家组评分{ov['computed_score']}分）：{_sentence(ov['reason'])}。"
                         if zh else f"Evaluation team override: {ov['score']} (expert panel {ov['computed_score']}): "
                                    f"{_sentence(ov['reason'])}.")
        else:
            parts.append(f"评价人调整得分为{ov['score']}分（计算得分{ov['computed_score']}分）：{_sentence(ov['reason'])}。"
                         if zh else f"Evaluator override: {ov['score']} (computed {ov['computed_score']}): "
                                    f"{_sentence(ov['reason'])}.")
    parts.append(L("full_marks").format(standard=fmt_number(Decimal(ind["standard_score"])), score=ind["score"])
                 if ind.get("standard_score") and ind.get("score") else "")
    p.add_run(("" if zh else " ").join(x for x in parts if x))
    if ind.get("trace"):
        p.add_run(f"【{ind['trace']}】")


def _budget_table(document, code: str, table_doc: dict[str, Any], lang: str) -> None:
    L = lambda k: label(k, lang)
    _para(document, table_doc.get("title") or code, bold=True, align="center")
    rows = table_doc["rows"]
    table = _table(document, [L("item"), table_doc["denominator"], table_doc["numerator"], L("rate")], len(rows),
                   [8.5, 2.5, 2.5, 2.5])
    for r, row in enumerate(rows, start=1):
        bold = row["level"] in (0, -1)
        indent = "　" * max(row["level"], 0)
        cells = table.rows[r].cells
        _cell(cells[0], indent + row["label"], bold=bold)
        _cell(cells[1], row["denominator"] or "", bold=bold, align="right")
        _cell(cells[2], row["numerator"] or "", bold=bold, align="right")
        _cell(cells[3], row["rate"] or "-", bold=bold, align="right")


def _review_table(document, doc: dict[str, Any], lang: str) -> None:
    """复核意见: review.discrepancies as a table (only when there are any)."""
    from ..forms.review import REVIEW_HEADER, REVIEW_TITLE, review_rows

    rows = review_rows(doc, lang)
    if not rows:
        return
    key = "en" if lang == "en" else "zh"
    document.add_heading(REVIEW_TITLE[key], level=1)
    table = _table(document, REVIEW_HEADER[key], len(rows), [0.9, 1.3, 2.6, 1.6, 1.6, 2.4, 5.6])
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            _cell(table.rows[r].cells[c], v, size=8, align="right" if c in (0, 3, 4) else "left")


def render_docx(result, *, lang: str = "zh", doc: dict[str, Any] | None = None) -> bytes:
    import docx
    from docx.shared import Cm, Pt

    from .charts import chart_png

    find_cjk_font()  # the charts need it; fail before building anything
    doc = doc or build_document(result)
    L = lambda k: label(k, lang)
    zh = lang != "en"
    document = docx.Document()
    _set_fonts(document, lang)
    document.styles["Normal"].font.size = Pt(10.5)
    for section in document.sections:
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2.5)
    title = (doc["pack"].get("title_en") or doc["pack"]["title"]) if lang == "en" else doc["pack"]["title"]
    project = str(doc["project"].get("name") or title)
    props = document.core_properties
    props.title = project
    props.author = "jixiao"
    props.comments = L("generated_by")

    document.add_heading(f"{project} {L('report_title')}" if not zh else f"{project}{L('report_title')}", level=0)
    for key in ("department", "unit", "evaluator", "period", "report_date"):
        if doc["project"].get(key):
            _para(document, f"{L(key)}{'：' if zh else ': '}{doc['project'][key]}")
    _para(document, f"{L('pack')}{'：' if zh else ': '}{title}（{doc['pack']['name']}）" if zh
          else f"{L('pack')}: {title} ({doc['pack']['name']})")

    # 一、评价结论
    document.add_heading(("一、" if zh else "1. ") + L("summary"), level=1)
    document.add_heading(("1、" if zh else "1.1 ") + L("result"), level=2)
    if doc["total"] is not None:
        grade = doc["grade_en"] if lang == "en" and doc.get("grade_en") else doc["grade"]
        _para(document, L("conclusion").format(total=doc["total"], grade=grade))
    _para(document, f"{project} {L('indicator_table')}" if not zh else f"{project}评分结果", bold=True, align="center")
    tiers = doc["tiers"]
    table = _table(document, [L("tier_type"), L("standard_score"), L("score"), L("score_rate")], len(tiers) + 1,
                   [6.0, 3.0, 3.0, 3.0])
    for r, t in enumerate(tiers, start=1):
        cells = table.rows[r].cells
        _cell(cells[0], f"{t['code']} {_name(t, lang)}")
        _cell(cells[1], t["standard_score"] or "", align="right")
        _cell(cells[2], t["score"] or "", align="right")
        _cell(cells[3], t["score_rate"] or "", align="right")
    cells = table.rows[len(tiers) + 1].cells
    _cell(cells[0], L("total_points"), bold=True)
    _cell(cells[1], doc["total_standard"] or "", bold=True, align="right")
    _cell(cells[2], doc["total"] or "", bold=True, align="right")
    _cell(cells[3], doc["score_rate"] or "", bold=True, align="right")
    if doc["grade"] is not None:
        grade = doc["grade_en"] if lang == "en" and doc.get("grade_en") else doc["grade"]
        _para(document, f"{L('grade')}{'：' if zh else ': '}{grade}", bold=True)
    _picture(document, chart_png(doc, "tiers", lang))
    _picture(document, chart_png(doc, "groups", lang))

    # 二、绩效分析
    document.add_heading(("二、" if zh else "2. ") + L("analysis"), level=1)
    by_code = {i["code"]: i for i in doc["indicators"]}
    for n, tier in enumerate(tiers, start=1):
        document.add_heading(f"{n}、{_tier_heading(_name(tier, lang))}" if zh else f"2.{n} {_name(tier, lang)}", level=2)
        groups = sum(1 for c in tier["children"] if c["children"])
        name = _name(tier, lang)
        _para(document, L("tier_intro" if tier["children"] else "tier_intro_leaf").format(
            name=name[:-2] if zh and name.endswith("指标") else name, groups=groups, leaves=_count_leaves(tier),
            standard=fmt_number(Decimal(tier["standard_score"])) if tier["standard_score"] else "",
            score=tier["score"] or ""))
        _tier_table(document, doc, tier, lang)
        _para(document, L("analysis_intro"), bold=True)
        for ind in _tier_leaves(doc, tier):
            _leaf_paragraph(document, by_code[ind["code"]], lang)
            if by_code[ind["code"]].get("evidence"):
                _para(document, citation_text(by_code[ind["code"]]))
            if ind["code"] in doc["tables"]:
                _budget_table(document, ind["code"], doc["tables"][ind["code"]], lang)

    # 三、失分分析 and 四、存在的问题
    losses = doc.get("losses") or {}
    ranked = losses.get("ranked") or []
    document.add_heading(("三、" if zh else "3. ") + L("losses"), level=1)
    if ranked:
        table = _table(document, [L("no"), L("indicator"), L("standard_score"), L("score_short"),
                                  L("points_lost"), L("reason")], len(ranked) + 1,
                       [1.0, 4.5, 1.4, 1.4, 1.4, 6.3])
        for r, item in enumerate(ranked, start=1):
            cells = table.rows[r].cells
            _cell(cells[0], str(r), align="center")
            _cell(cells[1], f"{item['code']} {_name(item, lang)}")
            _cell(cells[2], item["standard_score"] or "", align="right")
            _cell(cells[3], item["score"] or "", align="right")
            _cell(cells[4], item["points_lost"], align="right")
            _cell(cells[5], item["reason_" + ("en" if lang == "en" else "zh")], size=8)
        cells = table.rows[len(ranked) + 1].cells
        cells[0].merge(cells[3])
        _cell(table.cell(len(ranked) + 1, 0), L("total"), bold=True, align="center")
        _cell(cells[4], losses["total_lost"], bold=True, align="right")
        _picture(document, chart_png(doc, "losses", lang))
    document.add_heading(("四、" if zh else "4. ") + L("problems"), level=1)
    for i, text in enumerate(losses.get("problems_" + ("en" if lang == "en" else "zh")) or [], start=1):
        _para(document, f"{i}. {text}")

    rows = appendix_rows(doc)
    if rows:  # 附件：证据清单
        document.add_heading("附件：证据清单", level=1)
        table = _table(document, ["编号", "名称", "类别", "位置", "sha256"], len(rows), [1.4, 5.5, 1.8, 4.0, 3.3])
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row):
                _cell(table.rows[r].cells[c], v, size=8)
    for i, f in enumerate((doc.get("review") or {}).get("findings") or [], start=1):
        if i == 1:
            document.add_heading("复核发现", level=1)
        _para(document, f"{i}. {f['message']}")
    _review_table(document, doc, lang)
    _page_numbers(document, lang)
    buf = io.BytesIO()
    document.save(buf)
    from . import reproducible_zip

    return reproducible_zip(buf.getvalue())


@hookimpl
def jixiao_renderers():
    return [Renderer(name="docx", title="Word 评价报告 (.docx)", suffixes=(".docx",), binary=True,
                     render=render_docx)]
