"""Time ``jixiao batch`` end to end (read → score → write) against the hand-written baseline, in the same run.

For each N: generate a portfolio (not timed) — ``--pack seed`` (default) for the seed pack, ``--pack
national`` for the national self-evaluation example used as a template — then run ``python -m jixiao
batch`` and the matching hand-written baseline (``baseline_seed.py`` / ``baseline_national.py``) as subprocesses (each ``--repeat`` times, best wall time kept), take
each process's peak RSS from ``os.wait4``, check the two results are identical, and report the
ratio. Also times ``jixiao evaluate`` on the seed example from cold and lists which packs,
renderers and heavy libraries it imported (from ``sys.modules`` at exit). Prints Markdown.

    uv run python benchmarks/run_benchmark.py --sizes 10000 100000 1000000
    uv run python benchmarks/run_benchmark.py --pack national --sizes 10000 100000 1000000 --no-cold-start
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SEED = ROOT / "docs" / "examples" / "consumer-protection-2018" / "evaluation.toml"
PACK = "shanghai-consumer-protection-2018"
NATIONAL_TEMPLATE = ROOT / "docs" / "examples" / "national-education-2023" / "evaluation.toml"
BENCHES = {
    # --pack: (what jixiao batch is given, baseline script, heading)
    "seed": (PACK, "baseline_seed.py", "seed pack"),
    "national": (str(NATIONAL_TEMPLATE), "baseline_national.py",
                 "national self-evaluation pack, the example evaluation file as the template"),
}


def run(cmd: list[str]) -> tuple[float, int, int]:
    """(wall seconds, peak RSS in MiB, exit code) of one subprocess."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({code}):\n{err}")
    return wall, usage.ru_maxrss // 1024, code


def best(cmd: list[str], repeat: int) -> tuple[float, int]:
    runs = [run(cmd) for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs)


def machine() -> list[str]:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "unknown"
    with open("/proc/meminfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    import numpy
    import pyarrow

    return [f"- CPU: {cpu}; cores available (nproc): {os.cpu_count()}; memory: {mem}",
            (f"- Python {platform.python_version()} ({platform.python_implementation()}), "
             f"numpy {numpy.__version__}, pyarrow {pyarrow.__version__}, {platform.system()} {platform.release()}")]


def same_results(a: Path, b: Path) -> bool:
    import pyarrow.parquet as pq

    return pq.read_table(a).equals(pq.read_table(b))


PROBE = """
import atexit, sys
def report():
    names = sorted(m for m in sys.modules if m.startswith(("jixiao", "numpy", "pyarrow", "openpyxl", "docx",
                                                          "matplotlib", "rich", "jinja2", "polars")))
    sys.__stderr__.write("MODULES " + " ".join(names) + "\\n")
atexit.register(report)
sys.argv = ["jixiao", "evaluate", sys.argv[1]]
from jixiao.cli import main
main()
"""


def cold_start(repeat: int) -> list[str]:
    """Wall time of ``jixiao evaluate`` from a new process, and the modules it ended up importing."""
    cmd = [sys.executable, "-m", "jixiao", "evaluate", str(SEED)]
    walls = [run(cmd)[0] for _ in range(repeat)]
    bare = [run([sys.executable, "-c", "pass"])[0] for _ in range(repeat)]
    proc = subprocess.run([sys.executable, "-c", PROBE, str(SEED)], capture_output=True, text=True, check=False)
    line = next((x for x in proc.stderr.splitlines() if x.startswith("MODULES ")), "MODULES ")
    mods = line.split()[1:]
    packs = sorted({m.split(".")[0] for m in mods if m.startswith("jixiao_")})
    renderers = [m for m in mods if m.startswith(("jixiao.builtin.renderers", "jixiao.render."))]
    heavy = sorted({m.split(".")[0] for m in mods if not m.startswith("jixiao")})
    return [(f"- `jixiao evaluate` on the seed example, new process each time ({repeat} runs): "
             f"median {statistics.median(walls):.3f} s, best {min(walls):.3f} s "
             f"(a bare `python -c pass` takes {statistics.median(bare):.3f} s here)"),
            f"- pack distributions imported: {', '.join(packs) or 'none'}",
            f"- renderer modules imported: {', '.join(renderers) or 'none'}",
            f"- heavy libraries imported: {', '.join(heavy) or 'none'}"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--repeat", type=int, default=3, help="runs per tool and size (best wall time kept)")
    ap.add_argument("--workdir", type=Path, default=None, help="where portfolios and results go (default: a temp dir)")
    ap.add_argument("--pack", choices=sorted(BENCHES), default="seed")
    ap.add_argument("--no-cold-start", action="store_true", help="skip the `jixiao evaluate` cold-start timing")
    args = ap.parse_args(argv)
    target, baseline, heading = BENCHES[args.pack]
    work = args.workdir or Path(tempfile.mkdtemp(prefix="jixiao-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    lines = ["### Machine", "", *machine(), "", f"### Batch: {heading}, Parquet in → Parquet out", "",
             ("| projects | jixiao batch | baseline | ratio | jixiao peak RSS | baseline peak RSS | "
              "µs/project (jixiao) | identical |"), "|---:|---:|---:|---:|---:|---:|---:|---|"]
    for n in args.sizes:
        portfolio = work / f"{args.pack}-{n}.parquet"
        if not portfolio.exists():
            subprocess.run([sys.executable, str(HERE / "generate.py"), str(n), "--pack", args.pack, "-o", str(portfolio)],
                           check=True, stderr=subprocess.DEVNULL)
        repeat = args.repeat if n <= 100_000 else max(1, args.repeat - 1)
        jx_out, base_out = work / f"jixiao-{args.pack}-{n}.parquet", work / f"baseline-{args.pack}-{n}.parquet"
        jx = best([sys.executable, "-m", "jixiao", "batch", target, str(portfolio), "-o", str(jx_out), "--quiet"],
                  repeat)
        base = best([sys.executable, str(HERE / baseline), str(portfolio), "-o", str(base_out)], repeat)
        same = same_results(jx_out, base_out)
        lines.append(f"| {n:,} | {jx[0]:.2f} s | {base[0]:.2f} s | {jx[0] / base[0]:.2f}× | {jx[1]:,} MiB | "
                     f"{base[1]:,} MiB | {jx[0] / n * 1e6:.1f} | {'yes' if same else 'NO'} |")
        print(lines[-1], file=sys.stderr, flush=True)
    if not args.no_cold_start:
        lines += ["", "### Cold start", "", *cold_start(5)]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
