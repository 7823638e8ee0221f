"""Expert panels from real files (a long CSV or xlsx, one xlsx sheet per expert, inline rows) and through `jixiao evaluate`."""

from __future__ import annotations

import json
import re
import shutil
from decimal import Decimal

import pytest

from conftest import ROOT
from jixiao.errors import JixiaoError
from jixiao.panel import combine_all, read_long_csv, read_sheets

CSV = """expert,code,score,reason
张,A11,8,依据充分
李,A11,9,基本充分
王,A11,9,基本充分
赵,A11,10,完全充分
钱,A11,7,部分依据缺失
张,A12,2,
李,A12,9,
王,A12,8,
赵,A12,9,
钱,A12,9,
"""


def test_trimmed_mean_with_ties_and_working(tmp_path):
    p = tmp_path / "experts.csv"
    p.write_text(CSV, encoding="utf-8")
    out = combine_all(read_long_csv(p), {"A11": Decimal(10), "A12": Decimal(10)}, spread_share=Decimal("0.3"))
    assert out["A11"].working == "8.67=(8+9+9+10+7-10-7)/3"
    assert out["A11"].score == Decimal("8.67") and out["A11"].finding is None
    # ties: two 9s at the top, only one is dropped
    assert out["A12"].working == "8.67=(2+9+8+9+9-9-2)/3"
    assert "专家意见分歧较大" in out["A12"].finding


@pytest.mark.parametrize("method, working", [("mean", "8.60=(8+9+9+10+7)/5"), ("median", "9.00=median(8+9+9+10+7)")])
def test_mean_and_median(tmp_path, method, working):
    p = tmp_path / "experts.csv"
    p.write_text(CSV, encoding="utf-8")
    assert combine_all(read_long_csv(p), {"A11": Decimal(10), "A12": Decimal(10)}, method=method)["A11"].working == working


def test_missing_expert_score_names_expert_and_code(tmp_path):
    p = tmp_path / "experts.csv"
    p.write_text(CSV.replace("钱,A12,9,\n", ""), encoding="utf-8")
    with pytest.raises(JixiaoError) as e:
        combine_all(read_long_csv(p), {"A11": Decimal(10), "A12": Decimal(10)}, file=str(p))
    assert "钱" in str(e.value) and "A12" in str(e.value)


def test_one_sheet_per_expert(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, s in (("张", 8), ("李", 9), ("王", 9), ("赵", 10), ("钱", 7)):
        ws = wb.create_sheet(name)
        ws.append(["code", "score", "reason"])
        ws.append(["A11", s, "理由"])
        ws.append([None, None, None])
    wb.save(tmp_path / "experts.xlsx")
    out = combine_all(read_sheets(tmp_path / "experts.xlsx"), {"A11": Decimal(10)})
    assert out["A11"].working == "8.67=(8+9+9+10+7-10-7)/3"
    assert [s.expert for s in out["A11"].scores] == ["张", "李", "王", "赵", "钱"]


# -- the panel in `jixiao evaluate` (the example in docs/examples/consumer-protection-2018-panel) --------


PANEL_DIR = ROOT / "docs" / "examples" / "consumer-protection-2018-panel"


@pytest.fixture(scope="session")
def panel_doc():
    from conftest import run_cli

    r = run_cli("evaluate", PANEL_DIR / "evaluation.toml", "-f", "json")
    assert r.code == 0, r
    return r.stdout


@pytest.fixture
def panel_copy(tmp_path):
    """A writable copy of the panel example, next to a copy of the seed's budget table."""
    shutil.copytree(PANEL_DIR, tmp_path / "consumer-protection-2018-panel")
    shutil.copytree(ROOT / "docs" / "examples" / "consumer-protection-2018", tmp_path / "consumer-protection-2018")
    return tmp_path / "consumer-protection-2018-panel" / "evaluation.toml"


def by_code(doc):
    return {i["code"]: i for i in doc["indicators"]}


def test_example_scores_leaves_from_the_panel(panel_doc):
    doc = json.loads(panel_doc)
    ind = by_code(doc)
    assert ind["A22"]["score"] == "1.57" and ind["A22"]["trace"] == "1.57=(1.6+1.5+1.8+1.6+1.2-1.8-1.2)/3"
    assert ind["B31"]["trace"] == "4.00=(4+4.5+4+3.5+4-4.5-3.5)/3"
    assert ind["C24"]["trace"] == "4.83=(5+4.5+5+3+5-5-3)/3"
    # 88.64 - (1.60-1.57) - 0 - (3.00-3.00) - (5.00-4.83) with B32 kept at 3 by the override
    assert doc["total"] == "88.44"
    a22 = ind["A22"]["panel"]
    assert a22["applies"] == "panel" and a22["method"] == "trimmed_mean"
    assert [(e["expert"], e["score"], e["reason"]) for e in a22["experts"]][:2] == [
        ("张明", "1.6", "绩效指标基本可定量，培训计划不够细致"), ("李华", "1.5", "抽样检验数量计划不明确")]
    assert a22["experts"][0]["ref"] == "row 2"
    assert doc["panel"]["members"] == ["张明", "李华", "王芳", "赵强", "钱丽"]
    assert doc["panel"]["codes"] == ["A22", "B31", "B32", "C24"]


def test_override_wins_and_says_so(panel_doc):
    b32 = by_code(json.loads(panel_doc))["B32"]
    assert b32["score"] == "3.00"
    assert b32["trace"].startswith("3.00（评价组调整：评价组复核：")
    assert b32["trace"].endswith("专家组评分 3.17=(3+2.5+4+3+3.5-4-2.5)/3）")
    assert b32["panel"]["applies"] == "override" and b32["panel"]["score"] == "3.17"
    assert b32["override"]["computed_score"] == "3.17"


def test_spread_is_a_review_discrepancy(panel_doc):
    found = json.loads(panel_doc)["review"]["discrepancies"]
    spread = [d for d in found if d["kind"] == "panel_spread"]
    # C24: 5 − 3 = 2 > 30% of 5; B32: 4 − 2.5 = 1.5 is not above 1.5
    assert [d["code"] for d in spread] == ["C24"]
    assert "专家意见分歧较大" in spread[0]["message"] and "差 2 分" in spread[0]["message"]


def test_deterministic_and_citations_from_experts_and_notes(panel_doc, cli):
    assert cli("evaluate", PANEL_DIR / "evaluation.toml", "-f", "json").stdout == panel_doc
    ind = by_code(json.loads(panel_doc))
    assert ind["A22"]["evidence"] == ["E01"]  # cited in experts.csv
    assert ind["C23"]["evidence"] == ["E03"]  # [notes.C23] evidence
    assert ind["C23"]["note"].startswith("随着新消法")
    assert ind["C24"]["evidence"] == ["E03"]


def test_workpaper_has_expert_sheet_cross_referenced(cli, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "wp.xlsx"
    r = cli("evaluate", PANEL_DIR / "evaluation.toml", "-o", out)
    assert r.code == 0, r
    wb = load_workbook(out)
    ws = wb["专家评分"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:6] == ("编码", "指标", "专家", "评分", "评分理由", "证据")
    assert len(rows) == 1 + 4 * 5
    b32 = [r for r in rows if r[0] == "B32"]
    assert [r[2] for r in b32] == ["张明", "李华", "王芳", "赵强", "钱丽"]
    assert b32[0][3] == 3
    assert b32[0][9].startswith("评价组调整 3.00")
    leaves = wb["指标底稿"]
    head = {c.value: c.column for c in leaves[1]}
    a22 = next(r for r in range(2, leaves.max_row + 1) if leaves.cell(row=r, column=1).value == "A22")
    ev = leaves.cell(row=a22, column=head["证据"])
    assert ev.value == "E01" and ev.hyperlink.target == "#'证据清单'!A2"
    pn = leaves.cell(row=a22, column=head["专家评分"])
    assert pn.value.startswith("1.57=") and pn.hyperlink.target == "#'专家评分'!A2"
    cited = {r[0]: r[6] for r in wb["证据清单"].iter_rows(min_row=2, values_only=True)}
    assert cited["E01"] == "A11、A22" and cited["E02"] == "B32"


def test_missing_expert_score_exit_3_naming_expert_code_and_file(cli, panel_copy):
    csv_path = panel_copy.parent / "experts.csv"
    csv_path.write_text(csv_path.read_text(encoding="utf-8").replace("钱丽,B31,4,操作规程较为健全,\n", ""),
                        encoding="utf-8")
    r = cli("evaluate", panel_copy, "-f", "json")
    assert r.code == 3, r
    assert "experts.csv" in r.stderr and "钱丽 has no score for B31" in r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""


def test_blank_score_cell_located(cli, panel_copy):
    csv_path = panel_copy.parent / "experts.csv"
    csv_path.write_text(csv_path.read_text(encoding="utf-8").replace("赵强,C24,3,", "赵强,C24,,"), encoding="utf-8")
    r = cli("evaluate", panel_copy, "-f", "json")
    assert r.code == 3, r
    assert "experts.csv: row 20, column score" in r.stderr and "赵强 has no score for C24" in r.stderr


def test_unknown_evidence_in_expert_file_exit_2_at_its_row(cli, panel_copy):
    csv_path = panel_copy.parent / "experts.csv"
    csv_path.write_text(csv_path.read_text(encoding="utf-8").replace("钱丽,A22,1.2,量化指标不明确,E01",
                                                                     "钱丽,A22,1.2,量化指标不明确,E09"), encoding="utf-8")
    r = cli("evaluate", panel_copy, "-f", "json")
    assert r.code == 2, r
    assert "experts.csv: row 6, column evidence[0]" in r.stderr and "unknown evidence id 'E09'" in r.stderr


def test_rating_and_panel_for_one_leaf_refused(cli, panel_copy):
    text = panel_copy.read_text(encoding="utf-8")
    panel_copy.write_text(text + '\n[ratings.B31]\nrating = "80%"\nreason = "制度较为健全"\n', encoding="utf-8")
    r = cli("evaluate", panel_copy, "-f", "json")
    assert r.code == 2, r
    assert "$.ratings.B31" in r.stderr and "scored by the expert panel" in r.stderr


def test_code_not_qualitative_refused(cli, panel_copy):
    csv_path = panel_copy.parent / "experts.csv"
    csv_path.write_text(csv_path.read_text(encoding="utf-8") + "张明,B11,4,预算执行率\n", encoding="utf-8")
    r = cli("evaluate", panel_copy, "-f", "json")
    assert r.code == 3, r
    assert "row 22" in r.stderr and "no qualitative indicator 'B11'" in r.stderr


INLINE = '''
[panel]
method = "median"
spread_share = "50%"

[experts]
members = ["甲", "乙", "丙", "丁"]

[[experts.scores]]
expert = "甲"
code = "B31"
rating = "80%"
reason = "较为健全"

[[experts.scores]]
expert = "乙"
code = "B31"
score = 3
reason = "计划薄弱"

[[experts.scores]]
expert = "丙"
code = "B31"
score = "90%"
reason = "健全"

[[experts.scores]]
expert = "丁"
code = "B31"
score = 5
reason = "完全健全"
evidence = ["E01"]

[evidence.E01]
title = "管理制度汇编"
kind = "文件"
'''


def _inline(seed_copy, extra=""):
    text = re.sub(r"\[ratings\.B31\]\n(?:[^\[\n][^\n]*\n)+\n", "", seed_copy.read_text(encoding="utf-8"))
    seed_copy.write_text(text + INLINE + extra, encoding="utf-8")
    return seed_copy


def test_inline_scores_ratings_and_median(cli, seed_copy):
    r = cli("evaluate", _inline(seed_copy), "-f", "json")
    assert r.code == 0, r
    doc = r.json()
    b31 = by_code(doc)["B31"]
    # 80% and 90% of 5 are 4 and 4.5 points: median of 3, 4, 4.5, 5
    assert b31["trace"] == "4.25=median(4+3+4.5+5)"
    assert b31["evidence"] == ["E01"]
    assert [e["ref"] for e in b31["panel"]["experts"]] == [f"$.experts.scores[{i}]" for i in range(4)]
    assert doc["total"] == "88.89"  # the seed's 88.64 with B31 at 4.25 instead of 4.00
    assert "review" not in doc or not doc["review"].get("discrepancies")  # spread 2 is not above 2.5


@pytest.mark.parametrize("edit, where, code", [
    (('method = "median"', 'method = "avg"'), "$.panel.method", 2),
    (('spread_share = "50%"', "spread_share = 50"), "$.panel.spread_share", 2),
    (('method = "median"', 'method = "median"\ntrim = 2'), "$.panel.trim", 2),
    (('reason = "计划薄弱"', 'reasn = "计划薄弱"'), "$.experts.scores[1].reasn", 2),
    (('score = 3\n', 'score = 6\n'), "$.experts.scores[1]", 3),
    (('rating = "80%"\nreason = "较为健全"', 'rating = "120%"\nreason = "较为健全"'), "$.experts.scores[0].rating", 3),
    (('members = ["甲", "乙", "丙", "丁"]', 'members = ["甲", "乙", "丙", "丁", "戊"]'), "$.experts.members", 3),
])
def test_bad_panel_config_located(cli, seed_copy, edit, where, code):
    cfg = _inline(seed_copy)
    cfg.write_text(cfg.read_text(encoding="utf-8").replace(*edit, 1), encoding="utf-8")
    r = cli("evaluate", cfg, "-f", "json")
    assert r.code == code, r
    assert f"evaluation.toml: {where}" in r.stderr and "Traceback" not in r.stderr


def test_sheets_per_expert_through_evaluate_with_ties(cli, seed_copy):
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, s in (("张", 4), ("李", 5), ("王", 5), ("赵", 3), ("钱", 3)):
        ws = wb.create_sheet(name)
        ws.append(["指标编码", "得分", "评分理由"])
        ws.append(["B31", s, f"{name}的理由"])
    wb.save(seed_copy.parent / "experts.xlsx")
    text = re.sub(r"\[ratings\.B31\]\n(?:[^\[\n][^\n]*\n)+\n", "", seed_copy.read_text(encoding="utf-8"))
    seed_copy.write_text(text + '\n[panel]\nmethod = "trimmed_mean"\n\n[experts]\nfile = "experts.xlsx"\n',
                         encoding="utf-8")
    r = cli("evaluate", seed_copy, "-f", "json")
    assert r.code == 0, r
    b31 = by_code(r.json())["B31"]
    # two 5s and two 3s: one of each is dropped
    assert b31["trace"] == "4.00=(4+5+5+3+3-5-3)/3"
    assert [e["expert"] for e in b31["panel"]["experts"]] == ["张", "李", "王", "赵", "钱"]
    assert b31["panel"]["experts"][0]["ref"] == "张!row 2"


def test_panel_shown_in_every_text_format(cli, tmp_path):
    md = cli("evaluate", PANEL_DIR / "evaluation.toml", "-f", "markdown")
    assert md.code == 0, md
    assert "1.57=(1.6+1.5+1.8+1.6+1.2-1.8-1.2)/3" in md.stdout and "评价组调整" in md.stdout
    assert "张明 1.6（绩效指标基本可定量，培训计划不够细致）" in md.stdout
    assert "## 证据清单" in md.stdout
    # the override over the panel is the evaluation team's; the disagreement is printed beside C24
    assert "评价组调整: 3.00 (专家组评分 3.17) — 评价组复核" in md.stdout
    assert "C24：专家意见分歧较大（最高 5，最低 3，差 2 分，超过标准分的 30%）" in md.stdout
    lost = {i["code"]: i for i in json.loads(cli("evaluate", PANEL_DIR / "evaluation.toml", "-f", "json").stdout)[
        "losses"]["ranked"]}
    assert lost["B32"]["reason_zh"].startswith("评价组调整得分（专家组评分 3.17）")
    assert lost["A22"]["kind"] == "panel" and lost["A22"]["reason_zh"] == "专家组评分 1.57=(1.6+1.5+1.8+1.6+1.2-1.8-1.2)/3"


def test_panel_in_word_and_html(cli, tmp_path):
    import docx

    for suffix in ("docx", "html"):
        r = cli("evaluate", PANEL_DIR / "evaluation.toml", "-o", tmp_path / f"r.{suffix}")
        assert r.code == 0, r
    text = "\n".join(p.text for p in docx.Document(str(tmp_path / "r.docx")).paragraphs)
    assert "评价组调整得分为3.00分（专家组评分3.17分）" in text and "1.57=(1.6+1.5+1.8+1.6+1.2-1.8-1.2)/3" in text
    assert "专家意见分歧较大" in text
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "评价组调整: 3.00 (专家组评分 3.17)" in html and '<a href="#ev-E02">E02</a>' in html
    assert "专家意见分歧较大" in html


def test_validate_knows_the_panel(cli, panel_copy):
    assert cli("validate", PANEL_DIR / "evaluation.toml").code == 0
    csv_path = panel_copy.parent / "experts.csv"
    csv_path.write_text(csv_path.read_text(encoding="utf-8").replace("钱丽,B31,4,操作规程较为健全,\n", ""),
                        encoding="utf-8")
    r = cli("validate", panel_copy)
    assert r.code == 3 and "钱丽 has no score for B31" in r.stdout + r.stderr, r


def test_report_never_overwrites_the_scores_file(cli, panel_copy):
    csv_path = panel_copy.parent / "experts.csv"
    before = csv_path.read_bytes()
    r = cli("evaluate", panel_copy, "-f", "markdown", "-o", csv_path)
    assert r.code == 2 and "also an input" in r.stderr, r
    assert csv_path.read_bytes() == before


def test_panel_rounding_of_its_own_shows_both_roundings(cli, seed_copy):
    cfg = _inline(seed_copy)
    cfg.write_text(cfg.read_text(encoding="utf-8").replace('method = "median"', 'method = "median"\nplaces = 1', 1),
                   encoding="utf-8")
    r = cli("evaluate", cfg, "-f", "json")
    assert r.code == 0, r
    b31 = by_code(r.json())["B31"]
    assert b31["score"] == "4.30" and b31["trace"] == "4.30=4.3=median(4+3+4.5+5)"
    assert b31["panel"]["score"] == "4.3"


def test_long_table_xlsx_with_chinese_headers_and_gbk_csv(cli, seed_copy):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "专家评分表"
    ws.append(["专家", "指标编码", "得分", "评分理由", "证据"])
    for name, s in (("张", 4), ("李", "90%"), ("王", 3.5)):
        ws.append([name, "B31", s, f"{name}的理由", "E01、E02" if name == "张" else None])
    wb.save(seed_copy.parent / "experts.xlsx")
    text = re.sub(r"\[ratings\.B31\]\n(?:[^\[\n][^\n]*\n)+\n", "", seed_copy.read_text(encoding="utf-8"))
    register = ('\n[evidence.E01]\ntitle = "制度汇编"\nkind = "文件"\n\n[evidence.E02]\ntitle = "访谈"\n'
                'kind = "访谈记录"\n')
    seed_copy.write_text(text + '\n[panel]\nmethod = "mean"\n\n[experts]\nfile = "experts.xlsx"\n' + register,
                         encoding="utf-8")
    r = cli("evaluate", seed_copy, "-f", "json")
    assert r.code == 0, r
    b31 = by_code(r.json())["B31"]
    assert b31["trace"] == "4.00=(4+4.5+3.5)/3" and b31["evidence"] == ["E01", "E02"]
    assert b31["panel"]["experts"][0]["ref"] == "专家评分表!row 2"
    # the same table as a GBK CSV, read with encoding = "gbk" (refused without it)
    csv_text = "专家,指标编码,得分,评分理由\n张,B31,4,理由\n李,B31,90%,理由\n王,B31,3.5,理由\n"
    (seed_copy.parent / "experts.csv").write_bytes(csv_text.encode("gbk"))
    cfg = seed_copy.read_text(encoding="utf-8").replace('file = "experts.xlsx"', 'file = "experts.csv"')
    seed_copy.write_text(cfg, encoding="utf-8")
    r = cli("evaluate", seed_copy, "-f", "json")
    assert r.code == 3 and "experts.csv" in r.stderr and 'encoding = "gbk"' in r.stderr, r
    seed_copy.write_text(cfg.replace('file = "experts.csv"', 'file = "experts.csv"\nencoding = "gbk"'),
                         encoding="utf-8")
    r = cli("evaluate", seed_copy, "-f", "json")
    assert r.code == 0, r
    assert by_code(r.json())["B31"]["trace"] == "4.00=(4+4.5+3.5)/3"


def test_editor_schema_describes_panel_and_experts():
    from jixiao.schema import config_schema

    props = config_schema()["properties"]
    assert props["panel"]["properties"]["method"]["enum"] == ["mean", "median", "trimmed_mean"]
    assert props["experts"]["properties"]["scores"]["items"]["required"] == ["expert", "code"]
    assert props["evidence"]["additionalProperties"]["required"] == ["title", "kind"]
