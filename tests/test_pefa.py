"""The PEFA 2016 pack through the CLI: every row of Table 1, M1, D*, NA, NU, pillar counts, structure."""

from __future__ import annotations

import itertools
import tomllib
from pathlib import Path

import pytest

from conftest import ROOT, run_cli

EXAMPLE = ROOT / "docs" / "examples" / "pefa-2016" / "evaluation.toml"

# Table 1 of the PEFA 2016 Framework (printed page 10), transcribed from the verified notes
# (../shared/research/pefa-part-verified.md §1.1) independently of the pack's m2_table.toml.
TABLE_1 = """
D D D|D C D+|D B C|D A C+|C C C|C B C+|C A B|B B B|B A B+|A A A
D D D D|D D C D+|D D B D+|D D A C|D C C D+|D C B C|D C A C+|D B B C+|D B A B|D A A B|C C C C|C C B C+
C C A B|C B B B|C B A B|C A A B+|B B B B|B B A B+|B A A A|A A A A
D D D D D|D D D C D|D D D B D+|D D D A D+|D D C C D+|D D C B D+|D D C A C|D D B B C|D D B A C+
D D A A C+|D C C C D+|D C C B C|D C C A C+|D C B B C+|D C B A C+|D C A A B|D B B B C+|D B B A B
D B A A B|D A A A B+|C C C C C|C C C B C+|C C C A C+|C C B B C+|C C B A B|C C A A B|C B B B B
C B B A B|C B A A B+|C A A A B+|B B B B B|B B B A B+|B B A A B+|B A A A A|A A A A A
"""
ROWS = [tuple(cell.split()) for line in TABLE_1.split("\n") for cell in line.split("|") if cell.strip()]
ROWS = [(scores[:-1], scores[-1]) for scores in ROWS]

FRAMEWORK = tomllib.loads((ROOT / "plugins" / "jixiao_pefa" / "framework.toml").read_text(encoding="utf-8"))
INDICATORS = {f"PI-{i['pi']}": i for p in FRAMEWORK["pillar"] for i in p["indicators"]}
M2_BY_SIZE = {n: [c for c, i in INDICATORS.items() if i["method"] == "M2" and i["dimensions"] == n] for n in (2, 3, 4)}
EXAMPLE_MARKS = {code: entry["mark"] for code, entry in
                 tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))["ratings"].items()}


def write_config(path: Path, marks: dict[str, str]) -> Path:
    """The example assessment with some dimension marks replaced."""
    all_marks = {**EXAMPLE_MARKS, **marks}
    lines = ['schema_version = 1', 'pack = "pefa-2016"', "[project]", 'name = "test"']
    for code, mark in all_marks.items():
        lines += [f'[ratings."{code}"]', f'mark = "{mark}"', 'reason = "test evidence"']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def evaluate(path: Path) -> dict:
    r = run_cli("evaluate", path, "--format", "json")
    assert r.code == 0, r
    return r.json()


def scores(doc: dict) -> dict[str, dict]:
    out = {}

    def walk(n):
        out[n["code"]] = n
        for c in n["children"]:
            walk(c)

    for t in doc["tiers"]:
        walk(t)
    return out


@pytest.fixture(scope="module")
def table_runs(tmp_path_factory):
    """Enough assessments that every Table 1 row lands on some M2 indicator of its size; each row's
    scores are rotated before entry, so the order they are entered in differs from the table's."""
    placed: dict[tuple[str, ...], tuple[int, str]] = {}
    runs: list[dict[str, str]] = []
    for n in (2, 3, 4):
        rows = [r for r in ROWS if len(r[0]) == n]
        slots = M2_BY_SIZE[n]
        for i, (row, _) in enumerate(rows):
            run, slot = divmod(i, len(slots))
            while len(runs) <= run:
                runs.append({})
            code = slots[slot]
            rotated = row[i % n:] + row[:i % n]
            for m, mark in enumerate(rotated, 1):
                runs[run][f"{code}.{m}"] = mark
            placed[row] = (run, code)
    docs = [evaluate(write_config(tmp_path_factory.mktemp("m2") / "evaluation.toml", marks)) for marks in runs]
    return placed, docs


def test_table_has_65_rows_covering_every_multiset():
    assert len(ROWS) == 65
    keys = {tuple(sorted(r)) for r, _ in ROWS}
    expected = {tuple(sorted(c)) for n in (2, 3, 4) for c in itertools.combinations_with_replacement("ABCD", n)}
    assert keys == expected


@pytest.mark.parametrize(("row", "expected"), ROWS, ids=[" ".join(r) for r, _ in ROWS])
def test_every_table_1_row_through_the_cli(table_runs, row, expected):
    placed, docs = table_runs
    run, code = placed[row]
    node = scores(docs[run])[code]
    assert node["score"] == expected, node.get("trace")
    assert node["trace"].startswith(f"{expected}=M2(")


def test_order_does_not_matter():
    from jixiao_pefa.aggregators import averaging
    from jixiao_pefa.data import m2_table

    table = m2_table()
    for row, expected in ROWS:
        for perm in set(itertools.permutations(row)):
            assert averaging(list(perm), table) == expected
    assert averaging(["B", "D", "C"], table) == averaging(["D", "C", "B"], table) == "C"


def test_m1_examples_and_d_star_na_nu(tmp_path):
    marks = {
        "PI-2.1": "B", "PI-2.2": "B", "PI-2.3": "D",            # M1 (B, B, D) → D+
        "PI-22.1": "C", "PI-22.2": "C",                          # M1 (C, C) → C
        "PI-23.1": "D", "PI-23.2": "D*", "PI-23.3": "D", "PI-23.4": "D",  # M1 (D, D*, D, D) → D
        "PI-28.1": "A", "PI-28.2": "D*", "PI-28.3": "NA",       # M1 (A, D*) with NA dropped → D+
        "PI-3.1": "D*", "PI-3.2": "C",                           # M2 D* as D: D C → D+
        "PI-6.1": "B", "PI-6.2": "NA", "PI-6.3": "A",            # M2 NA dropped: looked up as the 2-dimension row B A → B+
        "PI-8.1": "NA", "PI-8.2": "C", "PI-8.3": "NA", "PI-8.4": "NA",  # one scored dimension left: C
        "PI-10.1": "NA", "PI-10.2": "NA", "PI-10.3": "NA",       # all NA → NA
        "PI-13.1": "NU", "PI-13.2": "NU", "PI-13.3": "NU",       # not used → NU
    }
    doc = evaluate(write_config(tmp_path / "evaluation.toml", marks))
    s = scores(doc)
    expected = {"PI-2": "D+", "PI-22": "C", "PI-23": "D", "PI-28": "D+", "PI-3": "D+", "PI-6": "B+",
                "PI-8": "C", "PI-10": "NA", "PI-13": "NU"}
    assert {k: s[k]["score"] for k in expected} == expected
    # D* shows as D* on the dimension and never reaches an indicator score.
    assert s["PI-23.2"]["score"] == "D*" and s["PI-3.1"]["score"] == "D*"
    assert not any("*" in str(n["score"]) for code, n in s.items() if code.count(".") == 0 and code.startswith("PI"))
    status = {i["code"]: i["status"] for i in doc["indicators"]}
    assert status["PI-6.2"] == "NA" and status["PI-13.1"] == "NU" and status["PI-23.2"] == "scored"


def test_m1_indicator_is_never_looked_up_in_table_1(tmp_path):
    # (A, A, D): the weakest link gives D+, Table 1 would give B.
    from jixiao_pefa.aggregators import averaging
    from jixiao_pefa.data import m2_table

    assert averaging(["A", "A", "D"], m2_table()) == "B"
    doc = evaluate(write_config(tmp_path / "evaluation.toml", {"PI-2.1": "A", "PI-2.2": "A", "PI-2.3": "D"}))
    node = scores(doc)["PI-2"]
    assert node["score"] == "D+" and node["aggregator"] == "pefa_m1"
    m1 = {c for c, i in INDICATORS.items() if i["method"] == "M1"}
    assert {c for c, n in scores(doc).items() if n.get("aggregator") == "pefa_m1"} == m1


def test_example_structure_and_pillar_summary():
    doc = evaluate(EXAMPLE)
    assert doc["total"] is None and doc["grade"] is None
    assert len(doc["tiers"]) == 7
    indicators = [i for p in doc["tiers"] for i in p["children"]]
    assert [i["code"] for i in indicators] == [f"PI-{n}" for n in range(1, 32)]
    assert len(doc["indicators"]) == 94
    method = {"M1": "pefa_m1", "M2": "pefa_m2", "single": "pefa_single"}
    for ind in indicators:
        spec = INDICATORS[ind["code"]]
        assert ind["aggregator"] == method[spec["method"]]
        assert len(ind["children"]) == spec["dimensions"]
    # The verified notes: M1 for PI-2, 18, 20, 22, 23, 26, 28, 29, 30.
    assert sorted(int(c[3:]) for c, i in INDICATORS.items() if i["method"] == "M1") == [2, 18, 20, 22, 23, 26, 28, 29, 30]
    for pillar in doc["tiers"]:
        letters = [i["score"].rstrip("+") for i in pillar["children"]]
        expected = {k: letters.count(k) for k in "ABCD"}
        for extra in ("NA", "NU"):
            if extra in letters:
                expected[extra] = letters.count(extra)
        assert pillar["counts"] == expected
    # The evidence note travels with each dimension.
    first = doc["indicators"][0]
    assert first["code"] == "PI-1.1" and "two of the last three years" in first["note"]


def test_markdown_report_shows_marks_as_entered():
    r = run_cli("evaluate", EXAMPLE, "--format", "markdown")
    assert r.code == 0, r
    assert "D*" in r.stdout and "PI-31.4" in r.stdout


def test_mark_not_on_scale_is_refused_with_key_path(tmp_path):
    cfg = write_config(tmp_path / "evaluation.toml", {"PI-2.1": "B+", "PI-6.3": "E"})
    r = run_cli("evaluate", cfg)
    assert r.code == 2, r
    assert "$.ratings.PI-2.1.mark" in r.stderr and "$.ratings.PI-6.3.mark" in r.stderr
    assert "pefa-dimension" in r.stderr and "Traceback" not in r.stderr
    assert r.stdout == ""


def test_percentage_instead_of_mark_is_refused(tmp_path):
    cfg = write_config(tmp_path / "evaluation.toml", {})
    text = cfg.read_text(encoding="utf-8").replace('[ratings."PI-4.1"]\nmark = "C"', '[ratings."PI-4.1"]\nrating = "80%"')
    cfg.write_text(text, encoding="utf-8")
    r = run_cli("evaluate", cfg)
    assert r.code == 2, r
    assert "$.ratings.PI-4.1" in r.stderr


def test_pefa_report_has_pillar_summary_and_indicator_table():
    doc = evaluate(EXAMPLE)
    r = run_cli("evaluate", EXAMPLE, "--format", "pefa")
    assert r.code == 0, r
    for pillar in doc["tiers"]:
        c = pillar["counts"]
        row = f"| {pillar['code']} {pillar['name_en']} | " + " | ".join(str(c.get(k, 0)) for k in ("A", "B", "C", "D", "NA", "NU"))
        assert row in r.stdout
        for ind in pillar["children"]:
            line = next(ln for ln in r.stdout.splitlines() if ln.startswith(f"| {ind['code']} "))
            assert line.endswith(f"**{ind['score']}** |")
    assert "D\\*" in r.stdout  # D* shown (escaped for Markdown) on dimensions
