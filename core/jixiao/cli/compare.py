"""``jixiao compare years|peers|recheck``: comparisons over the results archive (docs/compare.md)."""

from __future__ import annotations

import html
import io
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import click

from .archive import ARCHIVE_OPT, KIND_CHOICE

FORMATS = click.Choice(["table", "json", "xlsx", "html"])


def _out_options(f):
    f = click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file (whole or not at all).")(f)
    f = click.option("--format", "-f", "fmt", type=FORMATS,
                     help="table (terminal), json, xlsx or html. Default: from -o's suffix, else table.")(f)
    return ARCHIVE_OPT(f)


RULES_OPT = click.option("--results-use", "rules", type=click.Path(dir_okay=False),
                         help="A config or pack .toml whose [results_use] rule gives next year's budget.")


@click.group("compare")
def command() -> None:
    """Compare archived evaluations: a project over years, a portfolio against its peers, self-evaluation
    against re-check; with --results-use, next year's suggested budgets.

    \b
    jixiao compare years P-001 --archive sqlite:///jixiao.db
    jixiao compare peers --pack national-self-evaluation --year 2023 --kind self --by department -o peers.html
    jixiao compare recheck --pack national-self-evaluation --year 2023 --threshold 5 -o recheck.xlsx
    """


@command.command("years")
@click.argument("project_id")
@click.option("--pack", help="The pack (when the project is archived under several).")
@click.option("--kind", type=KIND_CHOICE, help="Which kind of evaluation (when a year has several).")
@_out_options
def years(project_id, pack, kind, url, fmt, output) -> None:
    """One project over its archived years: totals, indicator scores and deltas, points lost and recovered."""
    from ..compare import over_years

    _emit(lambda a: over_years(a, project_id, pack=pack, kind=kind), url, fmt, output)


@command.command("peers")
@click.option("--pack", required=True)
@click.option("--year", type=int, required=True)
@click.option("--kind", type=KIND_CHOICE, required=True)
@click.option("--by", type=click.Choice(["department", "region", "unit"]), default="department", show_default=True,
              help="Group means and grade counts by this.")
@click.option("--department", multiple=True, help="Only these departments (repeatable).")
@click.option("--region", multiple=True, help="Only these regions (repeatable).")
@click.option("--ranking", "ranking", type=click.IntRange(min=1), default=None, metavar="N",
              help="List only the first N projects of the ranking (default: every project).")
@RULES_OPT
@_out_options
def peers_(pack, year, kind, by, department, region, ranking, rules, url, fmt, output) -> None:
    """A portfolio against its peers: ranks, distribution, grade counts and means by group, indicators losing most."""
    from ..compare import load_results_use, peers

    rule = load_results_use(rules) if rules else None
    _emit(lambda a: peers(a, pack=pack, year=year, kind=kind, by=by, department=department, region=region,
                          results_use=rule, ranking=ranking), url, fmt, output)


@command.command("recheck")
@click.option("--pack", required=True)
@click.option("--year", type=int, required=True)
@click.option("--threshold", required=True, help="Points of total difference beyond which a form counts as deviating.")
@click.option("--against", type=click.Choice(["recheck", "third-party"]), default="recheck", show_default=True)
@RULES_OPT
@_out_options
def recheck(pack, year, threshold, against, rules, url, fmt, output) -> None:
    """Self-evaluation against re-check: per-indicator deviation, 偏差率, units that over-score most."""
    from ..compare import load_results_use, self_vs_recheck
    from ..errors import ConfigError

    try:
        th = Decimal(threshold)
    except InvalidOperation:
        raise ConfigError(f"expected a number of points such as 5, got {threshold!r}", path="--threshold") from None
    if not th.is_finite() or th < 0:
        raise ConfigError(f"expected a non-negative number of points, got {threshold!r}", path="--threshold")
    rule = load_results_use(rules) if rules else None
    _emit(lambda a: self_vs_recheck(a, pack=pack, year=year, threshold=th, against=against, results_use=rule),
          url, fmt, output)


def _emit(build, url, fmt, output) -> None:
    from ..archive import Archive
    from ..errors import ConfigError
    from ..io import write_atomic

    if fmt is None:
        fmt = {".json": "json", ".xlsx": "xlsx", ".html": "html", ".htm": "html"}.get(
            Path(output).suffix.lower()) if output else "table"
        if fmt is None:
            raise ConfigError(f"cannot tell the format from {output!r}; use --format json|xlsx|html", path="-o")
    if fmt == "xlsx" and not output:
        raise ConfigError("xlsx is binary; give a file with -o", path="--format")
    archive = Archive(url, create=False)
    try:
        report = build(archive)
    finally:
        archive.close()
    data = RENDER[fmt](report)
    if output:
        write_atomic(output, data)
        click.echo(f"wrote {output} ({fmt})", err=True)
    else:
        click.echo(data.decode("utf-8"), nl=False)


# -- sections: the same tables for every output ---------------------------------------------------
def sections(r: dict[str, Any]) -> tuple[str, list[tuple[str, str]], list[tuple[str, list[str], list[list[Any]]]]]:
    """(title, summary pairs, [(section title, columns, rows)]) of a report."""
    kind = r["comparison"]
    secs: list[tuple[str, list[str], list[list[Any]]]] = []
    if kind == "years":
        title = f"{r['project_id']} {r.get('project_name') or ''} — 历年比较 over years ({r['pack']})".replace("  ", " ")
        summary = [("years", ", ".join(str(t["year"]) for t in r["totals"]))]
        secs.append(("总分 Totals", ["year", "kind", "total", "grade"],
                     [[t["year"], t["kind"], t["total"], t["grade"]] for t in r["totals"]]))
        yrs = [t["year"] for t in r["totals"]]
        cols = ["code", "name"] + [f"{y}" for y in yrs] + [f"Δ{y}" for y in yrs[1:]]
        rows = []
        for ind in r["indicators"]:
            rows.append([ind["code"], ind["name"], *[c["score"] for c in ind["years"]],
                         *[c["delta"] for c in ind["years"][1:]]])
        secs.append(("指标得分 Indicator scores and deltas", cols, rows))
        for st in r["steps"]:
            rows = ([["lost anew", x["code"], x["name"], x["points"]] for x in st["points_lost_anew"]]
                    + [["recovered", x["code"], x["name"], x["points"]] for x in st["points_recovered"]])
            secs.append(((f"{st['from']}→{st['to']}: total {st['working']}; lost anew {st['lost_anew_total']}, "
                         f"recovered {st['recovered_total']}"), ["change", "code", "name", "points"], rows))
    elif kind == "peers":
        by = r["by"]
        title = f"{r['pack']} {r['year']} {r['kind']} — 同类比较 against peers"
        summary = [("projects", str(r["projects"])), ("mean total", r["mean_total"]), ("median", r["median_total"]),
                   ("highest", r["highest"]), ("lowest", r["lowest"]),
                   ("grades", ", ".join(f"{g} {n}" for g, n in r["grades"].items()))]
        secs.append(("分布 Distribution of totals", ["band", "count", "share"],
                     [[d["band"], d["count"], d["share"]] for d in r["distribution"]]))
        grades = list(r["grades"])
        secs.append((f"按{by} By {by}", [by, "projects", "mean_total", "working", *grades],
                     [[g[by], g["projects"], g["mean_total"], g["working"], *(g["grades"][x] for x in grades)]
                      for g in r["groups"]]))
        secs.append(("失分最多的指标 Indicators losing most points",
                     ["code", "name", "points_lost", "mean_per_project", "projects_losing", "share_of_all_lost"],
                     [[x["code"], x["name"], x["points_lost"], x["mean_per_project"], x["projects_losing"],
                       x["share_of_all_lost"]] for x in r["indicators_losing_most"]]))
        secs.append(("排名 Ranking", ["rank", "project_id", "project_name", by, "total", "grade", "percentile"],
                     [[x["rank"], x["project_id"], x["project_name"], x[by], x["total"], x["grade"], x["percentile"]]
                      for x in r["ranking"]]))
    else:
        title = f"{r['pack']} {r['year']} — 自评与{r['against']} self vs {r['against']}"
        summary = [("forms", str(r["forms"])), ("threshold (points)", r["threshold"]),
                   ("beyond threshold", f"{r['beyond_threshold']} ({r['beyond_threshold_rate']})"),
                   ("grade differs", f"{r['grade_differs']} ({r['grade_differs_rate']})"),
                   ("偏差率 deviation rate", r["deviation_rate_working"]),
                   ("self only / recheck only", f"{r['self_only']} / {r['recheck_only']}")]
        secs.append(("指标偏差 Per-indicator deviation (self − recheck)",
                     ["code", "name", "forms", "mean_deviation", "mean_absolute_deviation", "largest_deviation",
                      "forms_over_scored"],
                     [[x["code"], x["name"], x["forms"], x["mean_deviation"], x["mean_absolute_deviation"],
                       x["largest_deviation"], x["forms_over_scored"]] for x in r["indicators"]]))
        secs.append(("自评偏高的单位 Units over-scoring most", ["unit", "forms", "mean_over_score"],
                     [[u["unit"], u["forms"], u["mean_over_score"]] for u in r["units_over_scoring_most"]]))
        secs.append(("逐表 Forms", ["project_id", "unit", "self_total", "recheck_total", "deviation", "working",
                                   "self_grade", "recheck_grade", "beyond_threshold", "grade_differs"],
                     [[f["project_id"], f["unit"], f["self_total"], f["recheck_total"], f["deviation"], f["working"],
                       f["self_grade"], f["recheck_grade"], "yes" if f["beyond_threshold"] else "",
                       "yes" if f["grade_differs"] else ""] for f in r["form_list"]]))
    ru = r.get("results_use")
    if ru:
        by = next((k for k in ("department", "region", "unit") if ru["projects"] and k in ru["projects"][0]), "unit")
        secs.append((f"结果应用 Results use — suggested next-year amounts ({ru['rule']['file']}: "
                     + "; ".join(ru["rule"]["bands"]) + ")",
                     ["project_id", "project_name", by, "grade", "total", "budget", "suggested", "working", "rule"],
                     [[p["project_id"], p["project_name"], p[by], p["grade"], p["total"], p["budget"], p["suggested"],
                       p["working"], p["rule"]] for p in ru["projects"]]))
        secs.append((f"结果应用 by {by}", [by, "projects", "budget", "suggested", "change", "working"],
                     [[g[by], g["projects"], g["budget"], g["suggested"], g["change"], g["working"]]
                      for g in ru["groups"]]))
    return title, summary, secs


def render_json(r: dict[str, Any]) -> bytes:
    return (json.dumps(r, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def render_table(r: dict[str, Any]) -> bytes:
    from rich.console import Console
    from rich.table import Table

    title, summary, secs = sections(r)
    buf = io.StringIO()
    con = Console(file=buf, width=160, markup=False, highlight=False, color_system=None)
    con.print(title)
    for k, v in summary:
        con.print(f"  {k}: {v}")
    for name, cols, rows in secs:
        con.print("")
        con.print(name)
        t = Table()
        for c in cols:
            t.add_column(str(c))
        for row in rows[:50]:
            t.add_row(*("" if v is None else str(v) for v in row))
        con.print(t)
        if len(rows) > 50:
            con.print(f"  … {len(rows) - 50} more rows (use --format json, xlsx or html for all)")
    return buf.getvalue().encode("utf-8")


def _is_figure(v: Any) -> bool:
    if not isinstance(v, str) or not v or v[-1] == "%":
        return False
    try:
        Decimal(v)
        return True
    except InvalidOperation:
        return False


def render_xlsx(r: dict[str, Any]) -> bytes:
    from openpyxl import Workbook

    from ..render import reproducible_zip
    from ..render.xlsx import Sheet

    title, summary, secs = sections(r)
    wb = Workbook()
    wb.properties.creator = "jixiao"
    ws = wb.active
    ws.title = "summary"
    s = Sheet(ws)
    s.text(1, 1, title, bold=True)
    for i, (k, v) in enumerate(summary, start=2):
        s.text(i, 1, k)
        s.text(i, 2, v)
    s.widths([28, 60])
    for n, (name, cols, rows) in enumerate(secs, start=1):
        ws2 = wb.create_sheet(f"{n} {name.split(' ')[0]}"[:31].translate({ord(c): "_" for c in "[]:*?/\\'"}))
        sh = Sheet(ws2)
        sh.text(1, 1, name, bold=True)
        sh.header(2, [str(c) for c in cols])
        for i, row in enumerate(rows, start=3):
            for j, v in enumerate(row, start=1):
                if isinstance(v, int) and not isinstance(v, bool):
                    ws2.cell(row=i, column=j, value=v)
                elif _is_figure(v):
                    sh.number(i, j, v, "0.00")
                else:
                    sh.text(i, j, None if v is None else str(v))
        sh.widths([max(10, min(40, 2 + max((len(str(x)) for x in [c, *(row[k] for row in rows[:200])]
                                               if x is not None), default=8))) for k, c in enumerate(cols)])
        ws2.freeze_panes = "A3"
        if rows:
            from openpyxl.utils import get_column_letter

            ws2.auto_filter.ref = f"A2:{get_column_letter(len(cols))}{len(rows) + 2}"
    buf = io.BytesIO()
    wb.save(buf)
    return reproducible_zip(buf.getvalue())


def _svg_bars(labels: list[str], values: list[Decimal], title: str) -> str:
    """A horizontal bar chart as inline SVG (labels escaped); negative values draw left of the axis."""
    if not values:
        return ""
    e = html.escape
    width, left, bar, gap = 640, 180, 18, 6
    top = max([abs(v) for v in values] + [Decimal(1)])
    neg = any(v < 0 for v in values)
    axis = left + (width - left) // 2 if neg else left
    span = (width - left) // 2 if neg else width - left - 60
    h = 30 + len(values) * (bar + gap)
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" role="img" '
             f'aria-label="{e(title)}"><title>{e(title)}</title>')]
    for i, (lab, v) in enumerate(zip(labels, values, strict=True)):
        y = 20 + i * (bar + gap)
        w = int(abs(v) / top * span)
        x = axis - w if v < 0 else axis
        parts.append(f'<text x="{left - 6}" y="{y + 13}" text-anchor="end" font-size="12">{e(lab)}</text>'
                     f'<rect x="{x}" y="{y}" width="{w}" height="{bar}" fill="{"#c0504d" if v < 0 else "#4f81bd"}"/>'
                     f'<text x="{max(x + w, axis) + 4}" y="{y + 13}" font-size="12">{e(str(v))}</text>')
    parts.append(f'<line x1="{axis}" y1="14" x2="{axis}" y2="{h}" stroke="#333"/></svg>')
    return "".join(parts)


def _svg_line(labels: list[str], values: list[Decimal], title: str) -> str:
    """A trend line (totals over years) as inline SVG."""
    if not values:
        return ""
    e = html.escape
    width, height, pad = 640, 240, 40
    lo, hi = min(values), max(values)
    rng = (hi - lo) or Decimal(1)
    n = len(values)
    pts = []
    for i, v in enumerate(values):
        x = pad + (i * (width - 2 * pad) // max(1, n - 1))
        y = height - pad - int((v - lo) / rng * (height - 2 * pad))
        pts.append((x, y, labels[i], v))
    poly = " ".join(f"{x},{y}" for x, y, _, _ in pts)
    out = [(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
           f'aria-label="{e(title)}"><title>{e(title)}</title>'),
           f'<polyline points="{poly}" fill="none" stroke="#4f81bd" stroke-width="2"/>']
    for x, y, lab, v in pts:
        out.append(f'<circle cx="{x}" cy="{y}" r="4" fill="#4f81bd"/>'
                   f'<text x="{x}" y="{y - 8}" text-anchor="middle" font-size="12">{e(str(v))}</text>'
                   f'<text x="{x}" y="{height - 12}" text-anchor="middle" font-size="12">{e(lab)}</text>')
    out.append("</svg>")
    return "".join(out)


def chart(r: dict[str, Any]) -> str:
    if r["comparison"] == "years":
        return _svg_line([str(t["year"]) for t in r["totals"]], [Decimal(t["total"]) for t in r["totals"]],
                         "总分趋势 Trend of totals")
    if r["comparison"] == "peers":
        return (_svg_bars([d["band"] for d in r["distribution"]], [Decimal(d["count"]) for d in r["distribution"]],
                          "总分分布 Distribution of totals")
                + _svg_bars([str(g[r["by"]]) for g in r["groups"]], [Decimal(g["mean_total"]) for g in r["groups"]],
                            f"平均分 Mean total by {r['by']}"))
    return _svg_bars([f"{x['code']} {x['name'] or ''}" for x in r["indicators"]],
                     [Decimal(x["mean_deviation"]) for x in r["indicators"]], "指标平均偏差 Mean deviation by indicator")


def render_html(r: dict[str, Any]) -> bytes:
    e = html.escape
    title, summary, secs = sections(r)
    out = ['<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8">',
           (f"<title>{e(title)}</title><style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;"
           "margin:1em 0}td,th{border:1px solid #bbb;padding:2px 8px}td.n{text-align:right}</style></head><body>"),
           f"<h1>{e(title)}</h1><dl>"]
    out += [f"<dt>{e(k)}</dt><dd>{e(str(v))}</dd>" for k, v in summary]
    out.append(f"</dl><figure>{chart(r)}</figure>")
    for name, cols, rows in secs:
        out.append(f"<h2>{e(name)}</h2><table><thead><tr>" + "".join(f"<th>{e(str(c))}</th>" for c in cols)
                   + "</tr></thead><tbody>")
        for row in rows:
            out.append("<tr>" + "".join(
                f'<td class="n">{e(str(v))}</td>' if isinstance(v, int) or _is_figure(v) else
                f"<td>{'' if v is None else e(str(v))}</td>" for v in row) + "</tr>")
        out.append("</tbody></table>")
    out.append("</body></html>\n")
    return "".join(out).encode("utf-8")


RENDER = {"json": render_json, "table": render_table, "xlsx": render_xlsx, "html": render_html}
