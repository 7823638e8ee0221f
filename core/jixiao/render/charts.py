"""Charts for the reports (score rate by tier and by second-level group, points lost by indicator),
drawn with matplotlib from the JSON document's figures, as SVG (HTML) or PNG (Word).

Bar lengths are floats only for drawing; every number printed on a chart is the document's string.
Text is drawn with the CJK font :mod:`jixiao.render.fonts` finds (it fails loudly if there is none)
and, in SVG, turned into paths so the file needs no font on the reader's machine.
"""

from __future__ import annotations

import io
import re
from typing import Any

from ..labels import label
from .fonts import find_cjk_font

BLUE = "#2f5d8a"
RED = "#b0413e"


def _name(d: dict[str, Any], lang: str) -> str:
    return (d.get("name_en") or d["name"]) if lang == "en" else d["name"]


def _pct(text: str | None) -> float:
    return float(text.rstrip("%")) if text else 0.0


def series(doc: dict[str, Any], kind: str, lang: str = "zh") -> tuple[str, list[tuple[str, float, str]]]:
    """(title, [(label, bar length, printed figure)]) for one chart, read off the document."""
    if kind == "tiers":
        rows = [(f"{t['code']} {_name(t, lang)}", _pct(t["score_rate"]), t["score_rate"] or "")
                for t in doc["tiers"]]
        return label("chart_tiers", lang), rows
    if kind == "groups":
        rows = [(f"{g['code']} {_name(g, lang)}", _pct(g["score_rate"]), g["score_rate"] or "")
                for t in doc["tiers"] for g in t["children"] if g["children"]]
        return label("chart_groups", lang), rows
    if kind == "losses":
        rows = [(f"{i['code']} {_name(i, lang)}", float(i["points_lost"]), i["points_lost"])
                for i in doc.get("losses", {}).get("ranked", [])]
        return label("chart_losses", lang), rows
    raise ValueError(kind)


def _figure(doc: dict[str, Any], kind: str, lang: str):
    from matplotlib.figure import Figure

    title, rows = series(doc, kind, lang)
    n = max(len(rows), 1)
    fig = Figure(figsize=(7.5, 0.9 + 0.36 * n), dpi=100)
    ax = fig.add_subplot()
    labels = [r[0] for r in rows][::-1]
    values = [r[1] for r in rows][::-1]
    texts = [r[2] for r in rows][::-1]
    color = RED if kind == "losses" else BLUE
    bars = ax.barh(range(len(rows)), values, color=color, height=0.6)
    ax.set_yticks(range(len(rows)), labels)
    top = max(values, default=0) or 1.0
    ax.set_xlim(0, 100 if kind != "losses" else top * 1.18)
    if kind != "losses":
        ax.set_xlim(0, max(100.0, top) * 1.12)
        ax.xaxis.set_major_formatter(lambda x, _pos: f"{x:.0f}%")
    for bar, text in zip(bars, texts):
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {text}", va="center", fontsize=9)
    ax.set_title(title, fontsize=12)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(axis="y", labelsize=9)
    fig.tight_layout()
    return fig


def _draw(doc: dict[str, Any], kind: str, lang: str, fmt: str) -> bytes:
    import matplotlib

    font = find_cjk_font()  # already in matplotlib's font list (found there, or added from JIXIAO_FONT_DIRS)
    rc: dict[str, Any] = {
        "font.family": "sans-serif",
        "font.sans-serif": [font.family, "DejaVu Sans"],
        "axes.unicode_minus": False,
        "svg.fonttype": "path",
        # A salt per chart keeps clip-path ids unique when several SVGs share one HTML page,
        # and makes the output the same on every run.
        "svg.hashsalt": f"jixiao-{kind}",
    }
    with matplotlib.rc_context(rc):  # type: ignore[arg-type]  # keys are valid rcParams
        fig = _figure(doc, kind, lang)
        buf = io.BytesIO()
        # No date (same output every run) and no RDF block: the page should name no outside URL.
        meta = ({"Date": None, "Creator": None, "Format": None, "Type": None} if fmt == "svg"
                else {"Software": None})
        fig.savefig(buf, format=fmt, metadata=meta, dpi=150 if fmt == "png" else 100)
    return buf.getvalue()


def chart_svg(doc: dict[str, Any], kind: str, lang: str = "zh") -> str:
    """The chart as an ``<svg>`` element ready to put inline in HTML (no XML prolog or doctype)."""
    text = _draw(doc, kind, lang, "svg").decode("utf-8")
    start = text.index("<svg")
    svg = text[start:]
    # Width/height in pt would stop the chart shrinking on a narrow screen; the viewBox keeps its shape.
    svg = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 width="100%"', svg, count=1)
    return svg


def chart_png(doc: dict[str, Any], kind: str, lang: str = "zh") -> bytes:
    return _draw(doc, kind, lang, "png")
