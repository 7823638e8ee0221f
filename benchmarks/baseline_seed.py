"""Hand-written vectorised baseline: the seed pack's arithmetic coded directly in numpy int64 fixed point.

Same input (the generator's Parquet), same arithmetic (rates rounded half-up to 4 places, scores to 2,
sums of rounded leaves, Shanghai 2014 grades, competition ranks) and same output (Parquet with
decimal128 scores) as ``jixiao batch`` — but nothing general: no pack, no plugins, no fallback, no
error reporting. It is the yardstick ``run_benchmark.py`` compares against.

    uv run python benchmarks/baseline_seed.py portfolio.parquet -o baseline.parquet
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pyarrow.parquet as pq
from baseline_common import half_up, ints, rate4, write_results

RATINGS = {"A11": 2, "A12": 2, "A13": 2, "A211": 1, "A212": 1, "A22": 2, "B21": 2, "B22": 4, "B23": 2, "B31": 5,
           "B32": 5, "C24": 5}
RATED_DEDUCTION = {"C112": 2, "C113": 2, "C114": 5, "C13": 4}
ORDER = ["A11", "A12", "A13", "A211", "A212", "A22", "B11", "B21", "B22", "B23", "B31", "B32", "C111", "C112",
         "C113", "C114", "C121", "C122", "C123", "C13", "C21", "C22", "C23", "C24", "C25"]








def deduct(v4: np.ndarray, std: int, k_pct: int, bench4: int = 10_000) -> np.ndarray:
    """std − max(0, bench − v) × 100 × std × k, clamped at 0, rounded to 2 places (×100)."""
    gap = np.maximum(bench4 - v4, 0)
    raw4 = std * 10_000 - gap * std * k_pct  # ×10^4
    return half_up(np.maximum(raw4, 0), 100)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("portfolio")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args(argv)
    t = pq.read_table(args.portfolio)
    s: dict[str, np.ndarray] = {}
    for code, std in RATINGS.items():
        v4 = half_up(ints(t, f"rating.{code}", 6), 100)
        s[code] = half_up(v4 * std, 100)
    for code, std in RATED_DEDUCTION.items():
        s[code] = deduct(half_up(ints(t, f"rating.{code}", 6), 100), std, 2)
    budget = sum(ints(t, f"budget[{k}].budget", 2) for k in range(1, 7))
    actual = sum(ints(t, f"budget[{k}].actual", 2) for k in range(1, 7))
    s["B11"] = deduct(rate4(actual, budget), 5, 3)
    s["C111"] = deduct(rate4(ints(t, "spot_check_done", 0), ints(t, "spot_check_planned", 0)), 10, 3)
    s["C121"] = deduct(rate4(ints(t, "nonconforming_handled", 0), ints(t, "nonconforming_found", 0)), 5, 3)
    rec = sum(ints(t, f"complaints[{k}].received", 0) for k in (1, 2))
    hnd = sum(ints(t, f"complaints[{k}].handled", 0) for k in (1, 2))
    s["C122"] = deduct(rate4(hnd, rec), 5, 3)
    s["C123"] = deduct(rate4(ints(t, "major_cases_closed", 0), ints(t, "major_cases_total", 0)), 3, 3)
    s["C21"] = deduct(rate4(ints(t, "losses_recovered", 2), ints(t, "losses_claimed", 2)), 8, 3, 9_000)
    s["C22"] = np.where(ints(t, "major_disputes", 0) == 0, 500, 0)
    aw = [ints(t, f"awareness_survey.answers.{a}", 0) for a in ("是，经常关注", "不经常，偶尔关注")]
    s["C23"] = deduct(rate4(aw[0] + aw[1], ints(t, "awareness_survey.responses", 0)), 5, 3, 9_000)
    sa = [ints(t, f"satisfaction_survey.answers.{a}", 0) for a in ("很满意", "基本满意")]
    s["C25"] = deduct(rate4(sa[0] + sa[1], ints(t, "satisfaction_survey.responses", 0)), 8, 3, 8_500)
    total = sum(s[c] for c in ORDER)
    grade = np.select([total >= 9000, total >= 7500, total >= 6000], ["优", "良", "合格"], "不合格")
    write_results(args.output, t.column("project_id").combine_chunks(), total, grade, s, ORDER)
    return 0


if __name__ == "__main__":
    sys.exit(main())
