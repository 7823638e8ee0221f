"""复核意见: review.discrepancies printed in every non-JSON report (terminal, Markdown, HTML, Word, Excel)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))
from builders import ROWS, write_xlsx

from conftest import ROOT, run_cli

NAME = "<b>覆盖</b>学校数"


@pytest.fixture(scope="session")
def reviewed(tmp_path_factory):
    """An imported form with three discrepancies: B12's stated 得分 (and a name with markup), the items
    not adding up to the stated 总分, the 总分 itself."""
    d = tmp_path_factory.mktemp("review-sections")
    rows = list(ROWS)
    rows[1] = ("产出指标", "数量指标", NAME, "≥35所", "33", 10, 9, "两所学校撤并")
    form = write_xlsx(d / "form.xlsx", rows=rows, total="94")
    cfg = d / "evaluation.toml"
    r = run_cli("import-form", form, "-o", cfg)
    assert r.code == 0, r
    doc = run_cli("evaluate", cfg, "--format", "json").json()
    kinds = [(x["code"], x["kind"]) for x in doc["review"]["discrepancies"]]
    assert kinds == [("B12", "leaf_score"), (None, "stated_sum"), (None, "total")]
    return cfg, d


def test_terminal_summary(reviewed):
    cfg, _ = reviewed
    r = run_cli("evaluate", cfg)
    assert r.code == 0, r
    section = r.stdout.split("复核意见:")[1]
    assert "得分不符" in section and "附件2!H13" in section and "9.00" in section and "9.43" in section
    assert "分项合计与总分不符" in section and "94.00" in section and "总分不符" in section


def test_markdown(reviewed):
    cfg, d = reviewed
    out = d / "report.md"
    assert run_cli("evaluate", cfg, "-o", out).code == 0
    text = out.read_text("utf-8")
    section = text.split("## 复核意见")[1]
    assert "| 序号 | 指标 | 类型 | 自评 | 复核 | 单元格 | 说明 |" in section
    assert "| 1 | B12 | 得分不符 | 9.00 | 9.43 | 附件2!H13 |" in section
    assert "<b>" not in text and "&lt;b&gt;覆盖&lt;/b&gt;学校数" in section


def test_html_escaped(reviewed):
    cfg, d = reviewed
    out = d / "report.html"
    r = run_cli("evaluate", cfg, "-o", out)
    assert r.code == 0, r
    html = out.read_text("utf-8")
    section = html.split('<section id="review-discrepancies">')[1].split("</section>")[0]
    assert "<h2>复核意见</h2>" in section and section.count('<tr class="discrepancy">') == 3
    assert "&lt;b&gt;覆盖&lt;/b&gt;学校数" in section and "<b>覆盖" not in html


def test_word(reviewed):
    import docx

    cfg, d = reviewed
    out = d / "report.docx"
    r = run_cli("evaluate", cfg, "-o", out)
    assert r.code == 0, r
    document = docx.Document(str(out))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "复核意见" in headings
    table = document.tables[-1]
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == ["序号", "指标", "类型", "自评", "复核", "单元格", "说明"]
    assert rows[1][:6] == ["1", "B12", "得分不符", "9.00", "9.43", "附件2!H13"]
    assert NAME in rows[1][6]
    assert [r[2] for r in rows[2:]] == ["分项合计与总分不符", "总分不符"]


def test_workbook_sheet(reviewed):
    import openpyxl

    cfg, d = reviewed
    out = d / "report.xlsx"
    r = run_cli("evaluate", cfg, "-o", out)
    assert r.code == 0, r
    wb = openpyxl.load_workbook(out)
    ws = wb["复核意见"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0] == ["序号", "指标", "类型", "自评", "复核", "单元格", "说明"]
    assert rows[1][:6] == [1, "B12", "得分不符", "9.00", "9.43", "附件2!H13"]
    assert [r[2] for r in rows[2:]] == ["分项合计与总分不符", "总分不符"]


def test_no_section_without_discrepancies(tmp_path):
    cfg = ROOT / "docs" / "examples" / "national-education-2023" / "evaluation.toml"
    out = tmp_path / "report.md"
    assert run_cli("evaluate", cfg, "-o", out).code == 0
    assert "复核意见" not in out.read_text("utf-8")
