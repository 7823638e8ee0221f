"""Issue 10 §2 and §5 for `jixiao batch` and the CSV tables a config reads: every bad portfolio, table or
output path is refused with its exit code and a message naming the file and the line/row/column, no
traceback, and every old output left exactly as it was."""

from __future__ import annotations

import csv
import io
import os
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest import SEED_DIR, run_cli
from test_batch import PACK, seed_row

OLD = {"r.csv": "old results\n", "r.errors.csv": "old errors\n", "s.json": "{\"old\": 1}\n"}


def csv_text(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def seed_table(*more: dict[str, str]) -> list[list[str]]:
    rows = [seed_row(), *more]
    header = list(rows[0])
    for r in rows[1:]:
        header += [k for k in r if k not in header]
    return [header, *[[r.get(h, "") for h in header] for r in rows]]


def with_old_outputs(d: Path) -> dict[str, bytes]:
    for name, text in OLD.items():
        (d / name).write_text(text, encoding="utf-8")
    return {name: (d / name).read_bytes() for name in OLD}


def assert_untouched(d: Path, before: dict[str, bytes]) -> None:
    for name, data in before.items():
        assert (d / name).read_bytes() == data, f"{name} was changed by a failing run"
    assert not [p.name for p in d.iterdir() if p.name.endswith(".tmp")], "a temporary file was left behind"


def refused(r, code: int, *where: str) -> None:
    assert r.code == code, r
    assert "Traceback" not in r.stderr, r.stderr
    for w in where:
        assert w in r.stderr, (w, r.stderr)


def batch(d: Path, portfolio: Path, *extra: str, pack: str = PACK):
    return run_cli("batch", pack, portfolio, "-o", d / "r.csv", "--summary", d / "s.json", "--quiet", *extra)


# ------------------------------------------------------------------------------------------------
# Whole-file problems of a CSV portfolio: exit 2 (header/configuration) or 3 (data), nothing written
# ------------------------------------------------------------------------------------------------

def _rows() -> list[list[str]]:
    return seed_table(dict(seed_row(), project_id="second"))


def _bytes(text: str) -> bytes:
    return text.encode("utf-8")


def case_undecodable() -> tuple[bytes, tuple[str, ...]]:
    t = _rows()
    data = csv_text(t[:2]).encode("utf-8") + b"\xff\xfe\xfa," + csv_text(t[2:])[1:].encode("utf-8")
    return data, ()


CSV_CASES = {
    # name: (bytes of the file, extra options, exit code, expected fragments)
    "undecodable byte on line 3": (lambda: case_undecodable()[0], (), 3, ("p.csv", "line 3", "0xff")),
    "row with a cell too few": (lambda: _bytes(csv_text(_rows()[:2]) + csv_text([_rows()[2][:-1]])), (), 3,
                                ("p.csv", "line 3", "cell(s) where the header")),
    "row with a cell too many": (lambda: _bytes(csv_text(_rows()[:2]) + csv_text([_rows()[2] + ["x"]])), (), 3,
                                 ("p.csv", "line 3",)),
    "ragged row after blank lines": (lambda: _bytes(csv_text(_rows()[:2]) + "\n\n" + csv_text([_rows()[2][:3]])),
                                     (), 3, ("p.csv", "line 5")),
    "duplicate column": (lambda: _bytes(csv_text([[*_rows()[0], "spot_check_done"]]
                                                 + [[*r, "1"] for r in _rows()[1:]])), (), 2,
                         ("p.csv", "line 1 (header)", "duplicate column", "spot_check_done")),
    "duplicate column after stripping spaces": (
        lambda: _bytes(csv_text([[*_rows()[0], " project_id "]] + [[*r, "x"] for r in _rows()[1:]])), (), 2,
        ("p.csv", "duplicate column", "project_id")),
    "close misspelling of an input": (lambda: _bytes(csv_text([[*_rows()[0], "spot_chek_done"]]
                                                              + [[*r, "1"] for r in _rows()[1:]])), (), 2,
                                      ("p.csv", "row 1 (header)", "did you mean 'spot_check_done'")),
    "header naming nothing": (lambda: _bytes(csv_text([[*_rows()[0], "备注"]] + [[*r, "x"] for r in _rows()[1:]])),
                              (), 2, ("p.csv", "'备注'", "--ignore-columns")),
    "misspelt table input": (lambda: _bytes(csv_text([[*_rows()[0], "budgte[9].budget"]]
                                                     + [[*r, "1"] for r in _rows()[1:]])), (), 2,
                             ("p.csv", "budgte[9].budget")),
    "misspelt questionnaire": (lambda: _bytes(csv_text([[*_rows()[0], "awarenes_survey.answers.很满意"]]
                                                       + [[*r, "1"] for r in _rows()[1:]])), (), 2,
                               ("p.csv", "awarenes_survey.answers.很满意")),
    "--ignore-columns naming an absent column": (lambda: _bytes(csv_text(_rows())), ("--ignore-columns", "备注"), 2,
                                                 ("p.csv", "--ignore-columns", "备注")),
    "duplicate project id": (lambda: _bytes(csv_text(seed_table(seed_row()))), (), 3,
                             ("p.csv", "row 3, column project_id", "duplicate project_id", "row 2")),
    "duplicate project id counts blank lines": (
        lambda: _bytes(csv_text(seed_table()) + "\n\n" + csv_text(seed_table()[1:])), (), 3,
        ("p.csv", "row 5, column project_id")),
    "blank project id": (lambda: _bytes(csv_text(seed_table(dict(seed_row(), project_id="")))), (), 3,
                         ("p.csv", "row 3, column project_id", "blank project_id")),
    "unnamed column holding data": (lambda: _bytes(csv_text([[*_rows()[0], ""]] + [[*r, "7"] for r in _rows()[1:]])),
                                    (), 2, ("p.csv", "no name in the header")),
    "forced utf-8 on a GBK file": (lambda: csv_text(_rows()).encode("gbk"), ("--encoding", "utf-8"), 3,
                                   ("p.csv", "line 1", "forced by --encoding")),
    "unknown --encoding": (lambda: _bytes(csv_text(_rows())), ("--encoding", "latin-9"), 2,
                           ("p.csv", "--encoding", "latin-9")),
    "NUL byte": (lambda: _bytes(csv_text(_rows()[:2])) + b"\x00" + _bytes(csv_text(_rows()[2:])), (), 3,
                 ("p.csv", "line 3", "NUL")),
    "empty file": (lambda: b"", (), 2, ("p.csv", "no header row")),
    "only blank lines": (lambda: b"\n\n\n", (), 2, ("p.csv", "no header row")),
    "UTF-8 BOM then a bad byte": (lambda: b"\xef\xbb\xbf" + _bytes(csv_text(_rows()[:2])) + b"\xc3(" , (), 3,
                                  ("p.csv", "line 3", "byte-order mark")),
    "unterminated quote": (lambda: _bytes(csv_text(_rows()[:2])) + b'"abc,\n', (), 3, ("p.csv", "line")),
    "override for a code the pack lacks": (lambda: _bytes(csv_text([[*_rows()[0], "override.Z99"]]
                                                                   + [[*r, "1"] for r in _rows()[1:]])), (), 2,
                                           ("p.csv", "override.Z99")),
    "misspelt rating prefix": (lambda: _bytes(csv_text([[*_rows()[0], "ratng.A11"]]
                                                       + [[*r, "80%"] for r in _rows()[1:]])), (), 2,
                               ("p.csv", "did you mean 'rating.A11'")),
    "band for a code the pack lacks": (lambda: _bytes(csv_text([[*_rows()[0], "band.Z1"]]
                                                               + [[*r, "达成"] for r in _rows()[1:]])), (), 2,
                                       ("p.csv", "band.Z1")),
    "rating for a code the pack lacks": (lambda: _bytes(csv_text([[*_rows()[0], "rating.Z99"]]
                                                                 + [[*r, "80%"] for r in _rows()[1:]])), (), 2,
                                         ("p.csv", "rating.Z99")),
}


@pytest.mark.parametrize("name", list(CSV_CASES))
def test_bad_csv_portfolio_is_refused_and_nothing_written(tmp_path, name):
    make, extra, code, where = CSV_CASES[name]
    before = with_old_outputs(tmp_path)
    (tmp_path / "p.csv").write_bytes(make())
    r = batch(tmp_path, tmp_path / "p.csv", *extra)
    refused(r, code, *where)
    assert_untouched(tmp_path, before)


def test_ignore_columns_names_the_extra_columns(tmp_path):
    t = _rows()
    (tmp_path / "p.csv").write_text(csv_text([[*t[0], "备注", "联系人"]] + [[*r, "x", "y"] for r in t[1:]]),
                                    encoding="utf-8")
    r = run_cli("batch", PACK, tmp_path / "p.csv", "-o", tmp_path / "r.csv", "--ignore-columns", "备注,联系人")
    assert r.code == 0, r
    assert "备注, 联系人" in r.stderr


# ------------------------------------------------------------------------------------------------
# Encodings read right, row numbers as file lines
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "utf-16-le", "utf-16-be"])
def test_encodings_give_the_utf8_results(tmp_path, encoding):
    text = csv_text(_rows())
    (tmp_path / "u.csv").write_text(text, encoding="utf-8")
    data = text.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):
        data = text.encode(encoding)  # no BOM: detected from the zero bytes
    (tmp_path / "p.csv").write_bytes(data)
    a = run_cli("batch", PACK, tmp_path / "u.csv", "-o", tmp_path / "a.csv", "--quiet")
    b = run_cli("batch", PACK, tmp_path / "p.csv", "-o", tmp_path / "b.csv", "--quiet")
    assert a.code == b.code == 0, (a, b)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_forced_encoding_reads_a_gbk_file(tmp_path):
    (tmp_path / "p.csv").write_bytes(csv_text(_rows()).encode("gbk"))
    r = run_cli("batch", PACK, tmp_path / "p.csv", "-o", tmp_path / "r.csv", "--encoding", "gbk", "--quiet")
    assert r.code == 0, r


def test_result_rows_are_file_lines_blank_lines_counted(tmp_path):
    t = _rows()
    (tmp_path / "p.csv").write_text(csv_text(t[:2]) + "\n\n" + csv_text(t[2:]), encoding="utf-8")
    r = run_cli("batch", PACK, tmp_path / "p.csv", "-o", tmp_path / "r.csv", "--quiet")
    assert r.code == 0, r
    with (tmp_path / "r.csv").open(encoding="utf-8-sig", newline="") as fh:
        assert [row["row"] for row in csv.DictReader(fh)] == ["2", "5"]


def test_bad_row_after_blank_lines_names_its_file_line(tmp_path):
    t = seed_table(dict(seed_row(), project_id="neg", spot_check_done="-5"))
    (tmp_path / "p.csv").write_text(csv_text(t[:2]) + "\n\n\n" + csv_text(t[2:]), encoding="utf-8")
    r = run_cli("batch", PACK, tmp_path / "p.csv", "-o", tmp_path / "r.csv", "--errors", tmp_path / "e.csv")
    refused(r, 3, "p.csv: row 6, column spot_check_done")
    with (tmp_path / "e.csv").open(encoding="utf-8-sig", newline="") as fh:
        (e,) = list(csv.DictReader(fh))
    assert (e["row"], e["column"]) == ("6", "spot_check_done")
    assert "\n" not in e["message"]


# ------------------------------------------------------------------------------------------------
# Outputs: checked before anything is read, committed together
# ------------------------------------------------------------------------------------------------

OUT_CASES = {
    "-o into a missing folder": (lambda d: ["-o", d / "nope" / "r.csv"], ("-o", "does not exist")),
    "--errors into a missing folder": (lambda d: ["-o", d / "r.csv", "--errors", d / "nope" / "e.csv"],
                                       ("--errors", "does not exist")),
    "--summary into a missing folder": (lambda d: ["-o", d / "r.csv", "--summary", d / "nope" / "s.json"],
                                        ("--summary", "does not exist")),
    "-o is the portfolio": (lambda d: ["-o", d / "p.csv"], ("-o", "is the input")),
    "--summary is the portfolio": (lambda d: ["-o", d / "r.csv", "--summary", d / "p.csv"], ("is the input",)),
    "--errors is the results": (lambda d: ["-o", d / "r.csv", "--errors", d / "r.csv"], ("--errors", "also the")),
    "--summary is the results": (lambda d: ["-o", d / "r.csv", "--summary", d / "r.csv"], ("also the",)),
    "-o is a folder": (lambda d: ["-o", d / "sub"], ("sub",)),
    "bad --csv-encoding": (lambda d: ["-o", d / "r.csv", "--csv-encoding", "latin-1"], ("--csv-encoding",)),
    "bad --lang": (lambda d: ["-o", d / "r.csv", "--lang", "fr"], ("--lang",)),
    "unknown results suffix": (lambda d: ["-o", d / "r.txt"], ("r.txt",)),
}


@pytest.mark.parametrize("name", list(OUT_CASES))
def test_bad_outputs_are_refused_before_anything_is_written(tmp_path, name):
    make, where = OUT_CASES[name]
    (tmp_path / "sub").mkdir()
    (tmp_path / "p.csv").write_text(csv_text(_rows()), encoding="utf-8")
    before = with_old_outputs(tmp_path)
    before["p.csv"] = (tmp_path / "p.csv").read_bytes()
    r = run_cli("batch", PACK, tmp_path / "p.csv", *make(tmp_path), "--quiet")
    refused(r, 2, *where)
    assert_untouched(tmp_path, before)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder_is_refused(tmp_path):
    (tmp_path / "p.csv").write_text(csv_text(_rows()), encoding="utf-8")
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    r = run_cli("batch", PACK, tmp_path / "p.csv", "-o", ro / "r.csv")
    refused(r, 2, "not writable")


def test_a_failing_summary_leaves_the_new_results_unwritten(tmp_path):
    """The results are complete before the summary fails: still nothing is renamed into place."""
    (tmp_path / "p.csv").write_text(csv_text(_rows()), encoding="utf-8")
    before = with_old_outputs(tmp_path)
    (tmp_path / "s.json").chmod(0o444)
    r = run_cli("batch", PACK, tmp_path / "p.csv", "-o", tmp_path / "r.csv", "--summary", tmp_path / "s.json")
    if os.geteuid() != 0:
        refused(r, 2, "read-only")
    assert (tmp_path / "r.csv").read_bytes() == before["r.csv"] or r.code == 0


# ------------------------------------------------------------------------------------------------
# What is written: neutralised cells, BOM, modes
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("pid,written", [("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("+1+1", "'+1+1"),
                                         ("-cmd", "'-cmd"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
                                         ("-3.5", "-3.5"), ("+7", "+7"), ("普通", "普通")])
def test_csv_and_xlsx_cells_never_become_formulas(tmp_path, pid, written):
    (tmp_path / "p.csv").write_text(csv_text(seed_table(dict(seed_row(), project_id=pid))[::2]), encoding="utf-8")
    # (the first data row is dropped: only the crafted id remains)
    r = run_cli("batch", PACK, tmp_path / "p.csv", "-o", tmp_path / "r.csv", "--quiet")
    assert r.code == 0, r
    with (tmp_path / "r.csv").open(encoding="utf-8-sig", newline="") as fh:
        assert [row["project_id"] for row in csv.DictReader(fh)] == [written]
    r = run_cli("batch", PACK, tmp_path / "p.csv", "-o", tmp_path / "r.xlsx", "--quiet")
    assert r.code == 0, r
    assert openpyxl.load_workbook(tmp_path / "r.xlsx").active.cell(row=3, column=1).value == written


def test_csv_has_a_bom_by_default_and_not_with_utf8(tmp_path):
    (tmp_path / "p.csv").write_text(csv_text(_rows()), encoding="utf-8")
    assert run_cli("batch", PACK, tmp_path / "p.csv", "-o", tmp_path / "a.csv", "-q").code == 0
    assert run_cli("batch", PACK, tmp_path / "p.csv", "-o", tmp_path / "b.csv", "-q",
                   "--csv-encoding", "utf-8").code == 0
    a, b = (tmp_path / "a.csv").read_bytes(), (tmp_path / "b.csv").read_bytes()
    assert a.startswith(b"\xef\xbb\xbf\"project_id\",") and a[3:] == b


@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o077, 0o600)])
def test_outputs_honour_the_umask(tmp_path, umask, mode):
    (tmp_path / "p.csv").write_text(csv_text(seed_table(dict(seed_row(), project_id="neg", spot_check_done="-1"))),
                                    encoding="utf-8")
    old = os.umask(umask)
    try:
        r = run_cli("batch", PACK, tmp_path / "p.csv", "-o", tmp_path / "r.csv", "--summary", tmp_path / "s.md", "-q")
    finally:
        os.umask(old)
    assert r.code == 3, r
    for name in ("r.csv", "r.errors.csv", "s.md"):
        assert (tmp_path / name).stat().st_mode & 0o777 == mode, name


# ------------------------------------------------------------------------------------------------
# Templates: blank cells are errors unless --fill-from-template, counted
# ------------------------------------------------------------------------------------------------

def test_blank_cell_is_an_error_not_the_templates_figure(tmp_path, seed_copy):
    rows = [["project_id", "spot_check_done", "rating.A11"], ["a", "2600", "60%"], ["b", "", "60%"], ["c", "2600", ""]]
    (tmp_path / "p.csv").write_text(csv_text(rows), encoding="utf-8")
    r = run_cli("batch", seed_copy, tmp_path / "p.csv", "-o", tmp_path / "r.csv", "--errors", tmp_path / "e.csv")
    refused(r, 3, "p.csv: row 3, column spot_check_done", "p.csv: row 4, column rating.A11", "--fill-from-template")
    with (tmp_path / "e.csv").open(encoding="utf-8-sig", newline="") as fh:
        assert {(e["row"], e["column"]) for e in csv.DictReader(fh)} == {("3", "spot_check_done"), ("4", "rating.A11")}
    r = run_cli("batch", seed_copy, tmp_path / "p.csv", "-o", tmp_path / "r.csv", "--fill-from-template",
                "--summary", tmp_path / "s.json")
    assert r.code == 0, r
    assert "2 blank cell(s) filled from the template" in r.stderr
    import json

    assert json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))["filled_from_template"] == 2


def test_lang_zh_applies_to_the_error_file(tmp_path, seed_copy):
    rows = [["project_id", "spot_check_done"], ["b", ""]]
    (tmp_path / "p.csv").write_text(csv_text(rows), encoding="utf-8")
    r = run_cli("batch", seed_copy, tmp_path / "p.csv", "-o", tmp_path / "r.csv", "--errors", tmp_path / "e.csv",
                "--lang", "zh")
    refused(r, 3, "row 2, column spot_check_done", "空白单元格")
    assert "空白单元格" in (tmp_path / "e.csv").read_text(encoding="utf-8-sig")


# ------------------------------------------------------------------------------------------------
# XLSX portfolios
# ------------------------------------------------------------------------------------------------

def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_formula_without_a_saved_value_is_the_rows_error(tmp_path):
    t = _rows()
    j = t[0].index("spot_check_done")
    t[2][j] = "=2000+736"  # openpyxl saves formulas without a cached value, as an unsaved workbook would
    write_xlsx(tmp_path / "p.xlsx", t)
    r = run_cli("batch", PACK, tmp_path / "p.xlsx", "-o", tmp_path / "r.csv", "--errors", tmp_path / "e.csv")
    refused(r, 3, "p.xlsx: row 3, column spot_check_done", "=2000+736", "no saved value")
    with (tmp_path / "r.csv").open(encoding="utf-8-sig", newline="") as fh:
        assert [row["row"] for row in csv.DictReader(fh)] == ["2"]


XLSX_CASES = {
    "duplicate header": (lambda t: [[*t[0], "project_id"], *[[*r, "x"] for r in t[1:]]], 2,
                         ("p.xlsx", "row 1 (header)", "duplicate")),
    "misspelt header": (lambda t: [[*t[0], "spot_chek_done"], *[[*r, 1] for r in t[1:]]], 2,
                        ("p.xlsx", "did you mean 'spot_check_done'")),
    "value beyond the header": (lambda t: [t[0], t[1], [*t[2], None, 5]], 3, ("p.xlsx", "row 3", "no header")),
    "duplicate project id": (lambda t: [t[0], t[1], t[1]], 3, ("p.xlsx", "row 3, column project_id")),
    "unnamed column with data": (lambda t: [[*t[0][:3], None, *t[0][3:]], *[[*r[:3], 9, *r[3:]] for r in t[1:]]], 2,
                                 ("p.xlsx", "no name in the header")),
}


@pytest.mark.parametrize("name", list(XLSX_CASES))
def test_bad_xlsx_portfolio(tmp_path, name):
    make, code, where = XLSX_CASES[name]
    write_xlsx(tmp_path / "p.xlsx", make(_rows()))
    before = with_old_outputs(tmp_path)
    r = batch(tmp_path, tmp_path / "p.xlsx")
    refused(r, code, *where)
    assert_untouched(tmp_path, before)


def test_zip_bomb_is_refused_before_it_inflates(tmp_path):
    write_xlsx(tmp_path / "good.xlsx", _rows())
    with zipfile.ZipFile(tmp_path / "good.xlsx") as src, \
            zipfile.ZipFile(tmp_path / "p.xlsx", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        with dst.open("xl/media/padding.bin", "w", force_zip64=True) as fh:
            block = b"\0" * (1 << 20)
            for _ in range(1024):  # 1 GiB of zeros, about 1 MB compressed
                fh.write(block)
    assert (tmp_path / "p.xlsx").stat().st_size < 3 * (1 << 20)
    before = with_old_outputs(tmp_path)
    r = batch(tmp_path, tmp_path / "p.xlsx")
    refused(r, 3, "p.xlsx", "inflate", "xl/media/padding.bin")
    assert_untouched(tmp_path, before)


@pytest.mark.parametrize("content", [b"not a zip at all", b"PK\x03\x04broken"])
def test_not_a_workbook(tmp_path, content):
    (tmp_path / "p.xlsx").write_bytes(content)
    before = with_old_outputs(tmp_path)
    refused(batch(tmp_path, tmp_path / "p.xlsx"), 3, "p.xlsx", "not an XLSX")
    assert_untouched(tmp_path, before)


def test_directory_as_portfolio(tmp_path):
    (tmp_path / "d.csv").mkdir()
    refused(batch(tmp_path, tmp_path / "d.csv"), 2, "d.csv")


# ------------------------------------------------------------------------------------------------
# The CSV tables an evaluation config reads (inputs.budget = { csv = "budget.csv" })
# ------------------------------------------------------------------------------------------------

def budget_text() -> str:
    return (SEED_DIR / "budget.csv").read_text(encoding="utf-8")


TABLE_CASES = {
    "undecodable byte": (lambda: budget_text().encode("utf-8").replace(b"30.00,28.00", b"30.00,\xff28.00"), 3,
                         ("budget.csv", "line 2", "0xff")),
    "duplicate column": (lambda: budget_text().replace("category,item,budget,actual",
                                                       "category,item,budget,budget").encode(), 2,
                         ("budget.csv", "duplicate column", "budget")),
    "ragged row": (lambda: budget_text().replace(",30.00,28.00", ",30.00", 1).encode(), 3,
                   ("budget.csv", "line 2", "cell(s)")),
    "ragged row after a blank line": (lambda: budget_text().replace("\n", "\n\n", 1).replace(",30.00,25.70", ",30.00")
                                      .encode(), 3, ("budget.csv", "line 4")),
    "blank budget cell": (lambda: budget_text().replace(",30.00,28.00", ",,28.00", 1).encode(), 3,
                          ("budget.csv", "row 2, column budget", "empty")),
    "blank cell named by its file line": (lambda: budget_text().replace("\n", "\n\n", 1)
                                          .replace(",30.00,28.00", ",,28.00", 1).encode(), 3,
                                          ("budget.csv", "row 3, column budget")),
    "forced nothing, UTF-16 with a bad surrogate": (lambda: b"\xff\xfe" + budget_text().encode("utf-16-le")[:40]
                                                    + b"\x00\xdc" + budget_text().encode("utf-16-le")[40:], 3,
                                                    ("budget.csv", "utf-16")),
    "NUL inside": (lambda: budget_text().encode().replace(b"28.00", b"28\x00.00"), 3, ("budget.csv", "line 2", "NUL")),
}


@pytest.mark.parametrize("name", list(TABLE_CASES))
def test_bad_config_table(tmp_path, seed_copy, name):
    make, code, where = TABLE_CASES[name]
    (seed_copy.parent / "budget.csv").write_bytes(make())
    out = tmp_path / "report.json"
    out.write_text("old\n", encoding="utf-8")
    r = run_cli("evaluate", seed_copy, "-o", out)
    refused(r, code, *where)
    assert out.read_text(encoding="utf-8") == "old\n"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_config_table_in_other_encodings_reads_the_same(tmp_path, seed_copy, encoding):
    ref = run_cli("evaluate", seed_copy, "--format", "json")
    (seed_copy.parent / "budget.csv").write_bytes(budget_text().encode(encoding))
    r = run_cli("evaluate", seed_copy, "--format", "json")
    assert ref.code == r.code == 0, (ref, r)
    assert r.stdout == ref.stdout


def test_zero_budget_is_the_same_data_error_in_evaluate_and_batch(tmp_path, seed_copy):
    lines = budget_text().splitlines()
    zeroed = [lines[0]] + [",".join([*r.split(",")[:2], "0", *r.split(",")[3:]]) for r in lines[1:]]
    (seed_copy.parent / "budget.csv").write_text("\n".join(zeroed) + "\n", encoding="utf-8")
    ev = run_cli("evaluate", seed_copy)
    row = seed_row()
    for k in range(1, 100):
        if f"budget[{k}].budget" in row:
            row[f"budget[{k}].budget"] = "0"
    header = list(row)
    (tmp_path / "p.csv").write_text(csv_text([header, [row[h] for h in header]]), encoding="utf-8")
    ba = run_cli("batch", PACK, tmp_path / "p.csv", "-o", tmp_path / "r.csv")
    assert ev.code == ba.code == 3, (ev, ba)
    assert "Traceback" not in ev.stderr + ba.stderr
    assert "the total budget is 0" in ev.stderr and "the total budget is 0" in ba.stderr and "row 2" in ba.stderr
