"""``jixiao compare`` over a real archive (SQLite file and PostgreSQL): figures checked against the
batch results they came from, computed here independently; outputs (JSON, xlsx, HTML) as users open them."""

from __future__ import annotations

import csv
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal

import openpyxl
import pytest

from conftest import ROOT, SEED, run_cli

PACK = "shanghai-consumer-protection-2018"
DEPTS = ["教育局", "卫健委", "<b>农业局</b>", "=1+1"]
RULES = """[results_use]
basis = "grade"
[[results_use.bands]]
grades = ["优", "良"]
adjust = "0%"
[[results_use.bands]]
grades = ["中", "合格"]
adjust = "-10%"
[[results_use.bands]]
grades = ["差", "不合格"]
funded = false
"""


def h2(x: Decimal) -> str:
    return f"{x.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):f}"


def portfolio(tmp, seed: int, n: int = 60) -> list[dict[str, str]]:
    """Batch results of a generated portfolio, with the identifying columns a user keeps."""
    gen = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), str(n), "--pack", "seed",
                          "-o", str(tmp / f"p{seed}.parquet"), "--seed", str(seed)],
                         capture_output=True, text=True, check=False)
    assert gen.returncode == 0, gen.stderr
    r = run_cli("batch", PACK, tmp / f"p{seed}.parquet", "-o", tmp / f"r{seed}.csv", "--quiet")
    assert r.code == 0, r
    with (tmp / f"r{seed}.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for i, row in enumerate(rows):
        row.update(department=DEPTS[i % 4], unit=f"单位{i % 5}", budget=f"{100 + i}.50")
    with (tmp / f"k{seed}.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return rows


@pytest.fixture(scope="session")
def compare_data(tmp_path_factory):
    """Two scored portfolios with identifying columns, and a results-use rule — made once per session."""
    tmp = tmp_path_factory.mktemp("compare")
    self23, check23 = portfolio(tmp, 3), portfolio(tmp, 4)
    (tmp / "rules.toml").write_text(RULES, encoding="utf-8")
    return tmp, self23, check23


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def filled(request, tmp_path_factory, compare_data):
    """An archive holding 2023 self-evaluations and re-checks and 2022 self-evaluations, built once per
    database and session; the tests only read it (compare never writes)."""
    tmp, self23, check23 = compare_data
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('compare-sqlite') / 'jixiao.db'}"
    else:
        url = request.getfixturevalue("pg_cluster").new_database()
    for f, year, kind in (("k3.csv", 2023, "self"), ("k4.csv", 2023, "recheck"), ("k4.csv", 2022, "self")):
        r = run_cli("archive", "add", tmp / f, "--archive", url, "--pack", PACK, "--year", year, "--kind", kind)
        assert r.code == 0, r
    return url, tmp, self23, check23


def test_peers_ranks_groups_losses_and_results_use(filled):
    url, tmp, rows, _ = filled
    r = run_cli("compare", "peers", "--archive", url, "--pack", PACK, "--year", 2023, "--kind", "self",
                "--results-use", tmp / "rules.toml", "--format", "json")
    assert r.code == 0, r
    rep = r.json()
    assert rep["projects"] == len(rows) == 60
    totals = [Decimal(x["total"]) for x in rows]
    assert rep["mean_total"] == h2(sum(totals) / len(totals))
    for g in rep["groups"]:
        mine = [Decimal(x["total"]) for x in rows if x["department"] == g["department"]]
        assert g["mean_total"] == h2(sum(mine) / len(mine)) and g["projects"] == len(mine)
    assert sum(rep["grades"].values()) == 60
    assert {gr: sum(1 for x in rows if x["grade"] == gr) for gr in rep["grades"]} == rep["grades"]
    top = rep["ranking"][0]
    assert Decimal(top["total"]) == max(totals) and top["rank"] == 1
    lowest = rep["ranking"][-1]
    assert lowest["percentile"] == "0.00%"
    # Points lost per indicator = Σ (standard − score), standards from the pack's own document.
    doc = run_cli("evaluate", SEED, "--format", "json").json()
    std = {i["code"]: Decimal(i["standard_score"]) for i in doc["indicators"]}
    lost = {c: sum(s - Decimal(x[c]) for x in rows) for c, s in std.items()}
    worst = rep["indicators_losing_most"][0]
    assert Decimal(worst["points_lost"]) == max(lost.values()) == lost[worst["code"]]
    # Results use: each project's suggested amount with the rule that produced it.
    ru = rep["results_use"]
    for p in ru["projects"]:
        src = next(x for x in rows if x["project_id"] == p["project_id"])
        factor = {"良": Decimal(1), "优": Decimal(1), "合格": Decimal("0.9"), "中": Decimal("0.9")}.get(src["grade"], 0)
        assert p["suggested"] == h2(Decimal(src["budget"]) * factor), p
        assert p["rule"].startswith(("优/良", "中/合格", "差/不合格")) and "$.results_use.bands[" in p["rule_at"]
    for g in ru["groups"]:
        mine = [p for p in ru["projects"] if p["department"] == g["department"]]
        assert g["suggested"] == h2(sum(Decimal(p["suggested"]) for p in mine))


def test_a_limited_ranking_is_the_head_of_the_whole_one(filled):
    url, _, _, _ = filled
    args = ["compare", "peers", "--archive", url, "--pack", PACK, "--year", 2023, "--kind", "self", "--format", "json"]
    whole = run_cli(*args).json()
    for n in (7,):
        head = run_cli(*args, "--ranking", n).json()
        assert head["ranking"] == whole["ranking"][:n]
        assert {k: v for k, v in head.items() if k != "ranking"} == {k: v for k, v in whole.items() if k != "ranking"}


def test_self_against_recheck(filled):
    url, _, selfs, checks = filled
    r = run_cli("compare", "recheck", "--archive", url, "--pack", PACK, "--year", 2023, "--threshold", "5",
                "--format", "json")
    assert r.code == 0, r
    rep = r.json()
    by = {x["project_id"]: x for x in checks}
    beyond = sum(abs(Decimal(s["total"]) - Decimal(by[s["project_id"]]["total"])) > 5 for s in selfs)
    either = sum(abs(Decimal(s["total"]) - Decimal(by[s["project_id"]]["total"])) > 5
                 or s["grade"] != by[s["project_id"]]["grade"] for s in selfs)
    assert rep["forms"] == 60 and rep["beyond_threshold"] == beyond
    assert rep["deviation_rate_working"] == f"{h2(Decimal(either) * 100 / 60)}%={either}/60"
    c = rep["indicators"][0]["code"]
    dev = [Decimal(s[c]) - Decimal(by[s["project_id"]][c]) for s in selfs]
    assert rep["indicators"][0]["mean_deviation"] == h2(sum(dev) / 60)
    units = rep["units_over_scoring_most"]
    means = [Decimal(u["mean_over_score"]) for u in units]
    assert means == sorted(means, reverse=True)
    r = run_cli("compare", "recheck", "--archive", url, "--pack", PACK, "--year", 2023, "--threshold", "five")
    assert r.code == 2 and "--threshold" in r.stderr, r


def test_a_project_over_years(filled):
    url, _, selfs, checks = filled
    pid = selfs[0]["project_id"]
    r = run_cli("compare", "years", pid, "--archive", url)
    assert r.code == 2 and "--kind" in r.stderr, r  # 2023 has self and recheck: which one?
    r = run_cli("compare", "years", pid, "--archive", url, "--kind", "self", "--format", "json")
    assert r.code == 0, r
    rep = r.json()
    assert [t["year"] for t in rep["totals"]] == [2022, 2023]
    old = next(x for x in checks if x["project_id"] == pid)
    b11 = next(i for i in rep["indicators"] if i["code"] == "B11")
    assert b11["years"][1]["delta"] == h2(Decimal(selfs[0]["B11"]) - Decimal(old["B11"]))
    step = rep["steps"][0]
    assert step["working"] == f"{h2(Decimal(selfs[0]['total']) - Decimal(old['total']))}={selfs[0]['total']}-{old['total']}"
    gained = sum(Decimal(x["points"]) for x in step["points_recovered"])
    lost = sum(Decimal(x["points"]) for x in step["points_lost_anew"])
    assert gained - lost == Decimal(step["total_delta"])


def test_outputs_are_safe_and_deterministic(filled, tmp_path):
    url, _, _, _ = filled
    tmp = tmp_path
    args = ["compare", "peers", "--archive", url, "--pack", PACK, "--year", 2023, "--kind", "self"]
    for name in ("a.xlsx", "b.xlsx", "a.html", "b.html", "a.json", "b.json"):
        r = run_cli(*args, "-o", tmp / name)
        assert r.code == 0, r
    for ext in ("xlsx", "html", "json"):
        assert (tmp / f"a.{ext}").read_bytes() == (tmp / f"b.{ext}").read_bytes()
    page = (tmp / "a.html").read_text(encoding="utf-8")
    assert "<svg" in page and "&lt;b&gt;农业局&lt;/b&gt;" in page and "<b>农业局" not in page
    wb = openpyxl.load_workbook(tmp / "a.xlsx")
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value == "=1+1"]
    assert cells and all(c.data_type == "s" for c in cells)
    r = run_cli(*args)
    assert r.code == 0 and "Ranking" in r.stdout, r


def test_a_bad_results_use_rule_names_its_place(filled, tmp_path):
    url, _, _, _ = filled
    tmp = tmp_path
    (tmp / "bad.toml").write_text(RULES.replace('adjust = "-10%"', 'adjust = "minus ten"'), encoding="utf-8")
    r = run_cli("compare", "peers", "--archive", url, "--pack", PACK, "--year", 2023, "--kind", "self",
                "--results-use", tmp / "bad.toml")
    assert r.code == 2 and "$.results_use.bands[1].adjust" in r.stderr and "bad.toml" in r.stderr, r
    (tmp / "gap.toml").write_text(RULES.replace('"中", "合格"', '"中"'), encoding="utf-8")
    r = run_cli("compare", "peers", "--archive", url, "--pack", PACK, "--year", 2023, "--kind", "self",
                "--results-use", tmp / "gap.toml")
    assert r.code == 3 and "falls in no band" in r.stderr, r


def test_peers_from_the_aggregate_is_the_long_form_query(filled):
    """Points lost per indicator read from ``leaf_total`` give the JSON computed over every leaf score."""
    import json

    from jixiao.archive import Archive
    from jixiao.compare import peers

    url, _, _, _ = filled
    archive = Archive(url)
    try:
        for kw in ({}, {"department": [DEPTS[0], DEPTS[3]]}, {"by": "unit", "ranking": 3, "top": 4}):
            args = {"pack": PACK, "year": 2023, "kind": "self", **kw}
            new = json.dumps(peers(archive, **args), ensure_ascii=False)
            assert new == json.dumps(peers(archive, _aggregate=False, **args), ensure_ascii=False)
            assert json.loads(new)["indicators_losing_most"]
    finally:
        archive.close()
