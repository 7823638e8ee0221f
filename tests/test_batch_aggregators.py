"""Property: every built-in aggregator's and the ordinal rules' columnar forms give, row by row, what the
per-row engine gives — leaf marks as entered, every node's score (numbers to the last digit, marks,
PART's ratings, PEFA's M1/M2/single scores, ordinal counts) and the total.

Random rows go through the columnar program and, one at a time, through the engine: marks on and off
the scale (D*, NA, NU, blanks, typos), PART sections with every question N/A, weighted means that are
not finite decimals (2/3) under both tier policies. A row the engine refuses must be in the fast
path's fallback; a row the fast path keeps must agree with the engine on every node. The bundled
PEFA and PART packs batch generated portfolios with no row through the engine.
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jixiao.batch import load_pack_or_template, run_batch
from jixiao.batch.compile import compile_pack, layout_of, run_program
from jixiao.batch.portfolio import read_portfolio
from jixiao.batch.rowwise import evaluate_row, known_inputs
from jixiao.builtin.aggregators import fraction_to_decimal
from jixiao.model import LeafResult, NodeResult
from jixiao.numbers import quantize
from jixiao.ordinal import allowed_marks
from jixiao.plugins import Registry

SETTINGS = settings(max_examples=10, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
TYPOS = ("E", "b", "yes", "", " ", "A ", "N/A ", "B+")


def write_csv(path: Path, rows: list[dict]) -> Path:
    header = list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        w.writerows(rows)
    return path


def node_figure(nc, i: int):
    """Row ``i`` of a node column as the engine's NodeResult.score would be: a mark, a Decimal, or None."""
    if nc.marks is not None and nc.marks.codes[i] >= 0:
        return nc.marks.labels[nc.marks.codes[i]]
    if nc.score is not None:
        return Decimal(int(nc.score.v[i])).scaleb(-nc.score.scale)
    if nc.ratio is not None:
        return fraction_to_decimal(Fraction(int(nc.ratio[0][i]), int(nc.ratio[1][i])))
    return None


def against_engine(pack_ref: str, portfolio: Path) -> tuple[int, int, int]:
    """Every row through the columnar program and the engine; returns (rows, rows the fast path left to
    the engine that the engine scored, rows the engine refused — each of those in the fallback too)."""
    reg = Registry()
    pack, template = load_pack_or_template(pack_ref, reg)
    program = compile_pack(pack, reg)
    assert program.reasons == (), program.reasons
    pf = read_portfolio(portfolio)
    layout = layout_of(list(pf.columns), known_inputs(pack, reg))
    col = run_program(program, pf, layout, template)
    rs = pack.rule_set
    sp, mode = rs.rounding.score_places, rs.rounding.mode
    fallback = refused = 0
    for i in range(pf.n):
        errors: list = []
        res = evaluate_row(pack, reg, pf, layout, i, template, errors, f"P{i}")
        if res is None:
            refused += 1
            assert col.fallback[i], (i, [e.message for e in errors])
            continue
        if col.fallback[i]:
            fallback += 1
            continue
        for r in res.nodes():
            if isinstance(r, LeafResult):
                if isinstance(r.score, Decimal):
                    assert col.leaves[r.code][i] == int(quantize(rs.rounding.shown(r.score, "leaf"), sp, mode)
                                                        .scaleb(sp)), (i, r.code, r.working)
                else:
                    m = col.texts[r.code]
                    assert m.labels[m.codes[i]] == r.score, (i, r.code)
                continue
            assert isinstance(r, NodeResult)
            nc = col.nodes[r.code]
            got = node_figure(nc, i)
            if r.score is None:
                want = dict(r.counts)
                order = set(want)
                have = {k: int(v[i]) for k, v in nc.counts.items() if int(v[i]) or k in order}
                assert have == want, (i, r.code, r.working)
            else:
                assert got == r.score and type(got) is type(r.score), (i, r.code, got, r.score, r.working)
        if res.total is not None:
            assert col.total is not None
            assert col.total[i] == int(res.total.scaleb(max(sp, rs.rounding.level("total")[0]))), (i, res.total_working)
    return pf.n, fallback, refused


# -- PEFA --------------------------------------------------------------------------------------------


PEFA = Registry().pack("pefa-2016")
PEFA_MARKS = allowed_marks(PEFA.scale("pefa-dimension"))
MULTI = [ind for pillar in PEFA.tree for ind in pillar.children if len(ind.children) > 1]


@st.composite
def pefa_rows(draw, n):
    rows = []
    for k in range(n):
        bad = draw(st.booleans()) and draw(st.integers(0, 4)) == 0
        row = {"project_id": f"P{k}"}
        for leaf in PEFA.leaves():
            row[f"mark.{leaf.code}"] = draw(st.sampled_from(PEFA_MARKS))
        if bad:
            row[f"mark.{draw(st.sampled_from([x.code for x in PEFA.leaves()]))}"] = draw(st.sampled_from(TYPOS))
        # whole indicators NA/NU, one scored dimension left, all four dimensions equal
        if draw(st.booleans()):
            pi = draw(st.sampled_from(MULTI))
            for leaf in pi.children:
                row[f"mark.{leaf.code}"] = draw(st.sampled_from(["NA", "NU", "D*", "A"]))
        rows.append(row)
    return rows


@SETTINGS
@given(rows=st.integers(1, 6).flatmap(pefa_rows))
def test_pefa_columnar_equals_engine(tmp_path_factory, rows):
    d = tmp_path_factory.mktemp("pefa")
    _, fallback, _ = against_engine("pefa-2016", write_csv(d / "p.csv", rows))
    assert fallback == 0  # a row the engine scores never needs it


# -- PART --------------------------------------------------------------------------------------------


PART = Registry().pack("part")


@st.composite
def part_rows(draw, n):
    rows = []
    for k in range(n):
        row = {"project_id": f"P{k}"}
        empty = draw(st.sampled_from([None, "1", "2", "3", "4"]))  # a section answered N/A throughout
        for leaf in PART.leaves():
            scale = PART.scale(leaf.scale)
            marks = allowed_marks(scale)
            mark = draw(st.sampled_from(marks))
            if leaf.code.split(".")[0] == empty:
                mark = draw(st.sampled_from([m for m in marks if m in ("N/A", "NA")]))
            row[f"mark.{leaf.code}"] = mark
        if draw(st.integers(0, 6)) == 0:
            row[f"mark.{draw(st.sampled_from([x.code for x in PART.leaves()]))}"] = draw(st.sampled_from(TYPOS))
        rows.append(row)
    return rows


@SETTINGS
@given(rows=st.integers(1, 12).flatmap(part_rows))
def test_part_columnar_equals_engine(tmp_path_factory, rows):
    d = tmp_path_factory.mktemp("part")
    _, fallback, _ = against_engine("part", write_csv(d / "p.csv", rows))
    assert fallback == 0


@SETTINGS
@given(rows=st.lists(st.fixed_dictionaries({
    **{f"rating.{c}": st.integers(0, 100000).map(lambda x: f"{Decimal(x).scaleb(-3):f}%") | st.sampled_from(
        ["85%", "70%", "50%", "0%", "100%", "84.999%"]) for c in ("I", "II", "III", "IV")},
    "mark.measures": st.sampled_from(["Yes", "No", "Yes", "maybe"]),
    "mark.baseline": st.sampled_from(["Yes", "No", "Yes"])}), min_size=1, max_size=12))
def test_part_sections_columnar_equals_engine(tmp_path_factory, rows):
    """Published section scores on and beside the band edges (85, 70, 50 after weighting)."""
    d = tmp_path_factory.mktemp("parts")
    rows = [{"project_id": f"P{k}", **r} for k, r in enumerate(rows)]
    _, fallback, _ = against_engine("part-sections", write_csv(d / "p.csv", rows))
    assert fallback == 0


# -- weighted_mean and ordinal_counts beside sums -----------------------------------------------------


MEAN_PACK = """
schema_version = 1

[pack]
name = "means"
title = "加权平均 weighted means"
version = "1"
api = 1

[rule_set]
name = "test"
grading = "none"
total_standard = 100
total_aggregator = "{total}"

[rule_set.rounding]
score_places = 2
mode = "{mode}"
tiers = "{tiers}"

[scales.abcd]
levels = ["A", "B", "C", "D"]
non_scores = ["NA"]

[indicators.A]
name = "加权（指定权重）"
standard_score = 30
aggregator = {{ name = "weighted_mean", weights = {{ A1 = 1, A2 = 2, A3 = "0.5" }} }}

[indicators.A1]
parent = "A"
name = "三分"
standard_score = 3
value = {{ indicator = "qualitative_rating" }}
score = {{ method = "rating_times_standard" }}

[indicators.A2]
parent = "A"
name = "七分"
standard_score = 7
value = {{ indicator = "qualitative_rating" }}
score = {{ method = "rating_times_standard" }}

[indicators.A3]
parent = "A"
name = "内层"
standard_score = 11
aggregator = {{ name = "weighted_mean" }}

[indicators.A31]
parent = "A3"
name = "内层一"
standard_score = 6
value = {{ indicator = "qualitative_rating" }}
score = {{ method = "rating_times_standard" }}

[indicators.A32]
parent = "A3"
name = "内层二"
standard_score = 9
value = {{ indicator = "qualitative_rating" }}
score = {{ method = "rating_times_standard" }}

[indicators.B]
name = "求和"
standard_score = 70

[indicators.B1]
parent = "B"
name = "求和一"
standard_score = 70
value = {{ indicator = "qualitative_rating" }}
score = {{ method = "rating_times_standard" }}
"""

COUNTS_NODE = """
[indicators.C]
name = "等级计数"
aggregator = {{ name = "ordinal_counts", scale = "abcd" }}

[indicators.C1]
parent = "C"
name = "等级一"
scale = "abcd"
value = {{ indicator = "ordinal_rating" }}
score = {{ method = "ordinal_mark" }}

[indicators.C2]
parent = "C"
name = "等级二"
scale = "abcd"
value = {{ indicator = "ordinal_rating" }}
score = {{ method = "ordinal_mark" }}
"""

RATING = st.integers(0, 100000).map(lambda x: f"{Decimal(x).scaleb(-3):f}%") | st.sampled_from(
    ["100%", "0%", "33.333%", "66.667%", "50%", "12.345%"])


@SETTINGS
@given(rows=st.lists(st.fixed_dictionaries({
    **{f"rating.{c}": RATING for c in ("A1", "A2", "A31", "A32", "B1")},
    "mark.C1": st.sampled_from(["A", "B", "C", "D", "NA", "E"]), "mark.C2": st.sampled_from(["A", "D", "NA"])}),
    min_size=1, max_size=10),
       tiers=st.sampled_from(["round_then_sum", "carry_unrounded"]), mode=st.sampled_from(["half_up", "half_even",
                                                                                          "down", "up"]),
       total=st.sampled_from(["sum", "weighted_mean"]))
def test_weighted_mean_and_ordinal_counts_columnar_equal_engine(tmp_path_factory, rows, tiers, mode, total):
    d = tmp_path_factory.mktemp("means")
    text = MEAN_PACK + (COUNTS_NODE if total == "sum" else "")
    pack = d / "pack.toml"
    pack.write_text(text.format(tiers=tiers, mode=mode, total=total), encoding="utf-8")
    rows = [{"project_id": f"P{k}", **r} for k, r in enumerate(rows)]
    if total != "sum":
        rows = [{k: v for k, v in r.items() if not k.startswith("mark.")} for r in rows]
    _, fallback, _ = against_engine(str(pack), write_csv(d / "p.csv", rows))
    if tiers == "round_then_sum":
        assert fallback == 0  # every figure is rounded before it goes on: nothing for the engine


def test_weighted_mean_not_a_finite_decimal_goes_to_the_engine(tmp_path):
    """carry_unrounded: a mean of 2/3 cannot enter the total exactly in int64; that row alone falls back,
    the batch's figures still equal the engine's."""
    pack = tmp_path / "pack.toml"
    pack.write_text(MEAN_PACK.format(tiers="carry_unrounded", mode="half_up", total="sum"), encoding="utf-8")
    rows = [{"project_id": "P0", **{f"rating.{c}": "50%" for c in ("A1", "A2", "A31", "A32", "B1")}},
            {"project_id": "P1", **{f"rating.{c}": "50%" for c in ("A1", "A2", "A31", "B1")}, "rating.A32": "51%"}]
    portfolio = write_csv(tmp_path / "p.csv", rows)
    assert against_engine(str(pack), portfolio) == (2, 1, 0)
    outcome = run_batch(str(pack), str(portfolio), str(tmp_path / "r.jsonl"))
    assert outcome.columnar and outcome.engine_rows == 1


# -- bundled packs, whole batches ---------------------------------------------------------------------


def _generated(tmp: Path, pack: str, which: str, n: int = 400) -> tuple[dict, list[dict]]:
    import subprocess
    import sys

    from conftest import ROOT

    portfolio = tmp / f"{which}.parquet"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), str(n), "--pack", which,
                           "-o", str(portfolio)], capture_output=True, text=True, check=False, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    out = tmp / f"{which}.jsonl"
    proc = subprocess.run([sys.executable, "-m", "jixiao", "batch", pack, str(portfolio), "-o", str(out),
                           "--summary", str(tmp / f"{which}.json"), "--quiet"],
                          capture_output=True, text=True, check=False, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    return json.loads((tmp / f"{which}.json").read_text(encoding="utf-8")), rows


def test_pefa_and_part_packs_batch_without_the_engine(tmp_path):
    for pack, which in (("pefa-2016", "pefa"), ("part", "part"), ("part-sections", "part-sections")):
        summary, _ = _generated(tmp_path, pack, which)
        assert (summary["projects"], summary["scored"], summary["evaluated_by_engine"]) == (400, 400, 0), which
        n, fallback, refused = against_engine(pack, tmp_path / f"{which}.parquet")
        assert (n, fallback, refused) == (400, 0, 0), which
    # the marks come out as entered, D* included
    marks = {r["PI-1.1"] for r in _generated(tmp_path, "pefa-2016", "pefa", 200)[1]}
    assert {"A", "B", "C", "D", "D*", "NA", "NU"} <= marks


def test_bundled_examples_batch_without_the_engine(tmp_path):
    """The PEFA and PART example assessments as one-row portfolios (their marks as mark.CODE cells)."""
    import tomllib

    from conftest import ROOT

    for pack, example in (("pefa-2016", "pefa-2016/evaluation.toml"), ("part", "part/evaluation.toml"),
                          ("part-sections", "part/sections.toml")):
        doc = tomllib.loads((ROOT / "docs" / "examples" / example).read_text(encoding="utf-8"))
        row = {"project_id": "X1"}
        for code, r in doc["ratings"].items():
            if "mark" in r:
                row[f"mark.{code}"] = r["mark"]
            if "rating" in r:
                row[f"rating.{code}"] = r["rating"]
        portfolio = write_csv(tmp_path / f"{pack}.csv", [row, {**row, "project_id": "X2"}])
        outcome = run_batch(pack, str(portfolio), str(tmp_path / f"{pack}.jsonl"))
        assert outcome.columnar and outcome.scored == 2 and outcome.engine_rows == 0, (pack, outcome.errors)
        assert against_engine(pack, portfolio) == (2, 0, 0)


@SETTINGS
@given(cells=st.lists(st.dictionaries(st.sampled_from([x.code for x in PEFA.leaves()][:12]),
                                      st.sampled_from([*PEFA_MARKS, "", "E"]), max_size=6), min_size=1, max_size=6))
def test_pefa_template_marks_fill_the_rest(tmp_path_factory, cells):
    """The bundled example as a template: a row gives a few marks, the template's marks fill the others
    (a blank cell is refused without --fill-from-template, as for numbers)."""
    from conftest import ROOT

    d = tmp_path_factory.mktemp("pefat")
    template = str(ROOT / "docs" / "examples" / "pefa-2016" / "evaluation.toml")
    rows = [{"project_id": f"P{k}", **{f"mark.{c}": m for c, m in r.items()}} for k, r in enumerate(cells)]
    _, fallback, _ = against_engine(template, write_csv(d / "p.csv", rows))
    assert fallback == 0


# -- deadline (dates) ---------------------------------------------------------------------------------


DEADLINE_PACK = """
schema_version = 1

[pack]
name = "deadlines"
title = "时效 deadlines"
version = "1"
api = 1

[rule_set]
name = "test"
grading = "none"
total_standard = 10
total_aggregator = "sum"

[indicators.D]
name = "时效"

[indicators.D1]
parent = "D"
name = "按日扣分"
standard_score = 5
target = "2023年12月底前"
value = {{ input = "done" }}
score = {{ method = "deadline", per_day = {per_day} }}

[indicators.D2]
parent = "D"
name = "逾期得部分分"
standard_score = 5
target = "{target}"
value = {{ input = "finished" }}
score = {{ method = "deadline", partial = "{partial}" }}
"""

DATES = st.sampled_from(["2023-12-31", "2024-01-01", "2023/12/20", "2023年12月31日", "２０２４年１月３日", "2024.2.29",
                         "2023-02-29", "12月20日", "not a date", "", "2023-12-31 ", "2020-01-01"]) | st.dates().map(str)


@SETTINGS
@given(rows=st.lists(st.fixed_dictionaries({"done": DATES, "finished": DATES}), min_size=1, max_size=10),
       per_day=st.sampled_from(["0.5", "0.25", "2", "0.333"]), partial=st.sampled_from(["0", "2.5", "50%"]),
       target=st.sampled_from(["2023年6月30日前", "2024年10月中旬前", "12月底前", "2023年底前"]))
def test_deadline_columnar_equals_engine(tmp_path_factory, rows, per_day, partial, target):
    """Dates in every written form the engine reads (and some it refuses), a deadline without a year
    (batch rows have none: the engine refuses every row, so the fast path hands them all over)."""
    d = tmp_path_factory.mktemp("deadline")
    pack = d / "pack.toml"
    pack.write_text(DEADLINE_PACK.format(per_day=per_day, partial=partial, target=target), encoding="utf-8")
    rows = [{"project_id": f"P{k}", **r} for k, r in enumerate(rows)]
    _, fallback, _ = against_engine(str(pack), write_csv(d / "p.csv", rows))
    assert fallback == 0
