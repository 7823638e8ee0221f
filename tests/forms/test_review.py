"""Stated figures against the recomputed ones: review.discrepancies in the JSON document."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))
from builders import ROWS, write_xlsx

from conftest import SEED, run_cli


def review(tmp_path, **kw):
    form = write_xlsx(tmp_path / "form.xlsx", **kw)
    cfg = tmp_path / "evaluation.toml"
    assert run_cli("import-form", form, "-o", cfg).code == 0
    r = run_cli("evaluate", cfg, "--format", "json")
    assert r.code == 0, r
    doc = r.json()
    return doc, doc.get("review", {}).get("discrepancies")


def kinds(found):
    return sorted(((d["code"] or ""), d["kind"]) for d in found)


def test_consistent_form_has_no_discrepancy(tmp_path):
    doc, found = review(tmp_path, total="89.41")
    assert found == []
    assert doc["total"] == "89.41"


def test_items_do_not_add_up_to_stated_total(tmp_path):
    _, found = review(tmp_path, total="94")
    assert kinds(found) == [("", "stated_sum"), ("", "total")]
    s = next(d for d in found if d["kind"] == "stated_sum")
    assert (s["stated"], s["computed"], s["cell"]) == ("94.00", "89.41", "附件2!H21")


def test_deduction_without_reason(tmp_path):
    rows = list(ROWS)
    rows[3] = ("产出指标", "时效指标", "补助资金发放及时率", "=100%", "100%", 5, 4, "")  # met, 1 point off
    _, found = review(tmp_path, rows=rows, total="88.41")
    assert kinds(found) == [("", "total"), ("B31", "deduction_without_reason"), ("B31", "leaf_score")]
    d = next(d for d in found if d["kind"] == "deduction_without_reason")
    assert d["cell"] == "附件2!H15" and "1.00 points" in d["message"]
    leaf = next(d for d in found if d["kind"] == "leaf_score")
    assert (leaf["stated"], leaf["computed"]) == ("4.00", "5.00")


def test_unmet_target_without_reason(tmp_path):
    rows = list(ROWS)
    rows[1] = ("产出指标", "数量指标", "覆盖学校数", "≥35所", "33", 10, 9.43, "")
    _, found = review(tmp_path, rows=rows, total="89.41")
    assert kinds(found) == [("B12", "unmet_without_reason")]
    assert found[0]["cell"] == "附件2!I13"


def test_wrong_grade_and_wrong_leaf_score(tmp_path):
    rows = list(ROWS)
    rows[0] = ("产出指标", "数量指标", "补助学生人数", "≥1200人", "1100人", 20, 20, "部分学生转学")
    _, found = review(tmp_path, rows=rows, total="91.08", grade="优")
    assert kinds(found) == [("", "grade"), ("", "total"), ("B11", "leaf_score")]
    leaf = next(d for d in found if d["kind"] == "leaf_score")
    assert "18.33=1100/1200*20" in leaf["message"] and leaf["cell"] == "附件2!H12"


def test_config_without_stated_figures_has_no_review(tmp_path):
    r = run_cli("evaluate", SEED, "--format", "json")
    assert r.code == 0, r
    assert "discrepancies" not in r.json().get("review", {})


def test_unknown_stated_key_refused_at_its_path(tmp_path):
    form = write_xlsx(tmp_path / "form.xlsx")
    cfg = tmp_path / "evaluation.toml"
    assert run_cli("import-form", form, "-o", cfg).code == 0
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("[stated]\n", "[stated]\ntotl = 3\n"), encoding="utf-8")
    r = run_cli("evaluate", cfg, "--format", "json")
    assert r.code == 2 and "$.stated.totl" in r.stderr and "Traceback" not in r.stderr, r


def test_review_folder_workbook(tmp_path):
    import openpyxl
    from builders import write_docx

    forms = tmp_path / "forms"
    forms.mkdir()
    write_xlsx(forms / "a.xlsx", total="89.41")
    write_xlsx(forms / "b.xlsx", total="94")
    write_docx(forms / "c.docx", total="89.41", grade="=优")
    (forms / "broken.xlsx").write_bytes(b"not a workbook")
    out = tmp_path / "review.xlsx"
    r = run_cli("review", forms, "-o", out, "--json-dir", tmp_path / "json")
    assert r.code == 3, r  # one unreadable form, the rest still reviewed
    assert "broken.xlsx" in r.stderr and "Traceback" not in r.stderr
    wb = openpyxl.load_workbook(out)
    rows = list(wb["自评表"].iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == ["a.xlsx", "b.xlsx", "c.docx"]
    assert rows[2][4:10] == ("94", "良", "89.41", "良", 2, "4.59")
    diffs = list(wb["复核差异"].iter_rows(values_only=True))[1:]
    assert ("b.xlsx", "附件2!H21", None, "stated_sum", "94.00", "89.41") in [d[:6] for d in diffs]
    grade = next(d for d in diffs if d[0] == "c.docx" and d[3] == "grade")
    assert grade[4] == "=优" and wb["复核差异"].cell(diffs.index(grade) + 2, 5).data_type == "s"
    assert [row[0] for row in wb["无法读取"].iter_rows(values_only=True)][1:] == ["broken.xlsx"]
    assert sorted(p.name for p in (tmp_path / "json").iterdir()) == ["a.json", "b.json", "c.json"]


def test_review_weights_summing_to_110(tmp_path):
    import openpyxl

    rows = list(ROWS)
    rows.insert(1, ("产出指标", "数量指标", "新增指标", "≥10个", "10个", 10, 10, ""))  # 产出 60 where 50 declared
    forms = tmp_path / "forms"
    forms.mkdir()
    write_xlsx(forms / "w.xlsx", rows=rows, total="99.41")
    out = tmp_path / "review.xlsx"
    r = run_cli("review", forms, "-o", out)
    assert r.code == 0, r
    wb = openpyxl.load_workbook(out)
    row = list(wb["自评表"].iter_rows(values_only=True))[1]
    assert row[6] is None and row[7] is None  # no total graded as if valid
    (d,) = list(wb["复核差异"].iter_rows(values_only=True))[1:]
    assert d[:6] == ("w.xlsx", "附件2!G12", "B", "weights", "60.00", "50.00")


def test_review_twenty_point_block_over_100(tmp_path):
    """预算执行 20 on a form whose 产出/效益/满意度 keep 50/30/10: 110 in all, a weights finding at the 分值 cell."""
    import openpyxl
    from builders import FUNDS

    forms = tmp_path / "forms"
    forms.mkdir()
    write_xlsx(forms / "p.xlsx", funds=[("年度资金总额", 500, 480, 432, 20, "90%", 18), *FUNDS[1:]], total="98.41")
    out = tmp_path / "review.xlsx"
    r = run_cli("review", forms, "-o", out, "--jobs", "1")
    assert r.code == 0, r
    (d,) = list(openpyxl.load_workbook(out)["复核差异"].iter_rows(values_only=True))[1:]
    assert d[:6] == ("p.xlsx", "附件2!F5", "A", "weights", "20.00", "10.00")
    assert "add up to 110.00, not 100.00" in d[6]
