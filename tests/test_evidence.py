"""The evidence register through the real CLI: hashes recorded, missing/changed files and unknown ids refused."""

from __future__ import annotations

import hashlib

import pytest

from conftest import SEED

REGISTER = '''
[evidence]
require_citations = {require}

[evidence.E01]
title = "2018年消费者权益保护专项实施方案"
kind = "文件"
file = "docs/plan.txt"
page = 3
{pin}

[evidence.E02]
title = "座谈会记录 <b>"
kind = "访谈记录"
location = "2019年3月座谈会"
'''


def make(seed_copy, *, cite='evidence = ["E01", "E02"]', require="false", pin="", override=""):
    folder = seed_copy.parent
    (folder / "docs").mkdir(exist_ok=True)
    (folder / "docs" / "plan.txt").write_bytes("实施方案全文\n".encode())
    text = seed_copy.read_text(encoding="utf-8")
    text = text.replace("[ratings.A11]\n", f"[ratings.A11]\n{cite}\n", 1)
    text += REGISTER.format(require=require, pin=pin) + override
    seed_copy.write_text(text, encoding="utf-8")
    return seed_copy


def test_register_in_json_with_hash_and_size(cli, seed_copy):
    cfg = make(seed_copy)
    r = cli("evaluate", cfg, "-f", "json")
    assert r.code == 0, r
    doc = r.json()
    assert doc["total"] == "88.64"
    e01, e02 = doc["evidence"]["entries"]
    data = "实施方案全文\n".encode()
    assert e01 == {"id": "E01", "title": "2018年消费者权益保护专项实施方案", "kind": "文件", "file": "docs/plan.txt",
                   "location": "第3页", "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    assert e02["sha256"] is None and e02["location"] == "2019年3月座谈会"
    a11 = next(i for i in doc["indicators"] if i["code"] == "A11")
    assert a11["evidence"] == ["E01", "E02"]
    assert "review" not in doc  # citations not required
    assert cli("evaluate", cfg, "-f", "json").stdout == r.stdout  # deterministic


def test_seed_without_register_unchanged(cli):
    doc = cli("evaluate", SEED, "-f", "json").json()
    assert "evidence" not in doc and "review" not in doc
    assert all("evidence" not in i for i in doc["indicators"])


def test_missing_file_exit_3_naming_entry(cli, seed_copy, tmp_path):
    cfg = make(seed_copy)
    (cfg.parent / "docs" / "plan.txt").unlink()
    out = tmp_path / "r.json"
    r = cli("evaluate", cfg, "-o", out)
    assert r.code == 3, r
    assert "$.evidence.E01.file" in r.stderr and "docs/plan.txt" in r.stderr and "E01" in r.stderr
    assert "Traceback" not in r.stderr and not out.exists()


def test_changed_file_exit_3(cli, seed_copy):
    good = hashlib.sha256("实施方案全文\n".encode()).hexdigest()
    cfg = make(seed_copy, pin=f'sha256 = "{good}"')
    assert cli("evaluate", cfg, "-f", "json").code == 0
    (cfg.parent / "docs" / "plan.txt").write_bytes("实施方案全文（修改）\n".encode())
    r = cli("evaluate", cfg, "-f", "json")
    assert r.code == 3, r
    assert "$.evidence.E01.sha256" in r.stderr and "E01" in r.stderr and "changed" in r.stderr
    assert r.stdout == ""


@pytest.mark.parametrize("cite, where", [
    ('evidence = ["E01", "E09"]', "$.ratings.A11.evidence[1]"),
    ('evidence = [3]', "$.ratings.A11.evidence[0]"),
])
def test_unknown_or_bad_id_exit_2(cli, seed_copy, cite, where):
    cfg = make(seed_copy, cite=cite)
    r = cli("evaluate", cfg, "-f", "json")
    assert r.code == 2, r
    assert where in r.stderr and "Traceback" not in r.stderr


def test_unknown_id_in_override(cli, seed_copy):
    cfg = make(seed_copy, override='\n[overrides.C13]\nscore = 1\nreason = "复核调整"\nevidence = ["E07"]\n')
    r = cli("evaluate", cfg, "-f", "json")
    assert r.code == 2 and "$.overrides.C13.evidence[0]" in r.stderr and "E07" in r.stderr, r


def test_bad_kind_refused(cli, seed_copy):
    cfg = make(seed_copy)
    cfg.write_text(cfg.read_text(encoding="utf-8").replace('kind = "访谈记录"', 'kind = "录音"'), encoding="utf-8")
    r = cli("evaluate", cfg, "-f", "json")
    assert r.code == 2 and "$.evidence.E02.kind" in r.stderr and "现场照片" in r.stderr, r


def test_required_citations_are_review_findings(cli, seed_copy):
    cfg = make(seed_copy, require="true")
    doc = cli("evaluate", cfg, "-f", "json").json()
    codes = [f["code"] for f in doc["review"]["findings"]]
    assert "A11" not in codes and "A12" in codes and "C24" in codes
    assert all(f["kind"] == "missing_citation" for f in doc["review"]["findings"])
    md = cli("evaluate", cfg, "-f", "markdown").stdout
    assert "## 复核发现" in md and "A12 立项依据充分性" in md


def test_citations_and_appendix_in_text_formats(cli, seed_copy):
    cfg = make(seed_copy)
    md = cli("evaluate", cfg, "-f", "markdown").stdout
    assert "证据：E01、E02" in md
    assert "## 证据清单" in md
    digest = hashlib.sha256("实施方案全文\n".encode()).hexdigest()[:12]
    assert f"| E01 | 2018年消费者权益保护专项实施方案 | 文件 | docs/plan.txt；第3页 | `{digest}` |" in md
    assert "<b>" not in md and "座谈会记录 &lt;b&gt;" in md
    term = cli("evaluate", cfg).stdout
    assert "证据清单:" in term and "证据：E01、E02" in term and digest in term


def test_citations_and_appendix_in_office_and_html(cli, seed_copy, tmp_path):
    import docx
    import openpyxl

    cfg = make(seed_copy)
    text = cfg.read_text(encoding="utf-8").replace('title = "座谈会记录 <b>"', 'title = "=HYPERLINK(\\"x\\") <b>"')
    cfg.write_text(text, encoding="utf-8")
    digest = hashlib.sha256("实施方案全文\n".encode()).hexdigest()
    for suffix in ("docx", "xlsx", "html"):
        assert cli("evaluate", cfg, "-o", tmp_path / f"r.{suffix}").code == 0
    d = docx.Document(str(tmp_path / "r.docx"))
    paras = [p.text for p in d.paragraphs]
    assert "证据：E01、E02" in paras and "附件：证据清单" in paras
    assert [c.text for c in d.tables[-1].rows[1].cells] == ["E01", "2018年消费者权益保护专项实施方案", "文件",
                                                            "docs/plan.txt；第3页", digest[:12]]
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")
    ws = wb["证据清单"]
    assert [c.value for c in ws[2]] == ["E01", "2018年消费者权益保护专项实施方案", "文件", "docs/plan.txt；第3页",
                                        digest, "19", "A11"]
    assert ws["B3"].data_type == "s" and ws["B3"].quotePrefix  # a title never becomes a formula
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert '证据：<a href="#ev-E01">E01</a>、<a href="#ev-E02">E02</a>' in html
    assert '<tr id="ev-E01"><td>E01</td>' in html and digest[:12] in html
    assert ") <b>" not in html and ") &lt;b&gt;</td>" in html  # the title is escaped


def test_citations_on_notes_and_stated_figures(cli, seed_copy, tmp_path):
    import openpyxl

    cfg = make(seed_copy)
    text = cfg.read_text(encoding="utf-8")
    note = 'C23 = "随着新消法、新消条的颁布实施，2018年政策法规宣传力度有所降低。"\n'
    assert note in text
    text = text.replace(note, "") + ('\n[notes.C23]\ntext = "随着新消法、新消条的颁布实施，2018年政策法规宣传力度有所降低。"\n'
                                     'evidence = ["E02"]\n\n[stated]\ntotal = 88.64\nevidence = ["E01"]\n')
    cfg.write_text(text, encoding="utf-8")
    r = cli("evaluate", cfg, "-f", "json")
    assert r.code == 0, r
    doc = r.json()
    c23 = next(i for i in doc["indicators"] if i["code"] == "C23")
    assert c23["evidence"] == ["E02"] and c23["note"].startswith("随着新消法")
    assert doc["evidence"]["stated"] == ["E01"]
    assert "C23" in cli("evaluate", cfg, "-f", "markdown").stdout.split("证据：E02")[0].rsplit("###", 1)[-1]
    assert cli("evaluate", cfg, "-o", tmp_path / "r.xlsx").code == 0
    refs = {row[0]: row[6] for row in openpyxl.load_workbook(tmp_path / "r.xlsx")["证据清单"].iter_rows(
        min_row=2, values_only=True)}
    assert refs == {"E01": "A11、自评表 [stated]", "E02": "A11、C23"}


@pytest.mark.parametrize("extra, where", [
    ('\n[notes.C23]\ntext = "说明"\nevidence = ["E08"]\n', "$.notes.C23.evidence[0]"),
    ('\n[stated]\ntotal = 88.64\nevidence = ["E09"]\n', "$.stated.evidence[0]"),
    ('\n[notes.C23]\ntext = "说明"\nevidnce = ["E01"]\n', "$.notes.C23.evidnce"),
])
def test_unknown_id_on_notes_and_stated_exit_2(cli, seed_copy, extra, where):
    cfg = make(seed_copy)
    text = cfg.read_text(encoding="utf-8").replace('C23 = "随着新消法', 'X = "随着新消法').replace("\nX = ", "\n# ")
    cfg.write_text(text + extra, encoding="utf-8")
    r = cli("evaluate", cfg, "-f", "json")
    assert r.code == 2, r
    assert where in r.stderr and "Traceback" not in r.stderr


@pytest.fixture
def pack_copy(cli, seed_copy):
    pack = seed_copy.parent / "pack.toml"
    assert cli("show", "shanghai-consumer-protection-2018", "--format", "toml", "-o", pack).code == 0
    text = seed_copy.read_text(encoding="utf-8").replace('pack = "shanghai-consumer-protection-2018"',
                                                         'pack = "pack.toml"')
    seed_copy.write_text(text, encoding="utf-8")
    return pack


def test_pack_requires_citations_for_every_qualitative_leaf(cli, seed_copy, pack_copy):
    make(seed_copy)  # A11 cites E01, E02; the register itself does not ask for citations
    text = pack_copy.read_text(encoding="utf-8")
    assert "\n[rule_set]\n" in text
    pack_copy.write_text(text.replace("\n[rule_set]\n", "\n[rule_set]\nrequire_citations = true\n", 1), encoding="utf-8")
    r = cli("evaluate", seed_copy, "-f", "json")
    assert r.code == 0, r
    doc = r.json()
    codes = [f["code"] for f in doc["review"]["findings"]]
    assert "A11" not in codes and "A12" in codes and "C24" in codes and "B11" not in codes  # B11 is not rated
    assert doc["evidence"]["require_citations"] is True
    assert doc["total"] == "88.64"
    # the pack file round-trips the rule
    again = cli("show", pack_copy, "--format", "toml")
    assert again.code == 0 and "require_citations = true" in again.stdout


def test_pack_requires_citations_per_indicator(cli, seed_copy, pack_copy):
    text = pack_copy.read_text(encoding="utf-8")
    pack_copy.write_text(text.replace("\n[indicators.A12]\n", "\n[indicators.A12]\nrequire_citations = true\n", 1),
                         encoding="utf-8")
    r = cli("evaluate", seed_copy, "-f", "json")  # no register at all
    assert r.code == 0, r
    found = r.json()["review"]["findings"]
    assert [(f["code"], f["kind"]) for f in found] == [("A12", "missing_citation")]
    md = cli("evaluate", seed_copy, "-f", "markdown").stdout
    assert "## 复核发现" in md and "A12 立项依据充分性：定性指标未引用证据" in md


def test_pack_require_citations_must_be_a_boolean(cli, seed_copy, pack_copy):
    text = pack_copy.read_text(encoding="utf-8")
    pack_copy.write_text(text.replace("\n[rule_set]\n", '\n[rule_set]\nrequire_citations = "yes"\n', 1), encoding="utf-8")
    r = cli("evaluate", seed_copy, "-f", "json")
    assert r.code == 2 and "$.rule_set.require_citations" in r.stderr, r


def test_citation_on_a_config_leaf_and_its_stated_score(cli, tmp_path):
    import shutil

    from conftest import ROOT

    src = ROOT / "docs" / "examples" / "national-education-2023"
    shutil.copytree(src, tmp_path / "n")
    cfg = tmp_path / "n" / "evaluation.toml"
    text = cfg.read_text(encoding="utf-8")
    text = text.replace("[indicators.B11]\n", '[indicators.B11]\nevidence = ["E01"]\n', 1)
    cfg.write_text(text + '\n[evidence.E01]\ntitle = "验收报告"\nkind = "凭证"\nlocation = "附件3"\n', encoding="utf-8")
    r = cli("evaluate", cfg, "-f", "json")
    assert r.code == 0, r
    b11 = next(i for i in r.json()["indicators"] if i["code"] == "B11")
    assert b11["evidence"] == ["E01"]
    cfg.write_text(cfg.read_text(encoding="utf-8").replace('evidence = ["E01"]', 'evidence = ["E05"]'),
                   encoding="utf-8")
    r = cli("evaluate", cfg, "-f", "json")
    assert r.code == 2 and "$.indicators.B11.evidence[0]" in r.stderr, r
