"""Streamed batch of a GBK CSV portfolio (the encoding detected, or ``--encoding gbk``): wall time and peak
RSS of ``jixiao batch`` (CSV in → Parquet out), to show that a CSV in another encoding than UTF-8 streams
in bounded memory too.

The portfolio of N rows is written (not timed) from one generated block of 100,000 seed projects
(``generate.py``) repeated with fresh project ids, plus a Chinese ``name`` and ``department`` column so
that the file is not ASCII; each block is encoded to GBK on its own, so writing needs no more memory
than the block. ``--utf8`` also runs the same rows as UTF-8 for comparison.

    uv run python benchmarks/bench_gbk.py --sizes 1000000 3000000 --workdir /tmp/gbk-bench
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_streaming import seed_blocks
from run_benchmark import PACK, compile_bytecode, run_cpu

DEPARTMENTS = ("市市场监督管理局", "市财政局", "市教育委员会", "区卫生健康委员会", "部门一")
"""Names whose GBK bytes are also valid Big5 (as many GBK files' are): detection then asks which it is."""


def portfolio(n: int, work: Path, encoding: str) -> Path:
    import io

    import pyarrow as pa
    import pyarrow.csv as pcsv

    out = work / f"gbk-{n}-{encoding}.csv"
    if out.exists():
        return out
    tmp = out.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        for start, part in seed_blocks(n, work):
            k = part.num_rows
            part = part.append_column("name", pa.array([f"项目{start + i + 1}号" for i in range(k)]))
            part = part.append_column("department", pa.array([DEPARTMENTS[i % len(DEPARTMENTS)] for i in range(k)]))
            buf = io.BytesIO()
            pcsv.write_csv(part, buf, pcsv.WriteOptions(include_header=start == 0, quoting_style="none"))
            fh.write(buf.getvalue().decode("utf-8").encode(encoding))
    tmp.rename(out)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 3_000_000])
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--forced", action="store_true", help="also run with --encoding gbk")
    ap.add_argument("--utf8", action="store_true", help="also run the same rows as UTF-8")
    ap.add_argument("--jixiao-args", default="", help="extra options for jixiao batch")
    ap.add_argument("--before", type=Path, default=None, metavar="CORE_DIR",
                    help="also run jixiao from another source tree (e.g. the core/ of `git archive <commit> core`) "
                         "right after each run, as 'before'")
    args = ap.parse_args(argv)
    print(compile_bytecode(), file=sys.stderr)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="jixiao-gbk-"))
    work.mkdir(parents=True, exist_ok=True)
    lines = ["| projects | input | jixiao batch | peak RSS |", "|---:|---|---:|---:|"]
    for n in args.sizes:
        runs = [("GBK, detected", "gbk", [])]
        if args.forced:
            runs.append(("GBK, --encoding gbk", "gbk", ["--encoding", "gbk"]))
        if args.utf8:
            runs.append(("UTF-8", "utf-8", []))
        for what, enc, extra in runs:
            p = portfolio(n, work, enc)
            cmd = [sys.executable, "-m", "jixiao", "batch", PACK, str(p), "-o", str(work / "out.parquet"),
                   "--quiet", *extra, *args.jixiao_args.split()]
            trees = [("", None)]
            if args.before:
                env = {**os.environ, "PYTHONPATH": os.pathsep.join(
                    [str(args.before.resolve()), *filter(None, [os.environ.get("PYTHONPATH")])])}
                trees.append((" (before)", env))
            for label, env in trees:
                runs_ = [run_cpu(cmd, env) for _ in range(args.repeat)]
                wall, rss = min(r[0] for r in runs_), max(r[1] for r in runs_)
                lines.append(f"| {n:,} | {what}{label} | {wall:.1f} s | {rss:,} MiB |")
                print(lines[-1], file=sys.stderr, flush=True)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
