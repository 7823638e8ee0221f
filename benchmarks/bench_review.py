"""Benchmark ``jixiao review``: N generated 自评表 forms (xlsx, official layout), reviewed in one process.

    uv run --frozen python benchmarks/bench_review.py [N] [JOBS]     # default 1000 forms, JOBS 0 (one per CPU)

Prints the time and the peak RSS (this process, and the largest worker process) and appends a line to
docs/performance.md's "Forms review" section.
"""

from __future__ import annotations

import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "forms"))

from builders import ROWS, write_xlsx


def main(n: int, jobs: int = 0) -> None:
    from click.testing import CliRunner

    from jixiao.cli.review import command

    rng = random.Random(2023)
    with tempfile.TemporaryDirectory() as d:
        forms = Path(d) / "forms"
        forms.mkdir()
        for i in range(n):
            rows = list(ROWS)
            got = rng.randint(900, 1300)
            rows[0] = ("产出指标", "数量指标", "补助学生人数", "≥1200人", f"{got}人", 20,
                       rng.choice(["18.33", "20", "19"]), rng.choice(["", "部分学生转学"]))
            write_xlsx(forms / f"form{i:04d}.xlsx", rows=rows, total=rng.choice(["89.41", "90", "94"]))
        t0 = time.perf_counter()
        result = CliRunner().invoke(command, [str(forms), "-o", str(Path(d) / "review.xlsx"), "--jobs", str(jobs)])
        elapsed = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
        worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    if result.exit_code != 0:
        raise SystemExit(f"review failed: {result.output}")
    from jixiao.cli.review import _jobs

    workers = _jobs(jobs, n)
    memory = f"{peak / 2**20:.0f} MiB peak RSS" + (f", largest worker {worker / 2**20:.0f} MiB" if workers > 1 else "")
    line = (f"| {time.strftime('%Y-%m-%d')} | {n} forms, --jobs {workers} | {elapsed:.1f} s | {memory} "
            f"| {elapsed / n * 1000:.0f} ms per form |")
    print(line)
    perf = ROOT / "docs" / "performance.md"
    text = perf.read_text(encoding="utf-8") if perf.exists() else ""
    if "## Forms review" not in text:
        text += ("\n## Forms review\n\n`benchmarks/bench_review.py`: generated 自评表 forms (xlsx, official layout) "
                 "imported and re-scored by `jixiao review` in one process.\n\n"
                 "| date | input | time | memory | per form |\n|---|---|---|---|---|\n")
    perf.write_text(_with_row(text, line), encoding="utf-8")


def _with_row(text: str, line: str) -> str:
    """The page with ``line`` added as the last row of the Forms review section's table."""
    lines = text.splitlines()
    start = lines.index("## Forms review")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    rows = [i for i in range(start, end) if lines[i].startswith("|")]
    at = rows[-1] + 1 if rows else end
    return "\n".join(lines[:at] + [line] + lines[at:]) + "\n"


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000, int(sys.argv[2]) if len(sys.argv) > 2 else 0)
