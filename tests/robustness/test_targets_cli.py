"""Issue 10 §1 end to end: targets and values as forms print them, through `validate` and `evaluate`
as a user runs them. What validate accepts, evaluate reads the same; what either refuses is exit 2
with the config's key path; the working shows the benchmark that was used."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest import ROOT, run_cli

EXAMPLE = ROOT / "docs" / "examples" / "national-education-2023" / "evaluation.toml"
B11 = 'target = "≥1200人"\nactual = 1100'
B21 = 'target = "≥98%"\nactual = "97.5%"'


def variant(tmp_path: Path, old: str, new: str) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text
    out = tmp_path / "evaluation.toml"
    out.write_text(text.replace(old, new, 1), encoding="utf-8")
    return out


def leaf(doc: dict, code: str) -> dict:
    return next(i for i in doc["indicators"] if i["code"] == code)


SCORED = [
    # (old, new, code, score, working)
    (B11, 'target = "≧735人次"\nactual = "700人次"', "B11", "19.05", "19.05=700/735*20"),
    (B11, 'target = "不少于735人次"\nactual = 700', "B11", "19.05", "19.05=700/735*20"),
    (B11, 'target = "735人次以上"\nactual = "700"', "B11", "19.05", "19.05=700/735*20"),
    (B11, 'target = "≥1,200人"\nactual = "1,100人"', "B11", "18.33", "18.33=1100/1200*20"),
    (B21, 'target = "98%以上"\nactual = "100%"', "B21", None, None),
    (B21, 'target = "≥９８％"\nactual = "97.5％"', "B21", None, None),
    (B21, 'target = "不低于98%"\nactual = "97.5%"', "B21", None, None),
    (B21, 'target = "大于等于98%"\nactual = "97.5%"', "B21", None, None),
]


@pytest.mark.parametrize(("old", "new", "code", "score", "working"), SCORED)
def test_forms_spellings_score_against_their_own_benchmark(tmp_path, old, new, code, score, working):
    cfg = variant(tmp_path, old, new)
    assert run_cli("validate", cfg).code == 0
    res = run_cli("evaluate", cfg, "--format", "json")
    assert res.code == 0, res
    got = leaf(res.json(), code)
    if score is None:  # read exactly as the example's own "≥98%" with the same actual
        base = leaf(run_cli("evaluate", EXAMPLE, "--format", "json").json(), code)
        if '"100%"' in new:
            assert got["score"] == got["standard_score"] and got["trace"].endswith("≥98%）"), got
        else:
            assert (got["score"], got["trace"]) == (base["score"], base["trace"]), (got, base)
        return
    assert got["score"] == score and got["trace"] == working, got


REFUSED = [
    (B21, 'target = "≥98%"\nactual = 97.5', "$.indicators.B21.actual", "write it as \"97.5%\""),
    (B21, 'target = "≥95%"\nactual = 93.2', "$.indicators.B21.actual", "has no unit but the target is a percentage"),
    (B11, 'target = "≧735人次"\nactual = "700人"', "$.indicators.B11.actual", "人 but the target is in 人次"),
    (B11, 'target = ">>100%"\nactual = 1100', "$.indicators.B11.target", "two comparators"),
    (B11, 'target = "≥nan%"\nactual = 1100', "$.indicators.B11.target", "cannot read target"),
    (B11, 'target = "约1200人"\nactual = 1100', "$.indicators.B11.target", "cannot read"),
    (B11, 'target = "≤98%以上"\nactual = 1100', "$.indicators.B11.target", "disagree"),
    (B11, 'target = "显著提升"\nactual = 1100', "$.indicators.B11.target", "qualitative"),
    (B11, 'target = "12月底前"\nactual = 1100', "$.indicators.B11.actual", "deadline 12月底前: expected a date"),
    (B11, 'target = "1000-1200人"\nactual = 1100', "$.indicators.B11.target", "range"),
    (B11, 'actual = 1100', "$.indicators.B11.target", "no target"),
]


@pytest.mark.parametrize(("old", "new", "where", "words"), REFUSED)
def test_unreadable_or_mismatched_is_refused_by_validate_and_evaluate_alike(tmp_path, old, new, where, words):
    cfg = variant(tmp_path, old, new)
    for args in (("validate", cfg), ("evaluate", cfg, "--format", "json")):
        res = run_cli(*args)
        assert res.code == 2, (args[0], res)
        msg = res.stdout + res.stderr
        assert str(cfg.name) in msg and where in msg and words in msg, (args[0], msg)
        assert "Traceback" not in msg


def test_percent_in_an_amount_cell_is_refused(tmp_path):
    cfg = variant(tmp_path, '"全年执行数" = 432', '"全年执行数" = "95%"')
    for args in (("validate", cfg), ("evaluate", cfg)):
        res = run_cli(*args)
        assert res.code == 2, res
        assert "$.inputs.全年执行数" in res.stderr + res.stdout and "percentage" in res.stderr + res.stdout


def test_ten_thousand_yuan_and_yuan_are_converted_and_shown(tmp_path):
    cfg = variant(tmp_path, 'target = "≤1250元"\nactual = 1300', 'target = "≤1250元"\nactual = "0.13万元"')
    res = run_cli("evaluate", cfg, "--format", "json")
    assert res.code == 0, res
    got = leaf(res.json(), "B41")
    plain = leaf(run_cli("evaluate", EXAMPLE, "--format", "json").json(), "B41")
    assert got["score"] == plain["score"] and got["value_display"] == "1300元" == plain["value_display"]


def test_example_json_unchanged_by_the_reader():
    res = run_cli("evaluate", EXAMPLE, "--format", "json")
    doc = res.json()
    assert doc["total"] == "89.41" and doc["grade"] == "良"
    assert json.dumps(doc, ensure_ascii=False) == json.dumps(run_cli("evaluate", EXAMPLE, "--format", "json").json(),
                                                            ensure_ascii=False)


B31 = 'target = "=100%"\nactual = "100%"'


@pytest.mark.parametrize(("new", "score", "trace"), [
    ('target = "12月底前"\nactual = "2023-12-20"', "5.00", "5.00=5（2023-12-20≤2023-12-31）"),
    ('target = "12月底前完成"\nactual = "2023年12月31日"', "5.00", "5.00=5（2023-12-31≤2023-12-31）"),
    ('target = "10月中旬前"\nactual = "10月25日"', "0.00", "0.00=0（2023-10-25晚于2023-10-20 5天）"),
    ('target = "2023年6月30日前"\nactual = "2023-07-03"\nscore = { method = "deadline", per_day = 0.5 }', "3.50",
     "3.50=5-3*0.5（2023-07-03晚于2023-06-30 3天）"),
])
def test_deadline_targets_are_scored_for_timeliness(tmp_path, new, score, trace):
    cfg = variant(tmp_path, B31, new)
    assert run_cli("validate", cfg).code == 0
    res = run_cli("evaluate", cfg, "--format", "json")
    assert res.code == 0, res
    got = leaf(res.json(), "B31")
    assert (got["score"], got["trace"]) == (score, trace), got


@pytest.mark.parametrize(("new", "where", "words"), [
    ('target = "12月底前"\nactual = "尽快"', "$.indicators.B31.actual", "cannot read the date"),
    ('target = "12月底前"\nactual = "2023-02-30"', "$.indicators.B31.actual", "cannot read the date"),
    ('target = "13月底前"\nactual = "2023-12-20"', "$.indicators.B31.target", "month 13"),
])
def test_bad_deadlines_and_dates_are_refused(tmp_path, new, where, words):
    cfg = variant(tmp_path, B31, new)
    res = run_cli("evaluate", cfg)
    assert res.code == 2 and where in res.stderr and words in res.stderr, res
