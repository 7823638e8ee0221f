"""``jixiao batch`` as a user runs it: real portfolio files in and out, bad rows, atomic output."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import ROOT, SEED, SEED_DIR, run_cli

PACK = "shanghai-consumer-protection-2018"


def generate(n: int, out: Path, seed: int = 7) -> Path:
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), str(n), "--pack", "seed",
                           "-o", str(out), "--seed", str(seed)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return out


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def seed_row() -> dict[str, str]:
    """The 2018 seed evaluation as one portfolio row (wide-form tables, ratings as columns)."""
    import tomllib

    cfg = tomllib.loads(SEED.read_text(encoding="utf-8"))
    row = {"project_id": "shanghai-2018"}
    with (SEED_DIR / "budget.csv").open(newline="", encoding="utf-8") as fh:
        for k, r in enumerate(csv.DictReader(fh), start=1):
            for col in ("category", "item", "budget", "actual"):
                row[f"budget[{k}].{col}"] = r[col]
    inputs = cfg["inputs"]
    for name, v in inputs.items():
        if isinstance(v, int):
            row[name] = str(v)
    for k, ch in enumerate(inputs["complaints"], start=1):
        for col in ("channel", "received", "handled"):
            row[f"complaints[{k}].{col}"] = str(ch[col])
    for s in ("awareness_survey", "satisfaction_survey"):
        row[f"{s}.responses"] = str(inputs[s]["responses"])
        for a, c in inputs[s]["answers"].items():
            row[f"{s}.answers.{a}"] = str(c)
    for code, r in cfg["ratings"].items():
        row[f"rating.{code}"] = r["rating"]
        row[f"reason.{code}"] = r["reason"]
    return row


def write_rows(path: Path, rows: list[dict[str, str]]) -> Path:
    header: list[str] = []
    for r in rows:
        header += [k for k in r if k not in header]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        w.writerows(rows)
    return path


def test_seed_as_a_portfolio_row_scores_88_64(tmp_path):
    portfolio = write_rows(tmp_path / "p.csv", [seed_row()])
    r = run_cli("batch", PACK, portfolio, "-o", tmp_path / "r.csv", "--summary", tmp_path / "s.json")
    assert r.code == 0, r
    (row,) = read_csv(tmp_path / "r.csv")
    assert (row["total"], row["grade"], row["B11"]) == ("88.64", "良", "3.44")  # the published report
    import jixiao
    from jixiao.numbers import fmt_fixed

    alone = jixiao.evaluate_file(SEED)
    assert {leaf.code: row[leaf.code] for leaf in alone.leaves()} == {
        leaf.code: fmt_fixed(leaf.score, 2) for leaf in alone.leaves()}
    summary = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert summary["grades"]["良"] == 1 and summary["total"]["median"] == "88.64"


def test_parquet_in_every_format_out_agree(tmp_path):
    portfolio = generate(300, tmp_path / "p.parquet")
    outs = {}
    for suffix in (".csv", ".parquet", ".jsonl", ".xlsx"):
        out = tmp_path / f"r{suffix}"
        r = run_cli("batch", PACK, portfolio, "-o", out, "--quiet")
        assert r.code == 0, r
        assert r.stderr == ""
        outs[suffix] = out
    csv_rows = read_csv(outs[".csv"])
    table = pq.read_table(outs[".parquet"])
    assert table.schema.field("total").type == pa.decimal128(18, 2)
    assert table.schema.field("B11").type == pa.decimal128(18, 2)
    layout = pq.ParquetFile(outs[".parquet"]).metadata.row_group(0)
    chunks = {layout.column(i).path_in_schema: layout.column(i) for i in range(layout.num_columns)}
    assert chunks["total"].physical_type == "INT64"  # decimal(18, 2) stored as integers
    assert "DELTA_BINARY_PACKED" in chunks["row"].encodings and not chunks["row"].has_dictionary_page
    assert not chunks["project_id"].has_dictionary_page and chunks["grade"].has_dictionary_page
    pq_rows = table.to_pylist()
    jl_rows = [json.loads(line) for line in outs[".jsonl"].read_text(encoding="utf-8").splitlines()]
    ws = openpyxl.load_workbook(outs[".xlsx"]).active
    header = [c.value for c in ws[2]]  # row 1: Chinese names, row 2: machine names
    x_rows = [dict(zip(header, [c for c in row], strict=True)) for row in ws.iter_rows(min_row=3)]
    assert len(csv_rows) == len(pq_rows) == len(jl_rows) == len(x_rows) == 300
    for c, p, j, x in zip(csv_rows, pq_rows, jl_rows, x_rows, strict=True):
        assert c["project_id"] == p["project_id"] == j["project_id"] == x["project_id"].value
        assert Decimal(c["total"]) == p["total"] == Decimal(j["total"])
        assert j["total"] == c["total"] and isinstance(j["total"], str)
        assert x["total"].number_format == "0.00" and Decimal(str(x["total"].value)) == p["total"]
        assert c["C25"] == j["C25"] == f"{p['C25']:f}"


def test_csv_and_xlsx_portfolios_give_the_parquet_results(tmp_path):
    results = {}
    for suffix in (".parquet", ".csv", ".xlsx"):
        portfolio = generate(120, tmp_path / f"p{suffix}", seed=11)
        out = tmp_path / f"r{suffix}.csv"
        r = run_cli("batch", PACK, portfolio, "-o", out)
        assert r.code == 0, r
        results[suffix] = [(row["project_id"], row["total"], row["grade"], row["B11"]) for row in read_csv(out)]
    assert results[".parquet"] == results[".csv"] == results[".xlsx"]


def test_bad_rows_are_reported_and_the_rest_written(tmp_path):
    good = seed_row()
    too_many = dict(good, project_id="too-many", nonconforming_handled="600")  # 600 handled of 599 found
    negative = dict(good, project_id="negative", spot_check_done="-5")
    zero_budget = dict(good, project_id="zero-budget", **{f"budget[{k}].budget": "0" for k in range(1, 25)})
    portfolio = write_rows(tmp_path / "p.csv", [good, too_many, dict(good, project_id="second"), negative,
                                                zero_budget])
    r = run_cli("batch", PACK, portfolio, "-o", tmp_path / "r.csv", "--errors", tmp_path / "e.csv")
    assert r.code == 3, r
    assert [row["project_id"] for row in read_csv(tmp_path / "r.csv")] == ["shanghai-2018", "second"]
    errors = read_csv(tmp_path / "e.csv")
    by_id = {e["project_id"]: e for e in errors}
    assert (by_id["too-many"]["row"], by_id["too-many"]["column"]) == ("3", "nonconforming_handled")
    assert (by_id["negative"]["row"], by_id["negative"]["column"]) == ("5", "spot_check_done")
    assert by_id["zero-budget"]["column"] == "budget" and "budget" in by_id["zero-budget"]["message"]
    assert "row 3, column nonconforming_handled" in r.stderr
    assert "3 row(s) failed" in r.stderr


def test_a_bad_cell_in_a_wide_table_names_its_column(tmp_path):
    row = dict(seed_row(), **{"budget[7].actual": "-3"})
    r = run_cli("batch", PACK, write_rows(tmp_path / "p.csv", [row]), "-o", tmp_path / "r.parquet")
    assert r.code == 3, r
    errors = read_csv(tmp_path / "r.errors.csv")
    assert [(e["row"], e["column"]) for e in errors] == [("2", "budget[7].actual")]
    # The results file holds the other rows (none here) in full: a valid Parquet file with no rows.
    assert pq.read_table(tmp_path / "r.parquet").num_rows == 0


def test_interrupted_write_leaves_the_previous_file_whole(tmp_path):
    """Ctrl-C while the results are being written: the old results stay as they were, no temp file remains."""
    import os
    import signal
    import time

    portfolio = generate(300_000, tmp_path / "p.parquet")
    out = tmp_path / "r.csv"
    out.write_text("previous results\n", encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    # Ctrl-C from a terminal: SIGINT at its default disposition in the child, whatever the test worker
    # inherited (a worker whose SIGINT is ignored passes SIG_IGN on, and Python then never raises
    # KeyboardInterrupt — the batch would finish and this test would fail for the wrong reason).
    proc = subprocess.Popen([sys.executable, "-m", "jixiao", "batch", PACK, str(portfolio), "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # noqa: PLW1509 - xdist workers ignore SIGINT; the child must not inherit that
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        temps = [p for p in tmp_path.iterdir() if p.name.startswith(".r.csv.")]
        if temps and temps[0].stat().st_size > 0:
            break
        time.sleep(0.005)
    assert proc.poll() is None, "the batch finished before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert out.read_text(encoding="utf-8") == "previous results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.parquet", "r.csv"]


def test_control_characters_never_break_the_xlsx(tmp_path):
    rows = [dict(seed_row(), project_id="bad\x01id"), dict(seed_row(), project_id="=1+1")]
    r = run_cli("batch", PACK, write_rows(tmp_path / "p.csv", rows), "-o", tmp_path / "r.xlsx")
    assert r.code == 0, r
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx").active
    assert [ws.cell(row=i, column=1).value for i in (3, 4)] == ["badid", "'=1+1"]  # neutralised (OWASP)
    assert ws.cell(row=4, column=1).data_type == "s"  # text, not a formula


def test_evaluation_config_as_template(tmp_path, seed_copy):
    rows = [{"project_id": "as-is"}, {"project_id": "fewer-checks", "spot_check_done": "2600"},
            {"project_id": "worse-rating", "rating.A11": "60%"}]
    portfolio = write_rows(tmp_path / "p.csv", rows)
    r = run_cli("batch", seed_copy, portfolio, "-o", tmp_path / "r.csv", "--summary", tmp_path / "s.md",
                "--fill-from-template")
    assert r.code == 0, r
    got = {row["project_id"]: row for row in read_csv(tmp_path / "r.csv")}
    assert got["as-is"]["total"] == "88.64"
    # 2600/2736 = 95.03% → 10 − (1 − 95.03%) × 10 × 100 × 3% = 8.509 → 8.51
    assert got["fewer-checks"]["C111"] == "8.51"
    assert got["fewer-checks"]["total"] == "87.15"
    assert got["worse-rating"]["A11"] == "1.20"
    assert Decimal(got["worse-rating"]["total"]) == Decimal("88.64") - Decimal("0.80")
    md = (tmp_path / "s.md").read_text(encoding="utf-8")
    assert "| 良 | 3 |" in md


def test_unknown_rating_column_is_a_configuration_error(tmp_path):
    portfolio = write_rows(tmp_path / "p.csv", [dict(seed_row(), **{"rating.Z9": "80%"})])
    r = run_cli("batch", PACK, portfolio, "-o", tmp_path / "r.csv")
    assert r.code == 2, r
    assert "rating.Z9" in r.stderr
    assert not (tmp_path / "r.csv").exists()


@pytest.mark.parametrize("name", ["r.txt", "r"])
def test_unknown_output_suffix(tmp_path, name):
    portfolio = write_rows(tmp_path / "p.csv", [seed_row()])
    r = run_cli("batch", PACK, portfolio, "-o", tmp_path / name)
    assert r.code == 2 and ".parquet" in r.stderr, r
