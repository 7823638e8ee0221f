"""Time the results archive: N batch results archived into SQLite and PostgreSQL, then a
department/year comparison over them (``compare peers --ranking 100``: every figure of the
portfolio, the first 100 of its ranking). Prints Markdown (the "Archive" section of docs/performance.md).

For N: generate a seed-pack portfolio and score it with ``jixiao batch`` (not timed), add the
identifying columns a user keeps (16 departments, 8 regions, a budget), then for each database:
read the results into columns (timed: "read": Arrow → integer matrix, one digest per row), add them in
one transaction (timed: "write": ``executemany`` + ``INSERT … SELECT FROM json_each`` on SQLite,
``COPY`` CSV + binary on PostgreSQL), and run ``compare peers`` for one year grouped by
department (whole portfolio) and for one department.

    uv run python benchmarks/bench_archive.py --sizes 100000
    uv run python benchmarks/bench_archive.py --sizes 1000000 --pg postgresql://user@host/db

Without ``--pg`` a throw-away PostgreSQL cluster is started from the Debian package (as the tests do).
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PACK = "shanghai-consumer-protection-2018"


def prepare(n: int, tmp: Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    portfolio, results, kept = tmp / f"p{n}.parquet", tmp / f"r{n}.parquet", tmp / f"k{n}.parquet"
    subprocess.run([sys.executable, str(HERE / "generate.py"), str(n), "--pack", "seed", "-o", str(portfolio)],
                   check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "jixiao", "batch", PACK, str(portfolio), "-o", str(results), "--quiet"],
                   check=False, capture_output=True)
    t = pq.read_table(results)
    m = t.num_rows
    t = t.append_column("department", pa.array([f"部门{i % 16:02d}" for i in range(m)]))
    t = t.append_column("region", pa.array([f"区{i % 8}" for i in range(m)]))
    t = t.append_column("budget", pa.array([f"{100 + i % 900}.00" for i in range(m)]))
    pq.write_table(t, kept)
    return kept


def pg_url(tmp: Path):
    spec = importlib.util.spec_from_file_location("archive_conftest", ROOT / "tests" / "archive" / "conftest.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    bindir = mod._pg_bin()
    if bindir is None:
        raise SystemExit("PostgreSQL not found: apt-get install postgresql (or give --pg URL)")
    cluster = mod.PgCluster(bindir)
    cluster.start()
    return cluster, cluster.new_database()


def synthetic(n: int):
    """N evaluations of 25 leaves made by numpy (no ``jixiao batch`` run): the shape of the seed pack's
    results with 16 departments, 8 regions and a budget, for sizes the batch step would take long to make."""
    import numpy as np

    from jixiao.archive.bulk import of_batch

    scores = (np.random.default_rng(1).integers(0, 2000, (n, 25)) * 100).astype(np.int64)
    return of_batch(pack=PACK, pack_version="synthetic", kind="self", year=2023, places=2, source="synthetic",
                    project_id=[f"P{i:07d}" for i in range(n)],
                    ids={"department": [f"部门{i % 16:02d}" for i in range(n)], "region": [f"区{i % 8}" for i in range(n)],
                         "budget": [f"{100 + i % 900}.00" for i in range(n)]},
                    total_e4=scores.sum(1), grade=["良"] * n,
                    leaves=[(f"C{j:02d}", f"指标{j}", 200000) for j in range(25)], scores_e4=scores,
                    row_numbers=np.arange(2, n + 2))


def bench(url: str, kept: Path | int) -> dict[str, float]:
    from jixiao.archive import Archive
    from jixiao.archive.loading import batch_evaluations
    from jixiao.compare import peers

    t0 = time.perf_counter()
    records = (synthetic(kept) if isinstance(kept, int) else
               batch_evaluations(str(kept), pack_name=PACK, kind="self", year=2023))
    t1 = time.perf_counter()
    archive = Archive(url)
    t2 = time.perf_counter()
    counts = archive.add(records)
    t3 = time.perf_counter()
    assert counts["added"] == records.n, counts
    del records
    rep = peers(archive, pack=PACK, year=2023, kind="self", by="department", ranking=100)
    t4 = time.perf_counter()
    one = peers(archive, pack=PACK, year=2023, kind="self", by="unit", department=["部门03"], ranking=100)
    t5 = time.perf_counter()
    assert rep["projects"] == counts["added"] and one["projects"] > 0
    archive.close()
    return {"read": t1 - t0, "write": t3 - t2, "peers_all": t4 - t3, "peers_one": t5 - t4,
            "n": counts["added"], "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    ap.add_argument("--pg", help="a PostgreSQL URL (default: a throw-away cluster)")
    ap.add_argument("--only", choices=["sqlite", "postgresql"])
    ap.add_argument("--synthetic", action="store_true",
                    help="numpy-made results of the same shape instead of a jixiao batch run (read = making them)")
    args = ap.parse_args(argv)
    print(f"Machine: {platform.machine()}, {len(__import__('os').sched_getaffinity(0))} cores, Python "
          f"{platform.python_version()}\n")
    print("| N | database | read results | write (one transaction) | peers, all departments | peers, one department |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        cluster = None
        try:
            for n in args.sizes:
                kept = n if args.synthetic else prepare(n, tmp)
                targets = []
                if args.only != "postgresql":
                    targets.append(("SQLite", f"sqlite:///{tmp / f'a{n}.db'}"))
                if args.only != "sqlite":
                    if args.pg:
                        url = args.pg
                    else:
                        if cluster is None:
                            cluster, url = pg_url(tmp)
                        else:
                            url = cluster.new_database()
                    targets.append(("PostgreSQL", url))
                for name, url in targets:
                    r = bench(url, kept)
                    print(f"| {r['n']:,} | {name} | {r['read']:.1f} s | {r['write']:.1f} s | {r['peers_all']:.2f} s | "
                          f"{r['peers_one']:.2f} s |", flush=True)
        finally:
            if cluster is not None:
                cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
