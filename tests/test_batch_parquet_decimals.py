"""Parquet results get their scores as decimal64, the int64 values themselves, where Arrow's Parquet
writer takes them (Arrow 22): the file is byte for byte the one decimal128 columns give — the stored Arrow
schema included, so every reader still sees decimal128(18, s) — with the 16-byte values and the writer's
conversion back to int64 gone."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import ROOT
from jixiao.batch import output, run_batch
from jixiao.batch.output import decimal_array, int64_array, write_results

pytestmark = pytest.mark.skipif(not output.PARQUET_DECIMAL64, reason="needs pyarrow >= 22 (decimal64 in Parquet)")


@pytest.fixture(scope="module")
def seed_portfolio(tmp_path_factory):
    out = tmp_path_factory.mktemp("decimals") / "seed.parquet"
    gen = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "2000", "--pack", "seed",
                          "-o", str(out), "--seed", "5"], capture_output=True, text=True, check=False)
    assert gen.returncode == 0, gen.stderr
    return out


def _results(n: int, start: int, bits: int) -> pa.Table:
    i = np.arange(start, start + n, dtype=np.int64)
    valid = i % 7 != 3  # some totals missing (a template without one)
    return pa.table({
        "project_id": pa.array([f"P{k:06d}" for k in i]),
        # kept columns of the kinds portfolios carry, which only the stored schema restores exactly
        "名称": pa.array([f"项目{k}" for k in i], pa.large_string()),
        "区县": pa.array(["浦东", "黄浦", None][k % 3] for k in i).dictionary_encode(),
        "立项日期": pa.array([dt.date(2024, 1, 1) + dt.timedelta(days=int(k % 300)) for k in i], pa.date32()),
        "更新时间": pa.array([dt.datetime(2024, 5, 1, 8) + dt.timedelta(minutes=int(k)) for k in i],
                          pa.timestamp("ms", tz="Asia/Shanghai")),
        "重点": pa.array([bool(k % 2) for k in i]),
        "预算万元": pa.array([Decimal(int(k)).scaleb(-2) for k in i], pa.decimal64(12, 2)),  # the user's own
        "系数": pa.array([k / 8 for k in i], pa.float64()),
        "row": int64_array(i + 2),
        "total": decimal_array(np.where(valid, (i * 37) % 10_001, 0), 2, valid, bits=bits),
        "grade": pa.array(["优", "良", "中", "差"][k % 4] for k in i),
        "rank": int64_array((i * 13) % n + 1),
        "B11": decimal_array(-(i % 500), 2, bits=bits),            # negative scores too
        "C21": decimal_array((i % 3) * 12_345, 4, bits=bits),      # another scale
    })


def test_decimal64_results_are_the_decimal128_file_byte_for_byte(tmp_path):
    files = {}
    for bits in (128, 64):
        out = tmp_path / f"r{bits}.parquet"
        parts = [_results(1000, 0, bits), _results(500, 1000, bits)]
        write_results(str(out), ".parquet", parts[0].column_names, lambda parts=parts: iter(parts),
                      ["total", "B11", "C21"], 2, 1500, lambda k: None)
        files[bits] = out.read_bytes()
    assert files[64] == files[128]
    back = pq.read_table(tmp_path / "r64.parquet")
    expected = pa.concat_tables([_results(1000, 0, 128), _results(500, 1000, 128)])
    assert back.schema == expected.schema
    assert back.schema.field("total").type == pa.decimal128(18, 2)
    assert back.schema.field("更新时间").type == pa.timestamp("ms", tz="Asia/Shanghai")
    assert back.schema.field("预算万元").type == pa.decimal64(12, 2)  # a kept column keeps its type
    assert back.equals(expected)
    assert back.column("B11")[1].as_py() == Decimal("-0.01") and back.column("total")[3].as_py() is None
    layout = pq.ParquetFile(tmp_path / "r64.parquet").metadata.row_group(0)
    assert {layout.column(i).path_in_schema: layout.column(i).physical_type
            for i in range(layout.num_columns)}["C21"] == "INT64"


def test_the_batch_hands_the_parquet_writer_decimal64_and_other_formats_decimal128(tmp_path, monkeypatch,
                                                                                 seed_portfolio):
    seen: list[pa.Schema] = []
    real = output._parquet_writer
    monkeypatch.setattr(output, "_parquet_writer",
                        lambda tmp, schema, scores: seen.append(schema) or real(tmp, schema, scores))
    out = tmp_path / "r.parquet"
    run_batch("shanghai-consumer-protection-2018", str(seed_portfolio), str(out), chunk_rows=700, jobs=2)
    assert [seen[0].field(c).type for c in ("total", "B11")] == [pa.decimal64(18, 2)] * 2
    table = pq.read_table(out)
    assert [table.schema.field(c).type for c in ("total", "B11")] == [pa.decimal128(18, 2)] * 2
    # Every other format still gets decimal128 (CSV's texts are cast from it), with the same numbers.
    run_batch("shanghai-consumer-protection-2018", str(seed_portfolio), str(tmp_path / "r.csv"), chunk_rows=700)
    with open(tmp_path / "r.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [Decimal(r["total"]) for r in rows] == table.column("total").to_pylist()
    assert [Decimal(r["B11"]) for r in rows] == table.column("B11").to_pylist()
    assert len(seen) == 1
