"""Portfolio readers at columnar speed (issue 14 §1): Arrow's CSV parser and typed conversion for clean
files, the Python text path only where a file or a column needs it — same values, same row numbers."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jixiao.batch.output import decimal_array, decimal_text
from jixiao.batch.portfolio import Portfolio, _read_csv, _scan_utf8_csv, parse_fixed, read_portfolio
from jixiao.io import read_csv_arrow, read_csv_rows
from jixiao.numbers import to_decimal

HEADER = "project_id,budget[1].budget,spot_check_done,rating.A11,name\n"
ROWS = ['p1,100.50,3,80%,"a, b"\n', "p2,,4,90%,  \n", 'p3,7,5,100%,"=1+1"\n']


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "p.csv") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def python_columns(path: Path) -> dict[str, list[str | None]]:
    t = read_csv_rows(path, what="portfolio")
    return {h: [rec[j] if rec[j].strip() else None for _, rec in t.rows] for j, h in enumerate(t.header)}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_clean_file_is_read_by_arrow_with_the_text_paths_values(tmp_path, encoding):
    text = HEADER.replace("name", "项目名称") + "".join(ROWS).replace("a, b", "甲, 乙")
    p = write(tmp_path, text, encoding)
    fast = read_csv_arrow(p, what="portfolio")
    assert fast is not None, "a clean file must take Arrow's path"
    table, enc = fast
    assert enc.replace("-sig", "").startswith(encoding.replace("-sig", "")) or (encoding, enc) == ("gb18030", "gbk")
    assert {c: table.column(c).to_pylist() for c in table.column_names} == python_columns(p)
    _, numbers, _ = _read_csv(p, None)
    assert numbers is None  # records are the file lines 2, 3, 4


@pytest.mark.parametrize("text", [
    HEADER + ROWS[0] + "\n" + ROWS[1],             # a blank line: line numbers need the text path
    HEADER + 'p1,1,2,3%,"two\nlines"\n',             # a value over two lines
    "\n" + HEADER + ROWS[0],                          # a blank first line
    HEADER + "p1,1,2\n",                              # ragged: the text path names the line
    HEADER.replace("name", "spot_check_done") + ROWS[0],  # duplicate column
    HEADER.rstrip("\n") + ",\n" + ROWS[0].rstrip("\n") + ",\n",  # unnamed column
    HEADER + "p1,1,2,3%,x\x00y\n",                    # NUL
    HEADER + 'p1,1,2,3%,"open\n',                     # unterminated quote
])
def test_unusual_files_take_the_text_path(tmp_path, text):
    assert read_csv_arrow(write(tmp_path, text), what="portfolio") is None


def test_row_numbers_follow_the_file_on_either_path(tmp_path):
    clean = read_portfolio(write(tmp_path, HEADER + "".join(ROWS)))
    gappy = read_portfolio(write(tmp_path, HEADER + ROWS[0] + "\n\n" + "".join(ROWS[1:]), name="q.csv"))
    assert [clean.row_number(i) for i in range(3)] == [2, 3, 4]
    assert [gappy.row_number(i) for i in range(3)] == [2, 5, 6]
    for c in clean.columns:
        assert clean.columns[c].to_pylist() == gappy.columns[c].to_pylist()


CELLS = ["5", "-5", "05", "+5", "0x10", "0X1F", "1e3", "1E-2", "12.5", "12.505", ".5", "5.", "-.5", " 5", "5 ",
         "1,135.00", "80%", "12.5%", "100%", "-0", "9223372036854775807", "99999999999999999", "abc", "１２", "5%%"]


@pytest.mark.parametrize("scale", [0, 2, 4, 6])
@pytest.mark.parametrize("cell", CELLS)
def test_fast_conversion_reads_what_the_engine_reads(cell, scale):
    """A column of one kind of cell: either the fast path reads it exactly as the engine does, or it
    leaves the row to the engine (ok False) — never a different figure."""
    arr = pa.array([cell, cell, None], pa.string())
    present = np.array([True, True, False])
    fixed, _, ok = parse_fixed(arr, scale, present)
    assert ok[2]
    try:
        want = to_decimal(cell)
    except Exception:  # noqa: BLE001 - the engine refuses it: the fast path must leave it to the engine
        want = None
    for i in range(2):
        if ok[i]:
            assert want is not None, (cell, scale)
            assert Decimal(int(fixed.v[i])).scaleb(-scale) == want, (cell, scale)


MIXED = st.one_of(st.sampled_from([*CELLS, "", " ", "\u3000", "\t7", "1.50", "-2.25", "0.000001", "７"]),
                  st.from_regex(r"-?[0-9]{1,19}(\.[0-9]{1,7})?", fullmatch=True), st.none())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=st.lists(MIXED, min_size=1, max_size=12), scale=st.sampled_from([0, 2, 4, 6]), cut=st.integers(0, 2))
def test_byte_level_checks_agree_with_the_kernels(cells, scale, cut):
    """present/percent/parse_fixed decide from a column's bytes what they used to ask Arrow kernels cell by
    cell (spaces, "%", ".", "0x"): on any mix of cells, sliced or not, the same blanks and percentages,
    and a value only where the engine reads the same one."""
    arr = pa.array(cells, pa.string())
    arr = arr.slice(min(cut, len(arr) - 1))
    p = Portfolio(Path("p.csv"), pa.table({"c": arr}), header_rows=1)
    trimmed = pc.utf8_trim_whitespace(arr)
    want_present = [v is not None and v.strip() != "" for v in trimmed.to_pylist()]
    assert p.present("c").tolist() == want_present
    hit = pc.or_(pc.or_(pc.ends_with(trimmed, "%"), pc.ends_with(trimmed, "％")), pc.ends_with(trimmed, "‰"))
    assert p.percent("c").tolist() == hit.fill_null(False).to_pylist()
    fixed, _, ok = parse_fixed(arr, scale, p.present("c"))
    for i, cell in enumerate(arr.to_pylist()):
        if ok[i] and want_present[i]:
            assert Decimal(int(fixed.v[i])).scaleb(-scale) == to_decimal(cell), (cell, scale)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.one_of(st.none(), st.integers(-10**17, 10**17), st.integers(-300, 300),
                                 st.integers(2**63 - 5000, 2**63 - 1), st.integers(-(2**63), -(2**63) + 5000),
                                 st.integers(2**62 - 5000, 2**62 + 5000)), min_size=1, max_size=40),
       scale=st.sampled_from([0, 1, 2, 4, 6]))
def test_score_text_is_the_casts_text(values, scale):
    """CSV scores take their text from a table of the column's range: the same characters as Arrow's cast."""
    v = np.array([0 if x is None else x for x in values], dtype=np.int64)
    arr = decimal_array(v, scale, np.array([x is not None for x in values]))
    assert decimal_text(arr).to_pylist() == pc.cast(arr, pa.string()).to_pylist()
    assert decimal_text(pa.chunked_array([arr, arr])).to_pylist() == pc.cast(arr, pa.string()).to_pylist() * 2


PIECES = [b"a", b"1", b",", b"\n", b"\r\n", b'"', "中".encode(), b"\xe4", b"\xff", b" ", b"\r", b"\x00", b"\n\n"]


@settings(max_examples=400, deadline=None)
@given(parts=st.lists(st.sampled_from(PIECES), max_size=40), bom=st.booleans(), block=st.integers(8, 40))
def test_csv_scan_does_not_depend_on_where_blocks_end(tmp_path_factory, parts, bom, block):
    """The streaming CSV pre-scan (UTF-8 by Arrow's validator, blank lines from line-end positions) gives
    the same answer whatever its block size: characters, CR LF pairs and blank lines cut by a block end."""
    p = tmp_path_factory.mktemp("scan") / "p.csv"
    p.write_bytes((b"\xef\xbb\xbf" if bom else b"") + b"h1,h2\n" + b"".join(parts))
    whole = _scan_utf8_csv(p)
    assert _scan_utf8_csv(p, block_size=block) == whole
    data = p.read_bytes().removeprefix(b"\xef\xbb\xbf")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        assert whole is None
    if b"\n\n" in data or b"\n\r\n" in data or b"\x00" in data:
        assert whole is None


@pytest.mark.parametrize("values", [[2**63 - 1, 2**63 - 4000, 2**63 - 2], [-(2**63) + 1, -(2**63) + 3000],
                                    [2**62 + 5, 2**62 - 5], [0, 4095, 4096, 8191], [-1, -4096, -4097]])
def test_score_text_at_the_ends_of_int64_and_at_block_edges(values):
    """The text table is widened to whole 4,096-value blocks (shared by a column's chunks); at the ends of
    int64 the widened range still holds (2^63 is a multiple of the block)."""
    for scale in (0, 2):
        arr = decimal_array(np.array(values, dtype=np.int64), scale)
        assert decimal_text(arr).to_pylist() == pc.cast(arr, pa.string()).to_pylist()
