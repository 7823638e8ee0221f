"""Built-in text renderers: the terminal summary, the JSON document and the Markdown report.

They read the JSON document built once from the result (:func:`jixiao.document.build_document`),
so every format prints the same figures.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from ..document import build_document, dumps
from ..evidence import citation_text
from ..evidence import markdown_lines as evidence_markdown_lines
from ..evidence import text_lines as evidence_text_lines
from ..hookspecs import hookimpl
from ..labels import label
from ..types import RENDER_EXAMPLE, Renderer

CONTROL_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, n: int, right: bool = False) -> str:
    gap = max(n - width(text), 0)
    return (" " * gap + text) if right else (text + " " * gap)


def text_table(header: list[str], rows: list[list[str]], right: frozenset[int] | set[int] = frozenset()) -> list[str]:
    cols = len(header)
    widths = [max(width(r[i]) for r in [header, *rows]) for i in range(cols)]
    line = lambda r: "  ".join(pad(r[i], widths[i], i in right) for i in range(cols)).rstrip()
    sep = "  ".join("-" * w for w in widths)
    return [line(header), sep, *[line(r) for r in rows]]


def _name(d: dict[str, Any], lang: str) -> str:
    return (d.get("name_en") or d["name"]) if lang == "en" else d["name"]


def render_table(result, *, lang: str = "zh", doc: dict[str, Any] | None = None) -> bytes:
    doc = doc or build_document(result)
    L = lambda k: label(k, lang)
    out = []
    title = (doc["pack"].get("title_en") or doc["pack"]["title"]) if lang == "en" else doc["pack"]["title"]
    project = doc["project"].get("name")
    out.append(f"{project}" if project else title)
    if project:
        out.append(f"{L('pack')}: {title} ({doc['pack']['name']})")
    out.append("")
    rows = [[f"{t['code']} {_name(t, lang)}", t["standard_score"] or "", t["score"] or "", t["score_rate"] or ""]
            for t in doc["tiers"]]
    if doc["total"] is not None:
        rows.append([L("total"), doc["total_standard"] or "", doc["total"], doc["score_rate"] or ""])
    out += text_table([L("tier"), L("standard_score"), L("score"), L("score_rate")], rows, right={1, 2, 3})
    if doc["grade"] is not None:
        grade = doc["grade_en"] if lang == "en" and doc.get("grade_en") else doc["grade"]
        out.append("")
        out.append(f"{L('total')}: {doc['total']}    {L('grade')}: {grade}")
    # The same sections as the Markdown report, sized for a terminal.
    out.append("")
    out.append(L("indicator_table") + ":")
    rows = [[ind["code"], _name(ind, lang), ind["standard_score"] or "", ind["score"] or "",
             " ".join(x for x in (ind["trace"] or "", citation_text(ind)) if x)] for ind in doc["indicators"]]
    out += ["  " + line for line in text_table(
        [L("code"), L("indicator"), L("standard_score"), L("score_short"), L("working")], rows, right={2, 3})]
    for code, table in doc["tables"].items():
        out.append("")
        out.append(f"{table['title'] or code} ({code}):")
        trows = [[("  " * max(r["level"], 0)) + r["label"], r["denominator"] or "", r["numerator"] or "",
                  r["rate"] or "-"] for r in table["rows"]]
        out += ["  " + line for line in text_table(
            [L("item"), table["denominator"], table["numerator"], L("rate")], trows, right={1, 2, 3})]
    losses_doc = doc.get("losses") or {}
    losses = losses_doc.get("ranked", [])
    if losses:
        out.append("")
        out.append(L("losses") + ":")
        lrows = [[str(i), f"{item['code']} {_name(item, lang)}", item["points_lost"], item["reason_" + lang]]
                 for i, item in enumerate(losses, 1)]
        lrows.append(["", L("total"), losses_doc["total_lost"], ""])
        out += ["  " + line for line in text_table(
            ["#", L("indicator"), L("points_lost"), L("reason")], lrows, right={0, 2})]
        out.append("")
        out.append(L("problems") + ":")
        for i, p in enumerate(losses_doc.get("problems_" + lang) or [], 1):
            out.append(f"  {i}. {p}")
    out += evidence_text_lines(doc)
    out += review_text_lines(doc, lang)
    # User text must not drive the terminal (escape sequences could rewrite what was printed).
    text = CONTROL_CHARS.sub("", "\n".join(out))
    return (text + "\n").encode("utf-8")


def render_json(result, *, lang: str = "zh", doc: dict[str, Any] | None = None) -> bytes:
    return dumps(doc or build_document(result)).encode("utf-8")


def md_escape(text: str) -> str:
    """Escape text for a Markdown table cell or paragraph (no HTML, no table breaks)."""
    return (text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\n", " ").replace("*", "\\*").replace("_", "\\_").replace("`", "\\`"))


def render_markdown(result, *, lang: str = "zh", doc: dict[str, Any] | None = None) -> bytes:
    doc = doc or build_document(result)
    L = lambda k: label(k, lang)
    e = md_escape
    out: list[str] = []
    title = (doc["pack"].get("title_en") or doc["pack"]["title"]) if lang == "en" else doc["pack"]["title"]
    out.append(f"# {e(str(doc['project'].get('name') or title))}")
    out.append("")
    for key in ("unit", "evaluator", "period"):
        if doc["project"].get(key):
            out.append(f"- {L(key)}: {e(str(doc['project'][key]))}")
    out.append(f"- {L('pack')}: {e(title)} (`{doc['pack']['name']}`)")
    out.append("")
    out.append(f"## {L('summary')}")
    out.append("")
    out.append(f"| {L('tier')} | {L('standard_score')} | {L('score')} | {L('score_rate')} |")
    out.append("|---|---:|---:|---:|")
    for t in doc["tiers"]:
        out.append(f"| {t['code']} {e(_name(t, lang))} | {t['standard_score'] or ''} | {t['score'] or ''} | "
                   f"{t['score_rate'] or ''} |")
    if doc["total"] is not None:
        out.append(f"| {L('total')} | {doc['total_standard'] or ''} | **{doc['total']}** | {doc['score_rate'] or ''} |")
    if doc["grade"] is not None:
        grade = doc["grade_en"] if lang == "en" and doc.get("grade_en") else doc["grade"]
        out.append("")
        out.append(f"{L('total')}: **{doc['total']}**, {L('grade')}: **{e(grade)}**")
    out.append("")
    out.append(f"## {L('indicator_table')}")
    out.append("")
    depth = max((len(i["path"]) for i in doc["indicators"]), default=0)
    levels = [L(f"level{n}") for n in range(1, depth + 2)]
    out.append("| " + " | ".join(levels) + f" | {L('standard_score')} | {L('score')} |")
    out.append("|" + "---|" * len(levels) + "---:|---:|")
    names = {}

    def collect(nodes):
        for n in nodes:
            names[n["code"]] = n
            collect(n["children"])

    collect(doc["tiers"])
    last: list[str] = []
    for ind in doc["indicators"]:
        cells = []
        for i, code in enumerate(ind["path"]):
            cells.append("" if i < len(last) and last[i] == code else f"{code} {e(_name(names[code], lang))}")
        last = ind["path"]
        cells += [""] * (len(levels) - 1 - len(ind["path"]))
        cells.append(f"{ind['code']} {e(_name(ind, lang))}")
        out.append("| " + " | ".join(cells) + f" | {ind['standard_score'] or ''} | {ind['score'] or ''} |")
    for code, table in doc["tables"].items():
        out.append("")
        out.append(f"### {e(table['title'] or code)} ({code})")
        out.append("")
        out.append(f"| {L('item')} | {e(table['denominator'])} | {e(table['numerator'])} | {L('rate')} |")
        out.append("|---|---:|---:|---:|")
        for r in table["rows"]:
            indent = "　" if r["level"] == 1 else ""
            lab = f"**{e(r['label'])}**" if r["level"] == -1 else indent + e(r["label"])
            out.append(f"| {lab} | {r['denominator'] or ''} | {r['numerator'] or ''} | {r['rate'] or '-'} |")
    out.append("")
    out.append(f"## {L('analysis')}")
    out.append("")
    for ind in doc["indicators"]:
        out.append(f"### {ind['code']} {e(_name(ind, lang))}")
        out.append("")
        facts = [f"{L('standard_score')} {ind['standard_score']}"]
        if ind["target"]:
            facts.append(f"{L('target')} {e(ind['target']['display'])}")
        facts.append(f"{L('value')} {e(ind['value_display'])}")
        if ind["value_expression"] and ind["value_kind"] not in ("rating",):
            facts[-1] += f" (={e(ind['value_expression'])})"
        facts.append(f"{L('score')} {ind['score']}")
        out.append("；".join(facts) if lang == "zh" else "; ".join(facts))
        out.append("")
        out.append(f"【{e(ind['trace'])}】")
        if ind.get("evidence"):
            out.append("")
            out.append(e(citation_text(ind)))
        if ind["override"]:
            ov = ind["override"]
            out.append("")
            by = "_panel" if ind.get("panel") else ""  # over an expert panel: the evaluation team's adjustment
            out.append(f"{L('override' + by)}: {ov['score']} ({L('computed' + by)} {ov['computed_score']}) — "
                       f"{e(ov['reason'])}")
        if ind["note"]:
            out.append("")
            out.append(e(ind["note"]))
        out.append("")
    losses = doc.get("losses")
    if losses and losses.get("ranked"):
        out.append(f"## {L('losses')}")
        out.append("")
        out.append(f"| # | {L('indicator')} | {L('points_lost')} | {L('reason')} |")
        out.append("|---:|---|---:|---|")
        for i, item in enumerate(losses["ranked"], 1):
            out.append(f"| {i} | {item['code']} {e(_name(item, lang))} | {item['points_lost']} | "
                       f"{e(item['reason_' + lang])} |")
        out.append(f"| | {L('total')} | {losses['total_lost']} | |")
        out.append("")
        out.append(f"## {L('problems')}")
        out.append("")
        for i, p in enumerate(losses["problems_" + lang], 1):
            out.append(f"{i}. {e(p)}")
        out.append("")
    out += evidence_markdown_lines(doc, e)
    out += review_markdown_lines(doc, lang)
    return ("\n".join(out).rstrip() + "\n").encode("utf-8")


def review_text_lines(doc: dict[str, Any], lang: str) -> list[str]:
    """The 复核意见 section (review.discrepancies) for the terminal; nothing when there are none."""
    from ..forms.review import REVIEW_HEADER, REVIEW_TITLE, review_rows

    rows = review_rows(doc, lang)
    if not rows:
        return []
    key = "en" if lang == "en" else "zh"
    return ["", REVIEW_TITLE[key] + ":"] + ["  " + line for line in text_table(REVIEW_HEADER[key], rows, right={0})]


def review_markdown_lines(doc: dict[str, Any], lang: str) -> list[str]:
    """The 复核意见 section as a Markdown table; nothing when there are none."""
    from ..forms.review import REVIEW_HEADER, REVIEW_TITLE, review_rows

    rows = review_rows(doc, lang)
    if not rows:
        return []
    key = "en" if lang == "en" else "zh"
    out = [f"## {REVIEW_TITLE[key]}", "", "| " + " | ".join(REVIEW_HEADER[key]) + " |",
           "|---:|" + "---|" * (len(REVIEW_HEADER[key]) - 1)]
    out += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in rows]
    return out + [""]


@hookimpl
def jixiao_renderers():
    return [
        Renderer(name="table", title="终端摘要 terminal summary", suffixes=(".txt",), render=render_table,
                 examples=(RENDER_EXAMPLE,)),
        Renderer(name="json", title="JSON document", suffixes=(".json",), render=render_json,
                 examples=(RENDER_EXAMPLE,)),
        Renderer(name="markdown", title="Markdown report", suffixes=(".md", ".markdown"), render=render_markdown,
                 examples=(RENDER_EXAMPLE,)),
    ]
