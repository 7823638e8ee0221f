"""Rounding as forms do it (issue 11 §3): modes half_up / half_even / down / up, and separate places and
mode for leaves, tiers and the total, set in a pack's [rule_set.rounding] or an evaluation's [rounding].

The figures are worked by hand: X1 = 99.10% × 10 = 9.91, X2 = 86.50% × 10 = 8.65 (a midpoint at one
decimal), Y1 = 93.40% × 80 = 74.72, and so on.
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jixiao
from conftest import run_cli
from jixiao.document import build_document
from jixiao.errors import JixiaoError

MODES = ("half_up", "half_even", "down", "up")

PACK = """
schema_version = 1

[pack]
name = "rounding-levels"
title = "取整层级"
version = "1"
api = 1

[rule_set]
name = "levels"
grading = "national-2020"
total_standard = 100
{rounding}

[indicators.X]
name = "产出"

[indicators.X1]
parent = "X"
name = "完成率"
standard_score = 10
target = "≥100%"
value = {{ input = "x1", kind = "rate" }}
score = {{ method = "proportional" }}

[indicators.X2]
parent = "X"
name = "合格率"
standard_score = 10
target = "≥100%"
value = {{ input = "x2", kind = "rate" }}
score = {{ method = "proportional" }}

[indicators.Y]
name = "效益"

[indicators.Y1]
parent = "Y"
name = "达成率"
standard_score = 80
target = "≥100%"
value = {{ input = "y1", kind = "rate" }}
score = {{ method = "proportional" }}
"""


def run(tmp_path: Path, inputs: dict, pack_rounding: dict | None = None, config_rounding: dict | None = None):
    """Evaluate from real files (pack.toml + evaluation.toml); the result and its JSON document."""
    rounding = "[rule_set.rounding]\n" + tomli_w.dumps(pack_rounding) if pack_rounding else ""
    (tmp_path / "pack.toml").write_text(PACK.format(rounding=rounding), encoding="utf-8")
    cfg: dict = {"pack": {"path": "pack.toml"}, "inputs": inputs}
    if config_rounding is not None:
        cfg["rounding"] = config_rounding
    (tmp_path / "evaluation.toml").write_text(tomli_w.dumps(cfg), encoding="utf-8")
    res = jixiao.evaluate_file(tmp_path / "evaluation.toml")
    return res, build_document(res)


def scores(doc) -> dict[str, str]:
    return {i["code"]: i["score"] for i in doc["indicators"]} | {t["code"]: t["score"] for t in doc["tiers"]}


# -- each mode at each level -----------------------------------------------------------------

LEAF = {  # leaf_places = 1: 9.91, 8.65, 74.72
    "half_up": ("9.9", "8.7", "74.7", "93.30"),
    "half_even": ("9.9", "8.6", "74.7", "93.20"),
    "down": ("9.9", "8.6", "74.7", "93.20"),
    "up": ("10.0", "8.7", "74.8", "93.50"),
}


@pytest.mark.parametrize("mode", MODES)
def test_leaf_level(tmp_path, mode):
    _, doc = run(tmp_path, {"x1": "99.1%", "x2": "86.5%", "y1": "93.4%"}, {"leaf_places": 1, "leaf_mode": mode})
    x1, x2, y1, total = LEAF[mode]
    s = scores(doc)
    assert (s["X1"], s["X2"], s["Y1"]) == (x1, x2, y1)
    assert doc["total"] == total  # round_then_sum: the sum of the rounded leaves, at score_places
    assert s["X"] == f"{Decimal(x1) + Decimal(x2):.2f}"  # tiers keep score_places
    trace = {i["code"]: i["trace"] for i in doc["indicators"]}
    mark = {"down": "⌊{}⌋", "up": "⌈{}⌉"}.get(mode, "{}")
    assert trace["X1"] == f"{x1}=" + mark.format("99.10%*10")
    assert doc["rule_set"]["rounding"]["leaf_places"] == 1 and doc["rule_set"]["rounding"]["leaf_mode"] == mode


TIER = {  # tiers = round_then_sum, tier_places = 0: X = 9.91 + 8.59 = 18.50, Y = 74.72
    "half_up": ("19", "75", "94.00"),
    "half_even": ("18", "75", "93.00"),
    "down": ("18", "74", "92.00"),
    "up": ("19", "75", "94.00"),
}


@pytest.mark.parametrize("mode", MODES)
def test_tier_level(tmp_path, mode):
    res, doc = run(tmp_path, {"x1": "99.1%", "x2": "85.9%", "y1": "93.4%"},
                   {"tiers": "round_then_sum", "tier_places": 0, "tier_mode": mode})
    x, y, total = TIER[mode]
    s = scores(doc)
    assert (s["X1"], s["X2"], s["Y1"], s["X"], s["Y"]) == ("9.91", "8.59", "74.72", x, y)
    assert doc["total"] == total  # the rounded tiers entered the total
    node = {n.code: n for n in res.tiers}
    assert node["X"].score_unrounded == Decimal("18.50")
    mark = {"down": "⌊{}⌋", "up": "⌈{}⌉"}.get(mode, "{}")
    assert node["X"].working == mark.format("9.91+8.59")


def test_tiers_carried_unrounded_are_only_shown_rounded(tmp_path):
    _, doc = run(tmp_path, {"x1": "99.1%", "x2": "85.9%", "y1": "93.4%"}, {"tier_places": 0, "tier_mode": "down"})
    s = scores(doc)
    assert (s["X"], s["Y"]) == ("18", "74")  # shown truncated …
    assert doc["total"] == "93.22"  # … but the total adds 18.50 + 74.72
    assert {t["code"]: t["standard_score"] for t in doc["tiers"]} == {"X": "20", "Y": "80"}


TOTAL = {  # total_places = 0 over 9.91 + 8.65 + 73.94 (80 × 92.43%) = 92.50
    "half_up": "93", "half_even": "92", "down": "92", "up": "93",
}


@pytest.mark.parametrize("mode", MODES)
def test_total_level(tmp_path, mode):
    res, doc = run(tmp_path, {"x1": "99.1%", "x2": "86.5%", "y1": "92.43%"}, {"total_places": 0, "total_mode": mode})
    assert scores(doc)["Y1"] == "73.94"
    assert res.total_unrounded == Decimal("92.50")
    assert doc["total"] == TOTAL[mode] and doc["total_standard"] == "100"
    mark = {"down": "⌊{}⌋", "up": "⌈{}⌉"}.get(mode, "{}")
    assert doc["total_trace"] == f"{TOTAL[mode]}=" + mark.format("18.56+73.94")
    assert doc["grade"] == "优"  # 92 and 93 alike


def test_whole_rule_set_mode_down_rounds_values_and_every_level(tmp_path):
    # mode is the default of every level and of value_places: 93.456% → 93.45% → 74.76
    _, doc = run(tmp_path, {"x1": "99.1%", "x2": "86.5%", "y1": "93.456%"}, {"mode": "down"})
    assert scores(doc)["Y1"] == "74.76"
    assert doc["total"] == "93.32"
    assert "total_trace" in doc  # a directed mode shows how the total was reached


def test_existing_packs_documents_have_no_new_keys(tmp_path):
    res, doc = run(tmp_path, {"x1": "99.1%", "x2": "86.5%", "y1": "93.4%"})
    assert set(doc["rule_set"]["rounding"]) == {"value_places", "score_places", "mode", "leaves"}
    assert "total_trace" not in doc
    assert res.total_working == "93.28=18.56+74.72"


# -- the form: items truncated, the total of the unrounded items rounded once ----------------------

FORM_ROUNDING = {"leaves": "carry_unrounded", "leaf_places": 0, "leaf_mode": "down", "total_places": 0,
                 "total_mode": "half_up"}


@pytest.mark.parametrize("where", ["pack", "config"])
def test_form_items_truncated_total_of_unrounded_items_rounded_once(tmp_path, where):
    # X1 9.91 → 9, X2 100% → 10, Y1 92.5% × 80 = 74.00 → 74; unrounded total 93.91 → 94 (the shown items add to 93).
    inputs = {"x1": "99.1%", "x2": "100%", "y1": "92.5%"}
    if where == "pack":
        res, doc = run(tmp_path, inputs, pack_rounding=FORM_ROUNDING)
    else:
        res, doc = run(tmp_path, inputs, pack_rounding={"leaf_places": 2}, config_rounding=FORM_ROUNDING)
    s = scores(doc)
    assert (s["X1"], s["X2"], s["Y1"]) == ("9", "10", "74")
    assert doc["total"] == "94"
    assert res.total_unrounded == Decimal("93.91")
    trace = {i["code"]: i["trace"] for i in doc["indicators"]}
    assert trace["X1"] == "9=⌊99.10%*10⌋"
    assert trace["X2"].startswith("10=")  # nothing cut: no mark
    assert doc["total_trace"] == "94=19.91+74.00（各项未取整得分合计 sum of unrounded item scores）"
    assert {i["code"]: i["points_lost"] for i in doc["indicators"]}["X1"] == "1"  # 10 − 9 as printed
    assert doc["losses"]["total_lost"] == "7"
    from jixiao.schema import document_schema, validator

    assert [e.message for e in validator(document_schema()).iter_errors(json.loads(json.dumps(doc)))] == []


@pytest.mark.parametrize("mode", MODES)
def test_cli_each_mode_on_the_form(tmp_path, mode):
    """The CLI as a user runs it: the evaluation's [rounding] over a pack file, JSON and terminal output."""
    run(tmp_path, {"x1": "99.1%", "x2": "100%", "y1": "92.5%"},
        config_rounding={**FORM_ROUNDING, "leaf_mode": mode, "total_mode": mode})
    r = run_cli("evaluate", tmp_path / "evaluation.toml", "--format", "json")
    assert r.code == 0, r
    doc = r.json()
    want_x1 = {"half_up": "10", "half_even": "10", "down": "9", "up": "10"}[mode]
    want_total = {"half_up": "94", "half_even": "94", "down": "93", "up": "94"}[mode]
    assert scores(doc)["X1"] == want_x1 and doc["total"] == want_total


def test_terminal_shows_the_truncated_working(tmp_path):
    run(tmp_path, {"x1": "99.1%", "x2": "100%", "y1": "92.5%"}, config_rounding=FORM_ROUNDING)
    r = run_cli("evaluate", tmp_path / "evaluation.toml")
    assert r.code == 0, r
    assert "9=⌊99.10%*10⌋" in r.stdout
    assert "合计: 94" in r.stdout


# -- bad settings: exit 2, the key path named ----------------------------------------------------------


def test_bad_config_rounding_is_refused_with_every_key_path(tmp_path):
    (tmp_path / "pack.toml").write_text(PACK.format(rounding=""), encoding="utf-8")
    (tmp_path / "evaluation.toml").write_text(
        'pack = { path = "pack.toml" }\n[inputs]\nx1 = "99.1%"\nx2 = "100%"\ny1 = "92.5%"\n'
        '[rounding]\nleaf_mode = "donw"\ntotal_places = 40\nleaf_place = 0\nleaves = "carry"\n', encoding="utf-8")
    r = run_cli("evaluate", tmp_path / "evaluation.toml", "--format", "json")
    assert r.code == 2, r
    assert r.stdout == "" and "Traceback" not in r.stderr
    err = r.stderr
    assert "$.rounding.leaf_mode" in err and "did you mean 'down'" in err
    assert "$.rounding.total_places" in err and "0 to 12" in err
    assert "$.rounding.leaf_place" in err and "did you mean 'leaf_places'" in err
    assert "$.rounding.leaves" in err and "carry_unrounded" in err


def test_bad_pack_rounding_is_refused_at_the_pack_key(tmp_path):
    (tmp_path / "pack.toml").write_text(PACK.format(rounding='[rule_set.rounding]\ntier_mode = "truncate"\n'
                                                              'leaf_places = -1\n'), encoding="utf-8")
    r = run_cli("validate", tmp_path / "pack.toml")
    assert r.code == 2, r
    assert "$.rule_set.rounding.tier_mode" in r.stderr and "'down'" in r.stderr
    assert "$.rule_set.rounding.leaf_places" in r.stderr
    assert "Traceback" not in r.stderr


def test_rounding_section_must_be_a_table(tmp_path):
    (tmp_path / "pack.toml").write_text(PACK.format(rounding=""), encoding="utf-8")
    (tmp_path / "evaluation.toml").write_text('pack = { path = "pack.toml" }\nrounding = "down"\n', encoding="utf-8")
    with pytest.raises(JixiaoError) as exc:
        jixiao.evaluate_file(tmp_path / "evaluation.toml")
    assert "$.rounding" in str(exc.value)


def test_exported_pack_keeps_the_level_settings(tmp_path):
    from jixiao.packfile import dump_pack, load_pack_file

    (tmp_path / "pack.toml").write_text(
        PACK.format(rounding="[rule_set.rounding]\n" + tomli_w.dumps(FORM_ROUNDING)), encoding="utf-8")
    pack = load_pack_file(tmp_path / "pack.toml")
    (tmp_path / "again.toml").write_text(dump_pack(pack), encoding="utf-8")
    assert load_pack_file(tmp_path / "again.toml").rule_set.rounding == pack.rule_set.rounding


# -- the batch columnar path gives the evaluate digits under every mode -------------------------------


BATCH_PACK = PACK.replace('[indicators.Y1]', '''[indicators.Y2]
parent = "Y"
name = "执行率"
standard_score = 0
target = "=100%"
value = {{ indicator = "completion_rate", done = "spent", planned = "budgeted" }}
score = {{ method = "rate_times_standard" }}

[indicators.Y1]''')


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(leaf_mode=st.sampled_from(MODES), tier_mode=st.sampled_from(MODES), total_mode=st.sampled_from(MODES),
       places=st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3)),
       tiers=st.sampled_from(["round_then_sum", "carry_unrounded"]),
       leaves=st.sampled_from(["round_then_sum", "carry_unrounded"]),
       rows=st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 2000), st.integers(0, 2000),
                               st.integers(0, 3000), st.integers(1, 3000)), min_size=1, max_size=5))
def test_batch_equals_evaluate_for_every_mode_and_level(tmp_path_factory, leaf_mode, tier_mode, total_mode, places,
                                                        tiers, leaves, rows):
    d: Path = tmp_path_factory.mktemp("modes")
    rounding = {"leaves": leaves, "tiers": tiers, "leaf_places": places[0], "leaf_mode": leaf_mode,
                "tier_places": places[1], "tier_mode": tier_mode, "total_places": places[2],
                "total_mode": total_mode}
    (d / "pack.toml").write_text(BATCH_PACK.format(rounding="[rule_set.rounding]\n" + tomli_w.dumps(rounding)),
                                 encoding="utf-8")
    expected, portfolio = {}, []
    for i, (a, b, c, spent, budgeted) in enumerate(rows):
        inputs = {"x1": f"{Decimal(a).scaleb(-1):f}%", "x2": f"{Decimal(b).scaleb(-1):f}%",
                  "y1": f"{Decimal(c).scaleb(-1):f}%", "spent": spent, "budgeted": budgeted}
        portfolio.append({"project_id": f"P{i}", **inputs})
        (d / f"p{i}.toml").write_text(tomli_w.dumps({"pack": {"path": str(d / "pack.toml")}, "inputs": inputs}),
                                      encoding="utf-8")
        try:
            expected[f"P{i}"] = build_document(jixiao.evaluate_file(d / f"p{i}.toml"))
        except JixiaoError:
            expected[f"P{i}"] = None
    with (d / "portfolio.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(portfolio[0]))
        w.writeheader()
        w.writerows(portfolio)
    from jixiao.batch import run_batch

    outcome = run_batch(str(d / "pack.toml"), str(d / "portfolio.csv"), str(d / "results.jsonl"))
    # proportional is columnar only when leaves are rounded before they are added
    assert outcome.columnar == (leaves == "round_then_sum")
    got = {r["project_id"]: r for r in map(json.loads, (d / "results.jsonl").read_text(encoding="utf-8").splitlines())}
    for pid, doc in expected.items():
        if doc is None:
            assert pid not in got
            continue
        assert Decimal(got[pid]["total"]) == Decimal(doc["total"]), (pid, rounding)
        assert got[pid]["grade"] == doc["grade"]
        for ind in doc["indicators"]:
            assert Decimal(got[pid][ind["code"]]) == Decimal(ind["score"]), (pid, ind["code"], rounding)


def test_xlsx_cells_keep_each_levels_decimals(tmp_path):
    import openpyxl

    run(tmp_path, {"x1": "99.1%", "x2": "100%", "y1": "92.5%"}, config_rounding=FORM_ROUNDING)
    r = run_cli("evaluate", tmp_path / "evaluation.toml", "--format", "xlsx", "-o", tmp_path / "r.xlsx")
    assert r.code == 0, r
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx")

    def cell(sheet, value):
        return next(c for row in sheet.iter_rows() for c in row if c.value == value and c.data_type == "n")

    assert cell(wb.worksheets[1], 9).number_format == "0"  # X1 truncated to 9, shown as 9
    assert cell(wb.worksheets[0], 94).number_format == "0"  # the total rounded once
    assert cell(wb.worksheets[0], 19.91).number_format == "0.00"  # the tier of unrounded items


def test_review_of_a_form_that_truncates_items_and_rounds_the_total_once(tmp_path):
    """The national example stated as a truncating form prints it: items 18, 9, 9, 5, 4, 14, 8, 10 and 总分 89
    (the unrounded items add up to 89.41). Under the form's [rounding] the stated figures are all right: no
    leaf_score, total or stated_sum discrepancy (the printed items add up to 86 + 预算执行 9, not to 89)."""
    from conftest import ROOT

    text = (ROOT / "docs" / "examples" / "national-education-2023" / "evaluation.toml").read_text(encoding="utf-8")
    stated = {"B11": 18, "B12": 9, "B21": 9, "B31": 5, "B41": 4, "C21": 14, "C41": 8, "D11": 10}
    for code, score in stated.items():
        text = text.replace(f'[indicators.{code}]\n', f'[indicators.{code}]\nstated_score = {score}\n')
    text += ("\n[stated]\ntotal = 89\nbudget_score = 9\n\n[rounding]\n" + tomli_w.dumps(FORM_ROUNDING))
    (tmp_path / "evaluation.toml").write_text(text, encoding="utf-8")
    doc = build_document(jixiao.evaluate_file(tmp_path / "evaluation.toml"))
    assert doc["total"] == "89"
    assert {i["code"]: i["score"] for i in doc["indicators"]} == {"A": "9", **{c: str(v) for c, v in stated.items()}}
    found = {d["kind"] for d in doc.get("review", {}).get("discrepancies", [])}
    assert found == {"unmet_without_reason"}  # the example gives no 偏差原因; every figure is right
    # the same stated figures under the pack's own rounding: the items are off, and they do not add up
    (tmp_path / "plain.toml").write_text(text.split("\n[rounding]")[0], encoding="utf-8")
    kinds = {d["kind"] for d in build_document(jixiao.evaluate_file(tmp_path / "plain.toml"))["review"]["discrepancies"]}
    assert {"leaf_score", "stated_sum"} <= kinds


def test_import_form_offers_the_whole_point_rounding_and_the_offer_runs(tmp_path):
    """A form whose 得分 are all whole numbers gets the [rounding] block in comments; uncommented, it runs."""
    import sys

    from conftest import ROOT

    sys.path.insert(0, str(ROOT / "tests" / "forms"))
    from builders import ROWS, write_xlsx

    rows = [(*r[:6], (str(int(float(r[6]))) if r[6] != "" else ""), r[7]) for r in ROWS]
    write_xlsx(tmp_path / "whole.xlsx", rows=rows, total="89")
    write_xlsx(tmp_path / "cents.xlsx", total="89")  # 18.33, 9.43 …: no offer
    for name in ("whole", "cents"):
        r = run_cli("import-form", tmp_path / f"{name}.xlsx", "-o", tmp_path / f"{name}.toml")
        assert r.code == 0, r
    assert "# [rounding]" not in (tmp_path / "cents.toml").read_text(encoding="utf-8")
    text = (tmp_path / "whole.toml").read_text(encoding="utf-8")
    assert '# [rounding]\n# leaves = "carry_unrounded"\n# leaf_places = 0\n' in text
    lines = text.split("\n")
    start = lines.index("# [rounding]")
    lines[start:start + 6] = [x[2:] for x in lines[start:start + 6]]
    (tmp_path / "whole.toml").write_text("\n".join(lines), encoding="utf-8")
    doc = build_document(jixiao.evaluate_file(tmp_path / "whole.toml"))
    assert doc["total"] == "89" and doc["rule_set"]["rounding"]["leaf_mode"] == "down"
    kinds = {d["kind"] for d in doc.get("review", {}).get("discrepancies", [])}
    assert not kinds & {"stated_sum", "total"}
