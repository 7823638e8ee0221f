"""Text scores in batch (PEFA's and PART's marks, texts the engine gives) travel as code columns: one label
table per leaf and a small integer per scored row, never a Python object per row. The results are the
same whatever the chunk size, the number of jobs, or which rows the engine scores — and equal to each
project evaluated on its own."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from types import SimpleNamespace

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import ROOT, engine_results, every_third_row_to_the_engine
from jixiao.batch import TEXT_CODES, _Spill, result_table, run_batch
from jixiao.batch.fixed import Marks
from jixiao.batch.portfolio import read_portfolio
from jixiao.plugins import Registry

N = 240


@pytest.fixture(scope="module")
def portfolios(tmp_path_factory):
    """Generated PEFA and PART portfolios with a few marks off the scale (rows the batch refuses)."""
    d = tmp_path_factory.mktemp("texts")
    out = {}
    for pack, which in (("pefa-2016", "pefa"), ("part", "part")):
        raw = d / f"{which}-raw.parquet"
        gen = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), str(N), "--pack", which,
                              "-o", str(raw), "--seed", "7"], capture_output=True, text=True, check=False)
        assert gen.returncode == 0, gen.stderr
        t = pq.read_table(raw)
        mark = next(c for c in t.column_names if c.startswith("mark."))
        cells = t.column(mark).to_pylist()
        for i in (3, 50, 51, 199):
            cells[i] = "E"
        t = t.set_column(t.column_names.index(mark), mark, pa.array(cells, pa.string()))
        out[pack] = d / f"{which}.parquet"
        pq.write_table(t, out[pack])
    return out


def _rows(path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def _engine_scores(pack_name: str, portfolio) -> dict[str, dict[str, str]]:
    """project id → leaf code → the leaf's score as the engine gives it for that project alone."""
    return {pid: {lr.code: "" if lr.score is None else str(lr.score) for lr in res.leaves()}
            for pid, res in engine_results(pack_name, portfolio)}


@pytest.mark.parametrize("pack", ["pefa-2016", "part"])
def test_text_columns_same_across_chunks_jobs_and_equal_to_the_engine(tmp_path, portfolios, pack, monkeypatch):
    p = portfolios[pack]
    runs = {}
    for tag, chunk, jobs in (("whole", 65_536, 1), ("small", 37, 1), ("jobs", 50, 2)):
        out = tmp_path / f"{tag}.jsonl"
        o = run_batch(pack, str(p), str(out), chunk_rows=chunk, jobs=jobs)
        assert o.scored == N - 4 and o.engine_rows == 4  # only the rows refused went to the engine
        runs[tag] = out.read_bytes()
    assert runs["whole"] == runs["small"] == runs["jobs"]
    # every third row of each chunk through the engine instead: its texts join the fast path's
    every_third_row_to_the_engine(monkeypatch)
    out = tmp_path / "engine.jsonl"
    o = run_batch(pack, str(p), str(out), chunk_rows=41)
    assert o.engine_rows > N // 4
    assert out.read_bytes() == runs["whole"]
    want = _engine_scores(pack, p)
    got = _rows(out)
    assert len(got) == len(want) == N - 4
    reg = Registry()
    texts = [leaf.code for leaf in reg.pack(pack).leaves()]
    for r in got:
        assert {c: r[c] for c in texts} == want[r["project_id"]], r["project_id"]


def test_a_chunk_holds_its_texts_as_codes(portfolios):
    from jixiao.batch import make_plan, score_chunk

    p = portfolios["pefa-2016"]
    pf = read_portfolio(p)
    plan = make_plan("pefa-2016", list(pf.columns), str(p), registry=Registry(), ignore_columns=(),
                     fill_from_template=False, lang="en", keep=(), group_by=None, suffix=".parquet")
    res = score_chunk(plan, pf)
    assert set(res.texts) == set(plan.codes)
    for m in res.texts.values():
        assert isinstance(m, Marks) and m.codes.dtype == np.int16 and len(m.codes) == res.table.num_rows
        assert (m.codes >= 0).all() and len(m.labels) <= 7


def test_result_table_writes_numbers_where_a_text_leaf_has_none():
    """A text leaf's row without a text (code −1: the engine gave a number) shows the number as the score
    columns print it, digit for digit as Decimal's text."""
    v = np.array([150, -50, 0, 7, 123456789, -1], dtype=np.int64)
    codes = np.array([0, -1, 1, -1, -1, 0], dtype=np.int32)
    t = pa.table({"project_id": pa.array([f"P{i}" for i in range(6)]), "row": pa.array(np.arange(6)),
                  "total": pa.array(np.zeros(6, dtype=np.int64)), "grade": pa.array([None] * 6, pa.string()),
                  "C1": pa.array(v), TEXT_CODES + "C1": pa.array(codes)})
    plan = SimpleNamespace(sp=2, kept=[], has_total=False, codes=["C1"])
    got = result_table(plan, t, 0, None, {"C1": ["A", "B"]}).column("C1").to_pylist()
    num = [f"{Decimal(int(x)).scaleb(-2):f}" for x in v]
    assert got == ["A", num[1], "B", num[3], num[4], "A"]
    assert result_table(plan, t.drop_columns([TEXT_CODES + "C1"]), 0, None, {"C1": []}).column("C1").to_pylist() == num


def test_spill_takes_columns_first_met_in_a_later_chunk(tmp_path, monkeypatch):
    """A leaf the engine first gives a text in a later chunk adds a code column: the earlier rows (held or
    already in a spill file) read back with −1 there."""
    monkeypatch.setattr(_Spill, "LIMIT", 5)

    def chunk(start, extra):
        t = pa.table({"x": pa.array(np.arange(start, start + 4, dtype=np.int64))})
        for name in extra:
            t = t.append_column(name, pa.array(np.full(4, 1, dtype=np.int32)))
        return t

    with _Spill(str(tmp_path / "out.csv")) as spill:
        for start, extra in ((0, []), (4, ["a"]), (8, ["a"]), (12, ["a", "b"]), (16, ["a", "b"])):
            spill.add(chunk(start, extra))
        assert len(spill.paths) == 2
        got = pa.concat_tables(list(spill.tables(3)))
    assert got.column_names == ["x", "a", "b"]
    assert got.column("x").to_pylist() == list(range(20))
    assert got.column("a").to_pylist() == [-1] * 4 + [1] * 16
    assert got.column("b").to_pylist() == [-1] * 12 + [1] * 8
    assert not list(tmp_path.glob(".jixiao-batch-*"))


def test_archive_refuses_a_mark_at_its_first_row(tmp_path, portfolios):
    """The archive keeps numbers: a text leaf's first row (in file order) is named, whatever the chunks, as a
    configuration error (exit 2) raised when the first chunk with a mark is scored."""
    from conftest import run_cli

    for chunk in ("65536", "7"):
        out = tmp_path / f"r{chunk}.csv"
        r = run_cli("batch", "pefa-2016", portfolios["pefa-2016"], "-o", out, "--quiet", "--chunk-size", chunk,
                    "--archive", f"sqlite:///{tmp_path / 'a.db'}", "--year", "2023", "--kind", "self")
        assert r.code == 2 and "Traceback" not in r.stderr, r
        assert (": --archive: row 1, column PI-1.1: the archive keeps numeric scores, and pack 'pefa-2016' scores "
                "leaf PI-1.1 as a mark (") in r.stderr, r.stderr
        assert not out.exists()
