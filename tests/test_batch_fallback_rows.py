"""A chunk that sends a few of its rows to the per-row engine hands it those rows alone
(:meth:`Portfolio.take`), and nothing a user sees changes: the rows' scores, their row numbers and
columns in the error file, the summary.

The portfolio is a GBK CSV as a finance bureau's export is: amounts written with thousands
separators in a few rows (the columnar reader leaves them to the engine, which reads ``1,234.50``),
a negative count in one (refused, with its row and column), everything else plain. It is run whole
(one chunk: the few-rows path), in chunks of 50 (one or two engine rows a chunk) and in chunks of 1
(a one-row chunk hands the engine the chunk itself), with one and two threads; every output must be
byte-identical, and the engine's rows must score what the same numbers written plainly score.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from conftest import run_cli
from test_batch import PACK, generate

N = 240
SEPARATED = (4, 117, 239)  # rows whose budget[1].budget is written 1,234.50
NEGATIVE = 150  # spot_check_done = -3


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("fallback")
    t = pq.read_table(generate(N, d / "g.parquet", seed=5))
    plain = d / "plain.csv"
    pcsv.write_csv(t, plain)
    with plain.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    header = list(rows[0])
    for i in SEPARATED:
        rows[i]["budget[1].budget"] = f"{float(rows[i]['budget[1].budget']) + 1000:,.2f}"
    plain_rows = [dict(r) for r in rows]
    for i in SEPARATED:
        plain_rows[i]["budget[1].budget"] = rows[i]["budget[1].budget"].replace(",", "")
    rows[NEGATIVE]["spot_check_done"] = "-3"
    plain_rows[NEGATIVE]["spot_check_done"] = "-3"
    out = {}
    for name, data in (("separated", rows), ("plain", plain_rows)):
        path = d / f"{name}.csv"
        with path.open("w", encoding="gbk", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=header)
            w.writeheader()
            w.writerows(data)
        out[name] = path
    return out


def _run(portfolio: Path, out: Path, *extra: str) -> dict[str, bytes]:
    r = run_cli("batch", PACK, portfolio, "-o", out, "--summary", out.with_suffix(".json"), "--errors",
                out.with_suffix(".errors.csv"), "--quiet", *extra)
    assert r.code == 3, r  # the negative count
    assert "Traceback" not in r.stderr
    return {p.name.split(".", 1)[1]: p.read_bytes()
            for p in (out, out.with_suffix(".json"), out.with_suffix(".errors.csv"))}


def test_a_chunks_few_engine_rows_give_what_every_chunking_gives(files, tmp_path):
    whole = _run(files["separated"], tmp_path / "whole.csv", "--jobs", "1")
    summary = json.loads(whole["json"])
    assert summary["evaluated_by_engine"] >= len(SEPARATED)  # the separated amounts went to the engine
    assert (summary["scored"], summary["failed"]) == (N - 1, 1)
    for extra in (("--chunk-size", "50"), ("--chunk-size", "1"), ("--chunk-size", "50", "--jobs", "2")):
        assert _run(files["separated"], tmp_path / f"r{'-'.join(extra)}.csv", *extra) == whole, extra

    lines = list(csv.DictReader(whole["errors.csv"].decode("utf-8-sig").splitlines()))
    assert len(lines) == 1
    # the file's line: header is line 1, row i is line i + 2
    assert (lines[0]["row"], lines[0]["column"]) == (str(NEGATIVE + 2), "spot_check_done"), lines[0]
    assert "negative" in lines[0]["message"]

    # the engine's rows score what the same amounts written without separators score
    plain = _run(files["plain"], tmp_path / "plain.csv", "--jobs", "1")
    assert plain["csv"] == whole["csv"]
