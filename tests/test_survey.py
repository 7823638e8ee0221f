"""Raw questionnaires through the real CLI: platform exports, validity rules, margins of error, privacy."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal

import pytest

from conftest import ROOT, SEED

EXAMPLE = ROOT / "docs" / "examples" / "consumer-protection-2018-survey"


@pytest.fixture
def example(tmp_path):
    dest = tmp_path / "ex"
    shutil.copytree(EXAMPLE, dest)
    shutil.copytree(ROOT / "docs" / "examples" / "consumer-protection-2018", tmp_path / "consumer-protection-2018")
    return dest / "evaluation.toml"


def test_tallies_and_raw_responses_give_the_same_score(cli):
    raw = cli("evaluate", EXAMPLE / "evaluation.toml", "-f", "json")
    tally = cli("evaluate", SEED, "-f", "json")
    assert raw.code == 0 and tally.code == 0, raw
    r, t = raw.json(), tally.json()
    assert r["total"] == t["total"] == "88.64"
    by_r = {i["code"]: i for i in r["indicators"]}
    for i in t["indicators"]:
        assert by_r[i["code"]]["score"] == i["score"] and by_r[i["code"]]["trace"] == i["trace"]
    assert r["tables"]["C23"] == t["tables"]["C23"] and r["tables"]["C25"] == t["tables"]["C25"]


def test_margins_exclusions_and_subgroups(cli):
    doc = cli("evaluate", EXAMPLE / "evaluation.toml", "-f", "json").json()
    aw = doc["surveys"]["awareness"]
    assert aw["valid"] == 120 and aw["rows"] == 125
    assert aw["excluded"] == {"空白答卷": 1, "必答题未作答": 1, "答题时间过短": 2, "重复提交": 1}
    assert doc["surveys"]["satisfaction"]["excluded"] == {"空白答卷": 1, "必答题未作答": 1, "答题时间过短": 1,
                                                          "重复提交": 1}
    c23 = next(i for i in doc["indicators"] if i["code"] == "C23")
    c25 = next(i for i in doc["indicators"] if i["code"] == "C25")
    assert c23["value_display"] == "85.83% (n = 120, ±6.2)"
    assert c25["value_display"] == "83.33% (n = 120, ±6.6)"
    # Wilson, z = 1.959964: 100/120 → centre 0.8235…, half-width 0.0660…
    assert c25["survey"]["low"] == "75.7%" and c25["survey"]["high"] == "88.9%"
    assert sum(g["n"] for g in c23["survey"]["subgroups"]["groups"].values()) == 120
    assert {"code": "C23", "kind": "survey_margin"}.items() <= doc["review"]["findings"][0].items()


def test_finite_population_narrows_the_margin(cli, example):
    text = example.read_text(encoding="utf-8").replace('margin = "5%"', 'margin = "5%"\npopulation = 150')
    example.write_text(text, encoding="utf-8")
    doc = cli("evaluate", example, "-f", "json").json()
    c23 = next(i for i in doc["indicators"] if i["code"] == "C23")
    # 6.23 × sqrt((150-120)/(150-1)) = 2.80
    assert c23["survey"]["margin"] == "2.8" and "review" not in doc


def test_personal_columns_never_reach_any_output(cli, example, tmp_path):
    import docx
    import openpyxl

    for suffix in ("json", "md", "txt", "html", "xlsx", "docx"):
        r = cli("evaluate", example, "-o", tmp_path / f"r.{suffix}")
        assert r.code == 0, r
    texts = [(tmp_path / f"r.{s}").read_text(encoding="utf-8") for s in ("json", "md", "txt", "html")]
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    texts.append("\n".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None))
    d = docx.Document(str(tmp_path / "r.docx"))
    texts.append("\n".join([p.text for p in d.paragraphs] + [c.text for t in d.tables for row in t.rows
                                                             for c in row.cells]))
    wbx = openpyxl.load_workbook(example.parent / "awareness.xlsx")
    ws = wbx.active
    personal = [str(v) for row in ws.iter_rows(min_row=2, values_only=True) for v in row[5:8] if v]
    assert len(personal) > 300
    for text in texts:
        assert not re.search(r"139\d{8}", text)
        assert "测试0" not in text
        for p in personal[:60]:
            assert p not in text


def test_gbk_export_without_encoding_is_refused(cli, example, tmp_path):
    text = example.read_text(encoding="utf-8").replace('encoding = "gbk"\n', "")
    example.write_text(text, encoding="utf-8")
    out = tmp_path / "r.json"
    r = cli("evaluate", example, "-o", out)
    assert r.code == 3 and "satisfaction.csv" in r.stderr and "gbk" in r.stderr, r
    assert "Traceback" not in r.stderr and not out.exists()


@pytest.mark.parametrize("edit, code, where", [
    (('question = 5', 'question = 9'), 2, "$.surveys.awareness.question"),
    (('key = "2、您的手机号码"\nsubgroup', 'key = "手机"\nsubgroup'), 2, "$.surveys.awareness.key"),
    (('file = "awareness.xlsx"', 'file = "missing.xlsx"'), 3, "$.surveys.awareness.file"),
    (('margin = "5%"', 'margin = "5%"\ncolour = 1'), 2, "$.surveys.awareness.colour"),
])
def test_bad_survey_config_located(cli, example, edit, code, where):
    example.write_text(example.read_text(encoding="utf-8").replace(*edit), encoding="utf-8")
    r = cli("evaluate", example, "-f", "json")
    assert r.code == code and where in r.stderr and "Traceback" not in r.stderr, r


def test_multiple_choice_and_mean_points(tmp_path, cli):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "所用时间", "来自IP", "1、您对本次活动是否满意？", "2、渠道(电视)", "2、渠道(网络)"])
    answers = ["非常满意"] * 5 + ["满意"] * 3 + ["不满意"] * 2
    for i, a in enumerate(answers):
        ws.append([i + 1, "2分5秒", f"10.0.0.{i}", a, 1 if i % 2 else 0, 1])
    ws.append([11, "3秒", "10.0.0.99", "非常满意", 1, 1])
    wb.save(tmp_path / "export.xlsx")
    cfg = tmp_path / "evaluation.toml"
    cfg.write_text('''
pack = { path = "pack.toml" }
[surveys.s]
file = "export.xlsx"
input = "sat"
question = 1
min_seconds = 30
points = { "非常满意" = 100, "满意" = 80, "不满意" = 0 }
[surveys.m]
file = "export.xlsx"
input = "channels"
question = 2
min_seconds = 30
''', encoding="utf-8")
    (tmp_path / "pack.toml").write_text('''
[pack]
name = "t"
title = "t"
[rule_set]
grading = "none"
total_standard = 20
[indicators.A]
name = "A"
[indicators.A1]
parent = "A"
name = "满意度得分"
standard_score = 10
target = "≥90"
value = { input = "sat" }
score = { method = "proportional" }
[indicators.A2]
parent = "A"
name = "电视知晓率"
standard_score = 10
target = "≥90%"
value = { indicator = "survey_rate", survey = "channels", chosen = ["电视"] }
score = { method = "proportional" }
''', encoding="utf-8")
    r = cli("evaluate", cfg, "-f", "json")
    assert r.code == 0, r
    doc = r.json()
    a1, a2 = doc["indicators"]
    assert a1["survey"]["statistic"] == "mean" and a1["survey"]["value"] == "74.00" and a1["survey"]["n"] == 10
    # s² = (5×26² + 3×6² + 2×74²)/9 = 1604.44, s = 40.055; t(0.975, 9) = 2.262157 → 2.262157×40.055/√10 = 28.65
    assert a1["survey"]["margin"] == "28.7"
    assert a2["survey"]["value"] == "50.0%" and doc["surveys"]["m"]["multiple_choice"] is True
    assert doc["surveys"]["m"]["excluded"] == {"答题时间过短": 1}
    assert Decimal(a2["value"]) == Decimal("0.5")


SATISFIED_VALUE = '''[indicators.C25.value]
input = "satisfaction_rate"
kind = "rate"
'''


def _satisfied_variant(cli, example, satisfied):
    """The survey example under a pack file whose C25 reads a plain rate input, filled by `satisfied`."""
    pack = example.parent / "pack.toml"
    assert cli("show", "shanghai-consumer-protection-2018", "--format", "toml", "-o", pack).code == 0
    text = pack.read_text(encoding="utf-8")
    text = re.sub(r"\[indicators\.C25\.value\]\n(?:[^\[][^\n]*\n|\n)+?(?=\[indicators\.C25\.score\])",
                  SATISFIED_VALUE + "\n", text)
    pack.write_text(text, encoding="utf-8")
    cfg = example.read_text(encoding="utf-8").replace('pack = "shanghai-consumer-protection-2018"',
                                                       'pack = "pack.toml"')
    cfg = cfg.replace('input = "satisfaction_survey"', f'input = "satisfaction_rate"\nsatisfied = {satisfied}')
    example.write_text(cfg, encoding="utf-8")
    return cli("evaluate", example, "-f", "json")


def test_satisfied_set_gives_the_rate_the_tallies_give(cli, example):
    r = _satisfied_variant(cli, example, '["很满意", "基本满意"]')
    assert r.code == 0, r
    doc = r.json()
    tally = {i["code"]: i for i in cli("evaluate", SEED, "-f", "json").json()["indicators"]}
    c25 = next(i for i in doc["indicators"] if i["code"] == "C25")
    assert c25["source"] == {"name": "input_value", "input": "satisfaction_rate", "kind": "rate"}
    assert c25["score"] == tally["C25"]["score"] == "7.60"
    assert c25["trace"] == tally["C25"]["trace"] == "7.60=8-(85%-83.33%)*8*100*3%"
    assert doc["total"] == "88.64"
    # the margin is the satisfied share's Wilson interval, as for the tally
    assert c25["value_display"] == "83.33% (n = 120, ±6.6)"
    assert c25["survey"]["low"] == "75.7%" and c25["survey"]["high"] == "88.9%"


def test_satisfied_option_not_in_the_export_refused(cli, example):
    r = _satisfied_variant(cli, example, '["很满意", "比较满意"]')
    assert r.code == 2, r
    assert "$.surveys.satisfaction.satisfied[1]" in r.stderr and "'比较满意'" in r.stderr
    assert "很满意, 基本满意, 不满意" in r.stderr or "基本满意" in r.stderr


def test_validate_reads_the_survey_exports(cli, example):
    assert cli("validate", EXAMPLE / "evaluation.toml").code == 0
    example.write_text(example.read_text(encoding="utf-8").replace("question = 5", "question = 55"), encoding="utf-8")
    r = cli("validate", example)
    assert r.code == 2 and "$.surveys.awareness.question" in r.stdout + r.stderr, r
