"""Hand-written vectorised baseline: the national self-evaluation example's arithmetic coded directly in
numpy int64 fixed point.

The leaves, targets and points of ``docs/examples/national-education-2023/evaluation.toml`` are written
into this script (as a finance bureau's own script would): 预算执行率 = 全年执行数 ÷ 全年预算数 rounded
half-up to 4 places (0 ÷ 0 met) × 10, capped; the unit's quantitative indicators proportional and
capped (actual ÷ target × points, target ÷ actual for the ≤ cost target), rates rounded to 4 places
first; C21 rating × 20 (three bands); D11 satisfaction rate proportional to 90%; scores rounded
half-up to 2 places, summed, national grades, competition ranks. Same Parquet in and out as
``jixiao batch`` — but nothing general: no pack, no template, no fallback, no error reporting.

    uv run python benchmarks/baseline_national.py national.parquet -o baseline.parquet
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pyarrow.parquet as pq
from baseline_common import half_up, ints, rate4, write_results

ORDER = ["A", "B11", "B12", "B21", "B31", "B41", "C21", "C41", "D11"]
COUNTS = {"B11": (20, 1200), "B12": (10, 35)}  # code: (points, ≥ target)
RATES = {"B21": (10, 9800), "B31": (5, 10000), "C41": (10, 9000)}  # code: (points, ≥ target × 10^4)
COST = ("B41", 5, 1250)  # ≤ target (元)
SATISFIED = ("满意", "基本满意")








def higher(v: np.ndarray, target: int, points: int) -> np.ndarray:
    """Proportional, higher is better, ×100: points when v ≥ target, else v ÷ target × points (0 for v ≤ 0)."""
    part = half_up(np.maximum(v, 0) * points * 100, target)
    return np.where(v >= target, points * 100, part)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("portfolio")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args(argv)
    t = pq.read_table(args.portfolio)
    n = t.num_rows
    s: dict[str, np.ndarray] = {}
    s["A"] = half_up(np.minimum(rate4(ints(t, "全年执行数", 2), ints(t, "全年预算数", 2)), 10_000) * 10, 100)
    for code, (points, target) in COUNTS.items():
        s[code] = higher(ints(t, f"{code}.actual", 2), target * 100, points)
    for code, (points, target) in RATES.items():
        s[code] = higher(half_up(ints(t, f"{code}.actual", 6), 100), target, points)
    code, points, target = COST
    cost = ints(t, f"{code}.actual", 2)
    over = cost > target * 100
    s[code] = np.where(over, half_up(np.full(n, target * 100 * points * 100), np.where(over, cost, 1)), points * 100)
    s["C21"] = half_up(half_up(ints(t, "rating.C21", 6), 100) * 20, 100)
    yes = sum(ints(t, f"satisfaction_survey.answers.{a}", 0) for a in SATISFIED)
    s["D11"] = higher(rate4(yes, ints(t, "satisfaction_survey.responses", 0)), 9000, 10)
    total = sum(s[c] for c in ORDER)
    grade = np.select([total >= 9000, total >= 8000, total >= 6000], ["优", "良", "中"], "差")
    write_results(args.output, t.column("project_id").combine_chunks(), total, grade, s, ORDER)
    return 0


if __name__ == "__main__":
    sys.exit(main())
