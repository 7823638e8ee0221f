"""Microseconds per project through the per-row engine (what ``jixiao batch`` does for a row its
columnar program cannot score, and what ``jixiao evaluate`` does for one project).

Cases, each timed in this process after one warm-up pass (CPU time, ``time.process_time``, best of
``--repeat`` passes):

- ``seed``, ``national``, ``rules``: N generated portfolio rows (benchmarks/generate.py) through
  :func:`jixiao.batch.rowwise.evaluate_row` — the batch fallback path, row config and engine, with
  ``figures=True`` as ``jixiao batch`` calls it (``--full``: the whole result, workings and texts);
- ``pefa``, ``part``: the bundled example evaluation of the pack through :func:`jixiao.engine.evaluate`
  N times with one :class:`jixiao.engine.Prepared` (their aggregators are per-row only);
- ``evaluate``: the seed example as ``jixiao evaluate`` runs it after start-up — read the evaluation
  file, resolve the pack, evaluate, write the JSON document — N times;
- ``chunk``: what a batch chunk of 43,690 seed rows (``--jobs 2``'s default size) pays when 3 of its rows
  go to the engine (an amount written ``1,234.50``): :func:`jixiao.batch.score_chunk` on the chunk, less
  the same chunk with those amounts written plainly (no engine row), in ms per chunk (wall: each pass
  on a chunk read anew, as the batch reads each chunk; best of ``--repeat``).

``--no-prepared`` evaluates without walking the pack once per batch (each row walks it again), to
show what that saves.

    uv run python benchmarks/bench_rowwise.py --n 2000 --repeat 3
"""

from __future__ import annotations

import argparse
import inspect
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

EXAMPLES = ROOT / "docs" / "examples"


def _best(fn, n: int, repeat: int) -> float:
    fn()  # warm-up: imports, caches, the portfolio's Python lists
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return best / n * 1e6


def fallback_case(pack_arg: str, columns, n: int, repeat: int, prepared: bool, full: bool = False) -> float:
    import generate
    import numpy as np

    from jixiao.batch import load_pack_or_template, rowwise
    from jixiao.batch.compile import layout_of
    from jixiao.batch.portfolio import read_portfolio
    from jixiao.plugins import Registry

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.parquet"
        generate.write(columns(n, np.random.default_rng(2018)), path)
        reg = Registry()
        pack, template = load_pack_or_template(pack_arg, reg)
        pf = read_portfolio(path)
    layout = layout_of(list(pf.columns), rowwise.known_inputs(pack, reg))
    errors: list = []
    # nothing remembered between rows, or (before rowwise.forget existed) the per-batch Prepared dropped
    forget = getattr(rowwise, "forget", None) or rowwise._PREPARED.clear
    # as jixiao batch calls it: the figures only, where evaluate_row can (before it could, the full result)
    kw = {"figures": True} if "figures" in inspect.signature(rowwise.evaluate_row).parameters and not full else {}

    def run() -> None:
        # every pass starts as a batch chunk does: nothing remembered from rows scored before
        forget()
        for i in range(n):
            if not prepared:
                forget()
            rowwise.evaluate_row(pack, reg, pf, layout, i, template, errors, str(i), **kw)

    us = _best(run, n, repeat)
    if errors:
        raise SystemExit(f"{pack_arg}: {len(errors)} rows refused: {errors[0]}")
    return us


def example_case(config: Path, n: int, repeat: int, prepared: bool) -> float:
    from jixiao.config import load_config
    from jixiao.engine import Prepared, evaluate
    from jixiao.plugins import Registry
    from jixiao.session import resolve_pack

    cfg = load_config(config)
    reg = Registry()
    pack, _ = resolve_pack(cfg, reg)
    prep = Prepared(pack, reg)

    def run() -> None:
        for _ in range(n):
            evaluate(pack, cfg, reg, prepared=prep if prepared else None)

    return _best(run, n, repeat)


def evaluate_case(n: int, repeat: int) -> float:
    from jixiao.document import build_document, dumps
    from jixiao.session import evaluate_file

    config = EXAMPLES / "consumer-protection-2018" / "evaluation.toml"

    def run() -> None:
        for _ in range(n):
            dumps(build_document(evaluate_file(config)))

    return _best(run, n, repeat)


def chunk_case(repeat: int, rows: int = 43_690) -> float:
    import generate
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from jixiao.batch import make_plan, score_chunk
    from jixiao.batch.portfolio import read_portfolio
    from jixiao.plugins import Registry

    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        t = pa.table(generate.seed_columns(rows, np.random.default_rng(2018)))
        budget = [f"{v:f}" for v in t.column("budget[1].budget").to_pylist()]
        for kind in ("plain", "odd"):
            cells = list(budget)
            if kind == "odd":
                for i in (0, rows // 2, rows - 1):
                    cells[i] = f"{float(cells[i]) + 1000:,.2f}"
            paths[kind] = Path(tmp) / f"{kind}.parquet"
            pq.write_table(t.set_column(t.column_names.index("budget[1].budget"), "budget[1].budget",
                                        pa.array(cells, pa.string())), paths[kind])
        plan = make_plan(generate.PACKS["seed"], t.column_names, str(paths["odd"]), registry=Registry(),
                         ignore_columns=(), fill_from_template=False, lang="zh", keep=(), group_by=None,
                         suffix=".parquet")

        def once(kind: str) -> float:
            pf = read_portfolio(paths[kind])
            start = time.perf_counter()
            res = score_chunk(plan, pf)
            took = time.perf_counter() - start
            if kind == "odd" and res.engine_rows != 3:
                raise SystemExit(f"chunk: {res.engine_rows} engine rows, expected 3")
            return took

        once("odd")  # warm-up
        best = {k: min(once(k) for _ in range(repeat)) for k in ("plain", "odd")}
    return (best["odd"] - best["plain"]) * 1e3


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000, help="projects per case (default 1000)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cases", nargs="*", default=["seed", "national", "rules", "pefa", "part", "evaluate", "chunk"])
    ap.add_argument("--no-prepared", action="store_true", help="walk the pack again for every row")
    ap.add_argument("--full", action="store_true",
                    help="seed/national/rules: the full result with its workings, not the figures jixiao batch keeps")
    args = ap.parse_args(argv)
    import generate

    prepared = not args.no_prepared
    rows = []
    for case in args.cases:
        if case == "seed":
            us = fallback_case(generate.PACKS["seed"], generate.seed_columns, args.n, args.repeat, prepared,
                               args.full)
        elif case == "national":
            us = fallback_case(str(generate.NATIONAL_TEMPLATE), generate.national_columns, args.n, args.repeat,
                               prepared, args.full)
        elif case == "rules":
            us = fallback_case(str(generate.RULES_PACK), generate.rules_columns, args.n, args.repeat, prepared,
                               args.full)
        elif case == "pefa":
            us = example_case(EXAMPLES / "pefa-2016" / "evaluation.toml", args.n, args.repeat, prepared)
        elif case == "part":
            us = example_case(EXAMPLES / "part" / "evaluation.toml", args.n, args.repeat, prepared)
        elif case == "evaluate":
            us = evaluate_case(max(args.n // 10, 1), args.repeat)
        elif case == "chunk":
            ms = chunk_case(args.repeat)
            rows.append((case, ms))
            print(f"{case:10s} {ms:9.1f} ms a chunk for its 3 engine rows", flush=True)
            continue
        else:
            raise SystemExit(f"unknown case {case!r}")
        rows.append((case, us))
        print(f"{case:10s} {us:9.0f} µs/project", flush=True)
    print("\n| case | µs per project |\n|---|---:|")
    for case, us in rows:
        print(f"| {case} | {us:,.1f} ms a chunk |" if case == "chunk" else f"| {case} | {us:,.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
