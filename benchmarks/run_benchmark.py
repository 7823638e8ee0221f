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
import csv
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


def compile_bytecode() -> str:
    """Byte-compile jixiao and this environment's packages before anything is timed, as an install does
    (pip compiles by default; uv with ``--compile-bytecode``): the benchmark measures jixiao as installed.

    Without it, an environment that sets PYTHONDONTWRITEBYTECODE=1 (this benchmark machine's does) compiles
    some 150 modules from source in every ``jixiao`` process — 0.3-0.4 s of each run that the polars script,
    importing a handful of modules, does not pay. ``compileall`` writes the caches whatever that variable
    says, and only for sources newer than their cache. ``bench_startup.py`` measures the uncached case."""
    import compileall
    import sysconfig

    paths = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"],
                           str(ROOT / "core"), str(ROOT / "plugins"), str(HERE)])
    ok = all(compileall.compile_dir(p, quiet=1, workers=0) for p in paths if Path(p).is_dir())
    return "bytecode compiled before timing (as an install does)" + ("" if ok else " — some files failed")


def run(cmd: list[str]) -> tuple[float, int, int]:
    """(wall seconds, peak RSS in MiB, exit code) of one subprocess."""
    wall, rss, code, _ = run_cpu(cmd)
    return wall, rss, code


def run_cpu(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int, int, float]:
    """(wall seconds, peak RSS in MiB, exit code, CPU seconds user + system) of one subprocess."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({code}):\n{err}")
    return wall, usage.ru_maxrss // 1024, code, usage.ru_utime + usage.ru_stime


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
    """Compared in a child process: loading two results files as text would raise this process's peak RSS,
    which Linux carries into every later child (ru_maxrss survives fork and exec) and so into its figures."""
    proc = subprocess.run([sys.executable, str(Path(__file__)), "--compare", str(a), str(b)], check=False,
                          capture_output=True, text=True)
    return proc.stdout.strip() == "same"


def _same_results(a: Path, b: Path) -> bool:
    """Every value of the columns both files have equal, as exact text (decimals as written; CSV read as text),
    compared column by column by Arrow (no Python object per cell: at 1M seed rows that took 5 GB)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    def load(p: Path) -> dict[str, pa.Array]:
        if p.suffix == ".parquet":
            t = pq.read_table(p)
        else:
            with p.open(encoding="utf-8-sig", newline="") as fh:
                names = next(csv.reader(fh))
            t = pcsv.read_csv(p, convert_options=pcsv.ConvertOptions(column_types={c: "string" for c in names}))
        return {c: pc.cast(t.column(c), pa.string()).combine_chunks() for c in t.column_names}

    x, y = load(a), load(b)
    common = [c for c in x if c in y]
    return len(common) >= 5 and all(x[c].equals(y[c]) for c in common)


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
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--compare"]:
        print("same" if _same_results(Path(argv[1]), Path(argv[2])) else "different")
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--repeat", type=int, default=3, help="runs per tool and size (best wall time kept)")
    ap.add_argument("--workdir", type=Path, default=None, help="where portfolios and results go (default: a temp dir)")
    ap.add_argument("--pack", choices=sorted(BENCHES), default="seed")
    ap.add_argument("--no-cold-start", action="store_true", help="skip the `jixiao evaluate` cold-start timing")
    ap.add_argument("--formats", nargs="+", default=None, metavar="IN-OUT",
                    help="compare with the polars baseline (baseline_polars.py) for these input-output formats, "
                         "e.g. parquet-parquet csv-csv csv-parquet, instead of the numpy baseline table")
    ap.add_argument("--jixiao-args", default="", help="extra options for jixiao batch, e.g. '--jobs 2'")
    ap.add_argument("--before", type=Path, default=None, metavar="CORE_DIR",
                    help="with --formats: also run jixiao from this source folder (put first on PYTHONPATH, e.g. "
                         "the core/ of `git archive <commit> core`), alternately with the others, as 'before'")
    args = ap.parse_args(argv)
    print(compile_bytecode(), file=sys.stderr)
    if args.formats:
        return polars_table(args)
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


def polars_table(args: argparse.Namespace) -> int:
    """jixiao vs the polars baseline (and the numpy baseline for Parquet → Parquet), one row per size and format."""
    target, baseline, heading = BENCHES[args.pack]
    work = args.workdir or Path(tempfile.mkdtemp(prefix="jixiao-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    extra = args.jixiao_args.split()
    lines = ["### Machine", "", *machine(), "", f"### Batch: {heading}, jixiao vs polars"
             + (f" (jixiao {' '.join(extra)})" if extra else ""), "",
             (f"jixiao, polars and numpy run alternately, {args.repeat} time(s) each ({max(1, args.repeat - 1)} "
              f"above 100,000 projects); best wall time and best CPU time (user + system) kept; load average at "
              f"the start {os.getloadavg()[0]:.2f}."), "",
             ("| projects | in → out | jixiao batch | polars | ratio | jixiao CPU | polars CPU | CPU ratio | "
              "numpy (Parquet only) | jixiao peak RSS | polars peak RSS | identical |"
              + (" before (wall / CPU) | after ÷ before (wall / CPU) |" if args.before else "")),
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|" + ("---:|---:|" if args.before else "")]
    for n in args.sizes:
        for fmt in args.formats:
            src, dst = fmt.split("-")
            portfolio = work / f"{args.pack}-{n}.{src}"
            if not portfolio.exists():
                subprocess.run([sys.executable, str(HERE / "generate.py"), str(n), "--pack", args.pack, "-o",
                                str(portfolio)], check=True, stderr=subprocess.DEVNULL)
            repeat = args.repeat if n <= 100_000 else max(1, args.repeat - 1)
            jx_out, pl_out = work / f"jixiao-{args.pack}-{n}-{fmt}.{dst}", work / f"polars-{args.pack}-{n}-{fmt}.{dst}"
            np_out = work / f"numpy-{args.pack}-{n}.parquet"
            cmds = {"jixiao": [sys.executable, "-m", "jixiao", "batch", target, str(portfolio), "-o", str(jx_out),
                               "--quiet", *extra],
                    "polars": [sys.executable, str(HERE / "baseline_polars.py"), args.pack, str(portfolio), "-o",
                               str(pl_out)]}
            if fmt == "parquet-parquet":
                cmds["numpy"] = [sys.executable, str(HERE / baseline), str(portfolio), "-o", str(np_out)]
            envs: dict[str, dict[str, str] | None] = {k: None for k in cmds}
            if args.before:
                before_out = work / f"before-{args.pack}-{n}-{fmt}.{dst}"
                cmds["before"] = [*cmds["jixiao"][:7], str(before_out), *cmds["jixiao"][8:]]
                envs["before"] = {**os.environ, "PYTHONPATH": os.pathsep.join(
                    [str(args.before.resolve()), *filter(None, [os.environ.get("PYTHONPATH")])])}
            runs: dict[str, list[tuple[float, int, int, float]]] = {k: [] for k in cmds}
            for _ in range(repeat):  # alternately, so that a change of load hits every tool alike
                for k, cmd in cmds.items():
                    runs[k].append(run_cpu(cmd, envs[k]))
            jx, pl = ((min(r[0] for r in runs[k]), max(r[1] for r in runs[k]), min(r[3] for r in runs[k]))
                      for k in ("jixiao", "polars"))
            npy = f"{min(r[0] for r in runs['numpy']):.2f} s" if "numpy" in runs else "–"
            same = same_results(jx_out, pl_out)
            lines.append(f"| {n:,} | {src} → {dst} | {jx[0]:.2f} s | {pl[0]:.2f} s | {jx[0] / pl[0]:.2f}× | "
                         f"{jx[2]:.2f} s | {pl[2]:.2f} s | {jx[2] / pl[2]:.2f}× | {npy} | "
                         f"{jx[1]:,} MiB | {pl[1]:,} MiB | {'yes' if same else 'NO'} |")
            if args.before:
                bw, bc = min(r[0] for r in runs["before"]), min(r[3] for r in runs["before"])
                lines[-1] += f" {bw:.2f} s / {bc:.2f} s | {jx[0] / bw:.2f}× / {jx[2] / bc:.2f}× |"
            print(lines[-1], file=sys.stderr, flush=True)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
