"""Read and score a 100,000-response survey export (CSV and xlsx) through the real CLI.

    uv run python benchmarks/bench_survey.py [N]

Writes the survey-export example's config next to two generated exports in a temporary folder,
runs `jixiao evaluate -f json` as a subprocess, and prints wall time and peak memory (ru_maxrss of
the child) for each format.
"""

from __future__ import annotations

import csv
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "examples" / "consumer-protection-2018-survey"
Q5 = "5、您平时是否关注工商监管部门消费维权法规宣传、消费公益广告发布和消费警示公示？"
Q7 = "7、根据您的经历，总体上您对工商部门消费维权工作是否满意？"


def rows(n: int, question: str, options: list[str], seed: int):
    rng = random.Random(seed)
    yield ["序号", "提交答卷时间", "所用时间", "来源", "来自IP", "1、您的姓名", "2、您的手机号码", "3、您所在的区", question]
    for i in range(n):
        yield [i + 1, "2019/3/1 10:00:00", f"{20 + rng.randrange(400)}秒", "手机提交", f"10.0.{i % 256}.{i % 250}",
               f"测试{i}", f"139{i:08d}", f"区{i % 16}", rng.choice(options)]


def write(folder: Path, n: int, fmt: str) -> None:
    aw = rows(n, Q5, ["是，经常关注", "不经常，偶尔关注", "不关注"], 1)
    sa = rows(n, Q7, ["很满意", "基本满意", "不满意"], 2)
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet()
        for r in aw:
            ws.append(r)
        wb.save(folder / "awareness.xlsx")
    else:
        with (folder / "awareness.csv").open("w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows(aw)
    with (folder / "satisfaction.csv").open("w", encoding="gbk", newline="") as f:
        csv.writer(f).writerows(sa)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    for fmt in ("csv", "xlsx"):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "ex"
            folder.mkdir()
            shutil.copytree(ROOT / "docs" / "examples" / "consumer-protection-2018",
                            Path(tmp) / "consumer-protection-2018")
            write(folder, n, fmt)
            cfg = (EXAMPLE / "evaluation.toml").read_text(encoding="utf-8")
            cfg = cfg.replace('file = "awareness.xlsx"', f'file = "awareness.{fmt}"')
            (folder / "evaluation.toml").write_text(cfg, encoding="utf-8")
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "jixiao", "evaluate", str(folder / "evaluation.toml"),
                                   "-f", "json"], capture_output=True, text=True, check=False)
            wall = time.perf_counter() - start
            rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            if proc.returncode != 0:
                sys.exit(proc.stderr)
            print(f"{fmt}: {n} responses per questionnaire, 2 questionnaires: {wall:.1f} s, peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
