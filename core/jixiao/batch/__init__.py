"""Whole portfolios with one pack: read the projects, score them column-wise in exact fixed point
(rows the fast path cannot do exactly go through the real engine), write results, errors and a summary.

The public entry point is :func:`run_batch`; ``jixiao batch`` is its command line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from ..numbers import quantize

__all__ = ["BatchOutcome", "load_pack_or_template", "run_batch"]


@attrs.frozen(kw_only=True)
class BatchOutcome:
    projects: int
    scored: int
    errors: list[Any]
    engine_rows: int
    """Rows evaluated one by one through the engine (the rest were columnar)."""
    columnar: bool
    reasons: tuple[str, ...]
    ignored_columns: tuple[str, ...]


def load_pack_or_template(arg: str, registry: Any) -> tuple[Any, Any]:
    """(pack, template config or None) from a registered pack name, a pack .toml or an evaluation .toml."""
    from ..session import load_pack, resolve_pack

    if arg.endswith(".toml"):
        from ..tomlio import read_toml

        data = read_toml(Path(arg))
        # An evaluation config selects a pack (pack = "name" or { name/path = …, disable = … }) and may
        # define leaves of open groups under [indicators]; a pack file's [pack] table has a title, and
        # it has a rule set.
        sel = data.get("pack")
        if "rule_set" not in data and (isinstance(sel, str) or (
                isinstance(sel, dict) and set(sel) <= {"name", "path", "disable"})):
            from ..config import load_config

            cfg = load_config(arg)
            pack, _ = resolve_pack(cfg, registry)
            return pack, cfg
    pack, _ = load_pack(arg, registry)
    return pack, None


class _Null:
    def __call__(self, *a: Any, **k: Any) -> None:
        return None


def run_batch(pack_or_config: str, portfolio_path: str, output: str, *, errors_path: str | None = None,
              summary_path: str | None = None, registry: Any = None,
              progress: Callable[[str, int], Callable[[int], None]] | None = None) -> BatchOutcome:
    """Evaluate every row of ``portfolio_path`` and write ``output`` (whole or not at all).

    ``progress(label, total)`` returns a function to call with the number of items done (or None).
    """
    from ..plugins import Registry
    from ..validate import check_pack_semantics
    from .compile import compile_pack, layout_of, run_program
    from .output import (
        RESULT_SUFFIXES,
        build_summary,
        check_suffix,
        decimal_array,
        write_errors,
        write_results,
        write_summary,
    )
    from .portfolio import read_portfolio
    from .rowwise import RowError, check_codes, evaluate_row, known_inputs

    suffix = check_suffix(output, RESULT_SUFFIXES, "results", "-o")
    if summary_path:
        check_suffix(summary_path, (".json", ".md"), "summary", "--summary")
    if errors_path:
        check_suffix(errors_path, (".csv",), "error file", "--errors")
    registry = registry or Registry()
    pack, template = load_pack_or_template(pack_or_config, registry)
    check_pack_semantics(pack, registry, raise_errors=True)
    prog = progress or (lambda label, total: _Null())

    portfolio = read_portfolio(portfolio_path)
    n = portfolio.n
    layout = layout_of(list(portfolio.columns), known_inputs(pack, registry))
    check_codes(layout, pack, str(portfolio_path))
    rs = pack.rule_set
    sp, mode = rs.rounding.score_places, rs.rounding.mode

    program = compile_pack(pack, registry)
    col = run_program(program, portfolio, layout, template)
    codes = [leaf.code for leaf in pack.leaves()]
    leaves = {c: (col.leaves[c].copy() if c in col.leaves else np.zeros(n, dtype=np.int64)) for c in codes}
    has_total = rs.total_aggregator is not None
    total = col.total.copy() if col.total is not None else np.zeros(n, dtype=np.int64)
    ok = ~col.fallback
    texts: dict[str, dict[int, str]] = {}

    import pyarrow as pa
    import pyarrow.compute as pc

    # A missing project_id is replaced by the row's position (1-based), column-wise.
    ids_arr = portfolio.project_ids
    if ids_arr.null_count:
        ids_arr = pc.coalesce(ids_arr, pc.cast(pa.array(np.arange(1, n + 1)), pa.string()))

    def pid_of(i: int) -> str:
        return ids_arr[i].as_py()

    errors: list[RowError] = []
    redo = np.flatnonzero(col.fallback)
    tick = prog("engine", len(redo)) if len(redo) else _Null()
    for k, i in enumerate(redo.tolist()):
        res = evaluate_row(pack, registry, portfolio, layout, i, template, errors, pid_of(i))
        if res is not None:
            for lr in res.leaves():
                if isinstance(lr.score, Decimal):
                    leaves[lr.code][i] = int(quantize(lr.score, sp, mode).scaleb(sp))
                else:
                    texts.setdefault(lr.code, {})[i] = "" if lr.score is None else str(lr.score)
            if res.total is not None:
                total[i] = int(res.total.scaleb(sp))
            ok[i] = True
        if k % 256 == 255:
            tick(256)
    if len(redo):
        tick(len(redo) % 256)

    # Grades: the real grading scheme, once per distinct total.
    scheme = rs.grading_scheme or (registry.grading(rs.grading) if rs.grading else None)
    grade_order = [b.label for b in scheme.bands] if scheme is not None else []
    rows = np.flatnonzero(ok)
    grades: list[str] | None = None
    grade_col = None
    if scheme is not None and has_total:
        uniq, inverse = np.unique(total[rows], return_inverse=True)
        labels = np.array([scheme.grade(Decimal(int(u)).scaleb(-sp)).label for u in uniq] or [""], dtype=object)
        grade_col = labels[inverse] if len(rows) else np.array([], dtype=object)
        grades = list(grade_col)
    rank = None
    order = None
    if has_total and len(rows):
        t = total[rows]
        order = np.argsort(-t, kind="stable")
        st = t[order]
        first = np.r_[True, st[1:] != st[:-1]]
        rank_sorted = np.maximum.accumulate(np.where(first, np.arange(len(st)), 0)) + 1
        rank = np.empty(len(rows), dtype=np.int64)
        rank[order] = rank_sorted

    columns = ["project_id", "row", "total", "grade", "rank", *codes]
    score_cols = ["total", *codes]
    row_numbers = np.array([portfolio.row_number(int(i)) for i in rows], dtype=np.int64) \
        if portfolio._row_numbers is not None else rows.astype(np.int64) + 1 + portfolio.header_rows

    def chunks() -> Iterator[pa.Table]:
        from .output import CHUNK

        for start in range(0, max(len(rows), 1), CHUNK):
            sel = rows[start:start + CHUNK]
            if len(sel) == 0 and len(rows):
                break
            pid = ids_arr.take(pa.array(sel))
            data: dict[str, Any] = {
                "project_id": pid,
                "row": pa.array(row_numbers[start:start + CHUNK], pa.int64()),
                "total": decimal_array(total[sel], sp, np.full(len(sel), has_total)),
                "grade": pa.array(list(grade_col[start:start + CHUNK]) if grade_col is not None
                                  else [None] * len(sel), pa.string()),
                "rank": pa.array(rank[start:start + CHUNK] if rank is not None else [None] * len(sel), pa.int64()),
            }
            for c in codes:
                if c in texts:
                    vals = [texts[c].get(int(i), f"{Decimal(int(leaves[c][i])).scaleb(-sp):f}") for i in sel]
                    data[c] = pa.array(vals, pa.string())
                else:
                    data[c] = decimal_array(leaves[c][sel], sp)
            yield pa.table(data)

    write_tick = prog("write", len(rows))
    write_results(output, suffix, columns, chunks, [c for c in score_cols if c not in texts], sp, len(rows),
                  write_tick)

    errors.sort(key=lambda e: e.row)
    if errors_path or errors:
        write_errors(errors_path or default_errors_path(output), errors)
    if summary_path:
        summary = build_summary(
            pack=pack, n_rows=n, n_ok=len(rows), errors=len({e.row for e in errors}), fallback_rows=len(redo),
            total=total[rows] if has_total else None, grades=grades,
            leaves={c: leaves[c][rows] for c in codes if c not in texts}, ids=_Ids(ids_arr, rows),
            scale=sp, grade_order=grade_order, ranked=order, ranks=rank)
        write_summary(summary_path, summary)
    return BatchOutcome(projects=n, scored=len(rows), errors=errors, engine_rows=len(redo),
                        columnar=program.vectorised, reasons=program.reasons, ignored_columns=layout.ignored)


class _Ids:
    """Project ids of the scored rows, looked up only when the summary names a project."""

    def __init__(self, ids: Any, rows: np.ndarray) -> None:
        self.ids, self.rows = ids, rows

    def __getitem__(self, k: int) -> str:
        return self.ids[int(self.rows[k])].as_py()


def default_errors_path(output: str) -> str:
    p = Path(output)
    return str(p.with_name(p.stem + ".errors.csv"))

