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

from ..errors import ConfigError
from ..numbers import quantize

__all__ = ["IDENTIFYING", "BatchOutcome", "load_pack_or_template", "run_batch"]

IDENTIFYING = ("name", "项目名称", "department", "主管部门", "unit", "实施单位", "region", "地区")
"""Identifying text columns accepted without --ignore-columns and carried to the results as they are."""


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
    filled_from_template: int = 0


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
              progress: Callable[[str, int], Callable[[int], None]] | None = None,
              encoding: str | None = None, ignore_columns: tuple[str, ...] = (),
              fill_from_template: bool = False, csv_encoding: str = "utf-8-sig",
              lang: str = "en", keep: tuple[str, ...] = (), group_by: str | None = None,
              archive: Callable[..., None] | None = None) -> BatchOutcome:
    """Evaluate every row of ``portfolio_path`` and write ``output``, the error file and the summary
    together at the end (all or none; every output checked before anything is read).

    ``progress(label, total)`` returns a function to call with the number of items done (or None).
    ``archive(**scores)`` (``--archive``) is given the scored rows as columns before the outputs are
    put in place: when it fails, no output is replaced.
    """
    from .output import check_outputs, deferred

    if csv_encoding not in ("utf-8-sig", "utf-8"):
        raise ConfigError(f"unknown CSV encoding {csv_encoding!r}; expected utf-8-sig (with BOM) or utf-8",
                          path="--csv-encoding")
    outs = [("-o", output)]
    if errors_path or output:
        outs.append(("--errors", errors_path or default_errors_path(output)))
    if summary_path:
        outs.append(("--summary", summary_path))
    check_outputs(outs, [portfolio_path, *([pack_or_config] if pack_or_config.endswith(".toml") else [])])
    with deferred():
        return _run(pack_or_config, portfolio_path, output, errors_path=errors_path, summary_path=summary_path,
                    registry=registry, progress=progress, encoding=encoding, ignore_columns=ignore_columns,
                    fill_from_template=fill_from_template, csv_encoding=csv_encoding, lang=lang,
                    keep=keep, group_by=group_by, archive=archive)


def _run(pack_or_config: str, portfolio_path: str, output: str, *, errors_path: str | None,
         summary_path: str | None, registry: Any, progress: Any, encoding: str | None,
         ignore_columns: tuple[str, ...], fill_from_template: bool, csv_encoding: str, lang: str,
         keep: tuple[str, ...] = (), group_by: str | None = None,
         archive: Callable[..., None] | None = None) -> BatchOutcome:
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
        check_suffix(summary_path, (".json", ".md", ".xlsx"), "summary", "--summary")
    if errors_path:
        check_suffix(errors_path, (".csv",), "error file", "--errors")
    registry = registry or Registry()
    pack, template = load_pack_or_template(pack_or_config, registry)
    check_pack_semantics(pack, registry, raise_errors=True)
    prog = progress or (lambda label, total: _Null())

    portfolio = read_portfolio(portfolio_path, encoding=encoding)
    n = portfolio.n
    known = known_inputs(pack, registry)
    layout = layout_of(list(portfolio.columns), known)
    check_codes(layout, pack, str(portfolio_path))
    kept = kept_columns(portfolio, layout, keep, group_by, str(portfolio_path))
    layout = attrs.evolve(layout, ignored=tuple(c for c in layout.ignored if c not in kept))
    check_headers(layout, pack, known, str(portfolio_path), ignore_columns, suffix=Path(portfolio_path).suffix)
    rs = pack.rule_set
    from .compile import output_places

    sp = output_places(rs)  # every score column's precision; each value rounded at its own level

    program = compile_pack(pack, registry)
    col = run_program(program, portfolio, layout, template)
    codes = [leaf.code for leaf in pack.leaves()]
    leaves = {c: (col.leaves[c].copy() if c in col.leaves else np.zeros(n, dtype=np.int64)) for c in codes}
    has_total = rs.total_aggregator is not None
    total = col.total.copy() if col.total is not None else np.zeros(n, dtype=np.int64)
    ok = ~col.fallback
    texts: dict[str, dict[int, str]] = {}
    errors: list[RowError] = []
    refused = np.zeros(n, dtype=bool)
    for i, problems in portfolio.cell_errors.items():
        refused[i] = True
        errors += [RowError(row=portfolio.row_number(i), project_id=portfolio.project_ids[i].as_py(), column=c,
                            kind="data error", message=msg) for c, msg in problems]
    filled = 0
    if template is not None:
        blanks = template_blanks(portfolio, layout, template)
        for i, cols_ in blanks.items():
            if fill_from_template:
                filled += len(cols_)
                continue
            refused[i] = True
            errors += [RowError(row=portfolio.row_number(i), project_id=portfolio.project_ids[i].as_py(), column=c,
                                kind="data error", message=message(
                                    "blank cell; the template's value is used only with --fill-from-template", lang))
                       for c in cols_]
    ok &= ~refused

    import pyarrow as pa
    import pyarrow.compute as pc

    # A missing project_id is replaced by the row's position (1-based), column-wise.
    ids_arr = portfolio.project_ids
    if ids_arr.null_count:
        ids_arr = pc.coalesce(ids_arr, pc.cast(pa.array(np.arange(1, n + 1)), pa.string()))

    def pid_of(i: int) -> str:
        return ids_arr[i].as_py()

    redo = np.flatnonzero(col.fallback & ~refused)
    tick = prog("engine", len(redo)) if len(redo) else _Null()
    for k, i in enumerate(redo.tolist()):
        res = evaluate_row(pack, registry, portfolio, layout, i, template, errors, pid_of(i))
        if res is not None:
            for lr in res.leaves():
                if isinstance(lr.score, Decimal):
                    shown = lr.score if lr.override is not None else rs.rounding.shown(lr.score, "leaf")
                    leaves[lr.code][i] = int(quantize(shown, sp).scaleb(sp))
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

    columns = ["project_id", *kept, "row", "total", "grade", "rank", *codes]
    kept_arrays = {c: _as_string(portfolio.columns[c]) for c in kept}
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
                **{c: kept_arrays[c].take(pa.array(sel)) for c in kept},
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
                  write_tick, csv_encoding=csv_encoding, headings=headings(columns, pack))

    errors.sort(key=lambda e: e.row)
    if lang == "zh":
        errors = [attrs.evolve(e, message=message(e.message, "zh")) for e in errors]
    if errors_path or errors:
        write_errors(errors_path or default_errors_path(output), errors, csv_encoding=csv_encoding)
    if summary_path:
        summary = build_summary(
            pack=pack, n_rows=n, n_ok=len(rows), errors=len({e.row for e in errors}), fallback_rows=len(redo),
            total=total[rows] if has_total else None, grades=grades,
            leaves={c: leaves[c][rows] for c in codes if c not in texts}, ids=_Ids(ids_arr, rows),
            scale=sp, grade_order=grade_order, ranked=order, ranks=rank, filled_from_template=filled,
            names=next(([v or "" for v in kept_arrays[c].take(pa.array(rows)).to_pylist()]
                        for c in ("项目名称", "name") if c in kept_arrays), None),
            group_by=group_by, groups=None if group_by is None else
            [v if v is not None and v.strip() else BLANK_GROUP
             for v in kept_arrays[group_by].take(pa.array(rows)).to_pylist()])
        write_summary(summary_path, summary)
    if archive is not None and len(rows):
        archive(pack=pack, template=template, project_ids=ids_arr.take(pa.array(rows)).to_pylist(),
                kept={c: kept_arrays[c].take(pa.array(rows)).to_pylist() for c in kept}, total=total[rows],
                grades=list(grade_col) if grade_col is not None else [None] * len(rows),
                leaves={c: leaves[c][rows] for c in codes}, texts=texts, rows=rows, scale=sp,
                row_numbers=row_numbers)
    return BatchOutcome(projects=n, scored=len(rows), errors=errors, engine_rows=len(redo),
                        columnar=program.vectorised, reasons=program.reasons, ignored_columns=layout.ignored,
                        filled_from_template=filled)


BLANK_GROUP = "（空）"
"""The --group-by group of rows whose cell is blank."""

HEADINGS = {"project_id": "项目编号", "row": "行号", "total": "总分", "grade": "等级", "rank": "名次",
            "name": "项目名称", "department": "主管部门", "unit": "实施单位", "region": "地区"}


def headings(columns: list[str], pack: Any) -> list[str]:
    """Chinese column names for results.xlsx: indicators by name with the code in brackets."""
    names = {leaf.code: leaf.name for leaf in pack.leaves()}
    return [HEADINGS.get(c) or (f"{names[c]}（{c}）" if c in names else c) for c in columns]


def _as_string(arr: Any) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    return arr if pa.types.is_string(arr.type) else pc.cast(arr, pa.string())


def kept_columns(portfolio: Any, layout: Any, keep: tuple[str, ...], group_by: str | None, file: str) -> list[str]:
    """The text columns carried to the results, in the portfolio's column order: the identifying columns
    present, the --keep columns and the --group-by column. One the portfolio lacks is refused (exit 2)."""
    import difflib

    have = list(portfolio.columns)
    for option, wanted in (("--keep", keep), ("--group-by", (group_by,) if group_by else ())):
        for c in wanted:
            if c not in portfolio.columns:
                close = difflib.get_close_matches(c, have, n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise ConfigError(f"the portfolio has no column {c!r}{hint}", file=file, path=option)
            if c not in layout.ignored and c not in IDENTIFYING:
                raise ConfigError(f"column {c!r} is an input of the pack, not an identifying text column; "
                                  "its value is in the scores already", file=file, path=option)
    wanted = {*IDENTIFYING, *keep, *((group_by,) if group_by else ())}
    return [c for c in have if c in wanted and c != "project_id"]


class _Ids:
    """Project ids of the scored rows, looked up only when the summary names a project."""

    def __init__(self, ids: Any, rows: np.ndarray) -> None:
        self.ids, self.rows = ids, rows

    def __getitem__(self, k: int) -> str:
        return self.ids[int(self.rows[k])].as_py()


def default_errors_path(output: str) -> str:
    p = Path(output)
    return str(p.with_name(p.stem + ".errors.csv"))



def check_headers(layout: Any, pack: Any, known: set[str], file: str, ignore: tuple[str, ...], *, suffix: str) -> None:
    """A header naming no input of the pack stops the run (exit 2), with a did-you-mean, unless
    ``--ignore-columns`` names it; a column ``--ignore-columns`` names that the file lacks is refused too."""
    import difflib

    codes = [leaf.code for leaf in pack.leaves()]
    names = sorted({"project_id", *known, *(f"{w}.{c}" for w in ("rating", "reason", "band", "mark", "override",
                                                                  "override_reason") for c in codes)})
    unknown = [c for c in layout.ignored if c not in ignore]
    unknown += [col for name, rows in layout.tables.items() if name not in known
                for cols in rows.values() for col in cols.values() if col not in ignore]
    unknown += [col for name, spec in layout.surveys.items() if name not in known
                for col in [*spec["answers"].values(), *(spec[f] for f in ("responses", "question", "single_choice")
                                                          if f in spec)] if col not in ignore]
    where = "row 1 (header)" if suffix.lower() != ".parquet" else "columns"
    if unknown:
        parts = []
        for c in unknown:
            close = difflib.get_close_matches(c, names, n=1, cutoff=0.75)
            parts.append(f"{c!r} (did you mean {close[0]!r}?)" if close else repr(c))
        raise ConfigError(f"column(s) naming no input of pack {pack.name!r}: {', '.join(parts)}; fix the header "
                          "or name them in --ignore-columns", file=file, path=where)
    present = set(layout.ignored)
    missing = [c for c in ignore if c not in present]
    if missing:
        raise ConfigError(f"--ignore-columns names column(s) the portfolio does not have (or that are inputs): "
                          f"{', '.join(missing)}", file=file, path="--ignore-columns")


def template_blanks(portfolio: Any, layout: Any, template: Any) -> dict[int, list[str]]:
    """Rows whose blank cells the template would fill: row index → the columns, in header order."""
    out: dict[int, list[str]] = {}

    def mark(mask: np.ndarray, column: str) -> None:
        for i in np.flatnonzero(mask).tolist():
            out.setdefault(i, []).append(column)

    inputs = template.inputs or {}
    for name, col in layout.scalars.items():
        if inputs.get(name) is not None:
            mark(~portfolio.present(col), col)
    for name, rows in layout.tables.items():
        if inputs.get(name) is not None:
            cols = [c for r in rows.values() for c in r.values()]
            anyp = np.zeros(portfolio.n, dtype=bool)
            for c in cols:
                anyp |= portfolio.present(c)
            mark(~anyp, f"{name}[…] ({cols[0]}…)")
    for name, spec in layout.surveys.items():
        if inputs.get(name) is not None and spec["answers"]:
            anyp = np.zeros(portfolio.n, dtype=bool)
            for c in spec["answers"].values():
                anyp |= portfolio.present(c)
            mark(~anyp, f"{name}.answers.…")
    ratings = template.ratings or {}
    for what, attr in (("rating", "value"), ("band", "band")):
        for code, col in layout.per_code.get(what, {}).items():
            r = ratings.get(code)
            if r is not None and getattr(r, attr, None) is not None:
                mark(~portfolio.present(col), col)
    return out


_ZH = {
    "blank cell; the template's value is used only with --fill-from-template":
        "空白单元格；仅在使用 --fill-from-template 时才采用模板中的数值",
}


def message(text: str, lang: str) -> str:
    """A batch message in ``lang`` (the batch's own messages; the engine's are kept as written)."""
    if lang == "zh":
        for en, zh in _ZH.items():
            text = text.replace(en, zh)
        if text.startswith("formula ") and "has no saved value" in text:
            f = text[len("formula "):text.index(" has no saved value")]
            return f"公式 {f} 没有保存的计算结果（工作簿保存时未计算）；请在 Excel 中重新计算并保存，或直接填写数值"
    return text
