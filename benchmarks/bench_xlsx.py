"""Time ``jixiao batch`` on an XLSX seed portfolio against reading it with fastexcel plus the same scoring.

The same N seed-pack rows (``generate.py``'s, not timed) are written as Parquet, CSV (Arrow) and XLSX
(openpyxl write-only, numbers as number cells; kept in ``--workdir`` between runs since writing 100,000
rows takes about a minute). Then, alternating, each ``--repeat`` times (best wall time kept):

- ``jixiao batch PACK p.xlsx -o r.parquet`` — calamine + the XML scan + text columns + scoring;
- ``jixiao batch PACK p.csv -o r.parquet`` — the same rows as CSV;
- ``jixiao batch PACK p.parquet -o r.parquet`` — the same scoring with next to no reading;
- fastexcel reading the XLSX into Arrow (``read_excel(p).load_sheet(0).to_arrow()``, a fresh process).

The baseline "fastexcel + the same scoring" is the fastexcel read plus the Parquet run. The XLSX and
CSV results are checked identical to the Parquet run's. Prints Markdown.

    uv run python benchmarks/bench_xlsx.py --rows 100000 --workdir /tmp/xlsx-bench
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import seed_columns, write
from run_benchmark import PACK, compile_bytecode, machine, run

FASTEXCEL = "import sys, fastexcel; t = fastexcel.read_excel(sys.argv[1]).load_sheet(0).to_arrow(); print(t.num_rows)"


def same_results(a: Path, b: Path, skip: tuple[str, ...] = ()) -> bool:
    """Every column both results files have (but ``skip``) equal, value for value (after all timings, so
    that the tables held here do not raise a timed child's peak RSS)."""
    import pyarrow.parquet as pq

    x, y = pq.read_table(a), pq.read_table(b)
    common = [c for c in x.column_names if c in y.column_names and c not in skip]
    return len(common) >= 5 and all(x.column(c).equals(y.column(c)) for c in common)


def portfolios(n: int, work: Path) -> dict[str, Path]:
    import numpy as np

    paths = {s: work / f"seed-{n}.{s}" for s in ("parquet", "csv", "xlsx")}
    missing = [p for p in paths.values() if not p.exists()]
    if missing:
        cols = seed_columns(n, np.random.default_rng(2018))
        for p in missing:
            write(cols, p)
    return paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args(argv)
    print(compile_bytecode(), file=sys.stderr)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-xlsx-"))
    work.mkdir(parents=True, exist_ok=True)
    paths = portfolios(args.rows, work)
    jixiao = [sys.executable, "-m", "jixiao", "batch", PACK]
    cmds = {s: [*jixiao, str(p), "-o", str(work / f"r-{s}.parquet"), "--quiet"] for s, p in paths.items()}
    cmds["fastexcel"] = [sys.executable, "-c", FASTEXCEL, str(paths["xlsx"])]
    times: dict[str, list[float]] = {k: [] for k in cmds}
    rss: dict[str, int] = {k: 0 for k in cmds}
    for _ in range(args.repeat):
        for k, cmd in cmds.items():
            wall, peak, _ = run(cmd)
            times[k].append(wall)
            rss[k] = max(rss[k], peak)
    # Parquet numbers its rows 1, 2, … and CSV/XLSX by the file's line or sheet row: the XLSX results are
    # compared with the CSV run's, both with the Parquet run's on every other column.
    same = {"xlsx": same_results(work / "r-xlsx.parquet", work / "r-csv.parquet"),
            "csv": same_results(work / "r-csv.parquet", work / "r-parquet.parquet", skip=("row",))}
    best = {k: min(v) for k, v in times.items()}
    base = best["fastexcel"] + best["parquet"]
    print(f"### XLSX portfolio, seed pack, {args.rows:,} rows (best of {args.repeat})\n")
    print("\n".join(machine()) + "\n")
    print("| run | wall s | peak RSS MiB | results identical |")
    print("|---|---|---|---|")
    labels = {"xlsx": "jixiao batch, XLSX", "csv": "jixiao batch, the same rows as CSV",
              "parquet": "jixiao batch, the same rows as Parquet (scoring)",
              "fastexcel": "fastexcel read of the XLSX into Arrow (own process)"}
    for k, label in labels.items():
        ok = {"xlsx": "to the CSV run's", "csv": "to the Parquet run's (but `row`)"}.get(k, "")
        if k in same:
            ok = ("yes, " if same[k] else "NO, ") + ok
        print(f"| {label} | {best[k]:.2f} | {rss[k]} | {ok} |")
    print(f"| baseline: fastexcel read + the same scoring | {base:.2f} | | |")
    print(f"\nXLSX / baseline: {best['xlsx'] / base:.2f}×; XLSX / CSV: {best['xlsx'] / best['csv']:.2f}×")
    if not all(same.values()):
        print("results differ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
