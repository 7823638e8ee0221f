"""import-form on forms built in the official 附件2 layout, then evaluate the config it writes."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))
from builders import FUNDS, ROWS, write_docx, write_xlsx

from conftest import run_cli

EXPECTED = {"A": "9.00", "B11": "18.33", "B12": "9.43", "B21": "9.95", "B31": "5.00", "B41": "4.81",
            "C21": "14.00", "C41": "8.89", "D11": "10.00"}
"""By hand: 432/480*10; 1100/1200*20; 33/35*10; 97.5/98*10; 100%; 1250/1300*5; 70% of 20; 80/90*10; capped 10."""


def import_and_evaluate(form: Path, tmp_path: Path) -> dict:
    cfg = tmp_path / "evaluation.toml"
    r = run_cli("import-form", form, "-o", cfg)
    assert r.code == 0, r
    r = run_cli("evaluate", cfg, "--format", "json")
    assert r.code == 0, r
    return r.json()


@pytest.mark.parametrize("writer", [write_xlsx, write_docx], ids=["xlsx", "docx"])
def test_official_form_imports_and_evaluates(writer, tmp_path):
    form = writer(tmp_path / ("form" + (".xlsx" if writer is write_xlsx else ".docx")))
    doc = import_and_evaluate(form, tmp_path)
    scores = {i["code"]: i["score"] for i in doc["indicators"] if i["code"] in EXPECTED}
    assert scores == EXPECTED
    assert doc["total"] == "89.41"  # 9+47.52+22.89+10
    assert doc["grade"] == "良"
    assert doc["project"]["name"] == "2023年义务教育阶段家庭经济困难学生生活补助"
    # the empty 生态效益指标 group is tolerated and adds no leaf
    assert not any(i["code"].startswith("C3") and len(i["code"]) > 2 for i in doc["indicators"])


def test_config_keeps_every_stated_figure(tmp_path):
    import tomllib

    form = write_xlsx(tmp_path / "form.xlsx")
    cfg = tmp_path / "evaluation.toml"
    assert run_cli("import-form", form, "-o", cfg).code == 0
    data = tomllib.loads(cfg.read_text(encoding="utf-8"))
    assert data["inputs"] == {"年初预算数": 500, "全年预算数": 480, "全年执行数": 432}
    assert data["stated"]["total"] == 89 and data["stated"]["grade"] == "良"
    assert data["stated"]["budget_rate"] == "90%" and data["stated"]["budget_score"] == "9"
    b11 = data["indicators"]["B11"]
    assert (b11["target"], b11["actual"], b11["stated_score"]) == ("≥1200人", "1100人", 18.33)
    assert b11["deviation_reason"] == "部分学生转学，人数减少"
    assert data["stated"]["cells"]["indicators.B11.score"] == "附件2!H12"
    assert data["stated"]["cells"]["total"] == "附件2!H21"
    assert data["ratings"]["C21"]["band"] == "部分达成"


def test_other_budget_block_refused_by_name(tmp_path):
    funds = [("年度资金总额", 500, 480, 432, 15, "90%", 13.5), *FUNDS[1:]]
    r = run_cli("import-form", write_xlsx(tmp_path / "form.xlsx", funds=funds))
    assert r.code == 3, r
    assert "附件2!F5" in r.stderr and "15 points is not a recognised form variant" in r.stderr


def test_unreadable_points_located(tmp_path):
    rows = [ROWS[0][:5] + ("二十分", "18.33", ""), *ROWS[1:]]
    r = run_cli("import-form", write_xlsx(tmp_path / "form.xlsx", rows=rows))
    assert r.code == 3, r
    assert "附件2!G12" in r.stderr and "二十分" in r.stderr and "Traceback" not in r.stderr


def test_docx_error_names_table_row_column(tmp_path):
    rows = [ROWS[0][:3] + ("", *ROWS[0][4:]), *ROWS[1:]]
    r = run_cli("import-form", write_docx(tmp_path / "form.docx", rows=rows))
    assert r.code == 3, r
    assert "table 1, row 11, column 5" in r.stderr and "年度指标值" in r.stderr


def test_not_a_form(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active["A1"] = "别的表"
    wb.save(tmp_path / "x.xlsx")
    r = run_cli("import-form", tmp_path / "x.xlsx")
    assert r.code == 3 and "no 项目支出绩效自评表 found" in r.stderr, r


def test_existing_output_untouched(tmp_path):
    out = tmp_path / "evaluation.toml"
    out.write_text("old", encoding="utf-8")
    r = run_cli("import-form", write_xlsx(tmp_path / "form.xlsx"), "-o", out)
    assert r.code == 2 and out.read_text(encoding="utf-8") == "old"


def test_output_is_deterministic(tmp_path):
    form = write_xlsx(tmp_path / "form.xlsx")
    a = run_cli("import-form", form).stdout
    assert a == run_cli("import-form", form).stdout
    assert json.dumps(a)  # text


def _with_formula(src: Path, dest: Path, ref: str, formula: str, cached: str | None) -> Path:
    """The form with a formula in ``ref``, saved as a program that does not calculate saves it (no value),
    or with the value Excel would have cached."""
    import zipfile

    import openpyxl

    wb = openpyxl.load_workbook(src)
    wb.active[ref] = formula
    wb.save(dest)
    if cached is None:
        return dest
    with zipfile.ZipFile(dest) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    name = "xl/worksheets/sheet1.xml"
    body = f"<f>{formula[1:]}</f><v></v>".encode()
    assert body in parts[name]
    parts[name] = parts[name].replace(body, f"<f>{formula[1:]}</f><v>{cached}</v>".encode())
    with zipfile.ZipFile(dest, "w") as z:
        for n, b in parts.items():
            z.writestr(n, b)
    return dest


def test_formula_without_a_computed_value_is_a_located_error(tmp_path):
    form = _with_formula(write_xlsx(tmp_path / "src.xlsx"), tmp_path / "form.xlsx", "H21", "=SUM(H12:H20)", None)
    out = tmp_path / "evaluation.toml"
    r = run_cli("import-form", form, "-o", out)
    assert r.code == 3, r
    assert "附件2!H21" in r.stderr and "formula without a computed value" in r.stderr
    assert "LibreOffice" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()


def test_formula_with_its_value_or_where_nothing_is_read(tmp_path):
    from jixiao.forms.reader import read_form

    src = write_xlsx(tmp_path / "src.xlsx")
    computed = _with_formula(src, tmp_path / "computed.xlsx", "H21", "=SUM(H12:H20)", "89.41")
    assert read_form(computed).total == Decimal("89.41")
    unused = _with_formula(src, tmp_path / "unused.xlsx", "K30", "=1+1", None)  # outside every block read
    assert read_form(unused).total == Decimal(89)


def test_twenty_point_budget_block_is_imported_with_its_weights(tmp_path):
    """A provincial form: 预算执行 20 points, 产出 40 (补助学生人数 10), 效益 30, 满意度 10."""
    import tomllib

    from jixiao.forms.reader import read_form

    funds = [("年度资金总额", 500, 480, 432, 20, "90%", 18), *FUNDS[1:]]
    rows = list(ROWS)
    rows[0] = ("产出指标", "数量指标", "补助学生人数", "≥1200人", "1100人", 10, 9.17, "部分学生转学，人数减少")
    form = write_xlsx(tmp_path / "form.xlsx", funds=funds, rows=rows, total="89.25")
    assert read_form(form).budget_variant == "budget-20"
    doc = import_and_evaluate(form, tmp_path)
    data = tomllib.loads((tmp_path / "evaluation.toml").read_text(encoding="utf-8"))
    assert data["weights"] == {"A": 20, "B": 40, "C": 30, "D": 10}
    by = {i["code"]: i for i in doc["indicators"]}
    # by hand: 432/480*20 = 18; 1100/1200*10 = 9.17; 产出 9.17+9.43+9.95+5+4.81 = 38.36; 18+38.36+22.89+10
    assert (by["A"]["standard_score"], by["A"]["score"], by["A"]["trace"]) == ("20.00", "18.00", "18.00=20*90.00%")
    assert (by["B11"]["standard_score"], by["B11"]["score"]) == ("10.00", "9.17")
    assert [(t["code"], t["standard_score"], t["score"]) for t in doc["tiers"]] == [
        ("A", "20.00", "18.00"), ("B", "40.00", "38.36"), ("C", "30.00", "22.89"), ("D", "10.00", "10.00")]
    assert doc["total"] == "89.25" and doc["grade"] == "良"
    assert doc.get("review", {}).get("discrepancies", []) == []


def test_unit_split_of_the_ninety_points_is_imported(tmp_path):
    """产出 40 / 效益 30 / 满意度 20 on the national form: [weights], no finding, scores on that split."""
    import tomllib

    rows = list(ROWS)
    rows[0] = ("产出指标", "数量指标", "补助学生人数", "≥1200人", "1100人", 10, 9.17, "部分学生转学，人数减少")
    rows[-1] = ("满意度指标", "服务对象满意度指标", "学生及家长满意度", "≥90%", "92%", 20, 20, "")
    form = write_xlsx(tmp_path / "form.xlsx", rows=rows, total="90.25", grade="优")
    doc = import_and_evaluate(form, tmp_path)
    data = tomllib.loads((tmp_path / "evaluation.toml").read_text(encoding="utf-8"))
    assert data["weights"] == {"B": 40, "C": 30, "D": 20}
    assert [(t["code"], t["score"]) for t in doc["tiers"]] == [("A", "9.00"), ("B", "38.36"), ("C", "22.89"),
                                                               ("D", "20.00")]
    assert doc["total"] == "90.25" and doc.get("review", {}).get("discrepancies", []) == []


def test_xml_reader_reads_what_openpyxl_reads(tmp_path):
    """The sheet-XML reader against openpyxl (data_only) on the cells a form may hold: shared and rich
    strings, numbers stored both ways, floats, dates by their number format, booleans, merged ranges."""
    import datetime

    import openpyxl
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    from jixiao.forms.reader import _cell_text, xlsx_grids

    wb = openpyxl.load_workbook(write_xlsx(tmp_path / "src.xlsx"))
    ws = wb.active
    ws["J2"] = datetime.datetime(2023, 6, 30)
    ws["J3"] = True
    ws["J4"] = 0.1 + 0.2
    ws["J5"] = 1e-7
    ws["J6"] = CellRichText("部分", TextBlock(InlineFont(b=True), "学生"), "转学")
    ws["J7"] = datetime.date(2023, 12, 31)
    ws["L40"] = "far corner"
    path = tmp_path / "odd.xlsx"
    wb.save(path)
    ref = openpyxl.load_workbook(path, data_only=True).active
    values = [[_cell_text(c.value) for c in row] for row in ref.iter_rows()]
    for rng in ref.merged_cells.ranges:
        top = _cell_text(ref.cell(rng.min_row, rng.min_col).value)
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                values[r - 1][c - 1] = top
    ((title, grid),) = xlsx_grids(path)
    assert title == "附件2"
    assert [[c.text for c in row] for row in grid] == values
    assert grid[1][9].text == "2023-06-30 00:00:00" and grid[5][9].text == "部分学生转学"
