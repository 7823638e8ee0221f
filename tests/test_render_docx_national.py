"""The Word report of a national-form evaluation (issue 11 §7): the 预算执行率 tier is in the tier table
and the analysis, headings and intros read as Chinese reports write them, the empty 指标解释 column is
left out, pages are numbered, units stay on actual values, the department is printed, and a reason's
own 。 is not doubled."""

from __future__ import annotations

import io

import docx
import pytest

from conftest import ROOT, run_cli

EXAMPLE = ROOT / "docs" / "examples" / "national-education-2023" / "evaluation.toml"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    d = tmp_path_factory.mktemp("national-docx")
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        '[project]\n', '[project]\ndepartment = "某县财政局（示例）"\n', 1)
    text += '\n[overrides.B12]\nscore = 10\nreason = "新增两所学校已于年末投入使用，按完成计分。"\n'
    cfg = d / "evaluation.toml"
    cfg.write_text(text, encoding="utf-8")
    out = d / "report.docx"
    res = run_cli("evaluate", cfg, "-o", out)
    assert res.code == 0, res
    return docx.Document(io.BytesIO(out.read_bytes()))


def test_the_budget_execution_tier_is_reported(report):
    texts = [p.text for p in report.paragraphs]
    assert "预算执行率指标1项，标准分10分，评价得分9.00分。具体评分情况如下：" in texts
    assert any(t.startswith("A 预算执行率：实际值90.00%（=432/480）") for t in texts)
    tier_a = next(t for t in report.tables if t.rows[1].cells[0].text.startswith("A. 预算执行率"))
    assert tier_a.rows[1].cells[-1].text == "9.00"


def test_wording_and_columns(report):
    text = "\n".join(p.text for p in report.paragraphs)
    assert "指标指标" not in text and "产出指标4项5个小项指标" in text and "2、产出指标\n" in text
    assert "。。" not in text and "按完成计分。本指标" in text
    assert "主管部门：某县财政局（示例）" in text
    assert "实际值1100人" in text and "实际值1300元" in text
    tier_b = next(t for t in report.tables if t.rows[1].cells[0].text.startswith("B. 产出指标"))
    assert [c.text for c in tier_b.rows[0].cells] == ["一级指标", "二级指标", "三级指标", "标准分", "得分"]


def test_pages_are_numbered(report):
    xml = report.sections[0].footer.paragraphs[0]._p.xml
    assert "PAGE" in xml and 'w:fldCharType="begin"' in xml


def test_terminal_prints_lost_points_as_word_does():
    res = run_cli("evaluate", EXAMPLE)
    assert res.code == 0
    section = res.stdout[res.stdout.index("失分分析"):]
    assert "-6.00" not in section and "6.00" in section
