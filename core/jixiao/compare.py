"""Comparisons over the results archive (比较法) and results use (评价结果应用).

Three comparisons, each returning one plain, JSON-ready report (figures as exact decimal text):

- :func:`over_years` — one project across its years: totals, per-indicator scores and deltas, the
  points lost anew and recovered from one year to the next;
- :func:`peers` — a portfolio (pack, year, kind): rank and percentile of each project, the
  distribution of totals, grade counts and means by department or region, the indicators losing
  most points;
- :func:`self_vs_recheck` — self-evaluations against the re-check of the same projects:
  per-indicator deviation, the share of forms whose total differs beyond a threshold or whose grade
  differs (偏差率), the units that over-score most.

:func:`apply_results_use` maps grades (or total bands) to next year's budget adjustment.

Rounding points (half-up, 四舍五入): means, deltas and amounts to 2 decimals; percentages
(percentile, shares) to 2 decimals of a percent. Sums are exact (integers of ten-thousandths).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from .archive.schema import SCALE, evaluation, leaf_score, leaf_total
from .archive.schema import leaf as leaf_table
from .errors import ConfigError, DataError
from .numbers import CONTEXT, ZERO, fmt_percent, quantize, to_decimal

BINS = [(Decimal(0), Decimal(60)), (Decimal(60), Decimal(70)), (Decimal(70), Decimal(80)),
        (Decimal(80), Decimal(90)), (Decimal(90), None)]
"""Distribution of totals: [0, 60), [60, 70), [70, 80), [80, 90), 90 and above."""


def dec(e4: int | None) -> Decimal | None:
    return None if e4 is None else Decimal(e4).scaleb(-SCALE)


def f2(value: Decimal | None) -> str | None:
    return None if value is None else f"{quantize(value, 2):f}"


def mean2(total_e4: int, n: int) -> str | None:
    return None if n == 0 else f2(CONTEXT.divide(Decimal(total_e4), Decimal(n)).scaleb(-SCALE))


def share(k: int, n: int) -> str | None:
    return None if n == 0 else fmt_percent(CONTEXT.divide(Decimal(k), Decimal(n)))


def _filters(q, **filters):
    e = evaluation.c
    for name, value in filters.items():
        if value is None or value == () or value == []:
            continue
        col = getattr(e, name)
        q = q.where(col.in_(list(value)) if isinstance(value, list | tuple | set) else col == value)
    return q


# -- a project over years -------------------------------------------------------------------------
def over_years(archive, project_id: str, *, pack: str | None = None, kind: str | None = None) -> dict[str, Any]:
    rows = archive.query(project_id=project_id, pack=pack, kind=kind)
    if not rows:
        raise DataError(f"the archive holds no evaluation of project {project_id!r}"
                        + (f" ({pack}, {kind})" if pack or kind else ""), file=archive.where, path="PROJECT_ID")
    packs = sorted({r["pack"] for r in rows})
    if len(packs) > 1:
        raise ConfigError(f"project {project_id!r} is archived under several packs ({', '.join(packs)})",
                          path="--pack", hint="give --pack NAME")
    per_year: dict[int, list] = defaultdict(list)
    for r in rows:
        per_year[r["year"]].append(r)
    for y, rs in per_year.items():
        if len(rs) > 1:
            raise ConfigError(f"project {project_id!r} has {len(rs)} evaluations for {y} "
                              f"({', '.join(sorted(r['kind'] for r in rs))})", path="--kind",
                              hint="give --kind self|recheck|third-party")
    years = sorted(per_year)
    chosen = [per_year[y][0] for y in years]
    leaves = archive.leaves(r["id"] for r in chosen)
    codes: list[str] = []
    names: dict[str, str | None] = {}
    for r in chosen:
        for leaf in leaves.get(r["id"], []):
            if leaf["code"] not in names:
                codes.append(leaf["code"])
            names[leaf["code"]] = names.get(leaf["code"]) or leaf["name"]
    by = {r["id"]: {leaf["code"]: leaf for leaf in leaves.get(r["id"], [])} for r in chosen}
    indicators = []
    for code in codes:
        cells = []
        prev = None
        for r in chosen:
            leaf = by[r["id"]].get(code)
            score = None if leaf is None else leaf["score_e4"]
            lost = None if leaf is None else leaf["lost_e4"]
            cell = {"year": r["year"], "score": f2(dec(score)), "points_lost": f2(dec(lost)), "delta": None}
            if prev is not None and score is not None and prev["score_e4"] is not None:
                cell["delta"] = f2(dec(score - prev["score_e4"]))
            cells.append(cell)
            prev = leaf
        indicators.append({"code": code, "name": names[code], "years": cells})
    steps = []
    for a, b in itertools.pairwise(chosen):
        la, lb = by[a["id"]], by[b["id"]]
        newly: list[dict[str, Any]] = []
        recovered: list[dict[str, Any]] = []
        for code in codes:
            if code in la and code in lb and la[code]["lost_e4"] is not None and lb[code]["lost_e4"] is not None:
                d = lb[code]["lost_e4"] - la[code]["lost_e4"]
                if d > 0:
                    newly.append({"code": code, "name": names[code], "points": f2(dec(d))})
                elif d < 0:
                    recovered.append({"code": code, "name": names[code], "points": f2(dec(-d))})
        steps.append({
            "from": a["year"], "to": b["year"],
            "total_delta": f2(dec(b["total_e4"] - a["total_e4"])),
            "working": f"{f2(dec(b['total_e4'] - a['total_e4']))}={b['total']}-{a['total']}",
            "points_lost_anew": newly, "points_recovered": recovered,
            "lost_anew_total": f2(dec(sum(to_e4s(x["points"]) for x in newly))),
            "recovered_total": f2(dec(sum(to_e4s(x["points"]) for x in recovered))),
        })
    return {
        "comparison": "years", "project_id": project_id, "pack": packs[0],
        "project_name": next((r["project_name"] for r in reversed(chosen) if r["project_name"]), None),
        "totals": [{"year": r["year"], "kind": r["kind"], "total": r["total"], "grade": r["grade"]} for r in chosen],
        "indicators": indicators, "steps": steps,
    }


def to_e4s(text: str) -> int:
    return int(Decimal(text).scaleb(SCALE))


# -- a portfolio against its peers ----------------------------------------------------------------
def peers(archive, *, pack: str, year: int, kind: str, by: str = "department",
          department: Sequence[str] = (), region: Sequence[str] = (), top: int = 10,
          results_use: Mapping[str, Any] | None = None, ranking: int | None = None,
          _aggregate: bool = True) -> dict[str, Any]:
    """The portfolio's figures are computed by the database (counts, sums, grade and group tallies,
    the distribution, points lost per leaf); Python only formats them. ``ranking`` limits the ranked
    list to its first N projects (None: all). Points lost per leaf are read from the maintained
    aggregate ``leaf_total`` (a few rows per department, region and leaf), whose key holds every
    filter peers takes; ``_aggregate=False`` (tests only) computes them over the long form instead."""
    if by not in ("department", "region", "unit"):
        raise ConfigError(f"cannot group by {by!r}; expected department, region or unit", path="--by")
    e = evaluation.c
    grp = getattr(e, by)
    flt = {"pack": pack, "year": year, "kind": kind, "department": tuple(department), "region": tuple(region)}
    count = sa.func.count()
    with archive.engine.connect() as conn:
        # one pass over the portfolio: per group and grade, the count, sum, highest, lowest and distribution
        bins = []
        for lo, hi in BINS:
            cond = e.total_e4 >= to_e4s(str(lo))
            if hi is not None:
                cond = sa.and_(cond, e.total_e4 < to_e4s(str(hi)))
            bins.append(sa.func.sum(sa.case((cond, 1), else_=0)))
        by_group = conn.execute(_filters(sa.select(grp, e.grade, count, sa.func.sum(e.total_e4),
                                                   sa.func.max(e.total_e4), sa.func.min(e.total_e4), *bins), **flt)
                                .group_by(grp, e.grade)).all()
        n = sum(r[2] for r in by_group)
        if not n:
            raise DataError(f"the archive holds no {kind} evaluation of pack {pack} for {year}"
                            + (" in the departments/regions given" if department or region else ""),
                            file=archive.where)
        tally: dict[str | None, list[int]] = {}
        for r in by_group:
            t = tally.setdefault(r[1] or "", [0, 0, r[4], r[5]])
            t[0] += r[2]
            t[1] += int(r[3])
            t[2], t[3] = max(t[2], r[4]), min(t[3], r[5])
        by_grade = [(g, *t) for g, t in tally.items()]
        dist_counts = [sum(int(r[6 + k] or 0) for r in by_group) for k in range(len(BINS))]
        mid = conn.execute(_filters(sa.select(e.total_e4), **flt).order_by(e.total_e4)
                           .limit(2 - n % 2).offset((n - 1) // 2)).scalars().all()
        q = _filters(sa.select(e.project_id, e.project_name, grp.label("grp"), e.total_e4, e.grade, e.budget),
                     **flt).order_by(e.total_e4.desc(), e.project_id)
        rows = conn.execute(q if ranking is None else q.limit(ranking)).all()
        lf = leaf_table.c
        if _aggregate:  # per leaf: scored, sum of scores, below the standard — summed over the aggregate's groups
            lt = leaf_total.c
            q_leaf = sa.select(lt.leaf_id, sa.func.sum(lt.scored), sa.func.sum(lt.score_sum_e4),
                               sa.func.sum(lt.below_standard)).where(lt.pack == pack, lt.year == year, lt.kind == kind)
            if department:
                q_leaf = q_leaf.where(lt.department.in_(list(department)))
            if region:
                q_leaf = q_leaf.where(lt.region.in_(list(region)))
            found = conn.execute(q_leaf.group_by(lt.leaf_id)).all()
        else:  # one pass over the long form: scores, and projects below the leaf's standard, per leaf
            ids = _filters(sa.select(e.id), **flt)
            ls = leaf_score.c
            below = sa.func.sum(sa.case((ls.score_e4 < lf.standard_e4, 1), else_=0))
            found = conn.execute(
                sa.select(ls.leaf_id, count, sa.func.sum(ls.score_e4), below).join(leaf_table, lf.id == ls.leaf_id)
                .where(ls.evaluation_id.in_(ids.scalar_subquery())).group_by(ls.leaf_id)).all()
        per_leaf = sorted((int(lid), int(cnt), int(sm), int(b or 0)) for lid, cnt, sm, b in found)
        leaf_info = {row.id: row for row in conn.execute(
            sa.select(lf.id, lf.code, lf.name, lf.standard_e4).where(lf.id.in_([r[0] for r in per_leaf])))}
        last_lower = 0
        if rows and ranking is not None and len(rows) == ranking:  # the last tie may go on past the list
            t = rows[-1].total_e4
            last_lower = conn.execute(_filters(sa.select(count), **flt).where(e.total_e4 < t)).scalar_one()
        everyone = rows if results_use is None or ranking is None else conn.execute(q).all()
    # Competition ranking (equal totals share a rank); percentile = share of the portfolio scoring lower.
    # A limited list ends perhaps inside a tie: the count below its last total is asked of the database.
    limited = ranking is not None and len(rows) == ranking
    last_at: dict[int, int] = {}
    for i, r in enumerate(rows):
        last_at[r.total_e4] = i
    ranked = []
    prev, rank = None, 0
    for i, r in enumerate(rows):
        if r.total_e4 != prev:
            rank, prev = i + 1, r.total_e4
        lower = last_lower if limited and r.total_e4 == rows[-1].total_e4 else n - last_at[r.total_e4] - 1
        ranked.append({"rank": rank, "project_id": r.project_id, "project_name": r.project_name, by: r.grp,
                       "total": f2(dec(r.total_e4)), "grade": r.grade, "percentile": share(lower, n)})
    dist = []
    for (lo, hi), k in zip(BINS, dist_counts, strict=True):
        k = int(k or 0)
        dist.append({"band": f"{lo}–{hi}" if hi is not None else f"≥{lo}", "count": k, "share": share(k, n)})
    grades = {g or "": int(c) for g, c, *_ in by_grade}
    best = {g or "": mx for g, _, _, mx, _ in by_grade}
    grade_order = sorted(grades, key=lambda gr: (-best[gr], gr))  # best grade first
    groups: dict[Any, dict[str, Any]] = {}
    for key, g, c, sm, *_ in by_group:
        x = groups.setdefault(key, {"n": 0, "sum": 0, "grades": defaultdict(int)})
        x["n"] += c
        x["sum"] += int(sm)
        x["grades"][g or ""] += c
    group_rows = []
    for key in sorted(groups, key=lambda k: (k is None, "" if k is None else str(k))):
        g = groups[key]
        group_rows.append({by: key, "projects": g["n"], "mean_total": mean2(g["sum"], g["n"]),
                           "working": f"{mean2(g['sum'], g['n'])}={f2(dec(g['sum']))}/{g['n']}",
                           "grades": {gr: g["grades"].get(gr, 0) for gr in grade_order}})
    lost_by_code: dict[str, list] = {}
    for lid, cnt, score_sum, losing_n in per_leaf:
        info = leaf_info[lid]
        x = lost_by_code.setdefault(info.code, [info.code, info.name, None, 0, 0])
        x[1] = x[1] or info.name
        if info.standard_e4 is not None:
            x[2] = (x[2] or 0) + cnt * info.standard_e4 - score_sum
        x[3] += cnt
        x[4] += losing_n
    lost = [tuple(x) for x in lost_by_code.values()]
    total_lost = sum(x[2] or 0 for x in lost)
    losing = sorted(lost, key=lambda x: (-(x[2] or 0), x[0]))[:top]
    total_sum = sum(int(r[2]) for r in by_grade)
    report: dict[str, Any] = {
        "comparison": "peers", "pack": pack, "year": year, "kind": kind, "by": by, "projects": n,
        "mean_total": mean2(total_sum, n), "median_total": f2(_median(mid)),
        "highest": f2(dec(max(r[3] for r in by_grade))), "lowest": f2(dec(min(r[4] for r in by_grade))),
        "grades": {gr: grades[gr] for gr in grade_order}, "distribution": dist, "groups": group_rows,
        "indicators_losing_most": [
            {"code": c, "name": name, "points_lost": f2(dec(s or 0)), "mean_per_project": mean2(s or 0, cnt),
             "projects_losing": k, "share_of_all_lost": share(s or 0, total_lost) if total_lost else None}
            for c, name, s, cnt, k in losing],
        "ranking": ranked,
    }
    if results_use is not None:
        report["results_use"] = apply_results_use(
            results_use, [{"project_id": r.project_id, "project_name": r.project_name, by: r.grp, "grade": r.grade,
                           "total": f2(dec(r.total_e4)), "budget": r.budget} for r in everyone], by)
    return report


def _median(values: list[int]) -> Decimal | None:
    if not values:
        return None
    s = sorted(values)
    mid = len(s) // 2
    if len(s) % 2:
        return dec(s[mid])
    return CONTEXT.divide(Decimal(s[mid - 1] + s[mid]), Decimal(2)).scaleb(-SCALE)


# -- self-evaluation against re-check --------------------------------------------------------------
def self_vs_recheck(archive, *, pack: str, year: int, threshold: Decimal, against: str = "recheck",
                    top: int = 10, results_use: Mapping[str, Any] | None = None) -> dict[str, Any]:
    selfs = {r["project_id"]: r for r in archive.query(pack=pack, year=year, kind="self")}
    checks = {r["project_id"]: r for r in archive.query(pack=pack, year=year, kind=against)}
    both = sorted(set(selfs) & set(checks))
    if not both:
        raise DataError(f"no project of pack {pack} has both a self-evaluation and a {against} for {year}",
                        file=archive.where)
    leaves = archive.leaves([selfs[p]["id"] for p in both] + [checks[p]["id"] for p in both])
    per_code: dict[str, dict[str, Any]] = {}
    forms = []
    beyond = grade_diff = either = 0
    th4 = to_e4s(str(threshold))
    units: dict[Any, list[int]] = defaultdict(list)
    for p in both:
        s, c = selfs[p], checks[p]
        d = s["total_e4"] - c["total_e4"]
        over = abs(d) > th4
        gdiff = (s["grade"] or "") != (c["grade"] or "")
        beyond += over
        grade_diff += gdiff
        either += over or gdiff
        units[s["unit"] or c["unit"]].append(d)
        forms.append({"project_id": p, "unit": s["unit"] or c["unit"], "self_total": s["total"],
                      "recheck_total": c["total"], "deviation": f2(dec(d)),
                      "working": f"{f2(dec(d))}={s['total']}-{c['total']}", "self_grade": s["grade"],
                      "recheck_grade": c["grade"], "beyond_threshold": over, "grade_differs": gdiff})
        ls = {x["code"]: x for x in leaves.get(s["id"], [])}
        lc = {x["code"]: x for x in leaves.get(c["id"], [])}
        for code in ls:
            if code in lc:
                agg = per_code.setdefault(code, {"name": ls[code]["name"], "n": 0, "sum": 0, "abs": 0, "max": 0,
                                                 "over": 0})
                dd = ls[code]["score_e4"] - lc[code]["score_e4"]
                agg["n"] += 1
                agg["sum"] += dd
                agg["abs"] += abs(dd)
                agg["max"] = max(agg["max"], abs(dd))
                agg["over"] += dd > 0
    n = len(both)
    indicators = [{"code": code, "name": a["name"], "forms": a["n"], "mean_deviation": mean2(a["sum"], a["n"]),
                   "mean_absolute_deviation": mean2(a["abs"], a["n"]), "largest_deviation": f2(dec(a["max"])),
                   "forms_over_scored": a["over"]}
                  for code, a in sorted(per_code.items(), key=lambda kv: (-kv[1]["abs"], kv[0]))]
    unit_rows = sorted(({"unit": u, "forms": len(ds), "mean_over_score": mean2(sum(ds), len(ds)),
                         "sum_e4": sum(ds)} for u, ds in units.items()),
                       key=lambda x: (-CONTEXT.divide(Decimal(x["sum_e4"]), Decimal(x["forms"])),
                                      "" if x["unit"] is None else str(x["unit"])))
    for u in unit_rows:
        u.pop("sum_e4")
    report: dict[str, Any] = {
        "comparison": "recheck", "pack": pack, "year": year, "against": against, "threshold": f2(threshold),
        "forms": n, "self_only": len(set(selfs) - set(checks)), "recheck_only": len(set(checks) - set(selfs)),
        "beyond_threshold": beyond, "beyond_threshold_rate": share(beyond, n),
        "grade_differs": grade_diff, "grade_differs_rate": share(grade_diff, n),
        "deviation_rate": share(either, n),
        "deviation_rate_working": f"{share(either, n)}={either}/{n}",
        "indicators": indicators, "units_over_scoring_most": unit_rows[:top], "form_list": forms,
    }
    if results_use is not None:  # next year's budget follows the re-checked result
        report["results_use"] = apply_results_use(
            results_use, [{**checks[p], "budget": checks[p]["budget"] or selfs[p]["budget"]} for p in both], "unit")
    return report


# -- results use -----------------------------------------------------------------------------------
def load_results_use(path: str) -> dict[str, Any]:
    """The ``[results_use]`` rule of an evaluation config or a pack file, checked key by key."""
    from .tomlio import read_toml

    data = read_toml(Path(path))
    rule = data.get("results_use")
    if rule is None:
        raise ConfigError("no [results_use] table", file=path, path="$.results_use",
                          hint="see docs/compare.md#results-use for the rule's form")
    where = "$.results_use"
    if not isinstance(rule, dict):
        raise ConfigError("expected a table", file=path, path=where)
    unknown = sorted(set(rule) - {"basis", "bands", "title"})
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]!r}; expected basis, bands, title", file=path,
                          path=f"{where}.{unknown[0]}")
    basis = rule.get("basis")
    if basis not in ("grade", "total"):
        raise ConfigError(f"expected basis = \"grade\" or \"total\", got {basis!r}", file=path, path=f"{where}.basis")
    bands = rule.get("bands")
    if not isinstance(bands, list) or not bands:
        raise ConfigError("expected [[results_use.bands]] entries", file=path, path=f"{where}.bands")
    out = []
    for i, b in enumerate(bands):
        w = f"{where}.bands[{i}]"
        if not isinstance(b, dict):
            raise ConfigError("expected a table", file=path, path=w)
        allowed = {"grades", "adjust", "funded"} if basis == "grade" else {"min", "adjust", "funded"}
        bad = sorted(set(b) - allowed)
        if bad:
            raise ConfigError(f"unknown key {bad[0]!r} for basis {basis!r}; expected " + ", ".join(sorted(allowed)),
                              file=path, path=f"{w}.{bad[0]}")
        funded = b.get("funded", True)
        if not isinstance(funded, bool):
            raise ConfigError("expected true or false", file=path, path=f"{w}.funded")
        if funded != ("adjust" in b):
            raise ConfigError("a band gives either adjust = \"-10%\" or funded = false", file=path, path=w)
        adjust = None
        if "adjust" in b:
            try:
                adjust = to_decimal(str(b["adjust"]).replace("−", "-"))
            except (ArithmeticError, ValueError, TypeError):
                raise ConfigError(f"expected a percentage such as \"-10%\", got {b['adjust']!r}", file=path,
                                  path=f"{w}.adjust") from None
            if adjust < -1:
                raise ConfigError("an adjustment below -100% leaves a negative budget", file=path, path=f"{w}.adjust")
        entry: dict[str, Any] = {"adjust": adjust, "funded": funded, "where": w}
        if basis == "grade":
            g = b.get("grades")
            if isinstance(g, str):
                g = [g]
            if not (isinstance(g, list) and g and all(isinstance(x, str) for x in g)):
                raise ConfigError("expected grades = [\"优\", \"良\"]", file=path, path=f"{w}.grades")
            entry["grades"] = g
            entry["text"] = "/".join(g) + " → " + _effect(entry)
        else:
            try:
                entry["min"] = to_decimal(b["min"])
            except (KeyError, ArithmeticError, ValueError, TypeError):
                raise ConfigError("expected min = 90 (the band holds totals of at least min)", file=path,
                                  path=f"{w}.min") from None
            entry["text"] = f"total ≥ {entry['min']} → " + _effect(entry)
        out.append(entry)
    if basis == "total":
        mins = [b["min"] for b in out]
        if mins != sorted(mins, reverse=True):
            raise ConfigError("total bands must be listed from the highest min down", file=path, path=f"{where}.bands")
    return {"file": path, "basis": basis, "bands": out, "title": rule.get("title")}


def _effect(band: Mapping[str, Any]) -> str:
    if not band["funded"]:
        return "not funded (不予安排)"
    pct = f"{(band['adjust'] * 100).normalize():f}%"
    return ("+" if band["adjust"] > 0 else "") + pct


def apply_results_use(rule: Mapping[str, Any], rows: Sequence[Mapping[str, Any]], by: str) -> dict[str, Any]:
    """Suggested next-year amounts: budget × (1 + adjustment), rounded half-up to 2 decimals."""
    projects = []
    groups: dict[Any, dict[str, Decimal]] = {}
    missing = 0
    for r in rows:
        band = None
        for b in rule["bands"]:
            if rule["basis"] == "grade" and (r.get("grade") or "") in b["grades"]:
                band = b
                break
            if rule["basis"] == "total" and to_decimal(r["total"]) >= b["min"]:
                band = b
                break
        if band is None:
            raise DataError(f"project {r['project_id']!r} (grade {r.get('grade')!r}, total {r['total']}) falls "
                            "in no band of the results-use rule", file=rule["file"], path="$.results_use.bands",
                            hint="add a band for it: the rule must cover every grade or total")
        budget = None if r.get("budget") is None else to_decimal(r["budget"])
        entry = {"project_id": r["project_id"], "project_name": r.get("project_name"), by: r.get(by),
                 "grade": r.get("grade"), "total": r["total"], "budget": r.get("budget"),
                 "rule": band["text"], "rule_at": f"{rule['file']}: {band['where']}"}
        if budget is None:
            missing += 1
            entry.update(suggested=None, working="no budget archived for this project")
        else:
            suggested = quantize(ZERO if not band["funded"] else budget * (1 + band["adjust"]), 2)
            entry["suggested"] = f"{suggested:f}"
            entry["working"] = (f"{suggested:f}=0 (not funded)" if not band["funded"] else
                                f"{suggested:f}={r['budget']}*(1{'+' if band['adjust'] >= 0 else ''}"
                                f"{(band['adjust'] * 100).normalize():f}%)")
            g = groups.setdefault(r.get(by), {"budget": ZERO, "suggested": ZERO, "n": ZERO})
            g["budget"] += budget
            g["suggested"] += suggested
            g["n"] += 1
        projects.append(entry)
    group_rows = [{by: k, "projects": int(g["n"]), "budget": f2(g["budget"]), "suggested": f2(g["suggested"]),
                   "change": f2(g["suggested"] - g["budget"]),
                   "working": f"{f2(g['suggested'] - g['budget'])}={f2(g['suggested'])}-{f2(g['budget'])}"}
                  for k, g in sorted(groups.items(), key=lambda kv: (kv[0] is None, str(kv[0])))]
    return {"rule": {"file": rule["file"], "basis": rule["basis"], "title": rule.get("title"),
                     "bands": [b["text"] for b in rule["bands"]]},
            "projects": projects, "groups": group_rows, "projects_without_budget": missing}
