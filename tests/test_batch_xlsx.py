"""Issue 14 §1 (XLSX): the batch XLSX reader through calamine gives the table the openpyxl reader gave —
numbers exactly as stored, text, booleans, dates, merged cells, blank formatted rows skipped with the
sheet's row numbers kept — and finds what calamine cannot see (formulas without a saved value, error
cells) with located messages. Real .xlsx files written by openpyxl, or by hand where Excel writes what
openpyxl does not (shared strings, shared formulas, cached error values)."""

from __future__ import annotations

import datetime as dt
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.styles import Font

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import run_cli
from jixiao.batch import xlsx as xlsx_module
from jixiao.batch.portfolio import read_portfolio
from jixiao.batch.xlsx import number_column, number_text, read_xlsx
from jixiao.errors import ConfigError, DataError
from test_batch import PACK, seed_row

# ------------------------------------------------------------------------------------------------
# The openpyxl reader this one replaced (kept here only to compare tables)
# ------------------------------------------------------------------------------------------------


def _old_text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return v if v.strip() else None
    return str(v)


def old_read(p: Path) -> tuple[dict[str, list[str | None]], list[int], dict[int, list[tuple[str, str]]]]:
    wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
    wf = openpyxl.load_workbook(p, read_only=True, data_only=False)
    try:
        rows = wb.worksheets[0].iter_rows(values_only=True)
        frows = wf.worksheets[0].iter_rows(values_only=True)
        header = next(rows)
        next(frows)
        names = ["" if h is None else str(h).strip() for h in header]
        while names and not names[-1]:
            names.pop()
        cols: list[list[str | None]] = [[] for _ in names]
        numbers: list[int] = []
        errs: dict[int, list[tuple[str, str]]] = {}
        for r, row in enumerate(rows, start=2):
            frow = next(frows, None) or ()
            if row is None or all(v is None for v in row):
                continue
            k = len(numbers)
            numbers.append(r)
            for j in range(len(names)):
                v = row[j] if j < len(row) else None
                f = frow[j] if j < len(frow) else None
                if v is None and isinstance(f, str) and f.startswith("="):
                    errs.setdefault(k, []).append((names[j], f"formula {f} has no saved value"))
                cols[j].append(_old_text(v))
    finally:
        wb.close()
        wf.close()
    return {n: c for n, c in zip(names, cols, strict=True) if n}, numbers, errs


def new_read(p: Path, *, fast: bool = True) -> tuple[dict[str, list[str | None]], list[int],
                                                     dict[int, list[tuple[str, str]]]]:
    """The new reader; ``fast=False`` without its fastexcel path (every sheet cell-wise through calamine)."""
    keep = xlsx_module._read_fastexcel
    if not fast:
        xlsx_module._read_fastexcel = lambda *a: None
    try:
        table, numbers, errs = read_xlsx(p)
    finally:
        xlsx_module._read_fastexcel = keep
    return table.to_pydict(), numbers, errs


def took_the_fast_path(p: Path) -> bool:
    calls = []
    keep = xlsx_module._read_fastexcel

    def spy(*a):
        calls.append(out := keep(*a))
        return out

    xlsx_module._read_fastexcel = spy
    try:
        read_xlsx(p)
    finally:
        xlsx_module._read_fastexcel = keep
    return bool(calls) and calls[0] is not None


def save(rows: list[list[Any]], path: Path, edit=None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    if edit is not None:
        edit(ws)
    wb.save(path)
    return path


def same_as_old(p: Path) -> tuple[dict[str, list[str | None]], list[int]]:
    new, old = new_read(p), old_read(p)
    assert new == new_read(p, fast=False)
    assert new[0] == old[0]
    assert new[1] == old[1]
    assert {k: [c for c, _ in v] for k, v in new[2].items()} == {k: [c for c, _ in v] for k, v in old[2].items()}
    return new[0], new[1]


# ------------------------------------------------------------------------------------------------
# The same table as the openpyxl reader
# ------------------------------------------------------------------------------------------------


def test_numbers_read_exactly_as_stored(tmp_path):
    values = [0.1, 1e-7, 123456789.123, 5.0, 5, -0.5, 0.85, 1e20, 2.5e15, 999999999.999999, 1 / 3, 0.0001,
              -1372.29, 0, 12345678901234]
    rows = [["project_id", "x"], *[[f"p{i}", v] for i, v in enumerate(values)]]

    def percent(ws):
        ws["B8"].number_format = "0%"

    cols, numbers = same_as_old(save(rows, tmp_path / "p.xlsx", percent))
    assert cols["x"] == ["0.1", "1e-07", "123456789.123", "5", "5", "-0.5", "0.85", "1e+20", "2500000000000000",
                         "999999999.999999", "0.3333333333333333", "0.0001", "-1372.29", "0", "12345678901234"]
    assert numbers == list(range(2, 2 + len(values)))
    assert took_the_fast_path(tmp_path / "p.xlsx")


def test_text_booleans_dates_merged_cells_and_blank_formatted_rows(tmp_path):
    rows = [["project_id", "name", "flag", "when", "n"],
            ["a", "  padded  ", True, dt.datetime(2024, 1, 2), 1],
            ["b", "   ", False, dt.datetime(2024, 3, 4, 5, 6, 7), 2],
            [],
            ["c", "中文 名称", None, dt.date(2023, 12, 31), None],
            ["d", "x", "TRUE", None, "7"]]

    def edit(ws):
        ws["B4"].font = Font(bold=True)  # a blank row that is only formatted
        ws["A9"].font = Font(italic=True)  # and one below the data
        ws.merge_cells("B7:C7")
        ws["B7"] = "merged"
        ws["A7"] = "e"

    cols, numbers = same_as_old(save(rows, tmp_path / "p.xlsx", edit))
    assert numbers == [2, 3, 5, 6, 7]
    assert cols["name"] == ["  padded  ", None, "中文 名称", "x", "merged"]
    assert cols["flag"] == ["TRUE", "FALSE", None, "TRUE", None]
    assert cols["when"] == ["2024-01-02 00:00:00", "2024-03-04 05:06:07", "2023-12-31 00:00:00", None, None]
    assert cols["n"] == ["1", "2", None, "7", None]
    assert not took_the_fast_path(tmp_path / "p.xlsx")  # dates, and a column of numbers and text


def test_header_checks_and_sheet_rows_as_before(tmp_path):
    # a number as a header name, a nameless column with nothing under it, leading blank rows of data
    rows = [["project_id", 2024, None, "x"], [None, None, None, None], ["a", 1, None, 0.5]]
    cols, numbers = same_as_old(save(rows, tmp_path / "p.xlsx"))
    assert list(cols) == ["project_id", "2024", "x"]
    assert numbers == [3]


_cell = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-10**15, max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300),
    st.decimals(min_value=-10**9, max_value=10**9, places=6, allow_nan=False).map(float),
    st.sampled_from([0.1, 0.5, 0.85, 1e-4, 1e-5, 1e9, 1e15, 0.0, 100.0, 2.675, 1.005]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=6)
    .filter(lambda s: not s.startswith("=") and s not in ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?",
                                                          "#NUM!", "#N/A")),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(_cell, min_size=3, max_size=3), min_size=1, max_size=12))
def test_random_rows_read_as_the_openpyxl_reader_read_them(tmp_path, body):
    p = save([["project_id", "a", "b"], *body], tmp_path / "p.xlsx")
    same_as_old(p)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.floats(allow_nan=False, allow_infinity=False),
                          st.decimals(min_value=-10**12, max_value=10**12, places=7, allow_nan=False).map(float),
                          st.integers(-10**16, 10**16).map(float)), min_size=1, max_size=50))
def test_number_column_is_each_cells_shortest_repr(xs):
    x = np.array(xs, dtype=np.float64)
    empty = np.zeros(len(xs), dtype=bool)
    empty[::7] = True
    got = number_column(np.where(empty, np.nan, x), empty).to_pylist()
    assert got == [None if e else number_text(v) for v, e in zip(xs, empty, strict=True)]


# ------------------------------------------------------------------------------------------------
# Workbooks as Excel writes them: shared strings, shared formulas, cached values, error cells
# ------------------------------------------------------------------------------------------------

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/data.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"""
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="项目" sheetId="1" r:id="rId7"/></sheets></workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/data.xml"/>
<Relationship Id="rId8" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>"""


def excel_workbook(path: Path, sheet_data: str, strings: list[str]) -> Path:
    sst = "".join(f"<si><t xml:space=\"preserve\">{s}</t></si>" for s in strings)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/sharedStrings.xml",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                   '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                   f'count="{len(strings)}" uniqueCount="{len(strings)}">{sst}</sst>')
        z.writestr("xl/worksheets/data.xml",
                   '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                   '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                   f'<dimension ref="A1:D4"/><sheetData>{sheet_data}</sheetData></worksheet>')
    return path


EXCEL_ROWS = (
    '<row r="1" spans="1:4"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
    '<c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c></row>'
    '<row r="2" spans="1:4"><c r="A2" t="s"><v>4</v></c><c r="B2"><v>0.1</v></c>'
    '<c r="C2"><f t="shared" ref="C2:C4" si="0">B2*2</f><v>0.2</v></c>'
    '<c r="D2" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>'
    '<row r="3" spans="1:4"><c r="A3" t="s"><v>5</v></c><c r="B3"><v>0.30000000000000004</v></c>'
    '<c r="C3"><f t="shared" si="0"/></c><c r="D3" t="inlineStr"><is><t>inline</t></is></c></row>'
    '<row r="4" spans="1:4" customFormat="1" s="1"/>'
    '<row r="5" spans="1:4"><c r="A5" t="s"><v>6</v></c><c r="B5"><v>5</v></c>'
    '<c r="C5"><f>SUM(B2:B5)</f></c><c r="D5" t="e"><v>#N/A</v></c></row>'
)


def test_an_excel_written_sheet(tmp_path):
    p = excel_workbook(tmp_path / "p.xlsx", EXCEL_ROWS, ["project_id", "b", "c", "d", "p1", "p2", "p3"])
    table, numbers, errs = read_xlsx(p)
    assert table.to_pydict() == {"project_id": ["p1", "p2", "p3"], "b": ["0.1", "0.30000000000000004", "5"],
                                 "c": ["0.2", None, None], "d": [None, "inline", None]}
    assert numbers == [2, 3, 5]
    assert took_the_fast_path(p)  # the header's shared strings read from the scan
    assert new_read(p, fast=False) == (table.to_pydict(), numbers, errs)
    assert [(c, m.split(" (")[0]) for c, m in errs[0]] == [("d", "the cell holds the error #DIV/0!")]
    assert [(c, m.split(" has no saved value")[0]) for c, m in errs[1]] == [("c", "formula =B3*2")]
    assert [(c, m.split(" (")[0].split(" has no")[0]) for c, m in errs[2]] == [
        ("c", "formula =SUM(B2:B5)"), ("d", "the cell holds the error #N/A")]


def test_a_row_holding_only_an_error_is_not_blank(tmp_path):
    rows = ('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
            '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>1</v></c></row>'
            '<row r="3"><c r="B3" t="e"><v>#REF!</v></c></row>')
    table, numbers, errs = read_xlsx(excel_workbook(tmp_path / "p.xlsx", rows, ["project_id", "x", "a"]))
    assert numbers == [2, 3]
    assert table.column("x").to_pylist() == ["1", None]
    assert errs[1][0][0] == "x" and "#REF!" in errs[1][0][1]


def test_a_stray_cell_far_away_is_refused_before_calamine_builds_its_grid(tmp_path):
    rows = ('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
            '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>1</v></c></row>'
            '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    p = excel_workbook(tmp_path / "p.xlsx", rows, ["project_id", "x", "a"])
    with pytest.raises(DataError) as exc:
        read_xlsx(p)
    assert "XFD1048576" in str(exc.value) and "refused" in str(exc.value)


def test_no_worksheet_and_no_header(tmp_path):
    p = excel_workbook(tmp_path / "p.xlsx", '<row r="2"><c r="A2"><v>1</v></c></row>', [])
    with pytest.raises(ConfigError, match="no header row"):
        read_xlsx(p)


# ------------------------------------------------------------------------------------------------
# Through the command line
# ------------------------------------------------------------------------------------------------


def test_error_cell_is_the_rows_located_error_and_other_rows_are_scored(tmp_path):
    row = seed_row()
    header = list(row)
    j = header.index("spot_check_done")
    good = [row[h] for h in header]
    bad = [*good]
    bad[0] = "second"
    bad[j] = "#DIV/0!"  # openpyxl writes a known error code as an error cell (t="e")
    p = save([header, good, bad], tmp_path / "p.xlsx")
    with zipfile.ZipFile(p) as z:
        assert b't="e"' in z.read("xl/worksheets/sheet1.xml")
    r = run_cli("batch", PACK, p, "-o", tmp_path / "r.csv", "--errors", tmp_path / "e.csv", "--quiet")
    assert r.code == 3, r
    assert "Traceback" not in r.stderr
    assert "p.xlsx: row 3, column spot_check_done" in r.stderr and "#DIV/0!" in r.stderr, r.stderr
    assert (tmp_path / "r.csv").read_text(encoding="utf-8-sig").count("\n") == 2  # header and the good row


def test_xlsx_and_csv_portfolios_score_alike_with_numbers_as_number_cells(tmp_path):
    import csv

    row = seed_row()
    header = list(row)

    def typed(v: str) -> Any:
        try:
            return int(v)
        except ValueError:
            try:
                return float(v)
            except ValueError:
                return v

    rows = [[typed(row[h]) if h != "project_id" else f"p{i}" for h in header] for i in range(3)]
    save([header, *rows], tmp_path / "p.xlsx")
    with (tmp_path / "p.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *[[row[h] if h != "project_id" else f"p{i}" for h in header]
                                            for i in range(3)]])
    for s in ("xlsx", "csv"):
        r = run_cli("batch", PACK, tmp_path / f"p.{s}", "-o", tmp_path / f"r-{s}.csv", "--quiet")
        assert r.code == 0, r
    a = (tmp_path / "r-xlsx.csv").read_text(encoding="utf-8-sig")
    assert a == (tmp_path / "r-csv.csv").read_text(encoding="utf-8-sig")
    assert read_portfolio(tmp_path / "p.xlsx").n == 3
    assert pa.types.is_string(read_portfolio(tmp_path / "p.xlsx").columns["spot_check_done"].type)


def test_a_date_in_the_header_is_named_as_before(tmp_path):
    p = save([["project_id", dt.datetime(2024, 1, 2), 2024.5], ["a", 1, 2]], tmp_path / "p.xlsx")
    cols, _ = same_as_old(p)
    assert list(cols) == ["project_id", "2024-01-02 00:00:00", "2024.5"]


def test_the_cell_limit_counts_non_blank_rows_and_names_the_row(tmp_path, monkeypatch):
    import jixiao.io

    rows = [["project_id", "x"], ["a", 1], ["b", 2], ["c", 3], [], ["d", 4], ["e", 5], ["f", 6]]
    p = save(rows, tmp_path / "p.xlsx")
    monkeypatch.setattr(jixiao.io, "XLSX_MAX_CELLS", 10)
    with pytest.raises(DataError) as exc:
        read_xlsx(p)
    assert exc.value.path == "row 8" and "more than 10 cells" in str(exc.value)
    monkeypatch.setattr(jixiao.io, "XLSX_MAX_CELLS", 12)
    assert read_xlsx(p)[1] == [2, 3, 4, 6, 7, 8]


def test_an_empty_column_reads_quietly(tmp_path, capsys, caplog):
    p = save([["project_id", "x", "empty", "y"], ["a", 1, None, 2], ["b", 3, None, 4]], tmp_path / "p.xlsx")
    cols, _ = same_as_old(p)
    assert cols["empty"] == [None, None]
    assert took_the_fast_path(p)
    assert not [r for r in caplog.records if r.name.startswith("fastexcel")]
    assert capsys.readouterr().err == ""


# The scan's vectorised gates (issue 14 §1): a block is searched by the exact pattern only where a gate
# says it may match, so a gate must never say no where the pattern (or ``in``) finds something.

_XML_BYTES = st.sampled_from([b"<", b">", b'"', b"'", b"=", b"/", b" ", b"r", b"c", b"f", b"e", b"v", b":", b"0",
                              b"1", b"9", b"A", b"B", b"X", b"Y", b"Z", b"x", b'<c r="', b'"e"', b"'e'", b"<f",
                              b":f", b"\xe9", b"\x00"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_XML_BYTES, max_size=60).map(b"".join))
def test_the_marker_gate_is_bytes_contains(chunk):
    x = np.frombuffer(chunk, dtype=np.uint8)
    for marker in xlsx_module._MARKERS:
        assert xlsx_module._contains(x, marker) == (marker in chunk), (marker, chunk)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_XML_BYTES, st.sampled_from([b"AX1", b"AY2", b"AZ", b"BA7", b"ZZZ9", b"XFD1048576",
                                                       b"AAAA1", b"A1", b"AW3", b"Q5"])), max_size=40).map(b"".join),
       st.sampled_from([1, 5, 26, 27, 49, 50, 52, 53, 702, 703, 16383]))
def test_the_beyond_gate_never_misses_a_cell_right_of_the_header(chunk, width):
    pattern = xlsx_module._columns_after(width)
    if pattern.search(chunk) is not None:
        assert xlsx_module._letters_beyond(np.frombuffer(chunk, dtype=np.uint8), width), (chunk, width)
    if chunk.isascii() and not any(65 <= c <= 90 for c in chunk):
        assert not xlsx_module._letters_beyond(np.frombuffer(chunk, dtype=np.uint8), width)
