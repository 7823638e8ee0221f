"""The Word report: written by the CLI, read back with python-docx, converted to PDF by LibreOffice."""

from __future__ import annotations

import os
import subprocess
import tomllib

import docx
import pytest
from docx.oxml.ns import qn

from conftest import SEED, require_tool, run_cli

LEAF_SCORES = {
    "A11": "2.00", "A12": "2.00", "A13": "2.00", "A211": "1.00", "A212": "1.00", "A22": "1.60",
    "B11": "3.44", "B21": "2.00", "B22": "4.00", "B23": "2.00", "B31": "4.00", "B32": "3.00",
    "C111": "10.00", "C112": "1.20", "C113": "1.20", "C114": "3.00", "C121": "5.00", "C122": "4.83",
    "C123": "3.00", "C13": "2.40", "C21": "8.00", "C22": "5.00", "C23": "4.37", "C24": "5.00", "C25": "7.60",
}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("docx") / "report.docx"
    res = run_cli("evaluate", SEED, "-o", out)
    assert res.code == 0, res
    assert "(docx)" in res.stderr
    return out


@pytest.fixture(scope="module")
def document(report):
    return docx.Document(str(report))


def rows(table):
    return [[c.text.strip() for c in r.cells] for r in table.rows]


def all_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for t in document.tables:
        parts += ["\t".join(r) for r in rows(t)]
    return "\n".join(parts)


def test_summary_total_and_grade(document):
    assert any("88.64" in p.text and "“良”" in p.text for p in document.paragraphs)
    summary = next(t for t in document.tables if rows(t)[0][:2] == ["指标类型", "标准分"])
    assert rows(summary)[1:] == [
        ["A 项目决策", "10.00", "9.60", "96.00%"],
        ["B 项目管理", "23.00", "18.44", "80.17%"],
        ["C 项目绩效", "67.00", "60.60", "90.45%"],
        ["合计分值", "100.00", "88.64", "88.64%"],
    ]
    assert any(p.text == "绩效评级：良" for p in document.paragraphs)


def test_every_leaf_score_in_its_tier_table(document):
    tier_tables = [t for t in document.tables if rows(t)[0][:3] == ["一级指标", "二级指标", "三级指标"]]
    assert len(tier_tables) == 3
    found = {}
    for t in tier_tables:
        for r in rows(t)[1:]:
            code = r[2].split(".")[0]
            if code in LEAF_SCORES:
                found[code] = r[-1]
    assert found == LEAF_SCORES
    assert rows(tier_tables[1])[-1][-2:] == ["23.00", "18.44"]


def test_tier_table_merges_first_and_second_level_cells(document):
    table = next(t for t in document.tables if rows(t)[0][0] == "一级指标")
    # One merged 一级 cell spans all six A indicators; 二级 cells span their groups (3 + 3).
    first = [table.cell(r, 0)._tc for r in range(1, 7)]
    assert all(tc is first[0] for tc in first)
    assert table.cell(1, 0).text == "A. 项目决策 (10)"
    assert table.cell(1, 1)._tc is table.cell(3, 1)._tc
    assert table.cell(4, 1)._tc is table.cell(6, 1)._tc
    assert table.cell(3, 1)._tc is not table.cell(4, 1)._tc
    assert [table.cell(r, 1).text for r in (1, 4)] == ["A1. 项目立项", "A2. 项目目标"]
    assert table._tbl.xml.count("w:vMerge") >= 4


def test_analysis_paragraphs_carry_working_and_note(document):
    cfg = tomllib.loads(SEED.read_text(encoding="utf-8"))
    paras = {p.text.split(" ")[0]: p.text for p in document.paragraphs if p.text[:1] in "ABC" and "：" in p.text}
    assert "【3.44=5-(1-89.63%)*5*100*3%】" in paras["B11"]
    assert cfg["notes"]["B11"] in paras["B11"]
    assert cfg["ratings"]["B32"]["reason"] in paras["B32"]
    assert "本指标满分5分，评价得分3.00分。【3.00=5*60%】" in paras["B32"]
    assert set(LEAF_SCORES) <= set(paras)


def test_budget_table(document):
    table = next(t for t in document.tables if rows(t)[0][0] == "实施内容" and rows(t)[0][1] == "预算")
    assert rows(table)[-1] == ["合计", "1526.00", "1367.75", "89.63%"]


def test_losses_and_problems_sections(document):
    text = all_text(document)
    assert "三、失分分析" in text and "四、存在的问题" in text
    losses = next(t for t in document.tables if rows(t)[0][:2] == ["序号", "指标"])
    body = rows(losses)[1:]
    assert [r[1].split(" ")[0] for r in body[:4]] == ["B32", "C114", "C13", "B11"]
    assert [r[4] for r in body[:4]] == ["2.00", "2.00", "1.60", "1.56"]
    assert body[-1][0] == "合计" and body[-1][4] == "11.36"
    problems = [p.text for p in document.paragraphs if p.text[:3] in {f"{i}. " for i in range(1, 10)}]
    assert problems[0].startswith("1. B32 项目管理制度执行有效性：失分2.00分")


def test_east_asian_fonts_are_set(report, document):
    styles = document.styles.element
    rfonts = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr")).find(qn("w:rFonts"))
    assert rfonts.get(qn("w:eastAsia")) == "宋体"
    for name in ("Normal", "Heading 1", "Title"):
        rf = document.styles[name].element.rPr.rFonts
        assert rf.get(qn("w:eastAsia")) in ("宋体", "黑体"), name
        assert rf.get(qn("w:eastAsiaTheme")) is None, name  # a theme font would override the slot


def test_charts_are_embedded(document):
    assert len(document.inline_shapes) == 3


def test_english_report(tmp_path):
    out = tmp_path / "report-en.docx"
    res = run_cli("evaluate", SEED, "-o", out, "--lang", "en")
    assert res.code == 0, res
    text = all_text(docx.Document(str(out)))
    grade_en = run_cli("evaluate", SEED, "--format", "json").json()["grade_en"]
    for needle in ("Summary", "Points lost", "Problems found", "Budget execution rate", "Project decision",
                   f"Grade: {grade_en}", "Level 1", "88.64"):
        assert needle in text, needle
    assert "失分分析" not in text


def test_converts_to_pdf_with_libreoffice(report, tmp_path):
    soffice = require_tool("soffice", "libreoffice-writer-nogui")
    pdftotext = require_tool("pdftotext", "poppler-utils")
    pdffonts = require_tool("pdffonts", "poppler-utils")
    profile = tmp_path / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(report)], check=True, capture_output=True, timeout=300)
    pdf = tmp_path / "report.pdf"
    assert pdf.exists()
    text = subprocess.run([pdftotext, str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert "88.64" in text
    assert "良" in text
    assert "失分分析" in text
    # The Chinese text was set in a real CJK face, not tofu from a Latin font.
    fonts = subprocess.run([pdffonts, str(pdf)], check=True, capture_output=True, text=True).stdout
    assert any(k in fonts for k in ("CJK", "WenQuanYi", "WQY", "Han")), fonts


def test_without_a_cjk_font_the_run_fails_and_writes_nothing(tmp_path):
    empty = tmp_path / "no-fonts"
    empty.mkdir()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    res = run_cli("evaluate", SEED, "-o", out_dir / "report.docx", env={"JIXIAO_FONT_DIRS": str(empty)})
    assert res.code == 2, res
    assert "fonts-noto-cjk" in res.stderr
    assert "Traceback" not in res.stderr
    assert os.listdir(out_dir) == []
