"""--format form: the 附件2 form as a deliverable (xlsx and docx), read back by import-form (round trip)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))
from builders import write_xlsx

from conftest import ROOT, SEED, require_tool, run_cli

NATIONAL = ROOT / "docs" / "examples" / "national-education-2023" / "evaluation.toml"


def scores(doc: dict) -> dict:
    """What a round trip must keep: every leaf (in order, by its place in the tree), tiers, total, grade."""
    tiers = []

    def walk(nodes, depth=0):
        for n in nodes:
            tiers.append((depth, n["name"], n["standard_score"], n["score"], n["score_rate"]))
            walk(n["children"], depth + 1)

    walk(doc["tiers"])
    return {
        "leaves": [(i["code"], i["name"], i["standard_score"], i["score"], i["score_rate"]) for i in doc["indicators"]],
        "tiers": tiers,
        "total": (doc["total"], doc["total_standard"], doc["score_rate"]),
        "grade": doc["grade"],
    }


@pytest.fixture(scope="session")
def rendered(tmp_path_factory):
    """The national example as a form, once per session: {'.xlsx': path, '.docx': path} and its JSON."""
    d = tmp_path_factory.mktemp("form")
    out = {}
    for suffix in (".xlsx", ".docx"):
        path = d / f"form{suffix}"
        r = run_cli("evaluate", NATIONAL, "--format", "form", "-o", path)
        assert r.code == 0, r
        assert "(form)" in r.stderr
        out[suffix] = path
    r = run_cli("evaluate", NATIONAL, "--format", "json")
    assert r.code == 0, r
    out["json"] = r.json()
    return out


@pytest.mark.parametrize("suffix", [".xlsx", ".docx"])
def test_round_trip_gives_the_same_scores(rendered, suffix, tmp_path):
    cfg = tmp_path / "y.toml"
    r = run_cli("import-form", rendered[suffix], "-o", cfg)
    assert r.code == 0, r
    r = run_cli("evaluate", cfg, "--format", "json")
    assert r.code == 0, r
    again = r.json()
    assert scores(again) == scores(rendered["json"])
    assert again["total"] == "89.41" and again["grade"] == "良"
    assert again["project"]["name"] == rendered["json"]["project"]["name"]
    assert again["project"]["unit"] == "某县教育局（示例）"
    assert "department" not in again["project"]  # the example has none: an empty 主管部门 stays empty
    assert again["project"]["period"] == "2023年度"
    # the form carried the stated scores: none differs from the recomputed ones
    kinds = {d["kind"] for d in again.get("review", {}).get("discrepancies", [])}
    assert not kinds & {"leaf_score", "stated_sum", "total", "grade", "budget_score", "budget_rate"}, kinds


def test_workbook_layout(rendered):
    import openpyxl

    wb = openpyxl.load_workbook(rendered[".xlsx"])
    ws = wb.active
    assert ws.title == "项目支出绩效自评表"
    assert ws["A1"].value == "项目支出绩效自评表\n（2023年度）"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:I1", "B2:I2", "B3:D3", "F3:I3", "A4:A8", "A9:A10", "B9:E9", "F9:I9"} <= merged
    values = {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}
    assert [values[f"{c}4"] for c in "CDEFGH"] == ["年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]
    assert [values[f"B{r}"] for r in range(5, 9)] == ["年度资金总额", "其中：当年财政拨款", "上年结转资金", "其他资金"]
    # figures are numbers from the evaluation, formatted, not text
    assert (values["C5"], values["D5"], values["E5"], values["F5"], values["H5"]) == (500, 480, 432, 10, 9)
    assert ws["G5"].value == pytest.approx(0.9) and ws["G5"].number_format == "0.00%"
    assert ws["H5"].number_format == "0.00"
    header = [values[f"{c}11"] for c in "ABCDEFGHI"]
    assert header == ["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                      "偏差原因分析及改进措施"]
    # 一级 merged over its rows (产出 has five leaves), 二级 over its own, the label column over the table
    assert {"B12:B16", "C12:C13", "B17:B18", "A11:A19", "A20:F20"} <= merged
    assert (values["D12"], values["E12"], values["F12"], values["G12"], values["H12"]) == (
        "补助学生人数", "≥1200人", "1100人", 20, 18.33)
    assert values["E15"] == "=100%" and ws["E15"].data_type == "s"  # a target, not a formula
    assert (values["A20"], values["G20"], values["H20"], values["I20"]) == ("总分", 100, 89.41, "自评等级：良")
    assert "补助按学期足额发放" in values["I17"]  # the evaluator's note on the unmet qualitative target


def test_word_form_tables(rendered):
    import docx

    d = docx.Document(str(rendered[".docx"]))
    assert "项目支出绩效自评表" in d.paragraphs[0].text and "2023年度" in d.paragraphs[0].text
    (table,) = d.tables
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0][:2] == ["项目名称", "2023年义务教育阶段家庭经济困难学生生活补助"]
    assert rows[0][1] == rows[0][8]  # merged over B–I
    assert rows[3][1:8] == ["年度资金总额", "500.00", "480.00", "432.00", "10", "90.00%", "9.00"]
    total = rows[-1]
    assert total[0] == total[5] == "总分" and total[6:] == ["100", "89.41", "自评等级：良"]
    assert d.sections[0].page_width > d.sections[0].page_height  # landscape, as the official form


def test_word_form_renders_in_libreoffice(rendered, tmp_path):
    soffice = require_tool("soffice", "libreoffice-writer-nogui")
    pdftotext = require_tool("pdftotext", "poppler-utils")
    profile = tmp_path / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(rendered[".docx"])], check=True, capture_output=True, timeout=300)
    text = subprocess.run([pdftotext, "-layout", str(tmp_path / "form.pdf"), "-"], check=True, capture_output=True,
                          text=True).stdout
    for needle in ("项目支出绩效自评表", "2023 年度", "全年执行数", "偏差原因分析及改进措施", "补助学生人数", "≥1200 人",
                   "89.41", "自评等级：良"):
        assert needle in text, needle


@pytest.mark.parametrize("suffix", [".xlsx", ".docx"])
def test_same_evaluation_same_bytes(rendered, suffix, tmp_path):
    out = tmp_path / f"again{suffix}"
    assert run_cli("evaluate", NATIONAL, "--format", "form", "-o", out).code == 0
    assert out.read_bytes() == rendered[suffix].read_bytes()


def test_imported_form_round_trips_with_its_stated_text(tmp_path):
    """A unit's form → config → form → config: the goals, the 其中 rows, the reasons and every score survive."""
    form = write_xlsx(tmp_path / "unit.xlsx", total="89.41")
    first = tmp_path / "first.toml"
    assert run_cli("import-form", form, "-o", first).code == 0
    r = run_cli("evaluate", first, "--format", "json")
    assert r.code == 0, r
    before = r.json()
    out = tmp_path / "deliverable.xlsx"
    r = run_cli("evaluate", first, "--format", "form", "-o", out)
    assert r.code == 0, r
    second = tmp_path / "second.toml"
    assert run_cli("import-form", out, "-o", second).code == 0
    r = run_cli("evaluate", second, "--format", "json")
    assert r.code == 0, r
    after = r.json()
    assert scores(after) == scores(before)
    assert after.get("review", {}).get("discrepancies", []) == before.get("review", {}).get("discrepancies", []) == []
    a, b = tomllib.loads(first.read_text("utf-8")), tomllib.loads(second.read_text("utf-8"))
    for key in ("goal_expected", "goal_actual", "total", "grade", "budget_score"):
        assert str(a["stated"][key]) == str(b["stated"][key]), key
    assert b["stated"]["funds"]["当年财政拨款"]["全年执行数"] == "432"
    assert b["indicators"]["B11"]["deviation_reason"] == "部分学生转学，人数减少"
    assert b["indicators"]["C21"]["stated_actual"] == "基本保障"
    assert b["project"]["department"] == "某县教育局"


def test_user_text_never_becomes_a_formula(tmp_path):
    import openpyxl

    cfg = tmp_path / "evaluation.toml"
    text = NATIONAL.read_text("utf-8")
    text = text.replace('name = "2023年义务教育阶段家庭经济困难学生生活补助"', 'name = "=HYPERLINK(\\"http://x\\",\\"y\\")"')
    text = text.replace('name = "覆盖学校数"', 'name = "+cmd|\' /C calc\'!A0"')
    text = text.replace('unit = "某县教育局（示例）"', 'unit = "@SUM(1)"')
    cfg.write_text(text, "utf-8")
    out = tmp_path / "form.xlsx"
    r = run_cli("evaluate", cfg, "--format", "form", "-o", out)
    assert r.code == 0, r
    ws = openpyxl.load_workbook(out).active
    for ref in ("B2", "D13", "F3"):
        assert ws[ref].data_type == "s" and ws[ref].quotePrefix, ref
    assert ws["B2"].value == '=HYPERLINK("http://x","y")'
    back = tmp_path / "back.toml"
    assert run_cli("import-form", out, "-o", back).code == 0
    data = tomllib.loads(back.read_text("utf-8"))
    assert data["project"]["name"] == '=HYPERLINK("http://x","y")' and data["project"]["unit"] == "@SUM(1)"


def test_a_pack_of_another_shape_is_refused(tmp_path):
    out = tmp_path / "form.xlsx"
    r = run_cli("evaluate", SEED, "--format", "form", "-o", out)
    assert r.code == 2, r
    assert "shanghai-consumer-protection-2018" in r.stderr and "项目支出绩效自评表" in r.stderr
    assert "预算执行率" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()


@pytest.mark.parametrize("args, message", [([], "give a file with -o"), (["-o", "form.pdf"], "-o FORM.xlsx or -o FORM.docx")],
                         ids=["no-output", "pdf"])
def test_form_needs_an_xlsx_or_docx_file(args, message, tmp_path):
    r = run_cli("evaluate", NATIONAL, "--format", "form", *args, cwd=tmp_path)
    assert r.code == 2, r
    assert message in r.stderr and "Traceback" not in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_twenty_point_form_round_trips(tmp_path):
    """A provincial form (预算执行 20, 产出 40): its [weights] survive the form and back."""
    from builders import FUNDS, ROWS

    rows = list(ROWS)
    rows[0] = ("产出指标", "数量指标", "补助学生人数", "≥1200人", "1100人", 10, 9.17, "部分学生转学，人数减少")
    form = write_xlsx(tmp_path / "p20.xlsx", funds=[("年度资金总额", 500, 480, 432, 20, "90%", 18), *FUNDS[1:]],
                      rows=rows, total="89.25")
    first, second, out = tmp_path / "a.toml", tmp_path / "b.toml", tmp_path / "f.xlsx"
    assert run_cli("import-form", form, "-o", first).code == 0
    assert run_cli("evaluate", first, "--format", "form", "-o", out).code == 0
    assert run_cli("import-form", out, "-o", second).code == 0
    docs = [run_cli("evaluate", c, "--format", "json").json() for c in (first, second)]
    assert scores(docs[0]) == scores(docs[1])
    a = docs[1]["tiers"][0]
    assert (a["code"], a["standard_score"], a["score"]) == ("A", "20.00", "18.00")
    assert tomllib.loads(second.read_text("utf-8"))["weights"] == {"A": 20, "B": 40, "C": 30, "D": 10}
