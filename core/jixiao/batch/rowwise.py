"""Per-row evaluation through the real engine: one portfolio row → an EvaluationConfig → engine.evaluate.

This is the fallback for rows (or packs) the columnar program cannot do exactly, and the reference
the columnar results are tested against. Errors keep the engine's words; their key paths are
turned back into the portfolio's row number and column name.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pyarrow as pa
import pyarrow.compute as pc

from ..config import EvaluationConfig, Rating, _fraction
from ..errors import ConfigError, ErrorGroup, JixiaoError
from ..model import Override, quick_init
from ..numbers import to_decimal
from .compile import Layout
from .portfolio import Portfolio


@attrs.frozen(kw_only=True)
class RowError:
    row: int
    project_id: str
    column: str
    kind: str
    message: str


def row_config(portfolio: Portfolio, layout: Layout, i: int, template: EvaluationConfig | None,
               *, errors: list[RowError], pid: str) -> EvaluationConfig | None:
    """The evaluation config of row ``i``: the template's inputs and ratings, overridden by the row's cells."""
    row_no = portfolio.row_number(i)
    problems: list[RowError] = []
    inputs: dict[str, Any] = dict(template.inputs) if template else {}
    ratings: dict[str, Rating] = dict(template.ratings) if template else {}
    overrides: dict[str, Override] = dict(template.overrides) if template else {}
    plan = _reader_of(portfolio, layout, template)
    slow = portfolio.cell
    # the lists hold cells as Portfolio.cell gives them (floats as their repr, blank text None; a
    # table's whole numbers as text): _Reader cleans each column once per chunk, not each cell per row
    for name, col, lst in plan.scalars:
        v = lst[i] if lst is not None else slow(col, i)
        if v is not None:
            inputs[name] = v
    for name, rows in plan.tables:
        table = []
        for cols in rows:
            cells = {}
            for c, col, lst in cols:
                v = lst[i] if lst is not None else _table_cell(slow(col, i))
                if v is not None:
                    cells[c] = v
            if cells:
                table.append(cells)
        if table:
            inputs[name] = table
    for name, spec, answer_cols, extra_cols in plan.surveys:
        answers = {}
        for a, col, lst in answer_cols:
            v = lst[i] if lst is not None else slow(col, i)
            if v is not None:
                answers[a] = v
        extra = {}
        for f, col, lst in extra_cols:
            v = lst[i] if lst is not None else slow(col, i)
            if v is not None:
                extra[f] = v
        if answers or extra:
            base = dict(inputs.get(name, {})) if isinstance(inputs.get(name), dict) else {}
            if answers:
                base["answers"] = answers
            if "single_choice" in extra:
                sc = str(extra["single_choice"]).strip().lower()
                if sc not in ("true", "false", "1", "0"):
                    problems.append(RowError(row=row_no, project_id=pid, column=spec["single_choice"],
                                             kind="configuration error",
                                             message=f"expected true or false, got {extra['single_choice']!r}"))
                extra["single_choice"] = sc in ("true", "1")
            base.update(extra)
            inputs[name] = base
    per = layout.per_code
    # Cell by cell: a row's rating, band or reason replaces the template's, the rest of it stays.
    cache = _cache_of(layout, template)[2]
    for code, rc, rl, bc, bl, sc, sl, coded in plan.ratings:
        if coded is not None:
            # a rating column alone, dictionary-encoded once per chunk: a cell's entry in the column's
            # dictionary stands for its exact digits (one Arrow type per column, one scale per decimal
            # column), so the Rating it gives is found by that entry
            j = coded[0][i]
            hit = coded[2].get(j)
            if hit is not None:
                if hit is not _BLANK:
                    ratings[code] = hit
                continue
            r = coded[1][j] if j >= 0 else None
            b = s = None
        else:
            r = (rl[i] if rl is not None else slow(rc, i)) if rc is not None else None
            b = (bl[i] if bl is not None else slow(bc, i)) if bc is not None else None
            s = (sl[i] if sl is not None else slow(sc, i)) if sc is not None else None
        if r is None and b is None and s is None:
            if coded is not None:
                coded[2][j] = _BLANK
            continue
        # the same cells give the same Rating (1 and 1.0 and "1" are told apart: their digits differ; text
        # and an empty cell are their own keys, no (type, digits) pair equals either)
        key = (code, r if r is None or type(r) is str else (type(r), str(r)),
               b if b is None or type(b) is str else (type(b), str(b)),
               s if s is None or type(s) is str else (type(s), str(s)))
        hit = cache.get(key)
        if hit is None:
            changes: dict[str, Any] = {}
            if r is not None:
                try:
                    changes["value"] = _fraction(r, f"$.ratings.{code}.rating", str(portfolio.path))
                except JixiaoError as exc:
                    problems.append(RowError(row=row_no, project_id=pid, column=rc, kind=exc.kind,
                                             message=exc.message))
                    continue
            if b is not None:
                changes["band"] = str(b)
            if s is not None:
                changes["reason"] = str(s)
            current = ratings.get(code)
            hit = attrs.evolve(current, **changes) if current is not None else \
                Rating(path=f"$.ratings.{code}", **changes)
            if len(cache) < 4096:
                cache[key] = hit
        ratings[code] = hit
        if coded is not None:
            coded[2][j] = hit
    for code, col in per.get("mark", {}).items():
        v = portfolio.cell(col, i)
        if v is not None:
            old = ratings.get(code)
            ratings[code] = attrs.evolve(old, mark=str(v)) if old else Rating(mark=str(v), path=f"$.ratings.{code}")
    for code, col in per.get("override", {}).items():
        v = portfolio.cell(col, i)
        if v is None:
            continue
        reason_col = per.get("override_reason", {}).get(code)
        reason = portfolio.cell(reason_col, i) if reason_col else None
        if reason is None or not str(reason).strip():
            problems.append(RowError(row=row_no, project_id=pid, column=reason_col or f"override_reason.{code}",
                                     kind="configuration error",
                                     message=f"an override of {code} needs a written reason"))
            continue
        try:
            overrides[code] = Override(score=to_decimal(v), reason=str(reason))
        except (TypeError, ValueError, ArithmeticError):
            problems.append(RowError(row=row_no, project_id=pid, column=col, kind="configuration error",
                                     message=f"expected a number, got {v!r}"))
    if problems:
        errors.extend(problems)
        return None
    held = getattr(_LOCAL, "base", None)
    if held is not None and held[0] is portfolio and held[1] is template:
        folder = held[2]
    else:
        folder = Path(template.base if template else portfolio.path.parent)
        _LOCAL.base = (portfolio, template, folder)
    return _row_config(f"{portfolio.path.name} row {row_no}", folder, None, None, {"project_id": pid}, inputs,
                       ratings, overrides, {}, "", (), True)


_row_config = quick_init(EvaluationConfig, "file", "base", "pack_name", "pack_path", "project", "inputs", "ratings",
                         "overrides", "notes", "sha256", "disable", "plain_rates")
"""EvaluationConfig(file=, base=, …, plain_rates=) made as :func:`jixiao.model.quick_init` makes it (the
same object, without attrs' __init__: a row's config is made for every row the fallback scores)."""


def _clean(v: Any) -> Any:
    """A cell of a column's Python list as :meth:`Portfolio.cell` gives it: floats as their repr, blank text None."""
    t = type(v)
    if t is float:
        return repr(v)
    if t is str and not v.strip():
        return None
    return v


def _table_cell(v: Any) -> Any:
    """A cell as a table's row holds it: :meth:`Portfolio.cell`'s value, a whole number as its text."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(v)
    return v


def _cleaned(lst: list[Any], table: bool) -> list[Any]:
    """Every cell of a column's Python list as :func:`_clean` (and, for a table's cells, :func:`_table_cell`)
    gives it; the list itself when no cell changes (a column of Decimals)."""
    kinds = {type(v) for v in lst}
    kinds.discard(type(None))
    if not kinds or kinds == {Decimal} or (kinds == {int} and not table):
        return lst
    if kinds == {int}:
        return [None if v is None else str(v) for v in lst]
    out = [_clean(v) for v in lst]
    return [_table_cell(v) for v in out] if table else out


@attrs.frozen
class _Reader:
    """The columns a row's config reads, each with its Python list (None: read by ``portfolio.cell``,
    as a column of 50,000 rows or more is), found once per chunk instead of once per cell."""

    scalars: list[tuple[str, str, Any]]
    tables: list[tuple[str, list[list[tuple[str, str, Any]]]]]
    surveys: list[tuple[str, Mapping[str, Any], list[tuple[str, str, Any]], list[tuple[str, str, Any]]]]
    ratings: list[tuple[str, Any, Any, Any, Any, Any, Any, Any]]


def _reader_of(portfolio: Portfolio, layout: Layout, template: EvaluationConfig | None) -> _Reader:
    held = getattr(_LOCAL, "reader", None)
    if held is not None and held[0] is portfolio and held[1] is layout and held[2] is template:
        return held[3]

    def lst(col: str, table: bool = False) -> Any:
        if portfolio.n and col in portfolio.columns:
            portfolio.cell(col, 0)  # makes the column's list, as reading its first cell always did
        raw = portfolio._pylists.get(col) or None
        return None if raw is None else _cleaned(raw, table)

    reader = _Reader(
        scalars=[(name, col, lst(col)) for name, col in layout.scalars.items()],
        tables=[(name, [[(c, col, lst(col, True)) for c, col in cols.items()] for cols in rows.values()])
                for name, rows in layout.tables.items()],
        surveys=[(name, spec, [(a, col, lst(col)) for a, col in spec["answers"].items()],
                  [(f, spec[f], lst(spec[f])) for f in ("responses", "question", "single_choice") if f in spec])
                 for name, spec in layout.surveys.items()],
        ratings=[(code, rc, None, None, None, None, None, coded) if (coded := _coded(portfolio, rc, bc, sc)) else
                 (code, rc, lst(rc) if rc is not None else None, bc, lst(bc) if bc is not None else None,
                  sc, lst(sc) if sc is not None else None, None)
                 for code, rc, bc, sc in _rating_columns(layout)])
    _LOCAL.reader = (portfolio, layout, template, reader)
    return reader


_BLANK = object()
"""What a rating column's dictionary entry gives when its cell is blank: nothing (the template's rating stays)."""


def _coded(portfolio: Portfolio, rc: str | None, bc: str | None, sc: str | None) -> Any:
    """(each row's entry in the column's dictionary, -1 for null; the entries' cells as :func:`_clean` gives
    them; {entry: the Rating it gives}) of a rating column without band or reason columns, when its Arrow
    type writes equal digits for equal values (decimal, integer, text); None otherwise (a float column:
    ``-0.0`` and ``0.0``), and the row's cells are read one by one."""
    if rc is None or bc is not None or sc is not None:
        return None
    arr = portfolio.columns.get(rc)
    if arr is None or not (pa.types.is_decimal(arr.type) or pa.types.is_integer(arr.type)
                           or pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    enc = pc.dictionary_encode(arr)
    return (enc.indices.fill_null(-1).to_pylist(), _cleaned(enc.dictionary.to_pylist(), False), {})


_LOCAL = threading.local()
"""What this thread remembers from the rows of the chunk it is scoring (``--jobs`` scores chunks in
threads): ``prepared`` — (portfolio, :class:`jixiao.engine.Prepared`), the pack walked once per chunk
and the results its memo keeps; ``ratings`` — (layout, template, {cells: Rating}, rating columns);
``base`` — (portfolio, template, the rows' base folder); ``reader`` — (portfolio, layout, template, :class:`_Reader`)."""


def forget() -> None:
    """Drop what this thread remembers: the next row is scored as the first row of a chunk."""
    _LOCAL.__dict__.clear()


def _cache_of(layout: Layout, template: EvaluationConfig | None) -> tuple[Any, ...]:
    c = getattr(_LOCAL, "ratings", None)
    if c is not None and c[0] is layout and c[1] is template:
        return c
    c = _LOCAL.ratings = (layout, template, {}, _rating_columns(layout))
    return c


def _rating_columns(layout: Layout) -> list[tuple[str, str | None, str | None, str | None]]:
    """(code, rating column, band column, reason column) of every code a rating, band or reason column names."""
    per = layout.per_code
    rating, band, reason = per.get("rating", {}), per.get("band", {}), per.get("reason", {})
    return [(code, rating.get(code), band.get(code), reason.get(code))
            for code in dict.fromkeys([*rating, *band, *reason])]


_TABLE_PATH = re.compile(r"^\$\.inputs\.([^.\[]+)\[(\d+)\](?:\.(.+))?$")


def column_of(exc: JixiaoError, layout: Layout, portfolio: Portfolio, i: int) -> str:
    """The portfolio column an engine error points at (``$.inputs.budget[2].actual`` → ``budget[3].actual``)."""
    path = exc.path or ""
    formula = getattr(exc, "formula", None)
    if isinstance(formula, str) and ".source.expr" in path:
        # A formula that cannot be computed for this row (x ÷ 0): the columns it divides by, else all it reads.
        names = [n for n in _formula_names(formula, getattr(exc, "offset", -1)) if n in layout.scalars]
        if names:
            return ", ".join(names)
    if exc.file and not exc.file.startswith(portfolio.path.name):
        return f"{exc.file}: {path}" if path else exc.file  # e.g. the template's CSV table
    if m := _TABLE_PATH.match(path):
        name, idx, col = m[1], int(m[2]), m[3]
        present = [label for label, cols in layout.tables.get(name, {}).items()
                   if any(portfolio.cell(c, i) is not None for c in cols.values())]
        label = present[idx] if idx < len(present) else idx + 1
        return f"{name}[{label}].{col}" if col else f"{name}[{label}]"
    if path.startswith("$.inputs."):
        return path[len("$.inputs."):]
    if (m := re.fullmatch(r"\$\.indicators\.(.+)\.actual", path)) and f"{m[1]}.actual" in layout.scalars:
        return f"{m[1]}.actual"  # a template leaf's actual value, given in the row's CODE.actual column
    for section, prefix in (("ratings", "rating"), ("overrides", "override")):
        if path.startswith(f"$.{section}."):
            code, _, field = path[len(f"$.{section}."):].partition(".")
            if section == "ratings" and field in ("band", "mark", "reason"):
                return f"{field}.{code}"
            return f"{prefix}.{code}"
    return path


def _formula_names(text: str, offset: int) -> list[str]:
    """The input names under the division at ``offset`` of a formula (all its names when none is there)."""
    from ..errors import FormulaError
    from ..formula import Binary, Name, compile_formula

    try:
        compiled = compile_formula(text)
    except FormulaError:
        return []

    def names(node: Any) -> list[str]:
        if isinstance(node, Name):
            return [node.name]
        return [n for child in attrs.astuple(node, recurse=False) if hasattr(child, "start")
                for n in names(child)] + [n for child in attrs.astuple(node, recurse=False)
                                           if isinstance(child, tuple) for c in child for n in names(c)]

    stack = [compiled.tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Binary) and node.op == "/" and node.op_at == offset:
            return list(dict.fromkeys(names(node.right)))
        stack.extend(c for c in attrs.astuple(node, recurse=False) if hasattr(c, "start"))
        stack.extend(c for t in attrs.astuple(node, recurse=False) if isinstance(t, tuple) for c in t)
    return list(compiled.names)


def evaluate_row(pack: Any, registry: Any, portfolio: Portfolio, layout: Layout, i: int,
                 template: EvaluationConfig | None, errors: list[RowError], pid: str, *,
                 figures: bool = False) -> Any:
    """The engine's result for row ``i``, or None after recording its errors.

    ``figures``: the scores, totals, grades and errors only, without workings or other texts
    (:attr:`jixiao.engine.Prepared.figures`: what ``jixiao batch`` keeps of a row).
    """
    cfg = row_config(portfolio, layout, i, template, errors=errors, pid=pid)
    if cfg is None:
        return None
    try:
        return _engine().evaluate(pack, cfg, registry, prepared=_prepared(pack, registry, portfolio, figures))
    except JixiaoError as exc:
        excs = exc.errors if isinstance(exc, ErrorGroup) else [exc]
        for e in excs:
            errors.append(RowError(row=portfolio.row_number(i), project_id=pid,
                                   column=column_of(e, layout, portfolio, i), kind=e.kind, message=e.message))
        return None


@functools.cache
def _engine() -> Any:
    """:mod:`jixiao.engine`, imported at the first row rather than with this module, looked up once."""
    from .. import engine

    return engine


def _prepared(pack: Any, registry: Any, portfolio: Portfolio, figures: bool = False) -> Any:
    """This chunk's :class:`jixiao.engine.Prepared` (with its memo), made at the chunk's first row."""
    held = getattr(_LOCAL, "prepared", None)
    if held is not None and held[0] is portfolio:
        prep = held[1]
        if prep.pack is pack and prep.registry is registry and prep.figures == figures:
            return prep
    prep = _engine().Prepared(pack, registry, memo=True, figures=figures)
    _LOCAL.prepared = (portfolio, prep)
    return prep


def check_codes(layout: Layout, pack: Any, file: str) -> None:
    """A rating or override column for a code the pack does not have is a header mistake (exit 2)."""
    codes = {leaf.code for leaf in pack.leaves()}
    bad = [col for per in layout.per_code.values() for code, col in per.items() if code not in codes]
    if bad:
        raise ConfigError(f"column(s) {', '.join(sorted(bad))} name no indicator of pack {pack.name!r}",
                          file=file, path="header")


def known_inputs(pack: Any, registry: Any) -> set[str]:
    from ..engine import required_inputs

    names = {spec.name for spec in pack.inputs}
    names |= {req.name for _, req in required_inputs(pack, registry) if req.name}
    return names


def as_mapping(x: Any) -> Mapping[str, Any]:
    return x if isinstance(x, Mapping) else {}
