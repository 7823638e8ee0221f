"""Generate N synthetic projects for a pack as a portfolio file (Parquet, CSV or XLSX) for ``jixiao batch``.

Per project (seed pack): the six budget categories' budget and actual, the counts, the survey tallies
and the qualitative ratings; no free text. Values are drawn so that a share of rows sits exactly on
a benchmark (100%, 90%, 85%), has 0 ÷ 0 (no major cases) or a rate ending in …5 at the fifth
decimal (half-up rounding cases). Deterministic for a given --seed.

National self-evaluation pack (``--pack national``): rows for a template evaluation file (default the
bundled example ``docs/examples/national-education-2023/evaluation.toml``), whose unit-defined leaves
fix the columns — ``年初预算数``, ``全年预算数``, ``全年执行数``; ``CODE.actual`` for each leaf that
takes its actual value (counts, amounts and rates drawn around the leaf's target: on it, 0, above and
below, lower-is-better targets overrun); ``rating.CODE`` with ``band.CODE`` inside it for three-band
leaves; the questionnaire's tallies for survey leaves. Every row is valid.

    uv run python benchmarks/generate.py 100000 --pack seed -o portfolio.parquet
    uv run python benchmarks/generate.py 100000 --pack national -o national.parquet

Every-rule pack (``--pack rules``, the pack file ``benchmarks/packs/rules.toml``: banded,
qualitative_levels and three_band leaves only): per project eight count pairs ``done_K``/``planned_K``
(15% exactly on a band edge — 95%, 90%, 85%, 80%, 70%, 60% — 5% with 0 ÷ 0, the rest 40–110%), nine
five-level ratings ``rating.BK`` and eight three-band ratings ``rating.CK`` with their ``band.CK``
(boundaries 80% and 60% in both bands). Every row is valid.

    uv run python benchmarks/generate.py 100000 --pack rules -o rules.parquet
    uv run jixiao batch benchmarks/packs/rules.toml rules.parquet -o out.parquet

PEFA 2016 (``--pack pefa``): a ``mark.PI-n.m`` column for each of the 94 dimensions — A, B, C, D (D* for
5% of the D's), NA 5%, NU 2%. PART (``--pack part``): the 25 questions' ``mark.n.m`` (sections I–III
Yes/No, IV Yes/Large Extent/Small Extent/No; 10% N/A except each section's first question, so every
section has an answer) and the evidence marks ``mark.measures``/``mark.baseline`` (10% No: Results Not
Demonstrated). ``--pack part-sections``: the four published section scores ``rating.I`` … (whole and
half percents) and the evidence marks. Every row is valid.

    uv run python benchmarks/generate.py 100000 --pack pefa -o pefa.parquet
    uv run jixiao batch pefa-2016 pefa.parquet -o out.parquet
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa

PACKS = {"seed": "shanghai-consumer-protection-2018", "national": "national-2020-self-evaluation",
         "rules": "benchmarks/packs/rules.toml", "pefa": "pefa-2016", "part": "part",
         "part-sections": "part-sections"}
RULES_PACK = Path(__file__).resolve().parent / "packs" / "rules.toml"
NATIONAL_TEMPLATE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "national-education-2023" / \
    "evaluation.toml"
BUDGET_ROWS = 6
CHANNELS = 2
RATING_STEPS = np.array([1000000, 800000, 600000, 400000, 200000, 850000, 950000, 700000])  # ×10^-6


def decimal_array(v: np.ndarray, scale: int, precision: int = 18) -> pa.Array:
    """int64 × 10^-scale as Arrow decimal128 (exact, from the 128-bit buffer)."""
    v = np.ascontiguousarray(v, dtype=np.int64)
    buf = np.empty(2 * len(v), dtype=np.int64)
    buf[0::2] = v
    buf[1::2] = np.where(v < 0, -1, 0)
    return pa.Array.from_buffers(pa.decimal128(precision, scale), len(v), [None, pa.py_buffer(buf.tobytes())])


def _leaves(pack_name: str):
    from jixiao.plugins import Registry

    reg = Registry()
    pack = reg.pack(pack_name)
    return pack, reg


def seed_columns(n: int, rng: np.random.Generator) -> dict[str, pa.Array]:
    """The seed pack's inputs; amounts in 万元 with two decimals, counts as integers."""
    pack, _ = _leaves(PACKS["seed"])
    cols: dict[str, pa.Array] = {"project_id": pa.array([f"P{i:07d}" for i in range(1, n + 1)], pa.string())}
    # Budget: six categories; actual mostly 70–110% of budget, a share exactly on budget.
    total_b = np.zeros(n, dtype=np.int64)
    total_a = np.zeros(n, dtype=np.int64)
    on_budget = rng.random(n) < 0.1
    for k in range(1, BUDGET_ROWS + 1):
        b = rng.integers(1_00, 2_000_00, n)  # 0.01 万元
        a = np.where(on_budget, b, (b * rng.integers(70, 111, n)) // 100)
        cols[f"budget[{k}].budget"] = decimal_array(b, 2)
        cols[f"budget[{k}].actual"] = decimal_array(a, 2)
        total_b += b
        total_a += a
    # Completion: done/planned, including exactly 100% and above.
    planned = rng.integers(1, 5000, n)
    done = np.where(rng.random(n) < 0.15, planned, (planned * rng.integers(80, 121, n)) // 100)
    cols["spot_check_planned"] = pa.array(planned, pa.int64())
    cols["spot_check_done"] = pa.array(done, pa.int64())
    # Handling: handled ≤ found; half-up cases: 1/8 = 0.125 style rates appear with found = 8·m.
    found = rng.integers(0, 800, n)
    handled = np.where(rng.random(n) < 0.3, found, (found * rng.integers(85, 101, n)) // 100)
    cols["nonconforming_found"] = pa.array(found, pa.int64())
    cols["nonconforming_handled"] = pa.array(handled, pa.int64())
    # Major cases: often none at all (0 ÷ 0 counts as met under the rule set).
    total_cases = np.where(rng.random(n) < 0.4, 0, rng.integers(1, 50, n))
    closed = (total_cases * rng.integers(70, 101, n)) // 100
    cols["major_cases_total"] = pa.array(total_cases, pa.int64())
    cols["major_cases_closed"] = pa.array(closed, pa.int64())
    # Complaints by channel: handled ≤ received.
    for k in range(1, CHANNELS + 1):
        rec = rng.integers(0, 400_000, n)
        hnd = np.where(rng.random(n) < 0.3, rec, (rec * rng.integers(90, 101, n)) // 100)
        cols[f"complaints[{k}].received"] = pa.array(rec, pa.int64())
        cols[f"complaints[{k}].handled"] = pa.array(hnd, pa.int64())
    # Losses (万元, two decimals): recovered ≤ claimed.
    claimed = rng.integers(1_00, 10_000_00, n)
    recovered = np.where(rng.random(n) < 0.3, claimed, (claimed * rng.integers(80, 101, n)) // 100)
    cols["losses_claimed"] = decimal_array(claimed, 2)
    cols["losses_recovered"] = decimal_array(recovered, 2)
    cols["major_disputes"] = pa.array(np.where(rng.random(n) < 0.9, 0, rng.integers(1, 3, n)), pa.int64())
    # Surveys: three answers each; responses = the sum (single choice). 200 respondents give
    # rates on exact half-percent steps, 90% and 85% benchmarks hit exactly.
    for survey, answers in (("awareness_survey", ("是，经常关注", "不经常，偶尔关注", "不关注")),
                            ("satisfaction_survey", ("很满意", "基本满意", "不满意"))):
        responses = np.where(rng.random(n) < 0.5, 200, rng.integers(20, 400, n))
        first = (responses * rng.integers(20, 60, n)) // 100
        second = ((responses - first) * rng.integers(50, 101, n)) // 100
        third = responses - first - second
        for name, v in zip(answers, (first, second, third), strict=True):
            cols[f"{survey}.answers.{name}"] = pa.array(v, pa.int64())
        cols[f"{survey}.responses"] = pa.array(responses, pa.int64())
    # Qualitative ratings as fractions (0.8 = 80%); no reasons (no free text).
    for leaf in pack.leaves():
        if leaf.source.name == "qualitative_rating":
            cols[f"rating.{leaf.code}"] = decimal_array(RATING_STEPS[rng.integers(0, len(RATING_STEPS), n)], 6, 9)
    return cols


def national_columns(n: int, rng: np.random.Generator, template: Path = NATIONAL_TEMPLATE) -> dict[str, pa.Array]:
    """Rows for a national self-evaluation template: the columns its leaves read, values around their targets."""
    from jixiao.config import load_config
    from jixiao.plugins import Registry
    from jixiao.session import resolve_pack

    cfg = load_config(template)
    pack, _ = resolve_pack(cfg, Registry())
    cols: dict[str, pa.Array] = {"project_id": pa.array([f"N{i:07d}" for i in range(1, n + 1)], pa.string())}
    # Budget (万元, two decimals): 10% on budget, 3% with neither budget nor spending (0 ÷ 0 counts as
    # met), the rest spending 60–110% of the (adjusted) budget.
    initial = rng.integers(1_00, 5_000_00, n)
    budget = (initial * rng.integers(80, 121, n)) // 100
    spent = np.where(rng.random(n) < 0.1, budget, (budget * rng.integers(60, 111, n)) // 100)
    none = rng.random(n) < 0.03
    budget, spent = np.where(none, 0, budget), np.where(none, 0, spent)
    cols["年初预算数"] = decimal_array(initial, 2)
    cols["全年预算数"] = decimal_array(budget, 2)
    cols["全年执行数"] = decimal_array(spent, 2)
    for leaf in pack.leaves():
        src, t = leaf.source, leaf.target
        if src.name == "input_value" and t is not None and t.value is not None:
            lower = t.comparator in ("<=", "<")
            pick = rng.random(n)
            if src.params.get("kind") == "rate":
                # Rates to 1/1000 of a percent (0.97125 → 0.9713 half-up): on target, 100%, 0, else
                # from 20 points below the target up to 100%.
                tgt = int(t.value.scaleb(5))
                lo = max(tgt - 20_000, 0)
                v = rng.integers(lo, 100_001, n)
                v = np.select([pick < 0.15, pick < 0.25, pick < 0.27], [tgt, 100_000, 0], v)
                cols[f"{leaf.code}.actual"] = decimal_array(v, 5, 9)
            else:
                # Counts and amounts (two decimals): on target, 0, else 60–120% of it (80–160% when
                # lower is better: costs overrun).
                tgt = int(t.value.scaleb(2))
                span = (80, 161) if lower else (60, 121)
                v = (tgt * rng.integers(span[0], span[1], n)) // 100
                whole = rng.random(n) < 0.7  # most forms give whole numbers
                v = np.where(whole, (v // 100) * 100, v)
                v = np.select([pick < 0.15, pick < 0.18], [tgt, 0], v)
                cols[f"{leaf.code}.actual"] = decimal_array(v, 2)
        elif leaf.method.name == "three_band":
            # 60% 达成 (80–100%), 30% 部分达成 (60–80%), 10% 未达成 (0–60%), ratings in whole percent with
            # the band boundaries (80%, 60%) hit in both bands.
            pick = rng.random(n)
            band = np.select([pick < 0.6, pick < 0.9], [0, 1], 2)
            lo = np.array([80, 60, 0])[band]
            hi = np.array([100, 80, 60])[band]
            pct = lo + (rng.random(n) * (hi - lo + 1)).astype(np.int64)
            cols[f"rating.{leaf.code}"] = decimal_array(np.minimum(pct, hi) * 10_000, 6, 9)
            cols[f"band.{leaf.code}"] = pa.DictionaryArray.from_arrays(
                pa.array(band.astype(np.int32)), pa.array(["达成", "部分达成", "未达成"])).cast(pa.string())
        elif src.name == "survey_rate":
            survey = src.params["survey"]
            answers = list(cfg.inputs[survey]["answers"])
            responses = np.where(rng.random(n) < 0.5, 200, rng.integers(20, 400, n))
            first = (responses * rng.integers(40, 90, n)) // 100
            second = ((responses - first) * rng.integers(30, 101, n)) // 100
            third = responses - first - second
            for name, v in zip(answers, (first, second, third), strict=True):
                cols[f"{survey}.answers.{name}"] = pa.array(v, pa.int64())
            cols[f"{survey}.responses"] = pa.array(responses, pa.int64())
    return cols


def rules_columns(n: int, rng: np.random.Generator) -> dict[str, pa.Array]:
    """Rows for benchmarks/packs/rules.toml: count pairs for the banded leaves, five-level ratings,
    three-band ratings with their band."""
    cols: dict[str, pa.Array] = {"project_id": pa.array([f"R{i:07d}" for i in range(1, n + 1)], pa.string())}
    edges = np.array([95, 90, 85, 80, 70, 60])
    for k in range(1, 9):
        planned = rng.integers(1, 2000, n) * 20  # multiples of 20: every edge percentage is reachable exactly
        pick = rng.random(n)
        edge = edges[rng.integers(0, len(edges), n)]
        done = np.where(pick < 0.15, planned * edge // 100, planned * rng.integers(40, 111, n) // 100)
        zero = pick > 0.95
        cols[f"done_{k}"] = pa.array(np.where(zero, 0, done), pa.int64())
        cols[f"planned_{k}"] = pa.array(np.where(zero, 0, planned), pa.int64())
    levels = np.array([1_000_000, 800_000, 600_000, 400_000, 200_000])
    for k in range(1, 10):
        cols[f"rating.B{k}"] = decimal_array(levels[rng.integers(0, 5, n)], 6, 9)
    for k in range(1, 9):
        pick = rng.random(n)
        band = np.select([pick < 0.6, pick < 0.9], [0, 1], 2)
        lo = np.array([80, 60, 0])[band]
        hi = np.array([100, 80, 60])[band]
        pct = lo + (rng.random(n) * (hi - lo + 1)).astype(np.int64)
        cols[f"rating.C{k}"] = decimal_array(np.minimum(pct, hi) * 10_000, 6, 9)
        cols[f"band.C{k}"] = pa.DictionaryArray.from_arrays(
            pa.array(band.astype(np.int32)), pa.array(["达成", "部分达成", "未达成"])).cast(pa.string())
    return cols


def _marks(labels: list[str], codes: np.ndarray) -> pa.Array:
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), pa.array(labels)).cast(pa.string())


def pefa_columns(n: int, rng: np.random.Generator) -> dict[str, pa.Array]:
    """Rows for the PEFA 2016 pack: one mark per dimension."""
    pack, _ = _leaves(PACKS["pefa"])
    cols: dict[str, pa.Array] = {"project_id": pa.array([f"F{i:07d}" for i in range(1, n + 1)], pa.string())}
    labels = ["A", "B", "C", "D", "D*", "NA", "NU"]
    p = np.array([0.2, 0.3, 0.25, 0.14, 0.04, 0.05, 0.02])
    for leaf in pack.leaves():
        cols[f"mark.{leaf.code}"] = _marks(labels, rng.choice(len(labels), n, p=p / p.sum()))
    return cols


def _evidence(n: int, rng: np.random.Generator, cols: dict[str, pa.Array]) -> None:
    for code in ("measures", "baseline"):
        cols[f"mark.{code}"] = _marks(["Yes", "No"], (rng.random(n) < 0.1).astype(np.int64))


def part_columns(n: int, rng: np.random.Generator) -> dict[str, pa.Array]:
    """Rows for the PART question pack: every question's answer and the two evidence facts."""
    pack, _ = _leaves(PACKS["part"])
    cols: dict[str, pa.Array] = {"project_id": pa.array([f"T{i:07d}" for i in range(1, n + 1)], pa.string())}
    for leaf in pack.leaves():
        if leaf.code in ("measures", "baseline"):
            continue
        section, q = leaf.code.split(".")
        labels = ["Yes", "Large Extent", "Small Extent", "No", "N/A"] if section == "4" else ["Yes", "No", "N/A"]
        k = len(labels) - 1
        codes = rng.integers(0, k, n)
        if q != "1":
            codes = np.where(rng.random(n) < 0.1, k, codes)
        cols[f"mark.{leaf.code}"] = _marks(labels, codes)
    _evidence(n, rng, cols)
    return cols


def part_sections_columns(n: int, rng: np.random.Generator) -> dict[str, pa.Array]:
    """Rows for the part-sections pack: the published section percentages and the evidence facts."""
    cols: dict[str, pa.Array] = {"project_id": pa.array([f"S{i:07d}" for i in range(1, n + 1)], pa.string())}
    for code in ("I", "II", "III", "IV"):
        cols[f"rating.{code}"] = decimal_array(rng.integers(0, 201, n) * 5_000, 6, 9)  # 0%, 0.5%, … 100%
    _evidence(n, rng, cols)
    return cols


def write(cols: dict[str, pa.Array], out: Path) -> None:
    table = pa.table(cols)
    suffix = out.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, out, compression="zstd")
    elif suffix == ".csv":
        import pyarrow.csv as pcsv

        pcsv.write_csv(table, out, write_options=pcsv.WriteOptions(quoting_style="needed"))
    elif suffix == ".xlsx":
        import openpyxl

        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet("portfolio")
        ws.append(table.column_names)
        data = [c.to_pylist() for c in table.columns]
        for row in zip(*data, strict=True):
            ws.append(list(row))
        wb.save(out)
    else:
        raise SystemExit(f"unknown suffix {suffix}; use .parquet, .csv or .xlsx")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, help="number of projects")
    ap.add_argument("--pack", choices=sorted(PACKS), default="seed")
    ap.add_argument("-o", "--output", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=2018)
    ap.add_argument("--template", type=Path, default=NATIONAL_TEMPLATE,
                    help="national: the evaluation file whose leaves the rows fill (default: the bundled example)")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    if args.pack == "national":
        cols = national_columns(args.n, rng, args.template)
    elif args.pack == "rules":
        cols = rules_columns(args.n, rng)
    elif args.pack == "pefa":
        cols = pefa_columns(args.n, rng)
    elif args.pack == "part":
        cols = part_columns(args.n, rng)
    elif args.pack == "part-sections":
        cols = part_sections_columns(args.n, rng)
    else:
        cols = seed_columns(args.n, rng)
    write(cols, args.output)
    print(f"wrote {args.output}: {args.n} projects, {len(cols)} columns", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
