"""The PEFA summary report (``--format pefa``, Markdown): the pillar summary (how many A, B, C, D),
the indicator table (method, dimension scores, indicator score) and each dimension's evidence.

It reads the JSON document like every renderer, and recomputes nothing.
"""

from __future__ import annotations

from jixiao import Renderer, hookimpl
from jixiao.builtin.renderers import md_escape as e
from jixiao.document import build_document

METHOD = {"pefa_m1": "M1", "pefa_m2": "M2", "pefa_single": "—"}


def render_pefa(result, *, lang: str = "zh") -> bytes:
    doc = build_document(result)
    out = [f"# {e(str(doc['project'].get('name') or doc['pack']['title_en']))}", ""]
    out += ["## Pillar summary", "", "| Pillar | A | B | C | D | NA | NU |", "|---|---:|---:|---:|---:|---:|---:|"]
    for p in doc["tiers"]:
        c = p.get("counts", {})
        out.append(f"| {p['code']} {e(p['name_en'] or p['name'])} | "
                   + " | ".join(str(c.get(k, 0)) for k in ("A", "B", "C", "D", "NA", "NU")) + " |")
    out += ["", "## Indicator scores", "",
            "| Indicator | Method | 1 | 2 | 3 | 4 | Score |", "|---|---|---|---|---|---|---|"]
    for p in doc["tiers"]:
        for ind in p["children"]:
            dims = [d["score"] for d in ind["children"]] + [""] * (4 - len(ind["children"]))
            out.append(f"| {ind['code']} {e(ind['name_en'] or ind['name'])} | {METHOD.get(ind['aggregator'], ind['aggregator'])} | "
                       + " | ".join(e(str(d)) for d in dims) + f" | **{e(str(ind['score']))}** |")
    out += ["", "## Dimension scores and evidence", ""]
    for d in doc["indicators"]:
        out.append(f"- **{d['code']}** {e(str(d['score']))}: {e(d['note'])}")
    return ("\n".join(out) + "\n").encode("utf-8")


@hookimpl
def jixiao_renderers():
    import attrs

    from .aggregators import dimensions_example

    # A pillar over one M1 indicator: the report must render it and show each dimension's score (it
    # prints scores, not workings, so the example's node is dimension X2, whose working is its mark).
    example = attrs.evolve(dimensions_example("pefa_m1", ("B", "C", "A"), "C", pillar=True), code="X2")
    return [Renderer(name="pefa", title="PEFA summary of scores (Markdown)", render=render_pefa, examples=(example,))]
