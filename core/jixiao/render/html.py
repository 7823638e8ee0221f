"""The HTML report: one self-contained file (inline CSS, inline SVG charts, nothing fetched from a
network) with the summary, charts, the full indicator table, the working and the lost-points analysis.

The template is rendered with autoescaping on, so every piece of user text (project name, notes,
reasons) reaches the page as text; only the SVG charts matplotlib drew here are marked safe.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..document import build_document
from ..hookspecs import hookimpl
from ..labels import LABELS, label
from ..numbers import fmt_number
from ..types import Renderer
from .fonts import find_cjk_font

TEMPLATE = "report.html.j2"


def _name(d: dict[str, Any], lang: str) -> str:
    return (d.get("name_en") or d["name"]) if lang == "en" else d["name"]


def indicator_rows(doc: dict[str, Any], lang: str) -> tuple[int, list[dict[str, Any]]]:
    """The full table's rows, with rowspans so each group's cell spans its indicators (as in the report)."""
    nodes: dict[str, dict[str, Any]] = {}

    def walk(ns):
        for n in ns:
            nodes[n["code"]] = n
            walk(n["children"])

    walk(doc["tiers"])
    leaves = doc["indicators"]
    levels = max((len(i["path"]) for i in leaves), default=0) + 1
    rows = []
    for idx, ind in enumerate(leaves):
        cells = []
        for c, code in enumerate(ind["path"]):
            if idx > 0 and len(leaves[idx - 1]["path"]) > c and leaves[idx - 1]["path"][: c + 1] == ind["path"][: c + 1]:
                continue  # covered by the rowspan above
            span = 1
            while (idx + span < len(leaves) and len(leaves[idx + span]["path"]) > c
                   and leaves[idx + span]["path"][: c + 1] == ind["path"][: c + 1]):
                span += 1
            node = nodes[code]
            text = f"{code} {_name(node, lang)}"
            if c == 0 and node.get("standard_score"):
                text += f" ({fmt_number(Decimal(node['standard_score']))})"
            cells.append({"text": text, "rowspan": span, "colspan": 1})
        cells.append({"text": f"{ind['code']} {_name(ind, lang)}", "rowspan": 1,
                      "colspan": levels - len(ind["path"])})
        rows.append({"cells": cells, "ind": ind})
    return levels, rows


def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("jixiao.render", "templates"),
        autoescape=True,  # explicit: select_autoescape() would not cover a .j2 suffix
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_html(result, *, lang: str = "zh", doc: dict[str, Any] | None = None) -> bytes:
    from markupsafe import Markup

    from ..forms.review import REVIEW_HEADER, REVIEW_TITLE, review_rows
    from .charts import chart_svg

    font = find_cjk_font()
    doc = doc or build_document(result)
    charts = [{"kind": kind, "svg": Markup(chart_svg(doc, kind, lang))}  # drawn here, text as paths
              for kind in ("tiers", "groups", "losses")
              if kind != "losses" or (doc.get("losses") or {}).get("ranked")]
    levels, rows = indicator_rows(doc, lang)
    title = (doc["pack"].get("title_en") or doc["pack"]["title"]) if lang == "en" else doc["pack"]["title"]
    losses = doc.get("losses") or {}
    grade = doc["grade_en"] if lang == "en" and doc.get("grade_en") else doc["grade"]
    template = _environment().get_template(TEMPLATE)
    text = template.render(
        doc=doc,
        lang=lang,
        html_lang="en" if lang == "en" else "zh-CN",
        L={k: label(k, lang) for k in LABELS},
        name=lambda d: _name(d, lang),
        project=str(doc["project"].get("name") or title),
        pack_title=title,
        grade=grade,
        charts=charts,
        levels=levels,
        rows=rows,
        losses=losses,
        ranked=losses.get("ranked") or [],
        problems=losses.get("problems_en" if lang == "en" else "problems_zh") or [],
        reason_key="reason_en" if lang == "en" else "reason_zh",
        font_family=font.family,
        review_title=REVIEW_TITLE["en" if lang == "en" else "zh"],
        review_header=REVIEW_HEADER["en" if lang == "en" else "zh"],
        review_rows=review_rows(doc, lang),
    )
    return text.encode("utf-8")


@hookimpl
def jixiao_renderers():
    return [Renderer(name="html", title="HTML report with charts", suffixes=(".html", ".htm"), render=render_html)]
