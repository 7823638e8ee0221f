"""Issue 10 §4: inputs that used to crash are refused with a located exit 2/3, never exit 1 or a traceback.

Out-of-range numbers (1e308, 41- and 4,000-digit literals, nan/inf, an exponent of 10**9) in the
config and in a CSV table, 1,000-deep TOML nesting, a folder given as a file, control characters in
text that goes to Word or Excel. Every case runs ``jixiao evaluate … -o`` as a subprocess over a copy of
the seed example with an old output in place, which must be left as it was.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import SEED_DIR, run_cli

BASE = (SEED_DIR / "evaluation.toml").read_text(encoding="utf-8")
CSV = (SEED_DIR / "budget.csv").read_text(encoding="utf-8")

# config line → the key path an error about its own value names
KEYS = {
    "spot_check_done = 2824": "$.inputs.spot_check_done",
    "spot_check_planned = 2736": "$.inputs.spot_check_planned",
    "losses_claimed = 6785": "$.inputs.losses_claimed",
    "losses_recovered = 6785": "$.inputs.losses_recovered",
    "nonconforming_found = 599": "$.inputs.nonconforming_found",
    "received = 312100": "$.inputs.complaints[0].received",
    "major_disputes = 0": "$.inputs.major_disputes",
}
OUT_OF_RANGE = r"evaluation\.toml: {key}: the number is out of range: it has [\d,]+ digits before the decimal point; " \
               r"numbers must lie below 10\^15"
# value id → (TOML literal, exit code, message pattern; {key} is the key path where the value is written)
VALUES = {
    "1e308": ("1e308", 3, OUT_OF_RANGE),
    "41-digits": ("1" * 41, 3, OUT_OF_RANGE),
    "4000-digits": ("9" * 4000, 3, OUT_OF_RANGE),
    "exp-1e9": ('"1e999999999"', 3, OUT_OF_RANGE),
    "1e15": ("1_000_000_000_000_000", 3, OUT_OF_RANGE),
    "nan": ("nan", 2, r"evaluation\.toml: {key}: expected a finite number, got Decimal\('NaN'\)"),
    "inf": ("inf", 2, r"evaluation\.toml: {key}: expected a finite number, got Decimal\('Infinity'\)"),
    "-inf": ("-inf", 2, r"evaluation\.toml: {key}: expected a finite number, got Decimal\('-Infinity'\)"),
    "str-nan": ('"nan"', 2, r"evaluation\.toml: {key}: expected a finite number, got 'nan'"),
    "str-inf": ('"inf"', 2, r"evaluation\.toml: {key}: expected a finite number, got 'inf'"),
    "-1e308": ("-1e308", 3, OUT_OF_RANGE),
    "40-significant-digits": ("1." + "1" * 39, 3, (r"evaluation\.toml: {key}: the number has more than 34 significant "
                                                 r"digits")),
}
TOML_CASES = [pytest.param(line, key, lit, code, pat.replace("{key}", re.escape(key)), id=f"{key[9:]}={vid}")
              for line, key in KEYS.items() for vid, (lit, code, pat) in VALUES.items()
              if not (vid == "40-significant-digits" and key != "$.inputs.losses_claimed")]  # counts must be whole

CSV_OUT_OF_RANGE = r"budget\.csv: row 2, column {col}: the number is out of range: it has [\d,]+ digits before the " \
                   r"decimal point"
CSV_VALUES = {
    "1e308": ("1e308", CSV_OUT_OF_RANGE),
    "41-digits": ("1" * 41, CSV_OUT_OF_RANGE),
    "4000-digits": ("9" * 4000, CSV_OUT_OF_RANGE),
    "exp-1e9": ("1e999999999", CSV_OUT_OF_RANGE),
    "percent": ("1e308%", r"budget\.csv: row 2, column {col}: expected an amount, got the percentage '1e308%'"),
    "40-significant-digits": ("1." + "1" * 39, r"budget\.csv: row 2, column {col}: the number has more than 34"),
    "nan": ("nan", r"budget\.csv: row 2, column {col}: not a finite number: 'nan'"),
    "inf": ("inf", r"budget\.csv: row 2, column {col}: not a finite number: 'inf'"),
    "-inf": ("-inf", r"budget\.csv: row 2, column {col}: not a finite number: '-inf'"),
}
CSV_CASES = [pytest.param(col, cell, pat.replace("{col}", col), id=f"csv-{col}={vid}")
             for col in ("budget", "actual") for vid, (cell, pat) in CSV_VALUES.items()]


def seed(tmp_path, *, config: str | None = None, csv: str | None = None):
    d = tmp_path / "seed"
    shutil.copytree(SEED_DIR, d)
    if config is not None:
        (d / "evaluation.toml").write_text(config, encoding="utf-8")
    if csv is not None:
        (d / "budget.csv").write_text(csv, encoding="utf-8")
    return d


def refused(d, code: int, pattern: str, *, out_name: str = "report.json", fmt: str = "json"):
    out = d / out_name
    out.write_bytes(b"the old report")
    r = run_cli("evaluate", d / "evaluation.toml", "-f", fmt, "-o", out)
    assert r.code == code, r
    assert re.search(pattern, r.stderr), r
    assert "Traceback" not in r.stderr + r.stdout
    assert "internal error" not in r.stderr
    assert out.read_bytes() == b"the old report"
    assert sorted(p.name for p in d.iterdir() if p.name.startswith(".")) == []  # no temp file left
    return r


@pytest.mark.parametrize(("line", "key", "literal", "code", "pattern"), TOML_CASES)
def test_out_of_range_config_number(tmp_path, line, key, literal, code, pattern):
    name = line.split(" = ")[0]
    d = seed(tmp_path, config=BASE.replace(line, f"{name} = {literal}", 1))
    refused(d, code, pattern)
    if key == "$.inputs.spot_check_done" or literal in ("1e308", "nan"):  # validate agrees (a cross-section, cheap)
        v = run_cli("validate", d / "evaluation.toml")
        assert v.code == code and re.search(pattern, v.stderr) and "Traceback" not in v.stderr, v


@pytest.mark.parametrize(("col", "cell", "pattern"), CSV_CASES)
def test_out_of_range_csv_cell(tmp_path, col, cell, pattern):
    row = "30.00,28.00"
    new = f"{cell},28.00" if col == "budget" else f"30.00,{cell}"
    d = seed(tmp_path, csv=CSV.replace(row, new, 1))
    refused(d, 3, pattern)


DEEP = {
    "array-1000": "deep = " + "[" * 1000 + "]" * 1000,
    "inline-table-1000": "deep = " + "{a=" * 1000 + "1" + "}" * 1000,
}


@pytest.mark.parametrize("text", DEEP.values(), ids=DEEP.keys())
@pytest.mark.parametrize("command", ["evaluate", "validate"])
def test_deep_toml(tmp_path, text, command):
    d = seed(tmp_path, config=BASE.replace("[project]", text + "\n[project]", 1))
    if command == "evaluate":
        refused(d, 2, r"(evaluation\.toml: \$: )?.*nests arrays or tables too deeply")
    else:
        r = run_cli("validate", d / "evaluation.toml")
        assert r.code == 2, r
        assert re.search(r"evaluation\.toml: \$: the file nests arrays or tables too deeply", r.stderr), r.stderr
        assert "Traceback" not in r.stderr


CONTROL = {
    "name-U+0001": ('name = "2018年消费者权益保护专项"', 'name = "2018年\\u0001消费者权益保护专项"', "$.project.name", "0001"),
    "unit-U+0007": ('unit = "上海市市场监督管理局"', 'unit = "上海市\\u0007市场监督管理局"', "$.project.unit", "0007"),
    "evaluator-U+001B": ('evaluator = "上海宏大东亚会计师事务所有限公司"', 'evaluator = "上海\\u001b宏大"',
                         "$.project.evaluator", "001B"),
    "question-U+000B": ('question = "根据您的经历', 'question = "\\u000b根据您的经历',
                        "$.inputs.satisfaction_survey.question", "000B"),
}


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
@pytest.mark.parametrize(("old", "new", "path", "hexcode"), CONTROL.values(), ids=CONTROL.keys())
def test_control_characters_for_office(tmp_path, old, new, path, hexcode, fmt):
    assert old in BASE
    d = seed(tmp_path, config=BASE.replace(old, new, 1))
    refused(d, 3, re.escape(f"evaluation.toml: {path}: the text holds the control character U+{hexcode}"),
            out_name=f"report.{fmt}", fmt=fmt)


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_control_character_from_a_table(tmp_path, fmt):
    d = seed(tmp_path, csv=CSV.replace("315公益广告费", "315公益\x01广告费", 1))
    refused(d, 3, re.escape("$.tables.B11.rows[1].label: the text holds the control character U+0001"),
            out_name=f"report.{fmt}", fmt=fmt)


def test_control_characters_allowed_where_harmless(tmp_path):
    d = seed(tmp_path, config=BASE.replace('name = "2018年消费者权益保护专项"', 'name = "2018年\\u0001专项"', 1))
    r = run_cli("evaluate", d / "evaluation.toml", "-f", "json")
    assert r.code == 0, r  # JSON escapes it; only the XML formats cannot hold it


def test_folder_given_as_table_file(tmp_path):
    d = seed(tmp_path)
    (d / "budget.csv").unlink()
    (d / "budget.csv").mkdir()
    refused(d, 2, r"evaluation\.toml: \$\.inputs\.budget\.csv: .*is a directory, not a file")


def test_folder_given_as_config(tmp_path):
    r = run_cli("evaluate", tmp_path)
    assert r.code == 2, r
    assert "is a directory" in r.stderr and "Traceback" not in r.stderr


def test_row_longer_than_header(tmp_path):
    d = seed(tmp_path, csv=CSV.replace("30.00,28.00", "30.00,28.00,5,6", 1))
    refused(d, 3, r"budget\.csv: line 2: 6 cell\(s\) where the header \(line 1\) has 4")


NATIONAL = SEED_DIR.parent / "national-education-2023"
PACK_TOML = Path(__file__).resolve().parents[2] / "plugins" / "jixiao_national" / "pack.toml"


@pytest.mark.parametrize("places", ["1000000000", "9" * 4000, "-1", "1e9"])
def test_absurd_value_places_in_a_pack_file(tmp_path, places):
    d = tmp_path / "nat"
    shutil.copytree(NATIONAL, d)
    pack = PACK_TOML.read_text(encoding="utf-8")
    assert "value_places = 4" in pack
    (d / "pack.toml").write_text(pack.replace("value_places = 4", f"value_places = {places}", 1), encoding="utf-8")
    cfg = (d / "evaluation.toml").read_text(encoding="utf-8")
    (d / "evaluation.toml").write_text(re.sub(r'(?m)^pack = .*$', 'pack = "pack.toml"', cfg, count=1),
                                       encoding="utf-8")
    refused(d, 2, r"pack\.toml: \$\.rule_set\.rounding\.value_places: ")
