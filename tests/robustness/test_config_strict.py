"""Issue 10 §3: configs and pack files strict, with suggestions — and `validate` and `evaluate` agree.

Every case is a real file set (the seed example with its budget.csv, the national form's example with
its own [indicators.*], a TOML-only pack with its config) with one thing wrong, run through the CLI as
a user runs it: `jixiao validate CONFIG` and `jixiao evaluate CONFIG`. Each must give the expected exit
code, one message naming the file that is wrong and the key path in it, no traceback, no output file.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest import ROOT, SEED_DIR, run_cli
from test_packfile import TOML_CONFIG, TOML_PACK

NATIONAL = ROOT / "docs" / "examples" / "national-education-2023" / "evaluation.toml"
SEED_PACK = 'pack = "shanghai-consumer-protection-2018"'
B11 = 'name = "补助学生人数"\nstandard_score = 20\ntarget = "≥1200人"\nactual = 1100'
B21 = 'target = "≥98%"'
A1_TARGET = 'target = "≥100%"'
A1_SCORE = 'score = { method = "deduct_per_point", k = "2%" }'
FORMULA = 'value = { formula = "保洁里程完成 ÷ 保洁里程计划" }'
BOM = "\ufeff"


def make(tmp_path: Path, base: str, edits: list[tuple[str, str, str]]) -> Path:
    """The base example in tmp_path with each (file, old, new) edit applied once; returns the config.

    ``old`` may be ``^`` (prepend) or ``$`` (append)."""
    folder = tmp_path / "case"
    if base == "seed":
        shutil.copytree(SEED_DIR, folder)
    else:
        folder.mkdir()
        if base == "national":
            shutil.copy(NATIONAL, folder / "evaluation.toml")
        else:
            (folder / "pack.toml").write_text(TOML_PACK, encoding="utf-8")
            (folder / "evaluation.toml").write_text(TOML_CONFIG, encoding="utf-8")
    for name, old, new in edits:
        f = folder / name
        text = f.read_text(encoding="utf-8")
        if old == "encoding":  # the same text saved in another encoding
            f.write_bytes(text.encode(new))
            continue
        if old == "^":
            text = new + text
        elif old == "$":
            text = text + "\n" + new + "\n"
        else:
            assert old in text, (name, old)
            text = text.replace(old, new, 1)
        f.write_text(text, encoding="utf-8")
    return folder / "evaluation.toml"


C, P = "evaluation.toml", "pack.toml"

# (id, base, edits, exit code, file named, key path, words of the message)
CASES = [
    # --- unknown keys, with a suggestion, at their key path ------------------------------------
    ("top-noets", "seed", [(C, "[notes]", "[noets]")], 2, C, "$.noets", "did you mean 'notes'"),
    ("input-misspelt", "seed", [(C, "spot_check_done = 2824", "spot_chek_done = 2824")], 2, C,
     "$.inputs.spot_chek_done", "did you mean 'spot_check_done'"),
    ("top-projet", "seed", [(C, "[project]", "[projet]")], 2, C, "$.projet", "did you mean 'project'"),
    ("top-schema-version", "seed", [(C, "schema_version = 1", "schema_verison = 1")], 2, C,
     "$.schema_verison", "did you mean 'schema_version'"),
    ("top-rating-singular", "seed", [(C, "[ratings.A11]", "[rating.A11]")], 2, C, "$.rating",
     "did you mean 'ratings'"),
    ("top-override-singular", "seed", [(C, "$", "[override.A11]\nscore = 4\nreason = \"x\"")], 2, C,
     "$.override", "did you mean 'overrides'"),
    ("top-indicator-singular", "national", [(C, "[indicators.B11]", "[indicator.B11]")], 2, C, "$.indicator",
     "did you mean 'indicators'"),
    ("top-input-singular", "seed", [(C, "[inputs]", "[input]")], 2, C, "$.input", "did you mean 'inputs'"),
    ("top-stated-typo", "national", [(C, "$", "[staetd]\ntotal = 90")], 2, C, "$.staetd", "did you mean 'stated'"),
    ("top-evidence-typo", "national", [(C, "$", "[evidnece.E1]\nfile = \"a.pdf\"")], 2, C, "$.evidnece",
     "did you mean 'evidence'"),
    ("top-results-use-typo", "national", [(C, "$", "[result_use]\nx = 1")], 2, C, "$.result_use",
     "did you mean 'results_use'"),
    ("top-unknown-no-suggestion", "seed", [(C, "[notes]", "[zzzzqqq]")], 2, C, "$.zzzzqqq", "unknown key"),
    ("pack-table-disabel", "seed", [(C, SEED_PACK, ('pack = { name = "shanghai-consumer-protection-2018", '
                                                   'disabel = [] }'))], 2, C, "$.pack.disabel",
     "did you mean 'disable'"),
    ("pack-table-nmae", "seed", [(C, SEED_PACK, 'pack = { nmae = "shanghai-consumer-protection-2018" }')], 2, C,
     "$.pack.nmae", "did you mean 'name'"),
    ("rating-reson", "seed", [(C, "[ratings.A11]\nrating = \"100%\"", ("[ratings.A11]\nrating = \"100%\"\n"
                                                                        "reson = \"x\""))], 2, C,
     "$.ratings.A11.reson", "did you mean 'reason'"),
    ("rating-ratnig", "seed", [(C, "[ratings.A11]\nrating = \"100%\"", "[ratings.A11]\nratnig = \"100%\"")], 2, C,
     "$.ratings.A11.ratnig", "did you mean 'rating'"),
    ("rating-bnad", "national", [(C, 'band = "部分达成"', 'bnad = "部分达成"')], 2, C, "$.ratings.C21.bnad",
     "did you mean 'band'"),
    ("override-reasno", "seed", [(C, "$", "[overrides.A11]\nscore = 4\nreason = \"x\"\nreasno = \"y\"")], 2, C,
     "$.overrides.A11.reasno", "did you mean 'reason'"),
    ("override-scroe", "seed", [(C, "$", "[overrides.A11]\nscroe = 4\nreason = \"x\"")], 2, C,
     "$.overrides.A11.scroe", "did you mean 'score'"),
    ("leaf-nmae", "national", [(C, B11, B11.replace("name =", "nmae ="))], 2, C, "$.indicators.B11.nmae",
     "did you mean 'name'"),
    ("leaf-standard-scor", "national", [(C, B11, B11.replace("standard_score", "standard_scor"))], 2, C,
     "$.indicators.B11.standard_scor", "did you mean 'standard_score'"),
    ("leaf-traget", "national", [(C, B11, B11.replace("target =", "traget ="))], 2, C, "$.indicators.B11.traget",
     "did you mean 'target'"),
    ("leaf-acutal", "national", [(C, B11, B11.replace("actual =", "acutal ="))], 2, C, "$.indicators.B11.acutal",
     "did you mean 'actual'"),
    ("leaf-evidnce", "national", [(C, B11, B11 + '\nevidnce = ["E1"]')], 2, C, "$.indicators.B11.evidnce",
     "did you mean 'evidence'"),
    ("leaf-deviation-reson", "national", [(C, B11, B11 + '\ndeviation_reson = "x"')], 2, C,
     "$.indicators.B11.deviation_reson", "did you mean 'deviation_reason'"),
    ("leaf-stated-scroe", "national", [(C, B11, B11 + "\nstated_scroe = 18")], 2, C,
     "$.indicators.B11.stated_scroe", "did you mean 'stated_score'"),
    ("leaf-parnet", "national", [(C, 'parent = "B1"\nname = "补助学生人数"', 'parnet = "B1"\nname = "补助学生人数"')],
     2, C, "$.indicators.B11.parnet", "did you mean 'parent'"),
    ("packfile-titel", "packfile", [(P, 'title = "河道保洁项目绩效评价"', 'titel = "河道保洁项目绩效评价"')], 2, P,
     "$.pack.titel", "did you mean 'title'"),
    ("packfile-rule-sets", "packfile", [(P, "[rule_set]", "[rule_sets]")], 2, P, "$.rule_sets",
     "did you mean 'rule_set'"),
    ("packfile-zero-divison", "packfile", [(P, 'zero_division = "met"', 'zero_divison = "met"')], 2, P,
     "$.rule_set.zero_divison", "did you mean 'zero_division'"),
    ("packfile-value-place", "packfile", [(P, "value_places = 4", "value_place = 4")], 2, P,
     "$.rule_set.rounding.value_place", "did you mean 'value_places'"),
    ("packfile-band-lable", "packfile", [(P, '{ label = "优秀", lower = 85 }', '{ lable = "优秀", lower = 85 }')], 2,
     P, "$.rule_set.grading_scheme.bands[0]", "label"),
    ("packfile-input-knid", "packfile", [(P, '[inputs."投诉件数"]\nkind = "count"',
                                          '[inputs."投诉件数"]\nknid = "count"')], 2, P,
     "$.inputs.投诉件数.knid", "did you mean 'kind'"),
    ("packfile-leaf-taget", "packfile", [(P, A1_TARGET, A1_TARGET.replace("target", "taget"))], 2, P,
     "$.indicators.A1.taget", "did you mean 'target'"),
    ("packfile-group-standard-socre", "packfile", [(P, "standard_score = 70", "standard_socre = 70")], 2, P,
     "$.indicators.A.standard_socre", "did you mean 'standard_score'"),
    ("packfile-leaf-scroe", "packfile", [(P, 'score = { method = "zero_incidence" }',
                                          'scroe = { method = "zero_incidence" }')], 2, P,
     "$.indicators.B1.scroe", "did you mean 'score'"),
    ("packfile-top-indicator", "packfile", [(P, "[indicators.A]", "[indicator.A]")], 2, P, "$.indicator",
     "did you mean 'indicators'"),
    ("packfile-meta-versoin", "packfile", [(P, 'version = "1"', 'versoin = "1"')], 2, P, "$.pack.versoin",
     "did you mean 'version'"),
    ("survey-respones", "seed", [(C, "responses = 120\nanswers = { \"很满意\"", "respones = 120\nanswers = { \"很满意\"")],
     2, C, "$.inputs.satisfaction_survey.respones", "did you mean 'responses'"),
    ("survey-answer", "seed", [(C, 'answers = { "很满意"', 'answer = { "很满意"')], 2, C,
     "$.inputs.satisfaction_survey.answer", "did you mean 'answers'"),
    ("survey-qeustion", "seed", [(C, 'question = "根据', 'qeustion = "根据')], 2, C,
     "$.inputs.satisfaction_survey.qeustion", "did you mean 'question'"),
    ("csv-ref-extra-key", "seed", [(C, 'budget = { csv = "budget.csv" }', 'budget = { csv = "budget.csv", colums = 1 }')],
     2, C, "$.inputs.budget.colums", "unknown key 'colums'"),
    ("packfile-method-param-typo", "packfile", [(P, 'k = "2%"', 'kk = "2%"')], 2, P, "$.indicators.A1.score.kk",
     "did you mean 'k'"),
    ("packfile-value-param-typo", "packfile", [(P, '{ input = "投诉件数", kind = "count" }',
                                                '{ input = "投诉件数", knd = "count" }')], 2, P,
     "$.indicators.B1.value.knd", "did you mean 'kind'"),
    ("packfile-scale-alias", "packfile", [(P, "[indicators.A]", ('[scales.x]\nlevels = ["A"]\nalias = {}\n\n'
                                                               "[indicators.A]"))], 2, P, "$.scales.x.alias",
     "did you mean 'aliases'"),
    ("packfile-grading-scheme-bnads", "packfile", [(P, "bands = [", "bnads = [")], 2, P,
     "$.rule_set.grading_scheme", "bands"),
    # --- evaluate applies the pack file's schema and semantics, like validate --------------------
    ("packfile-value-places-40", "packfile", [(P, "value_places = 4", "value_places = 40")], 2, P,
     "$.rule_set.rounding.value_places", "12"),
    ("packfile-rounding-mode", "packfile", [(P, "value_places = 4", 'value_places = 4\nmode = "banker"')], 2, P,
     "$.rule_set.rounding.mode", "half_up"),
    ("packfile-schema-version-2", "packfile", [(P, "schema_version = 1", "schema_version = 2")], 2, P,
     "$.schema_version", "1"),
    ("packfile-zero-division-value", "packfile", [(P, 'zero_division = "met"', 'zero_division = "sometimes"')], 2,
     P, "$.rule_set.zero_division", "met"),
    ("packfile-name-pattern", "packfile", [(P, 'name = "river-cleanup"', 'name = "River Cleanup"')], 2, P,
     "$.pack.name", "does not match"),
    ("packfile-title-empty", "packfile", [(P, 'title = "河道保洁项目绩效评价"', 'title = ""')], 2, P, "$.pack.title",
     "title"),
    ("packfile-unknown-method", "packfile", [(P, A1_SCORE, 'score = { method = "deduct_per_piont", k = "2%" }')],
     2, P, "$.indicators.A1.score", "deduct_per_piont"),
    ("packfile-method-param", "packfile", [(P, A1_SCORE, 'score = { method = "deduct_per_point", k = "abc" }')], 2,
     P, "$.indicators.A1.score", "deduct_per_point"),
    ("packfile-unknown-indicator-plugin", "packfile", [(P, 'value = { indicator = "qualitative_rating" }',
                                                        'value = { indicator = "qualitative_ratnig" }')], 2, P,
     "$.indicators.A2.value", "qualitative_ratnig"),
    ("packfile-unknown-aggregator", "packfile", [(P, "standard_score = 70", ('standard_score = 70\n'
                                                                             'aggregator = "summ"'))], 2, P,
     "$.indicators.A.aggregator", "summ"),
    ("packfile-unknown-grading", "packfile", [(P, 'zero_division = "met"', ('zero_division = "met"\n'
                                                                         'grading = "nope-2024"'))], 2, P,
     "$.rule_set", "nope-2024"),
    ("packfile-standard-sum", "packfile", [(P, "standard_score = 50", "standard_score = 45")], 2, P,
     "$.indicators.A.standard_score", "add up to 65"),
    ("packfile-formula-undeclared", "packfile", [(P, FORMULA, FORMULA.replace("÷ 保洁里程计划", "÷ 保洁计划"))], 2, P,
     "$.indicators.A1.value.formula", "保洁计划"),
    ("packfile-formula-syntax", "packfile", [(P, FORMULA, FORMULA.replace("÷ 保洁里程计划", "÷ ÷"))], 2, P,
     "$.indicators.A1.value.formula", "formula"),
    ("packfile-parent-missing", "packfile", [(P, 'parent = "A"\nname = "保洁里程完成率"',
                                              'parent = "Z"\nname = "保洁里程完成率"')], 2, P,
     "$.indicators.A1.parent", "'Z'"),
    ("packfile-standard-text", "packfile", [(P, "standard_score = 50", 'standard_score = "fifty"')], 2, P,
     "$.indicators.A1.standard_score", "number"),
    # --- every number of decimals is bounded (0 to 12), in a config's [rounding] and a pack file ---
    ("config-rounding-value-places-1e9", "seed", [(C, "$", "[rounding]\nvalue_places = 1000000000")], 2, C,
     "$.rounding.value_places", "out of bounds: decimals from 0 to 12"),
    ("config-rounding-score-places-negative", "seed", [(C, "$", "[rounding]\nscore_places = -1")], 2, C,
     "$.rounding.score_places", "out of bounds: decimals from 0 to 12"),
    ("config-rounding-places-text", "seed", [(C, "$", '[rounding]\nvalue_places = "4"')], 2, C,
     "$.rounding.value_places", "expected a whole number of decimals from 0 to 12"),
    ("config-rounding-places-fraction", "seed", [(C, "$", "[rounding]\nvalue_places = 2.5")], 2, C,
     "$.rounding.value_places", "expected a whole number of decimals from 0 to 12"),
    ("config-rounding-other-places", "seed", [(C, "$", "[rounding]\ntotal_places = 4000")], 2, C,
     "$.rounding.total_places", "out of bounds: decimals from 0 to 12"),
    ("packfile-score-places-13", "packfile", [(P, "score_places = 2", "score_places = 13")], 2, P,
     "$.rule_set.rounding.score_places", "13 is greater than the maximum of 12"),
    ("packfile-value-places-negative", "packfile", [(P, "value_places = 4", "value_places = -1")], 2, P,
     "$.rule_set.rounding.value_places", "-1 is less than the minimum of 0"),
    # --- codes the pack does not have, in [ratings], [overrides], [notes]: did you mean … ----------
    ("ratings-code-typo", "seed", [(C, "[ratings.A12]", "[ratings.A21]")], 2, C, "$.ratings.A21",
     "no indicator 'A21' in pack 'shanghai-consumer-protection-2018'; did you mean 'A12'?"),
    ("ratings-code-lowercase", "seed", [(C, "[ratings.B21]", "[ratings.b21]")], 2, C, "$.ratings.b21",
     "did you mean 'B21'?"),
    ("overrides-code-typo", "seed", [(C, "$", '[overrides.b11]\nscore = 1\nreason = "复核调整"')], 2, C,
     "$.overrides.b11", "did you mean 'B11'?"),
    ("notes-code-typo", "seed", [(C, "C121 = ", "C1211 = ")], 2, C, "$.notes.C1211", "did you mean 'C121'?"),
    ("notes-code-unknown", "seed", [(C, "C22 = ", "X99 = ")], 2, C, "$.notes.X99",
     "no indicator 'X99' in pack 'shanghai-consumer-protection-2018'"),
    ("ratings-own-leaf-typo", "national", [(C, "[ratings.C21]", "[ratings.C12]")], 2, C, "$.ratings.C12",
     "did you mean 'C21'?"),
    # --- numbers out of range or in the wrong unit: located where they are written ----------------
    ("input-1e308", "seed", [(C, "spot_check_done = 2824", "spot_check_done = 1e308")], 3, C,
     "$.inputs.spot_check_done", "out of range: it has 309 digits before the decimal point"),
    ("input-16-digit-count", "seed", [(C, "spot_check_planned = 2736", "spot_check_planned = 1_000_000_000_000_000")],
     3, C, "$.inputs.spot_check_planned", "out of range"),
    ("table-cell-41-digits", "seed", [(C, "received = 312100", "received = " + "1" * 41)], 3, C,
     "$.inputs.complaints[0].received", "out of range: it has 41 digits"),
    ("survey-answer-4000-digits", "seed", [(C, '"不关注" = 17', '"不关注" = ' + "9" * 4000)], 3, C,
     "$.inputs.awareness_survey.answers.不关注", "out of range: it has 4,000 digits"),
    ("input-40-significant-digits", "seed", [(C, "losses_claimed = 6785", "losses_claimed = 6785." + "1" * 36)], 3,
     C, "$.inputs.losses_claimed", "more than 34 significant digits"),
    ("csv-cell-1e308", "seed", [("budget.csv", ",30.00,28.00", ",30.00,1e308")], 3, "budget.csv",
     "row 2, column actual", "out of range"),
    ("csv-cell-percent-in-amount", "seed", [("budget.csv", ",30.00,28.00", ",30%,28.00")], 3, "budget.csv",
     "row 2, column budget", "expected an amount, got the percentage '30%'"),
    ("csv-cell-fullwidth-percent", "seed", [("budget.csv", ",30.00,28.00", ",30.00,28％")], 3, "budget.csv",
     "row 2, column actual", "percentage"),
    ("input-percent-in-amount", "seed", [(C, "losses_claimed = 6785", 'losses_claimed = "95%"')], 2, C,
     "$.inputs.losses_claimed", "got the percentage '95%'"),
    ("input-permille-in-count", "seed", [(C, "spot_check_done = 2824", 'spot_check_done = "5‰"')], 2, C,
     "$.inputs.spot_check_done", "got the percentage '5‰'"),
    # --- targets the reader does not understand: refused, never a default benchmark ---------------
    ("target-double-comparator", "national", [(C, B21, 'target = ">>100%"')], 2, C, "$.indicators.B21.target",
     ">>100%"),
    ("target-nan", "national", [(C, B21, 'target = "≥nan%"')], 2, C, "$.indicators.B21.target", "nan"),
    ("target-inf", "national", [(C, B21, 'target = "≥inf%"')], 2, C, "$.indicators.B21.target", "inf"),
    ("target-no-number", "national", [(C, B21, 'target = "≥%"')], 2, C, "$.indicators.B21.target", "≥%"),
    ("target-double-percent", "national", [(C, B21, 'target = "≥98%%"')], 2, C, "$.indicators.B21.target", "98%%"),
    ("target-boolean", "national", [(C, B21, "target = true")], 2, C, "$.indicators.B21.target", "boolean"),
    ("target-array", "national", [(C, B21, 'target = ["≥98%"]')], 2, C, "$.indicators.B21.target", "target"),
    ("packfile-target-double", "packfile", [(P, A1_TARGET, 'target = ">>100%"')], 2, P, "$.indicators.A1.target",
     ">>100%"),
    ("packfile-target-nan", "packfile", [(P, A1_TARGET, 'target = "≥nan%"')], 2, P, "$.indicators.A1.target", "nan"),
    ("packfile-target-table-key", "packfile", [(P, A1_TARGET, ('target = { value = 1, comparator = ">=", '
                                                              'unti = "%" }'))], 2, P, "$.indicators.A1.target",
     "unti"),
    # --- a config's own [indicators.*] are blamed on the config, not the built-in pack -----------
    ("own-leaf-standard-sum", "national", [(C, B11, B11.replace("standard_score = 20", "standard_score = 25"))], 2,
     C, "$.indicators.B11.standard_score", "add up to"),
    ("own-leaf-unknown-method", "national", [(C, B11, B11 + '\nscore = { method = "deduct_per_piont" }')], 2, C,
     "$.indicators.B11.score", "deduct_per_piont"),
    ("own-leaf-method-param", "national", [(C, B11, B11 + '\nscore = { method = "deduct_per_point", k = "abc" }')],
     2, C, "$.indicators.B11.score", "deduct_per_point"),
    ("own-leaf-unknown-plugin", "national", [(C, B11, B11 + '\nvalue = { indicator = "no_such_plugin" }')], 2, C,
     "$.indicators.B11.value", "no_such_plugin"),
    ("own-leaf-formula-undeclared", "national", [(C, B11, B11.replace("actual = 1100", "")
                                                  + '\nvalue = { formula = "全年执行数 / 未声明的数" }')], 2, C,
     "$.indicators.B11.value.formula", "未声明的数"),
    ("own-leaf-name-empty", "national", [(C, 'name = "补助学生人数"', 'name = ""')], 2, C, "$.indicators.B11.name",
     "name"),
    ("own-leaf-parent-unknown", "national", [(C, 'parent = "B1"\nname = "补助学生人数"',
                                              'parent = "B9"\nname = "补助学生人数"')], 2, C,
     "$.indicators.B11.parent", "B9"),
    ("own-leaf-standard-negative", "national", [(C, "standard_score = 20", "standard_score = -20")], 2, C,
     "$.indicators.B11.standard_score", "standard"),
    ("own-leaf-standard-text", "national", [(C, "standard_score = 20", 'standard_score = "二十"')], 2, C,
     "$.indicators.B11.standard_score", "number"),
    ("own-leaf-code-taken", "national", [(C, "[indicators.B11]", "[indicators.B1]")], 2, C, "$.indicators.B1",
     "already exists"),
    ("own-leaf-not-table", "national", [(C, "$", "[indicators]\nB99 = 5")], 2, C, "$.indicators", "indicators"),
    ("own-leaf-no-weight", "packfile", [
        (P, '[indicators.B]\nname = "效益"\nstandard_score = 30', ('[indicators.B]\nname = "效益"\nstandard_score = 30\n'
         'open = true\naggregator = { name = "weighted_mean", weights = { B1 = 1 } }')),
        (C, "$", ('[indicators.B2]\nparent = "B"\nname = "群众满意度"\nstandard_score = 30\ntarget = "=0件"\n'
         'actual = 0\nscore = { method = "zero_incidence" }'))], 2, C, "$.indicators.B2", "no weight for child B2"),
    # --- files a config names: the config and its key are named -------------------------------
    ("csv-missing", "seed", [(C, 'csv = "budget.csv"', 'csv = "budjet.csv"')], 2, C, "$.inputs.budget.csv",
     "not found"),
    ("csv-directory", "seed", [(C, 'csv = "budget.csv"', 'csv = "."')], 2, C, "$.inputs.budget.csv",
     "directory"),
    ("pack-path-missing", "seed", [(C, SEED_PACK, 'pack = { path = "nopack.toml" }')], 2, C, "$.pack.path",
     "not found"),
    ("pack-string-path-missing", "seed", [(C, SEED_PACK, 'pack = "nopack.toml"')], 2, C, "$.pack", "nopack.toml"),
    ("pack-path-directory", "seed", [(C, SEED_PACK, 'pack = { path = "." }')], 2, C, "$.pack.path", "directory"),
    ("pack-name-unknown", "seed", [(C, SEED_PACK, 'pack = "shanghai-consumer-protection-2019"')], 2, C, "$.pack",
     "did you mean 'shanghai-consumer-protection-2018'"),
    ("pack-table-name-unknown", "seed", [(C, SEED_PACK, 'pack = { name = "shanghai-2018" }')], 2, C, "$.pack.name",
     "unknown pack 'shanghai-2018'"),
    # --- encodings of the TOML files themselves -------------------------------------------------
    ("config-bom", "seed", [(C, "^", BOM)], 2, C, "line 1", "BOM"),
    ("packfile-bom", "packfile", [(P, "^", BOM)], 2, P, "line 1", "BOM"),
    ("config-gbk", "seed", [(C, "encoding", "gbk")], 2, C, "line", "not UTF-8"),
    ("config-utf16", "seed", [(C, "encoding", "utf-16")], 2, C, "UTF-16", "UTF-8"),
    ("packfile-gbk", "packfile", [(P, "encoding", "gb18030")], 2, P, "line", "not UTF-8"),
    ("packfile-utf16", "packfile", [(P, "encoding", "utf-16")], 2, P, "UTF-16", "UTF-8"),
    ("config-syntax", "seed", [(C, "[notes]", "[notes")], 2, C, "line", "TOML syntax error"),
    # --- disabling applies to every kind of plugin ------------------------------------------------
    ("disable-method-in-config", "seed", [(C, SEED_PACK, ('pack = { name = "shanghai-consumer-protection-2018", '
                                                        'disable = ["rating_times_standard"] }'))], 2, None,
     ".score", "'rating_times_standard' is disabled"),
    ("disable-indicator-in-config", "packfile", [(C, 'pack = { path = "pack.toml" }',
                                                  'pack = { path = "pack.toml", disable = ["qualitative_rating"] }')],
     2, P, "$.indicators.A2.value", "'qualitative_rating' is disabled"),
    ("disable-aggregator-in-config", "packfile", [(C, 'pack = { path = "pack.toml" }',
                                                   'pack = { path = "pack.toml", disable = ["sum"] }')], 2, P,
     "$.indicators.A", "'sum' is disabled"),
]

ENV_CASES = [
    # (id, base, JIXIAO_DISABLE, file named, key path, words)
    ("env-disable-method", "packfile", "deduct_per_point", P, "$.indicators.A1.score", "'deduct_per_point' is disabled"),
    ("env-disable-indicator", "packfile", "qualitative_rating", P, "$.indicators.A2.value",
     "'qualitative_rating' is disabled"),
    ("env-disable-aggregator", "packfile", "sum", P, "$.indicators.A", "'sum' is disabled"),
    ("env-disable-method-seed", "seed", "rating_times_standard", None, ".score", "'rating_times_standard' is disabled"),
]

ACCEPTED = [
    # sections and keys other modules read: not unknown keys
    ("stated-score", "national", [(C, B11, B11 + "\nstated_score = 18\nstated_actual = 1100\n"
                                                 'deviation_reason = "部分学生转学"\nevidence = ["E1"]'),
                                 (C, "[project]", '[evidence.E1]\ntitle = "学生名册"\nkind = "文件"\n\n[project]')]),
    ("project-free-keys", "seed", [(C, "[project]", "[project]\nanything_goes = \"项目负责人\"")]),
    ("plain", "packfile", []),
    ("seed", "seed", []),
    ("national", "national", []),
]


def check_refused(res, code, file, path, words, out: Path) -> None:
    text = res.stderr + res.stdout
    assert res.code == code, res
    assert "Traceback" not in text, res
    assert words in text, (words, res)
    if file:
        assert file in text, (file, res)
        if path:  # the file and the key path together, in one message
            assert any(file in line and path in line for line in text.splitlines()), (file, path, res)
    elif path:
        assert path in text, (path, res)
    assert not out.exists()


@pytest.mark.parametrize(("case", "base", "edits", "code", "file", "path", "words"), CASES, ids=[c[0] for c in CASES])
def test_refused_alike_by_validate_and_evaluate(tmp_path, case, base, edits, code, file, path, words):
    cfg = make(tmp_path, base, edits)
    out = tmp_path / "report.json"
    check_refused(run_cli("validate", cfg), code, file, path, words, out)
    check_refused(run_cli("evaluate", cfg, "-o", out), code, file, path, words, out)


@pytest.mark.parametrize(("case", "base", "env", "file", "path", "words"), ENV_CASES, ids=[c[0] for c in ENV_CASES])
def test_jixiao_disable_applies_to_every_plugin_kind(tmp_path, case, base, env, file, path, words):
    cfg = make(tmp_path, base, [])
    out = tmp_path / "report.json"
    check_refused(run_cli("validate", cfg, env={"JIXIAO_DISABLE": env}), 2, file, path, words, out)
    check_refused(run_cli("evaluate", cfg, "-o", out, env={"JIXIAO_DISABLE": env}), 2, file, path, words, out)
    check_refused(run_cli("evaluate", cfg, "-o", out, "--disable", env), 2, file, path, words, out)


def test_disable_applies_to_renderers(tmp_path):
    cfg = make(tmp_path, "packfile", [])
    out = tmp_path / "report.json"
    for res in (run_cli("evaluate", cfg, "-o", out, "--disable", "json"),
                run_cli("evaluate", cfg, "-o", out, env={"JIXIAO_DISABLE": "json"})):
        assert res.code == 2 and "'json' is disabled" in res.stderr and "Traceback" not in res.stderr, res
        assert not out.exists()
    assert run_cli("evaluate", cfg, "-o", out).code == 0 and out.exists()


@pytest.mark.parametrize(("case", "base", "edits"), ACCEPTED, ids=[c[0] for c in ACCEPTED])
def test_accepted_alike_by_validate_and_evaluate(tmp_path, case, base, edits):
    cfg = make(tmp_path, base, edits)
    v = run_cli("validate", cfg)
    e = run_cli("evaluate", cfg, "--format", "json")
    assert (v.code, e.code) == (0, 0), (v, e)


def test_every_case_is_distinct():
    assert len({c[0] for c in CASES}) == len(CASES) >= 60
    assert len({repr(c[2]) for c in CASES}) == len(CASES)


def test_the_documented_example_prints_what_the_docs_show(tmp_path):
    """docs/configuration.md shows `validate` on the seed example with [noets]: the same lines come out."""
    doc = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    cfg = make(tmp_path, "seed", [(C, "[notes]", "[noets]")])
    res = run_cli("validate", cfg.name, cwd=cfg.parent)
    assert res.code == 2
    shown = "configuration error: evaluation.toml: $.noets: unknown key 'noets'; did you mean 'notes'?"
    assert shown in doc and shown in res.stderr, res
    assert "hint: rename it to 'notes'" in doc and "hint: rename it to 'notes'" in res.stderr
