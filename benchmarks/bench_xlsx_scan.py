"""Time the XLSX reader's byte pass over the first sheet's XML (``jixiao.batch.xlsx.scan_sheet``, what
:func:`~jixiao.batch.xlsx.read_xlsx` does before fastexcel reads the workbook) and, for scale, the
inflating of the sheet's XML alone and the whole ``read_xlsx``; each in a fresh process, ``--repeat``
times alternately with ``--before CORE_DIR`` (another source tree, e.g. the core/ of
``git archive <commit> core``), best time kept. The workbook is bench_xlsx.py's (``--workdir``).

    uv run python benchmarks/bench_xlsx_scan.py --workdir /tmp/xlsx-bench --before /tmp/before/core
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

CHILD = """
import sys, time, zipfile
from pathlib import Path
from jixiao.batch import xlsx
p, what = Path(sys.argv[1]), sys.argv[2]
t = time.perf_counter()
if what == "inflate":
    with zipfile.ZipFile(p) as zf, zf.open(xlsx.first_sheet(zf)[1]) as fh:
        while fh.read(1 << 22):
            pass
elif what == "scan":
    with zipfile.ZipFile(p) as zf:
        xlsx.scan_sheet(zf, xlsx.first_sheet(zf)[1])
else:
    xlsx.read_xlsx(p)
print(time.perf_counter() - t)
"""


def main(argv: list[str] | None = None) -> int:
    from bench_xlsx import portfolios

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--workdir", type=Path, required=True)
    ap.add_argument("--before", type=Path, default=None, metavar="CORE_DIR")
    args = ap.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    p = portfolios(args.rows, args.workdir)["xlsx"]
    trees = {"after": dict(os.environ)}
    if args.before:
        trees["before"] = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [str(args.before.resolve()), *filter(None, [os.environ.get("PYTHONPATH")])])}
    best: dict[tuple[str, str], float] = {}
    for _ in range(args.repeat):
        for what in ("inflate", "scan", "read_xlsx"):
            for tree, env in trees.items():
                if what == "inflate" and tree == "before":
                    continue
                out = subprocess.run([sys.executable, "-c", CHILD, str(p), what], env=env, check=True,
                                     capture_output=True, text=True).stdout
                key = (what, tree)
                best[key] = min(best.get(key, float("inf")), float(out))
    print(f"### XLSX scan, seed pack, {args.rows:,} rows (best of {args.repeat})\n")
    print("| step | " + " | ".join(trees) + " |")
    print("|---|" + "---:|" * len(trees))
    for what in ("inflate", "scan", "read_xlsx"):
        print(f"| {what} | " + " | ".join(f"{best[(what, t)]:.3f} s" if (what, t) in best else "" for t in trees)
              + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
