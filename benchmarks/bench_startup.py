"""Fixed start-up of the CLI: `jixiao evaluate`, `jixiao batch` and `jixiao --help` against `python -c pass`.

    uv run python benchmarks/bench_startup.py [--runs 7] [--fresh-install]

Every figure is a new process. "Warm" runs read bytecode cached by a first run (in a private
PYTHONPYCACHEPREFIX, so nothing in the source tree or the environment is written); "no bytecode"
runs get an empty PYTHONPYCACHEPREFIX with PYTHONDONTWRITEBYTECODE=1, so every module — jixiao's
and its dependencies' — is compiled from source each time (what an install without compiled
bytecode costs on every run when the cache cannot be written, and once otherwise).
``--fresh-install`` builds the wheel, installs it with `uv pip install --compile-bytecode` into a
new virtual environment and times the first runs there. Prints the median and best wall time and
the median CPU time (user + sys of the child) of each, the number of entry-point scans and the
heavy libraries imported, as Markdown for docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "docs" / "examples" / "consumer-protection-2018" / "evaluation.toml"
HEAVY = ("matplotlib", "docx", "openpyxl", "jsonschema", "referencing", "scipy", "pyarrow", "numpy", "polars",
         "sqlalchemy", "psycopg", "lark", "lxml", "PIL", "jinja2", "dask", "pandas")
PROBE = """
import atexit, json, sys
from jixiao import plugins
scans = getattr(plugins, "entry_point_scans", lambda: None)  # None: a jixiao without the counter
atexit.register(lambda: print("PROBE " + json.dumps({"scans": scans(),
                                                    "modules": sorted(sys.modules)}), file=sys.stderr))
from jixiao.cli import main
main(sys.argv[1:])
"""


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + sys) seconds of one run of ``cmd`` in a new process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(cmd: list[str], env: dict[str, str], runs: int) -> dict[str, float]:
    walls, cpus = zip(*(timed(cmd, env) for _ in range(runs)), strict=True)
    return {"median": statistics.median(walls), "best": min(walls), "cpu": statistics.median(cpus)}


def environment(cache: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    if cache is None:  # no bytecode: an empty cache that is never written
        env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="jixiao-nopyc-")
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    else:
        env["PYTHONPYCACHEPREFIX"] = str(cache)
    return env


def probe(python: str, args: list[str], env: dict[str, str]) -> dict:
    proc = subprocess.run([python, "-c", PROBE, *args], env=env, capture_output=True, text=True, check=False)
    line = next(x for x in proc.stderr.splitlines() if x.startswith("PROBE "))
    data = json.loads(line[len("PROBE "):])
    data["heavy"] = [m for m in HEAVY if m in data["modules"]]
    return data


def portfolio(folder: Path) -> Path:
    out = folder / "portfolio.csv"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "10", "-o", str(out)], check=True,
                   capture_output=True)
    return out


def fresh_install(folder: Path, runs: int) -> dict[str, dict[str, float]]:
    """Build the wheel, install it with compiled bytecode into a new venv, time its first runs."""
    uv = shutil.which("uv") or sys.exit("--fresh-install needs uv on PATH")
    subprocess.run([uv, "build", "-q", "--wheel", "-o", str(folder / "dist"), str(ROOT)], check=True)
    venv = folder / "venv"
    subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(venv)], check=True)
    python = str(venv / "bin" / "python")
    wheel = next((folder / "dist").glob("jixiao-*.whl"))
    subprocess.run([uv, "pip", "install", "-q", "--compile-bytecode", "--python", python, str(wheel)], check=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPYCACHEPREFIX", "VIRTUAL_ENV", "PYTHONPATH")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # only what the install compiled is used: nothing written later
    cmd = [python, "-m", "jixiao", "evaluate", str(SEED), "--format", "json"]
    first = timed(cmd, env)
    return {"first": {"median": first[0], "best": first[0], "cpu": first[1]}, "runs": measure(cmd, env, runs)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7, help="runs per case (median and best kept)")
    ap.add_argument("--fresh-install", action="store_true", help="also time a wheel installed into a new venv")
    args = ap.parse_args(argv)
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="jixiao-startup-") as tmp:
        folder = Path(tmp)
        cache = folder / "pycache"
        warm = environment(cache)
        data = portfolio(folder)
        evaluate = [py, "-m", "jixiao", "evaluate", str(SEED), "--format", "json"]
        batch = [py, "-m", "jixiao", "batch", "shanghai-consumer-protection-2018", str(data), "-o",
                 str(folder / "results.csv"), "--quiet"]
        for cmd in (evaluate, batch, [py, "-m", "jixiao", "--help"]):
            timed(cmd, warm)  # fills the bytecode cache
        cases = {
            "`python -c pass`": measure([py, "-c", "pass"], warm, args.runs),
            "`jixiao --help`": measure([py, "-m", "jixiao", "--help"], warm, args.runs),
            "`jixiao evaluate` seed example, `--format json`, bytecode cached": measure(evaluate, warm, args.runs),
            "`jixiao evaluate` seed example, `--format json`, no bytecode at all": measure(
                evaluate, environment(None), args.runs),
            "`jixiao batch` seed pack, 10-project CSV → CSV, bytecode cached": measure(batch, warm, args.runs),
        }
        if args.fresh_install:
            fresh = fresh_install(folder, args.runs)
            cases["`jixiao evaluate` from a fresh wheel install (`uv pip install --compile-bytecode`), first run"] = fresh["first"]
            cases["… the same install, later runs"] = fresh["runs"]
        ev = probe(py, evaluate[3:], warm)
        bt = probe(py, batch[3:], warm)
        hp = probe(py, ["--help"], warm)
    base = cases["`python -c pass`"]
    lines = [(f"{args.runs} runs each, new process every run; wall median (best), CPU = user + sys of the child, "
              f"median; `python -c pass` subtracted in the last column."), "",
             "| run | wall median | wall best | CPU median | CPU over `python -c pass` |", "|---|---:|---:|---:|---:|"]
    for name, m in cases.items():
        lines.append(f"| {name} | {m['median']:.3f} s | {m['best']:.3f} s | {m['cpu']:.3f} s | "
                     f"{m['cpu'] - base['cpu']:.3f} s |")
    lines += ["", f"- entry-point scans: `evaluate` {ev['scans']}, `batch` {bt['scans']}, `--help` {hp['scans']}",
              (f"- heavy libraries imported: `evaluate` {', '.join(ev['heavy']) or 'none'}; "
               f"`batch` {', '.join(bt['heavy']) or 'none'}; `--help` {', '.join(hp['heavy']) or 'none'}"),
              (f"- modules in `sys.modules` at exit: `evaluate` {len(ev['modules'])}, `batch` {len(bt['modules'])}, "
               f"`--help` {len(hp['modules'])}"),
              (f"- load average while measuring: {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
               f"on {os.cpu_count()} CPUs")]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
