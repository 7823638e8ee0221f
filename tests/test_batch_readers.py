"""Portfolio readers at columnar speed (issue 14 §1): Arrow's CSV parser and typed conversion for clean
files, the Python text path only where a file or a column needs it — same values, same row numbers."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from jixiao.batch.portfolio import _read_csv, parse_fixed, read_portfolio
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
    table2, numbers, _ = _read_csv(p, None)
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
