"""Scored rows held for the second pass (the ranks need every total first) are kept in memory as the
narrowest integers that hold them, so a million seed projects are never compressed to a spill file and
read back — and whether rows were held narrowed, spilled wide, or first one then the other, the results
file, the summary and the error file are the same bytes."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pyarrow as pa
import pytest

from conftest import ROOT
from jixiao.batch import _Spill, narrowed, run_batch


def _table(start: int, n: int) -> pa.Table:
    i = np.arange(start, start + n, dtype=np.int64)
    return pa.table({
        "project_id": pa.array([f"P{k:06d}" for k in i]),
        "row": pa.array(i + 2),                                   # small: int16, then int32 past 32,767
        "total": pa.array(i % 10_001),                           # a 100-point total at 2 places: int16
        "money": pa.array(i * 1_000_003 - 5),                    # an amount in fen: int32, then int64
        "wide": pa.array(i + 2**40),                             # never narrower than int64
        "gaps": pa.array([None if k % 3 == 0 else int(k) for k in i], pa.int64()),  # nulls: left alone
        "grade": pa.array(["良"] * n),
    })


def test_narrowed_keeps_every_value_in_the_narrowest_integers():
    t = _table(0, 1000)
    small = narrowed(t)
    assert [small.schema.field(c).type for c in t.column_names] == [
        pa.string(), pa.int16(), pa.int16(), pa.int32(), pa.int64(), pa.int64(), pa.string()]
    assert small.nbytes < t.nbytes
    assert small.cast(t.schema).equals(t)
    edge = pa.table({"a": pa.array([-32768, 32767], pa.int64()), "b": pa.array([-32769, 0], pa.int64()),
                     "c": pa.array([0, 2**31], pa.int64())})
    assert [f.type for f in narrowed(edge).schema] == [pa.int16(), pa.int32(), pa.int64()]
    assert narrowed(edge).cast(edge.schema).equals(edge)
    empty = pa.table({"e": pa.array([], pa.int64())})
    assert narrowed(empty).equals(empty)


@pytest.mark.parametrize("limit", [10**9, 2500, 0], ids=["held", "held-then-spilled", "spilled"])
def test_held_rows_read_back_as_they_came(tmp_path, monkeypatch, limit):
    """Rows held narrowed, spilled wide, or held and then spilled come back in order with the first chunk's
    schema and every value, in tables of the asked size."""
    monkeypatch.setattr(_Spill, "LIMIT", limit)
    chunks = [_table(s, n) for s, n in ((0, 1000), (1000, 1700), (2700, 40_000))]
    with _Spill(str(tmp_path / "out.parquet")) as spill:
        for t in chunks:
            spill.add(t)
        if limit == 10**9:
            assert not spill.paths and all(h.schema.field("total").type == pa.int16() for h in spill.held)
        else:
            assert spill.paths
        got = list(spill.tables(4096))
    assert {t.num_rows for t in got[:-1]} == {4096}
    assert all(t.schema == chunks[0].schema for t in got)
    assert pa.concat_tables(got).equals(pa.concat_tables(chunks))
    assert not list(tmp_path.glob(".jixiao-batch-*"))


@pytest.fixture(scope="module")
def seed_portfolio(tmp_path_factory):
    d = tmp_path_factory.mktemp("held")
    out = d / "seed.parquet"
    gen = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "3000", "--pack", "seed",
                          "-o", str(out), "--seed", "11"], capture_output=True, text=True, check=False)
    assert gen.returncode == 0, gen.stderr
    return out


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_held_or_spilled_the_outputs_are_the_same_bytes(tmp_path, monkeypatch, seed_portfolio, suffix):
    runs = {}
    for tag, limit, chunk in (("held", _Spill.LIMIT, 700), ("half", 1400, 700), ("spilled", 0, 700)):
        monkeypatch.setattr(_Spill, "LIMIT", limit)
        out, summary = tmp_path / f"{tag}{suffix}", tmp_path / f"{tag}.json"
        o = run_batch("shanghai-consumer-protection-2018", str(seed_portfolio), str(out),
                      summary_path=str(summary), chunk_rows=chunk, jobs=2)
        assert o.scored == 3000
        runs[tag] = (out.read_bytes(), summary.read_bytes())
    assert runs["held"] == runs["half"] == runs["spilled"]
