"""Hand-written polars baseline: the seed pack's or the national example's arithmetic as polars expressions,
with polars' own readers and writers (CSV or Parquet in, CSV or Parquet out, by suffix).

The same arithmetic as ``baseline_seed.py`` / ``baseline_national.py`` (int64 fixed point: rates rounded
half-up to 4 places, scores to 2, sums of rounded leaves, grades, competition ranks), the same output
columns as ``jixiao batch`` (``project_id, row, total, grade, rank`` and the leaves; decimal(18, 2) in
Parquet, ``12.34`` text in CSV) — the yardstick of the issue's "within 1.3× of polars" goal.

    uv run python benchmarks/baseline_polars.py seed portfolio.csv -o out.csv
    uv run python benchmarks/baseline_polars.py national portfolio.parquet -o out.parquet
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import polars as pl

SEED_RATINGS = {"A11": 2, "A12": 2, "A13": 2, "A211": 1, "A212": 1, "A22": 2, "B21": 2, "B22": 4, "B23": 2,
                "B31": 5, "B32": 5, "C24": 5}
SEED_RATED_DEDUCTION = {"C112": 2, "C113": 2, "C114": 5, "C13": 4}
SEED_ORDER = ["A11", "A12", "A13", "A211", "A212", "A22", "B11", "B21", "B22", "B23", "B31", "B32", "C111", "C112",
              "C113", "C114", "C121", "C122", "C123", "C13", "C21", "C22", "C23", "C24", "C25"]
NAT_ORDER = ["A", "B11", "B12", "B21", "B31", "B41", "C21", "C41", "D11"]


def half_up(n: pl.Expr, d: pl.Expr | int) -> pl.Expr:
    """round(n ÷ d) half-up for n ≥ 0, d > 0, in integers."""
    return (2 * n + d) // (2 * d)


def rate4(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    return pl.when(den == 0).then(10_000).otherwise(half_up(num * 10_000, pl.when(den == 0).then(1).otherwise(den)))


def fixed(schema: pl.Schema, name: str, scale: int) -> pl.Expr:
    """A column as int64 × 10^scale, exactly (integers scaled; decimals through their integer representation)."""
    dtype = schema[name]
    if dtype.is_integer() or (dtype == pl.String and scale == 0):
        return pl.col(name).cast(pl.Int64) * 10**scale
    return pl.col(name).cast(pl.Decimal(18, scale)).to_physical().cast(pl.Int64)


def seed(schema: pl.Schema) -> tuple[dict[str, pl.Expr], list[str], pl.Expr]:
    def f(name: str, scale: int) -> pl.Expr:
        return fixed(schema, name, scale)

    def deduct(v4: pl.Expr, std: int, k_pct: int, bench4: int = 10_000) -> pl.Expr:
        gap = pl.max_horizontal(bench4 - v4, pl.lit(0))
        return half_up(pl.max_horizontal(std * 10_000 - gap * std * k_pct, pl.lit(0)), 100)

    s: dict[str, pl.Expr] = {}
    for code, std in SEED_RATINGS.items():
        s[code] = half_up(half_up(f(f"rating.{code}", 6), 100) * std, 100)
    for code, std in SEED_RATED_DEDUCTION.items():
        s[code] = deduct(half_up(f(f"rating.{code}", 6), 100), std, 2)
    budget = pl.sum_horizontal([f(f"budget[{k}].budget", 2) for k in range(1, 7)])
    actual = pl.sum_horizontal([f(f"budget[{k}].actual", 2) for k in range(1, 7)])
    s["B11"] = deduct(rate4(actual, budget), 5, 3)
    s["C111"] = deduct(rate4(f("spot_check_done", 0), f("spot_check_planned", 0)), 10, 3)
    s["C121"] = deduct(rate4(f("nonconforming_handled", 0), f("nonconforming_found", 0)), 5, 3)
    rec = f("complaints[1].received", 0) + f("complaints[2].received", 0)
    hnd = f("complaints[1].handled", 0) + f("complaints[2].handled", 0)
    s["C122"] = deduct(rate4(hnd, rec), 5, 3)
    s["C123"] = deduct(rate4(f("major_cases_closed", 0), f("major_cases_total", 0)), 3, 3)
    s["C21"] = deduct(rate4(f("losses_recovered", 2), f("losses_claimed", 2)), 8, 3, 9_000)
    s["C22"] = pl.when(f("major_disputes", 0) == 0).then(500).otherwise(0)
    aw = f("awareness_survey.answers.是，经常关注", 0) + f("awareness_survey.answers.不经常，偶尔关注", 0)
    s["C23"] = deduct(rate4(aw, f("awareness_survey.responses", 0)), 5, 3, 9_000)
    sa = f("satisfaction_survey.answers.很满意", 0) + f("satisfaction_survey.answers.基本满意", 0)
    s["C25"] = deduct(rate4(sa, f("satisfaction_survey.responses", 0)), 8, 3, 8_500)
    total = pl.sum_horizontal([pl.col(c) for c in SEED_ORDER])
    grade = (pl.when(total >= 9000).then(pl.lit("优")).when(total >= 7500).then(pl.lit("良"))
             .when(total >= 6000).then(pl.lit("合格")).otherwise(pl.lit("不合格")))
    return s, SEED_ORDER, grade


def national(schema: pl.Schema) -> tuple[dict[str, pl.Expr], list[str], pl.Expr]:
    def f(name: str, scale: int) -> pl.Expr:
        return fixed(schema, name, scale)

    def higher(v: pl.Expr, target: int, points: int) -> pl.Expr:
        part = half_up(pl.max_horizontal(v, pl.lit(0)) * points * 100, target)
        return pl.when(v >= target).then(points * 100).otherwise(part)

    s: dict[str, pl.Expr] = {}
    s["A"] = half_up(pl.min_horizontal(rate4(f("全年执行数", 2), f("全年预算数", 2)), pl.lit(10_000)) * 10, 100)
    for code, (points, target) in {"B11": (20, 1200), "B12": (10, 35)}.items():
        s[code] = higher(f(f"{code}.actual", 2), target * 100, points)
    for code, (points, target) in {"B21": (10, 9800), "B31": (5, 10000), "C41": (10, 9000)}.items():
        s[code] = higher(half_up(f(f"{code}.actual", 6), 100), target, points)
    cost = f("B41.actual", 2)
    over = cost > 1250 * 100
    s["B41"] = pl.when(over).then(half_up(pl.lit(1250 * 100 * 5 * 100), pl.when(over).then(cost).otherwise(1))) \
        .otherwise(5 * 100)
    s["C21"] = half_up(half_up(f("rating.C21", 6), 100) * 20, 100)
    yes = f("satisfaction_survey.answers.满意", 0) + f("satisfaction_survey.answers.基本满意", 0)
    s["D11"] = higher(rate4(yes, f("satisfaction_survey.responses", 0)), 9000, 10)
    total = pl.sum_horizontal([pl.col(c) for c in NAT_ORDER])
    grade = (pl.when(total >= 9000).then(pl.lit("优")).when(total >= 8000).then(pl.lit("良"))
             .when(total >= 6000).then(pl.lit("中")).otherwise(pl.lit("差")))
    return s, NAT_ORDER, grade


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pack", choices=["seed", "national"])
    ap.add_argument("portfolio", type=Path)
    ap.add_argument("-o", "--output", type=Path, required=True)
    args = ap.parse_args(argv)
    if args.portfolio.suffix == ".csv":
        # Every column read as text, then typed exactly by its use (decimals never through a float).
        lf = pl.scan_csv(args.portfolio, infer_schema=False)
    else:
        lf = pl.scan_parquet(args.portfolio)
    schema = lf.collect_schema()
    s, order, grade = (seed if args.pack == "seed" else national)(schema)
    first_row = 2 if args.portfolio.suffix == ".csv" else 1  # the file line, as jixiao numbers CSV rows
    lf = lf.with_row_index("row", offset=first_row).with_columns(**s).with_columns(
        total=pl.sum_horizontal([pl.col(c) for c in order]))
    lf = lf.with_columns(grade=grade, rank=pl.col("total").rank(method="min", descending=True).cast(pl.Int64))
    out_cols = ["project_id", "row", "total", "grade", "rank", *order]
    lf = lf.select([pl.col("project_id"), pl.col("row").cast(pl.Int64), pl.col("total"), pl.col("grade"),
                    pl.col("rank"), *[pl.col(c) for c in order]])
    if args.output.suffix == ".csv":
        def text(c: str) -> pl.Expr:
            v = pl.col(c)
            return (pl.when(v < 0).then(pl.lit("-")).otherwise(pl.lit("")) + (v.abs() // 100).cast(pl.String)
                    + "." + (v.abs() % 100).cast(pl.String).str.zfill(2)).alias(c)

        lf.select([pl.col("project_id"), pl.col("row"), text("total"), pl.col("grade"), pl.col("rank"),
                   *[text(c) for c in order]]).sink_csv(args.output)
    else:
        lf.with_columns([(pl.col(c).cast(pl.Decimal(38, 2)) / 100).cast(pl.Decimal(18, 2)) for c in
                         ["total", *order]]).sink_parquet(args.output, compression="zstd")
    print(f"wrote {args.output}: {out_cols}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
