"""Markdown and terminal output: the same sections, English labels with --lang en, format from -o."""

from __future__ import annotations

import json
import re

import pytest

from conftest import SEED, run_cli

SECTIONS_ZH = ["评价结论", "指标评分表", "失分分析", "存在的问题"]
SECTIONS_EN = ["Indicator scores", "Points lost", "Problems found"]


@pytest.mark.parametrize("fmt", ["markdown", "table"])
def test_sections_and_working(fmt):
    res = run_cli("evaluate", SEED, "--format", fmt)
    assert res.code == 0, res
    text = res.stdout
    for heading in SECTIONS_ZH[1:]:
        assert heading in text, heading
    assert "88.64" in text and "良" in text
    assert "预算执行情况表" in text and "1367.75" in text
    # The working, as evaluators write it (Markdown escapes its asterisks).
    working = text.replace("\\*", "*")
    assert "3.44=5-(1-89.63%)*5*100*3%" in working
    assert "4.37=5-(90%-85.83%)*5*100*3%" in working


@pytest.mark.parametrize("fmt", ["markdown", "table"])
def test_english_labels_and_indicator_names(fmt):
    res = run_cli("evaluate", SEED, "--format", fmt, "--lang", "en")
    assert res.code == 0, res
    text = res.stdout
    for heading in SECTIONS_EN:
        assert heading in text, heading
    assert "Budget execution rate" in text
    assert "Project decision" in text
    assert "失分分析" not in text and "存在的问题" not in text
    assert "10.37 percentage points short" in text


@pytest.mark.parametrize("suffix,check", [
    (".md", lambda b: b.startswith(b"# ")),
    (".json", lambda b: json.loads(b)["total"] == "88.64"),
    (".txt", lambda b: "合计: 88.64".encode() in b),
    (".docx", lambda b: b[:2] == b"PK"),
    (".xlsx", lambda b: b[:2] == b"PK"),
    (".html", lambda b: b.lstrip().startswith(b"<!DOCTYPE html>")),
])
def test_output_suffix_picks_the_format(tmp_path, suffix, check):
    out = tmp_path / f"report{suffix}"
    res = run_cli("evaluate", SEED, "-o", out)
    assert res.code == 0, res
    assert check(out.read_bytes())


def test_format_option_wins_over_the_suffix(tmp_path):
    out = tmp_path / "report.md"
    res = run_cli("evaluate", SEED, "--format", "json", "-o", out)
    assert res.code == 0, res
    assert json.loads(out.read_text(encoding="utf-8"))["grade"] == "良"


def test_unknown_suffix_is_a_usage_error(tmp_path):
    out = tmp_path / "report.xyz"
    res = run_cli("evaluate", SEED, "-o", out)
    assert res.code == 2, res
    assert "--format" in res.stderr and "Traceback" not in res.stderr
    assert not out.exists()


def test_binary_format_needs_a_file():
    res = run_cli("evaluate", SEED, "--format", "xlsx")
    assert res.code == 2, res
    assert "-o" in res.stderr


def test_terminal_drops_escape_sequences_from_user_text(seed_copy):
    text = seed_copy.read_text(encoding="utf-8")
    text = re.sub(r'^name = ".*"$', r'name = "\\u001b[2J\\u001b]0;owned\\u0007项目"', text, count=1, flags=re.MULTILINE)
    seed_copy.write_text(text, encoding="utf-8")
    res = run_cli("evaluate", seed_copy)
    assert res.code == 0, res
    assert "\x1b" not in res.stdout and "\x07" not in res.stdout
    assert "[2J]0;owned项目" in res.stdout
