"""Issue 14 §4–§5: portfolios read, scored and written in chunks, and chunks scored in parallel (--jobs),
give results, error files and summaries byte-identical to the whole-file run."""

from __future__ import annotations

import csv
import json
import statistics
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from conftest import run_cli
from test_batch import PACK, generate

N = 1500


@pytest.fixture(scope="session")
def portfolios(tmp_path_factory) -> dict[str, Path]:
    """A generated seed portfolio with names, departments (some blank), a few bad rows spread over the
    file (they go to the error file) and rows the engine scores, as Parquet and as CSV."""
    d = tmp_path_factory.mktemp("stream")
    t = pq.read_table(generate(N, d / "g.parquet", seed=11))
    depts = pa.array([None if i % 97 == 0 else f"部门{i % 7}" for i in range(N)], pa.string())
    names = pa.array([f"项目 {i}" if i % 5 else "=HYPERLINK(1)" for i in range(N)], pa.string())
    t = t.append_column("项目名称", names).append_column("department", depts)
    done = t.column("spot_check_done").combine_chunks().to_pylist()
    for i in (3, 700, 1499):
        done[i] = -5  # a negative count: the row's error, through the engine
    t = t.set_column(t.column_names.index("spot_check_done"), "spot_check_done", pa.array(done, pa.int64()))
    rating = t.column("rating.A11").combine_chunks().cast(pa.string()).to_pylist()
    for i in range(0, N, 113):
        rating[i] = "80%"  # text: this column takes the text path, these rows the fast path still
    t = t.set_column(t.column_names.index("rating.A11"), "rating.A11", pa.array(rating, pa.string()))
    pq.write_table(t, d / "p.parquet")
    pcsv.write_csv(t, d / "p.csv")
    return {"parquet": d / "p.parquet", "csv": d / "p.csv"}


def run(portfolio: Path, out: Path, *extra: str) -> dict[str, bytes]:
    r = run_cli("batch", PACK, portfolio, "-o", out, "--summary", out.with_suffix(".json"), "--errors",
                out.with_suffix(".errors.csv"), "--group-by", "department", "--quiet", *extra)
    assert r.code == 3, r  # the three bad rows
    assert "Traceback" not in r.stderr
    return {p.name.split(".", 1)[1]: p.read_bytes()
            for p in (out, out.with_suffix(".json"), out.with_suffix(".errors.csv"))}


@pytest.fixture(scope="session")
def whole(portfolios, tmp_path_factory) -> dict[str, dict[str, bytes]]:
    d = tmp_path_factory.mktemp("whole")
    return {kind: run(p, d / f"r-{kind}.{suffix}", "--jobs", "1") for kind, p in portfolios.items()
            for suffix in ["csv" if kind == "csv" else "parquet"]}


@pytest.mark.parametrize("kind", ["parquet", "csv"])
@pytest.mark.parametrize("extra", [("--chunk-size", "97"), ("--chunk-size", "1"), ("--chunk-size", "200", "--jobs", "2")],
                         ids=["chunks-97-default-jobs", "chunks-1-default-jobs", "jobs-2"])
def test_chunked_and_parallel_runs_are_byte_identical(portfolios, whole, tmp_path, kind, extra):
    suffix = "csv" if kind == "csv" else "parquet"
    got = run(portfolios[kind], tmp_path / f"r.{suffix}", *extra)
    assert got == whole[kind]


def test_the_whole_run_is_right(portfolios, whole, tmp_path):
    """The figures the chunks are merged into, recomputed here from the results file."""
    out = tmp_path / "r.csv"
    out.write_bytes(whole["csv"]["csv"])
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    summary = json.loads(whole["csv"]["json"])
    assert summary["scored"] == len(rows) == N - 3
    assert summary["failed"] == 3
    totals = [Decimal(r["total"]) for r in rows]
    assert Decimal(summary["total"]["median"]) == statistics.median(totals)
    assert Decimal(summary["total"]["mean"]) == (sum(totals) / len(totals)).quantize(Decimal("0.0001"))
    ranked = sorted(rows, key=lambda r: -Decimal(r["total"]))
    assert [e["project_id"] for e in summary["top"]] == [r["project_id"] for r in ranked[:10]]
    assert [e["name"] for e in summary["top"]] == [r["项目名称"].removeprefix("'") for r in ranked[:10]]
    higher = sorted(totals, reverse=True)
    assert all(int(r["rank"]) == higher.index(Decimal(r["total"])) + 1 for r in rows[:200])
    g = summary["groups"]
    assert sum(v["count"] for v in g.values()) == len(rows)
    d3 = [Decimal(r["total"]) for r in rows if r["department"] == "部门3"]
    assert Decimal(g["部门3"]["total_median"]) == statistics.median(d3)
    assert "（空）" in g
    errs = whole["csv"]["errors.csv"].decode("utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in errs[1:]] == ["5", "702", "1501"]  # file lines of rows 3, 700, 1499


def test_duplicate_id_in_another_chunk_names_both_rows(portfolios, tmp_path):
    t = pq.read_table(portfolios["parquet"])
    ids = t.column("project_id").combine_chunks().to_pylist()
    ids[1200] = ids[10]
    t = t.set_column(0, "project_id", pa.array(ids, pa.string()))
    for suffix in ("parquet", "csv"):
        p = tmp_path / f"d.{suffix}"
        (pq.write_table if suffix == "parquet" else pcsv.write_csv)(t, p)
        r = run_cli("batch", PACK, p, "-o", tmp_path / "r.csv", "--chunk-size", "100", "--quiet")
        first, second = (11, 1201) if suffix == "parquet" else (12, 1202)
        assert r.code == 3, r
        assert f"row {second}, column project_id" in r.stderr and f"also row {first}" in r.stderr, r.stderr
        assert not (tmp_path / "r.csv").exists()


def test_a_ragged_row_late_in_a_streamed_csv_is_located(portfolios, tmp_path):
    lines = portfolios["csv"].read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1400] = lines[1400].rsplit(",", 1)[0] + "\n"
    p = tmp_path / "ragged.csv"
    p.write_text("".join(lines), encoding="utf-8")
    r = run_cli("batch", PACK, p, "-o", tmp_path / "r.csv", "--chunk-size", "100", "--quiet")
    assert r.code == 3 and "line 1401" in r.stderr and "cell(s) where the header" in r.stderr, r
    assert not (tmp_path / "r.csv").exists()


def test_no_temporary_file_is_left(portfolios, tmp_path):
    r = run_cli("batch", PACK, portfolios["parquet"], "-o", tmp_path / "r.parquet", "--chunk-size", "50", "--quiet")
    assert r.code == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.errors.csv", "r.parquet"]
    assert pc.sum(pq.read_table(tmp_path / "r.parquet").column("rank")).as_py() > 0


@pytest.mark.parametrize("option", ["--chunk-size", "--jobs"])
def test_bad_chunk_size_and_jobs(tmp_path, portfolios, option):
    r = run_cli("batch", PACK, portfolios["parquet"], "-o", tmp_path / "r.csv", option,
                "0" if option == "--chunk-size" else "-1")
    assert r.code == 2 and option in r.stderr, r


def _colliding(key):
    """Every id of one length gets the same hash: each such pair is a collision the check must settle by text."""
    import numpy as np

    return np.array([len(v) for v in key.to_pylist()], dtype=np.uint64)


@pytest.mark.parametrize("chunk", [1, 97, 5000])
def test_colliding_hashes_of_different_ids_are_no_duplicate(portfolios, tmp_path, monkeypatch, chunk):
    from jixiao import batch

    monkeypatch.setattr(batch, "id_hashes", _colliding)
    out = tmp_path / "r.parquet"
    got = batch.run_batch(PACK, str(portfolios["parquet"]), str(out), chunk_rows=chunk)
    assert got.scored == N - 3
    assert pq.read_table(out).column("project_id").to_pylist() == [
        v for i, v in enumerate(pq.read_table(portfolios["parquet"]).column("project_id").to_pylist())
        if i not in (3, 700, 1499)]


@pytest.mark.parametrize("suffix", ["parquet", "csv"])
@pytest.mark.parametrize("collide", [False, True], ids=["hashes", "all-colliding"])
def test_first_duplicate_in_file_order_and_blank_before_it(portfolios, tmp_path, monkeypatch, suffix, collide):
    """Two duplicates (the later-starting pair is found first in file order) and a blank id: the message is
    that of the whole-file check, whatever the hashes do."""
    from jixiao import batch
    from jixiao.errors import DataError

    if collide:
        monkeypatch.setattr(batch, "id_hashes", _colliding)
    t = pq.read_table(portfolios["parquet"])
    base = t.column("project_id").combine_chunks().to_pylist()
    head = 1 if suffix == "csv" else 0

    def write(ids):
        p = tmp_path / f"d.{suffix}"
        u = t.set_column(0, "project_id", pa.array(ids, pa.string()))
        (pq.write_table if suffix == "parquet" else pcsv.write_csv)(u, p)
        return p

    ids = list(base)
    ids[900] = ids[5]
    ids[600] = " " + ids[400] + " "  # equal once trimmed; reached first in file order (row 600 < 900)
    with pytest.raises(DataError) as e:
        batch.run_batch(PACK, str(write(ids)), str(tmp_path / "r.csv"), chunk_rows=97)
    assert e.value.path == f"row {601 + head}, column project_id"
    assert f"duplicate project_id {base[400]!r} (also row {401 + head})" in str(e.value)
    ids[300] = "  "
    with pytest.raises(DataError) as e:
        batch.run_batch(PACK, str(write(ids)), str(tmp_path / "r.csv"), chunk_rows=97)
    assert e.value.path == f"row {301 + head}, column project_id" and "blank project_id" in str(e.value)
    assert not (tmp_path / "r.csv").exists()


# Issue 14 §4: a CSV in another encoding is checked in one streaming pass, then read by Arrow's streaming
# reader transcoding as it goes — the same rows, errors and summary as the UTF-8 file.

ENCODED = {"gbk": ("gbk", ()), "gb18030-forced": ("gb18030", ("--encoding", "gb18030")),
           "utf-16-bom": ("utf-16", ()), "utf-16-le-forced": ("utf-16-le", ("--encoding", "utf-16-le"))}


@pytest.fixture(scope="session")
def encoded(portfolios, tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("enc")
    text = portfolios["csv"].read_text(encoding="utf-8")
    assert "项目" in text and "部门" in text
    out = {}
    for kind, (codec, _) in ENCODED.items():
        out[kind] = d / f"{kind}.csv"
        out[kind].write_bytes(text.encode(codec))  # "utf-16": a byte-order mark before the header
    assert out["utf-16-bom"].read_bytes()[:2] == b"\xff\xfe"
    return out


@pytest.mark.parametrize("kind", list(ENCODED))
def test_an_encoded_csv_is_streamed(encoded, kind):
    from jixiao.batch.portfolio import PortfolioSource

    forced = ENCODED[kind][1]
    src = PortfolioSource(encoded[kind], encoding=forced[1] if forced else None,
                          chunk_rows=97)
    assert src.whole is None and src.n == N  # not read whole
    parts = list(src.chunks())
    assert [p.n for p in parts[:2]] == [97, 97] and sum(p.n for p in parts) == N
    assert parts[0].cell("项目名称", 1) == "项目 1" and parts[-1].row_number(parts[-1].n - 1) == N + 1


@pytest.mark.parametrize("kind", list(ENCODED))
@pytest.mark.parametrize("extra", [(), ("--chunk-size", "97"), ("--chunk-size", "1")], ids=["whole", "chunks-97", "chunks-1"])
def test_encoded_csv_runs_are_byte_identical_to_utf8(encoded, whole, tmp_path, kind, extra):
    got = run(encoded[kind], tmp_path / "r.csv", *ENCODED[kind][1], *extra)
    assert got == whole["csv"]


def test_a_detected_gbk_csv_asks_the_big5_guess_about_its_head_only(encoded, monkeypatch):
    """Issue 14 §4: GBK bytes that also read as Big5 are told apart by charset-normalizer, asked about the
    file's first jixiao.io.BIG5_GUESS_BYTES (cut after a line end), never the whole bytes — by the
    streaming check and by the whole-file reader alike, so both pick the same encoding."""
    import charset_normalizer

    from jixiao import io
    from jixiao.batch.portfolio import PortfolioSource, read_portfolio

    asked: list[bytes] = []
    real = charset_normalizer.from_bytes
    monkeypatch.setattr(charset_normalizer, "from_bytes", lambda data, *a, **k: asked.append(bytes(data)) or real(data, *a, **k))
    monkeypatch.setattr(io, "BIG5_GUESS_BYTES", 1 << 14)
    data = encoded["gbk"].read_bytes()
    data.decode("big5")  # these GBK bytes read as Big5 too: the guess is asked
    assert len(data) > 4 << 14
    head = data[:1 << 14]
    src = PortfolioSource(encoded["gbk"], chunk_rows=97)
    assert src.whole is None and src._encoding == "gb18030"  # streamed, not read whole
    assert asked == [head[:head.rfind(b"\n") + 1]]
    whole = read_portfolio(encoded["gbk"])
    assert asked[1:] == asked[:1]  # the whole-file reader asks the same question
    streamed = pa.concat_tables(pa.table(p.columns) for p in src.chunks())
    assert streamed.equals(pa.table(whole.columns))
    assert whole.cell("项目名称", 1) == "项目 1"


@pytest.mark.parametrize("forced", [False, True], ids=["detected", "forced"])
def test_an_invalid_gbk_byte_late_in_the_file_is_located_with_chunks(portfolios, tmp_path, forced):
    lines = portfolios["csv"].read_text(encoding="utf-8").encode("gbk").splitlines(keepends=True)
    lines[1300] = lines[1300].replace("项目".encode("gbk"), b"\xff\xfe", 1)  # file line 1301
    assert b"\xff" in lines[1300]
    p = tmp_path / "bad.csv"
    p.write_bytes(b"".join(lines))
    extra = ("--encoding", "gbk") if forced else ()
    r = run_cli("batch", PACK, p, "-o", tmp_path / "r.csv", "--chunk-size", "97", "--quiet", *extra)
    assert r.code == 3 and "cannot be read as" in r.stderr and "Traceback" not in r.stderr, r
    assert ("forced by --encoding" in r.stderr) == forced
    # Forced or detected, the line of the bad byte (detected: where GB18030, the decoding that reads
    # furthest, stops — not the header's first Chinese character, where UTF-8 stops).
    assert f"{p}: line 1301: byte 0xff" in r.stderr, r.stderr
    from jixiao.batch.portfolio import read_portfolio
    from jixiao.errors import DataError

    with pytest.raises(DataError) as e:
        read_portfolio(p, encoding="gbk" if forced else None)
    assert str(e.value) in r.stderr
    assert not (tmp_path / "r.csv").exists()


def test_an_encoded_csv_with_a_blank_line_keeps_its_line_numbers(portfolios, tmp_path):
    """A blank line: the streaming check sends the file to the Python text path, which counts it."""
    lines = portfolios["csv"].read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(300, "\n")
    p = tmp_path / "blank.csv"
    p.write_bytes("".join(lines).encode("utf-16"))
    got = run(p, tmp_path / "r.csv", "--chunk-size", "97")
    errs = got["errors.csv"].decode("utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in errs[1:]] == ["5", "703", "1502"]
