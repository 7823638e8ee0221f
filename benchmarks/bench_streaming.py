"""Streamed batch at sizes up to 10,000,000 seed projects: wall time and peak RSS of ``jixiao batch``
(Parquet in → Parquet out), to show that memory stays bounded and time grows linearly.

The portfolio of N rows is written (not timed) from one generated block of 100,000 projects repeated
with fresh project ids, batch by batch, so that generating it needs no more memory than the block.

    uv run python benchmarks/bench_streaming.py --sizes 100000 1000000 10000000
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run_benchmark import PACK, best, compile_bytecode

BLOCK = 100_000


def seed_blocks(n: int, work: Path):
    """N seed-pack rows as (start, table) blocks of at most BLOCK rows: one generated block repeated,
    each with its own project ids P000000001…"""
    import pyarrow as pa
    import pyarrow.parquet as pq

    block = work / "block.parquet"
    if not block.exists():
        subprocess.run([sys.executable, str(HERE / "generate.py"), str(BLOCK), "--pack", "seed", "-o", str(block)],
                       check=True, stderr=subprocess.DEVNULL)
    t = pq.read_table(block)
    for start in range(0, n, BLOCK):
        k = min(BLOCK, n - start)
        ids = pa.array([f"P{start + i + 1:09d}" for i in range(k)], pa.string())
        yield start, t.slice(0, k).set_column(0, "project_id", ids)


def portfolio(n: int, work: Path) -> Path:
    import pyarrow.parquet as pq

    out = work / f"stream-{n}.parquet"
    if out.exists():
        return out
    w = None
    for _, part in seed_blocks(n, work):
        w = w or pq.ParquetWriter(out, part.schema, compression="zstd")
        w.write_table(part)
    if w is not None:
        w.close()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--jixiao-args", default="", help="extra options for jixiao batch, e.g. '--jobs 2'")
    args = ap.parse_args(argv)
    print(compile_bytecode(), file=sys.stderr)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="jixiao-stream-"))
    work.mkdir(parents=True, exist_ok=True)
    lines = ["| projects | jixiao batch | µs/project | peak RSS |", "|---:|---:|---:|---:|"]
    for n in args.sizes:
        p = portfolio(n, work)
        wall, rss = best([sys.executable, "-m", "jixiao", "batch", PACK, str(p), "-o", str(work / "out.parquet"),
                          "--quiet", *args.jixiao_args.split()], 1)
        lines.append(f"| {n:,} | {wall:.1f} s | {wall / n * 1e6:.2f} | {rss:,} MiB |")
        print(lines[-1], file=sys.stderr, flush=True)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
