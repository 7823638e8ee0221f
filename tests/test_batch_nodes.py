"""``jixiao batch --nodes``: every group's result (the seed pack's 一级/二级 subtotals, PEFA's PI scores,
PART's section scores and overall rating) as one column per group after the leaves, in the tree's
pre-order — each the figure ``jixiao evaluate --format json`` gives for that project alone (numbers
rounded at the tier level, texts as entered), the same on the fast path and for rows the engine scores,
for any chunking, thread count or Dask partitioning; without --nodes the results are as before."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import ROOT, SEED_DIR, engine_results, every_third_row_to_the_engine, run_cli
from jixiao.batch import load_pack_or_template, run_batch
from jixiao.document import build_document
from jixiao.model import Group, iter_nodes
from jixiao.plugins import Registry

SEED = "shanghai-consumer-protection-2018"
N = 120


def _generate(n: int, pack: str, out: Path, seed: int = 7) -> Path:
    gen = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), str(n), "--pack", pack,
                          "-o", str(out), "--seed", str(seed)], capture_output=True, text=True, check=False)
    assert gen.returncode == 0, gen.stderr
    return out


def _groups(pack_ref: str) -> list[str]:
    pack, _ = load_pack_or_template(pack_ref, Registry())
    return [g.code for g in iter_nodes(pack.tree) if isinstance(g, Group)]


def _doc_nodes(doc: dict) -> dict[str, str]:
    """Every group's score in a JSON document (``jixiao evaluate --format json``), None as ""."""
    out: dict[str, str] = {}

    def walk(n: dict) -> None:
        if n["children"]:
            out[n["code"]] = "" if n["score"] is None else n["score"]
            for c in n["children"]:
                walk(c)

    for t in doc["tiers"]:
        walk(t)
    return out


def _engine_nodes(pack_ref: str, portfolio: Path) -> dict[str, dict[str, str]]:
    """project id → group code → the group's score in the JSON document of that project alone."""
    return {pid: _doc_nodes(build_document(res)) for pid, res in engine_results(pack_ref, portfolio)}


def _same(got: str | None, want: str) -> bool:
    """A number equal to the document's figure (the results may show more decimals: one precision for the
    node columns), a text exactly as in the document."""
    if got == want:
        return True
    try:
        return got is not None and Decimal(got) == Decimal(want) and len(got.split(".")[-1]) >= len(want.split(".")[-1])
    except ArithmeticError:
        return False


def _rows(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def _read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def _with_engine_rows(src: Path, dest: Path, code: str, rows: tuple[int, ...]) -> Path:
    """``src`` with a ``rating.CODE`` cell beside the mark on ``rows``: the fast path sends those rows to the
    engine (which scores them by the mark)."""
    t = pq.read_table(src)
    cells = [None] * t.num_rows
    for i in rows:
        cells[i] = "80%"
    pq.write_table(t.append_column(f"rating.{code}", pa.array(cells, pa.string())), dest)
    return dest


@pytest.fixture(scope="module")
def texts(tmp_path_factory):
    """Generated PEFA and PART portfolios, three rows of each scored by the engine."""
    d = tmp_path_factory.mktemp("nodes")
    return {"pefa-2016": _with_engine_rows(_generate(N, "pefa", d / "pefa-raw.parquet"), d / "pefa.parquet",
                                           "PI-2.1", (0, 40, 77)),
            "part": _with_engine_rows(_generate(N, "part", d / "part-raw.parquet"), d / "part.parquet",
                                      "1.1", (1, 41, 78))}


# -- the seed pack: subtotals as `jixiao evaluate` gives them -----------------------------------------


ROUNDINGS = {
    "pack": "",
    # unrounded items enter the subtotals, which are printed truncated to three decimals (more than the
    # two of the leaves and the total: the node columns get three, the others keep two)
    "carry": '\n[rounding]\nleaves = "carry_unrounded"\ntier_places = 3\ntier_mode = "down"\n',
    # each subtotal rounded up to one decimal before it enters its parent
    "tiers": '\n[rounding]\ntiers = "round_then_sum"\ntier_places = 1\ntier_mode = "up"\n',
}
OVERRIDE = ("4.5", "补充材料表明执行率口径有误")


def _toml(v) -> str:
    return f'"{v}"' if isinstance(v, (str, Decimal)) else str(v)


def seed_config(row: dict) -> str:
    """A generated seed-pack portfolio row as the evaluation config `jixiao evaluate` reads."""
    scalars, tables, surveys, ratings = {}, {}, {}, {}
    for k, v in row.items():
        if k == "project_id" or v is None or k.startswith("override"):
            continue
        if m := re.fullmatch(r"(\w+)\[(\d+)\]\.(\w+)", k):
            tables.setdefault(m[1], {}).setdefault(int(m[2]), {})[m[3]] = v
        elif m := re.fullmatch(r"(\w+)\.answers\.(.+)", k):
            surveys.setdefault(m[1], {}).setdefault("answers", {})[m[2]] = v
        elif m := re.fullmatch(r"(\w+)\.responses", k):
            surveys.setdefault(m[1], {})["responses"] = v
        elif k.startswith("rating."):
            ratings[k[7:]] = v
        else:
            scalars[k] = v
    out = [f'schema_version = 1\npack = "{SEED}"\n[inputs]\n', *(f"{k} = {_toml(v)}\n" for k, v in scalars.items())]
    for name, rows in tables.items():
        for _, cells in sorted(rows.items()):
            out.append(f"[[inputs.{name}]]\n" + "".join(f"{c} = {_toml(v)}\n" for c, v in cells.items()))
    for name, sv in surveys.items():
        answers = ", ".join(f'"{a}" = {n}' for a, n in sv["answers"].items())
        out.append(f"[inputs.{name}]\nresponses = {sv['responses']}\nanswers = {{ {answers} }}\n")
    for code, v in ratings.items():
        out.append(f'[ratings.{code}]\nrating = "{(v * 100).normalize():f}%"\nreason = "r"\n')
    if row.get("override.B11"):
        out.append(f'[overrides.B11]\nscore = {row["override.B11"]}\nreason = "{row["override_reason.B11"]}"\n')
    return "".join(out)


def _evaluate(cfg: Path) -> dict:
    ev = run_cli("evaluate", cfg, "--format", "json")
    assert ev.code == 0, ev.stderr
    return json.loads(ev.stdout)


@pytest.mark.parametrize("rounding", sorted(ROUNDINGS))
def test_seed_subtotals_equal_jixiao_evaluate(tmp_path, rounding):
    """A generated seed portfolio (one row with an override, which the fast path leaves to the engine),
    under the pack's rounding and two [rounding] sections of a template config: the subtotals of a few
    rows equal `jixiao evaluate` of each row written as a config."""
    t = pq.read_table(_generate(30, "seed", tmp_path / "raw.parquet"))
    ov, why = [None] * t.num_rows, [None] * t.num_rows
    ov[3], why[3] = OVERRIDE
    t = t.append_column("override.B11", pa.array(ov, pa.string()))
    t = t.append_column("override_reason.B11", pa.array(why, pa.string()))
    p = tmp_path / "p.parquet"
    pq.write_table(t, p)
    ref = SEED
    if ROUNDINGS[rounding]:
        ref = tmp_path / "template.toml"
        ref.write_text(f'schema_version = 1\npack = "{SEED}"\n' + ROUNDINGS[rounding], encoding="utf-8")
    out = tmp_path / "r.jsonl"
    r = run_cli("batch", ref, p, "-o", out, "--nodes")
    assert r.code == 0, r.stderr
    assert "29 columnar, 1 through the engine" in r.stderr, r.stderr
    got = {row["project_id"]: row for row in _rows(out)}
    groups = _groups(str(ref))
    assert groups == ["A", "A1", "A2", "B", "B1", "B2", "B3", "C", "C1", "C2"]
    assert list(got["P0000001"])[-len(groups):] == groups  # after the leaves, in the report's order
    rows = t.to_pylist()
    for i in (0, 3, 17):
        cfg = tmp_path / f"row{i}.toml"
        cfg.write_text(seed_config(rows[i]) + ROUNDINGS[rounding], encoding="utf-8")
        doc = _evaluate(cfg)
        want, pid = _doc_nodes(doc), rows[i]["project_id"]
        assert set(want) == set(groups)
        for c in groups:
            assert _same(got[pid][c], want[c]), (pid, c, got[pid][c], want[c])
        assert Decimal(got[pid]["total"]) == Decimal(doc["total"])
    assert got["P0000004"]["B11"] == "4.50"
    if rounding == "carry":  # the node columns have tier_places' three decimals; the others keep two
        assert re.fullmatch(r"\d+\.\d{3}", got["P0000001"]["B1"]) and re.fullmatch(r"\d+\.\d{2}", got["P0000001"]["B11"])
        assert re.fullmatch(r"\d+\.\d{2}", got["P0000001"]["total"])


def test_template_rows_equal_jixiao_evaluate(tmp_path):
    """The example config as the template (its tables and questionnaires stand for every row, so the engine
    scores each row): a blank row is the config itself, edited rows are the config edited alike."""
    d = tmp_path / "seed"
    shutil.copytree(SEED_DIR, d)
    base = (d / "evaluation.toml").read_text(encoding="utf-8")
    rows = [("P1", {}, []),
            ("P2", {"spot_check_done": "2500", "rating.B31": "60%"},
             [(r"spot_check_done = 2824", "spot_check_done = 2500"), (r'(\[ratings\.B31\]\nrating = )"80%"', r'\1"60%"')]),
            ("P3", {"override.B11": OVERRIDE[0], "override_reason.B11": OVERRIDE[1]},
             [(r"\Z", f'\n[overrides.B11]\nscore = {OVERRIDE[0]}\nreason = "{OVERRIDE[1]}"\n')])]
    header = ["project_id", *dict.fromkeys(k for _, cells, _ in rows for k in cells)]
    portfolio = tmp_path / "p.csv"
    with portfolio.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for pid, cells, _ in rows:
            w.writerow([pid, *(cells.get(c, "") for c in header[1:])])
    out = tmp_path / "r.jsonl"
    r = run_cli("batch", d / "evaluation.toml", portfolio, "-o", out, "--nodes", "--fill-from-template", "--quiet")
    assert r.code == 0, r.stderr
    got = {row["project_id"]: row for row in _rows(out)}
    for pid, _, edits in rows:
        text = base
        for pattern, repl in edits:
            text, k = re.subn(pattern, repl, text)
            assert k == 1, pattern
        cfg = d / f"{pid}.toml"
        cfg.write_text(text, encoding="utf-8")
        doc = _evaluate(cfg)
        for c, v in _doc_nodes(doc).items():
            assert _same(got[pid][c], v), (pid, c, got[pid][c], v)
    assert got["P1"]["B1"] == "3.44" and got["P1"]["C"] == "60.60"  # the published report's figures


GENERATED = {  # benchmarks/generate.py --pack → what jixiao batch is given
    "seed": SEED,
    "national": str(ROOT / "docs" / "examples" / "national-education-2023" / "evaluation.toml"),  # open groups
    "rules": str(ROOT / "benchmarks" / "packs" / "rules.toml"),
    "part-sections": "part-sections",
}


@pytest.mark.parametrize("which", sorted(GENERATED))
def test_generated_portfolio_every_group_equals_the_engine(tmp_path, which):
    """Every group of every row of a generated portfolio equals the engine's JSON document for that row:
    the seed pack, the national template (groups holding the leaves the template defines), the benchmark
    rules pack (banded, qualitative levels, three-band) and PART's sections alone."""
    ref = GENERATED[which]
    p = _generate(60, which, tmp_path / f"{which}.parquet")
    out = tmp_path / "r.jsonl"
    r = run_cli("batch", ref, p, "-o", out, "--nodes", "--quiet")
    assert r.code == 0, r.stderr
    want = _engine_nodes(ref, p)
    rows = _rows(out)
    assert len(rows) == len(want) == 60
    groups = _groups(ref)
    for row in rows:
        assert list(row)[-len(groups):] == groups
        for c, v in want[row["project_id"]].items():
            assert _same(row[c], v), (row["project_id"], c, row[c], v)
        if which == "seed":  # a sum's subtotal is its children's sum as printed (round_then_sum)
            assert Decimal(row["A"]) == Decimal(row["A1"]) + Decimal(row["A2"])


# -- PEFA and PART -----------------------------------------------------------------------------------


@pytest.mark.parametrize("pack", ["pefa-2016", "part"])
def test_text_groups_equal_the_engine_including_engine_rows(tmp_path, texts, pack):
    """PI scores (M1/M2/single), PEFA's pillars (counts only: no score, ""), PART's section percentages (or
    NA) and its rating with the Results Not Demonstrated override: each row's as the engine gives it, also
    for the rows the engine scored."""
    p = texts[pack]
    out = tmp_path / "r.jsonl"
    r = run_cli("batch", pack, p, "-o", out, "--nodes")
    assert r.code == 0, r.stderr
    assert f"{N - 3} columnar, 3 through the engine" in r.stderr, r.stderr
    want = _engine_nodes(pack, p)
    rows = _rows(out)
    assert len(rows) == len(want) == N
    groups = _groups(pack)
    for row in rows:
        assert list(row)[-len(groups):] == groups
        for c in groups:
            assert _same(row[c], want[row["project_id"]][c]), (row["project_id"], c, row[c])
    if pack == "pefa-2016":
        pis = {row["PI-2"] for row in rows} | {row["PI-8"] for row in rows}
        assert pis & {"A", "B+", "B", "C+", "C", "D+", "D"} and any(x.endswith("+") for x in pis)
        assert {row["I"] for row in rows} == {""}  # ordinal_counts: counts, no score
    else:
        ratings = {row["PART"] for row in rows}
        assert "Results Not Demonstrated" in ratings and len(ratings) > 2, ratings
        assert all(re.fullmatch(r"\d+\.\d{2}|NA", row[s]) for row in rows for s in ("I", "II", "III", "IV"))


@pytest.mark.parametrize("pack", ["pefa-2016", "part"])
def test_text_groups_equal_jixiao_evaluate_of_the_row(tmp_path, texts, pack):
    """Two rows (one the engine scored) written as evaluation configs: `jixiao evaluate` gives their groups."""
    p = texts[pack]
    out = tmp_path / "r.jsonl"
    assert run_cli("batch", pack, p, "-o", out, "--nodes", "--quiet").code == 0
    got = {row["project_id"]: row for row in _rows(out)}
    t = pq.read_table(p).to_pylist()
    for i in (1, 5) if pack == "part" else (0, 5):
        row = t[i]
        cfg = [f'schema_version = 1\npack = "{pack}"\n']
        for k, v in row.items():
            if k.startswith("mark."):
                code = k[5:]
                rating = row.get(f"rating.{code}")
                cfg.append(f'[ratings."{code}"]\nmark = "{v}"\nreason = "r"\n'
                           + (f'rating = "{rating}"\n' if rating else ""))
        (tmp_path / "row.toml").write_text("".join(cfg), encoding="utf-8")
        ev = run_cli("evaluate", tmp_path / "row.toml", "--format", "json")
        assert ev.code == 0, ev.stderr
        want = _doc_nodes(json.loads(ev.stdout))
        for c, v in want.items():
            assert _same(got[row["project_id"]][c], v), (i, c, got[row["project_id"]][c], v)


# -- the same for any chunking, threads, engine rows, formats ------------------------------------------


@pytest.mark.parametrize("pack", ["pefa-2016", "part", SEED])
def test_chunks_and_jobs_give_the_same_bytes(tmp_path, texts, pack):
    p = texts.get(pack) or _generate(N, "seed", tmp_path / "seed.parquet")
    for suffix in (".csv", ".jsonl", ".parquet"):
        a, b = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
        assert run_cli("batch", pack, p, "-o", a, "--nodes", "--quiet").code == 0
        r = run_cli("batch", pack, p, "-o", b, "--nodes", "--quiet", "--chunk-size", "7", "--jobs", "2")
        assert r.code == 0, r.stderr
        assert a.read_bytes() == b.read_bytes(), suffix


@pytest.mark.parametrize("pack", ["pefa-2016", "part", SEED])
def test_rows_the_engine_scores_give_the_same_bytes(tmp_path, texts, pack, monkeypatch):
    """Every third row of each chunk through the engine, then every row (a pack the fast path cannot do):
    the groups' columns are those of the fast path, digit for digit."""
    import attrs

    import jixiao.batch.compile as comp

    p = texts.get(pack) or _generate(N, "seed", tmp_path / "seed.parquet")
    whole = tmp_path / "whole.jsonl"
    run_batch(pack, str(p), str(whole), nodes=True)
    compile_orig = comp.compile_pack
    every_third_row_to_the_engine(monkeypatch)
    some = tmp_path / "some.jsonl"
    o = run_batch(pack, str(p), str(some), nodes=True, chunk_rows=41)
    assert o.engine_rows > N // 4
    assert some.read_bytes() == whole.read_bytes()
    monkeypatch.setattr(comp, "compile_pack", lambda *a, **k: attrs.evolve(compile_orig(*a, **k), reasons=("test",)))
    every = tmp_path / "every.jsonl"
    o = run_batch(pack, str(p), str(every), nodes=True, chunk_rows=50)
    assert o.engine_rows == N and not o.columnar
    assert every.read_bytes() == whole.read_bytes()


def test_without_nodes_the_results_are_unchanged(tmp_path, texts):
    """No group column without --nodes; with it the other columns are the same, byte for byte, and the
    summary is the same."""
    for pack, p in (("part", texts["part"]), (SEED, _generate(40, "seed", tmp_path / "seed.parquet"))):
        groups = _groups(pack)
        plain, nodes = tmp_path / "plain.csv", tmp_path / "nodes.csv"
        sp, sn = tmp_path / "plain.json", tmp_path / "nodes.json"
        assert run_cli("batch", pack, p, "-o", plain, "--quiet", "--summary", sp).code == 0
        assert run_cli("batch", pack, p, "-o", nodes, "--quiet", "--nodes", "--summary", sn).code == 0
        assert sp.read_bytes() == sn.read_bytes()  # the summary stays the leaves' and the total's
        head, rows = _read_csv(plain)
        nhead, nrows = _read_csv(nodes)
        assert not set(groups) & set(head)
        assert nhead == head + groups
        assert [r[:len(head)] for r in nrows] == rows
        pp, pn = tmp_path / "plain.parquet", tmp_path / "nodes.parquet"
        assert run_cli("batch", pack, p, "-o", pp, "--quiet").code == 0
        assert run_cli("batch", pack, p, "-o", pn, "--quiet", "--nodes").code == 0
        assert pq.read_table(pn).select(head).equals(pq.read_table(pp))
        assert pq.read_table(pp).column_names == head


def test_formats_and_headings(tmp_path, texts):
    """Parquet: numeric groups decimal128 at the score precision, text groups strings; XLSX: the group's
    name with its code in brackets, numbers as numbers."""
    import openpyxl

    p = _generate(20, "seed", tmp_path / "seed.parquet")
    assert run_cli("batch", SEED, p, "-o", tmp_path / "r.parquet", "--nodes", "--quiet").code == 0
    t = pq.read_table(tmp_path / "r.parquet")
    assert t.schema.field("B1").type == pa.decimal128(18, 2) == t.schema.field("B11").type
    assert run_cli("batch", "part", texts["part"], "-o", tmp_path / "part.parquet", "--nodes", "--quiet").code == 0
    t = pq.read_table(tmp_path / "part.parquet")
    assert t.schema.field("PART").type == pa.string()
    assert run_cli("batch", SEED, p, "-o", tmp_path / "r.xlsx", "--nodes", "--quiet").code == 0
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx").active
    heads = [c.value for c in ws[1]]
    codes = [c.value for c in ws[2]]
    assert codes[-10:] == _groups(SEED)
    pack, _ = load_pack_or_template(SEED, Registry())
    names = {g.code: g.name for g in iter_nodes(pack.tree)}
    assert heads[codes.index("A")] == f"{names['A']}（A）" and heads[codes.index("C2")] == f"{names['C2']}（C2）"
    row = [c.value for c in ws[3]]
    assert isinstance(row[codes.index("B1")], (int, float, Decimal))
    jl = tmp_path / "r.jsonl"
    assert run_cli("batch", SEED, p, "-o", jl, "--nodes", "--quiet").code == 0
    assert Decimal(str(row[codes.index("B1")])) == Decimal(_rows(jl)[0]["B1"])


def test_a_group_named_like_a_results_column_is_refused(tmp_path):
    rules = ROOT / "benchmarks" / "packs" / "rules.toml"
    text = rules.read_text(encoding="utf-8")
    text = text.replace("[indicators.A]\n", "[indicators.rank]\n").replace('parent = "A"\n', 'parent = "rank"\n')
    pack = tmp_path / "rank.toml"
    pack.write_text(text, encoding="utf-8")
    p = _generate(10, "rules", tmp_path / "rules.parquet")
    r = run_cli("batch", pack, p, "-o", tmp_path / "r.csv", "--nodes")
    assert r.code == 2 and "Traceback" not in r.stderr, r
    assert f"{pack}: $.indicators.rank: group code 'rank' is also the name of a column of the results" in r.stderr
    assert not (tmp_path / "r.csv").exists()
    assert run_cli("batch", pack, p, "-o", tmp_path / "r.csv", "--quiet").code == 0  # fine without --nodes
    # a carried text column named like a group
    t = pq.read_table(_generate(10, "seed", tmp_path / "seed.parquet"))
    t = t.append_column("B1", pa.array(["x"] * t.num_rows))
    pq.write_table(t, tmp_path / "b1.parquet")
    r = run_cli("batch", SEED, tmp_path / "b1.parquet", "-o", tmp_path / "b.csv", "--keep", "B1", "--nodes")
    assert r.code == 2 and "Traceback" not in r.stderr, r
    assert "b1.parquet: columns: group code 'B1' is also the name of the portfolio's column 'B1'" in r.stderr


def test_help_names_the_option():
    r = run_cli("batch", "--help")
    assert r.code == 0 and "--nodes" in r.stdout


# -- Dask ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, protocol="tcp",
                                  dashboard_address=":0", memory_limit="1GiB") as c:
        yield c.scheduler_address


@pytest.mark.parametrize("pack", ["part", SEED])
def test_dask_gives_the_single_process_groups(cluster, tmp_path, texts, pack):
    p = texts.get(pack) or _generate(N, "seed", tmp_path / "seed.parquet")
    t = pq.read_table(p)
    parts = tmp_path / "parts"
    parts.mkdir()
    for k, (a, b) in enumerate([(0, 7), (7, 80), (80, N)]):
        pq.write_table(t.slice(a, b - a), parts / f"part-{k}.parquet")
    local = run_cli("batch", pack, p, "-o", tmp_path / "local.parquet", "--nodes", "--quiet")
    dask = run_cli("batch", pack, parts, "-o", tmp_path / "out", "--engine", "dask", "--scheduler", cluster,
                   "--nodes", "--quiet")
    assert local.code == dask.code == 0, (local, dask)
    got = pa.concat_tables([pq.read_table(f) for f in sorted((tmp_path / "out").iterdir())])
    want = pq.read_table(tmp_path / "local.parquet")
    assert got.schema == want.schema and got.equals(want)
    assert want.column_names[-len(_groups(pack)):] == _groups(pack)


@pytest.mark.parametrize("column", ["B11", "rank"])
def test_a_carried_column_named_like_a_leaf_or_a_results_column_is_refused(tmp_path, column):
    """``--keep A11`` (or ``rank``) would give the results two columns of one name: refused, with or without
    --nodes, before anything is written."""
    t = pq.read_table(_generate(10, "seed", tmp_path / "seed.parquet"))
    t = t.append_column(column, pa.array(["x"] * t.num_rows))
    pq.write_table(t, tmp_path / "k.parquet")
    for extra in ([], ["--nodes"]):
        r = run_cli("batch", SEED, tmp_path / "k.parquet", "-o", tmp_path / "k.csv", "--keep", column, *extra)
        assert r.code == 2 and "Traceback" not in r.stderr, r
        assert (f"k.parquet: columns: the portfolio's column {column!r}, carried to the results, has the name of"
                in r.stderr), r.stderr
        assert not (tmp_path / "k.csv").exists()
