"""Whole portfolios with one pack: read the projects, score them column-wise in exact fixed point
(rows the fast path cannot do exactly go through the real engine), write results, errors and a summary.

The public entry point is :func:`run_batch`; ``jixiao batch`` is its command line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Self

import attrs
import numpy as np

from ..errors import ConfigError
from ..numbers import quantize
from .fixed import Marks

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
              chunk_rows: int = 65_536, jobs: int = 1, archive: Callable[..., None] | None = None,
              nodes: bool = False) -> BatchOutcome:
    """Evaluate every row of ``portfolio_path`` and write ``output``, the error file and the summary
    together at the end (all or none; every output checked before anything is read).

    The portfolio is read and scored ``chunk_rows`` projects at a time (``jobs`` chunks at once), so memory
    does not grow with its size; results, ranks and summary are those of the whole file to the digit.
    ``progress(label, total)`` returns a function to call with the number of items done (or None).
    ``archive(**scores)`` (``--archive``) is given the scored rows as columns before the outputs are
    put in place: when it fails, no output is replaced. ``nodes`` (``--nodes``): the results also have
    every group's result, one column per group after the leaves.
    """
    from .output import check_outputs, deferred

    if chunk_rows < 1:
        raise ConfigError(f"--chunk-size must be at least 1, got {chunk_rows}", path="--chunk-size")
    if jobs < 1:
        raise ConfigError(f"--jobs must be at least 1, got {jobs}", path="--jobs")
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
                    keep=keep, group_by=group_by, chunk_rows=chunk_rows, jobs=jobs, archive=archive,
                    nodes=nodes)


@attrs.define
class Plan:
    """What every chunk (or Dask partition) of one run is scored with: compiled once, read-only after."""

    pack: Any
    registry: Any
    template: Any
    layout: Any
    program: Any
    codes: list[str]
    kept: list[str]
    sp: int
    mode: str
    has_total: bool
    scheme: Any
    fill_from_template: bool
    lang: str
    has_ids: bool
    node_codes: list[str] = attrs.field(factory=list)
    """The groups whose results are columns (``--nodes``; empty without it), in the tree's pre-order."""
    node_sp: int = 0
    """The precision of the node columns: ``sp``, or ``tier_places`` when that keeps more decimals."""


@attrs.define
class ChunkResult:
    """One chunk scored: its scored rows as a table (scores as int64 at the score scale; no rank yet) and
    what the summary and the error file need from it."""

    n: int
    table: Any
    texts: dict[str, Marks]
    """Leaves scored as text (ordinal marks, or text the engine gave): code → the texts of the chunk's
    scored rows as codes into labels, −1 for a row whose score is a number (in ``table``)."""
    errors: list[Any]
    engine_rows: int
    filled: int
    ids: Any
    """The chunk's project ids as written (for the duplicate check), or None without a project_id column."""


def make_plan(pack_or_config: str, columns: list[str], file: str, *, registry: Any, ignore_columns: tuple[str, ...],
              fill_from_template: bool, lang: str, keep: tuple[str, ...], group_by: str | None,
              suffix: str, nodes: bool = False) -> Plan:
    """The pack (or template) loaded and checked against the portfolio's header, and its columnar program.
    ``nodes``: the groups' results are columns too (a group code that is another column's name is refused)."""
    from ..validate import check_pack_semantics
    from .compile import compile_pack, layout_of, output_places
    from .rowwise import check_codes, known_inputs

    pack, template = load_pack_or_template(pack_or_config, registry)
    check_pack_semantics(pack, registry, raise_errors=True)
    known = known_inputs(pack, registry)
    layout = layout_of(list(columns), known)
    check_codes(layout, pack, file)
    kept = kept_columns(_Columns(columns), layout, keep, group_by, file)
    layout = attrs.evolve(layout, ignored=tuple(c for c in layout.ignored if c not in kept))
    check_headers(layout, pack, known, file, ignore_columns, suffix=suffix)
    rs = pack.rule_set
    scheme = rs.grading_scheme or (registry.grading(rs.grading) if rs.grading else None)
    sp = output_places(rs)
    where = "row 1 (header)" if suffix.lower() != ".parquet" else "columns"
    codes = [leaf.code for leaf in pack.leaves()]
    taken = {*RESULT_COLUMNS, *codes}
    for c in kept:
        if c in taken:
            what = "a leaf's score" if c in codes else "one of the results' own columns"
            raise ConfigError(f"the portfolio's column {c!r}, carried to the results, has the name of {what} "
                              f"({c!r}); the results cannot hold both (rename the column)", file=file, path=where)
    node_codes = node_columns(pack, kept, pack_or_config, file, where) if nodes else []
    return Plan(pack=pack, registry=registry, template=template, layout=layout, program=compile_pack(pack, registry),
                codes=codes, kept=kept, sp=sp,
                mode=rs.rounding.mode, has_total=rs.total_aggregator is not None, scheme=scheme,
                fill_from_template=fill_from_template, lang=lang, has_ids="project_id" in columns,
                node_codes=node_codes, node_sp=max(sp, rs.rounding.level("tier")[0]))


RESULT_COLUMNS = ("project_id", "row", "total", "grade", "rank")
"""The results' own columns (besides the carried text columns and the scores)."""


def node_columns(pack: Any, kept: list[str], pack_or_config: str, file: str, where: str) -> list[str]:
    """The codes of the pack's groups in the tree's pre-order (as the report prints them), for ``--nodes``.

    Codes are unique across groups and leaves (the pack check refuses a code used twice), but a group may be
    coded like one of the results' own columns or a carried text column: that is refused (exit 2)."""
    from ..model import Group, iter_nodes

    codes = [g.code for g in iter_nodes(pack.tree) if isinstance(g, Group)]
    for c in codes:
        if c in RESULT_COLUMNS or c.startswith(TEXT_CODES):
            raise ConfigError(f"group code {c!r} is also the name of a column of the results; --nodes cannot "
                              "write both (rename the group)", file=pack.source or pack_or_config,
                              path=f"$.indicators.{c}")
        if c in kept:
            raise ConfigError(f"group code {c!r} is also the name of the portfolio's column {c!r}, carried to the "
                              "results; --nodes cannot write both (rename the column)", file=file, path=where)
    return codes


class _Columns:
    def __init__(self, names: list[str]) -> None:
        self.columns = list(names)


def score_chunk(plan: Plan, portfolio: Any) -> ChunkResult:
    """Score one chunk: the columnar program, then the engine for the rows it cannot do exactly. Every
    figure of a row depends on that row alone, so chunks may be scored in any order or place."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..model import NodeResult
    from .compile import run_program
    from .rowwise import RowError, evaluate_row

    n, sp, codes = portfolio.n, plan.sp, plan.codes
    rounding = plan.pack.rule_set.rounding
    col = run_program(plan.program, portfolio, plan.layout, plan.template)
    # --nodes: every group's result as printed (rows it cannot round exactly join the engine's rows)
    nodes = _fast_nodes(plan, col, n) if plan.node_codes else {}
    # The program's columns are changed in place below only for rows the engine redoes: copied only then.
    mine = bool(col.fallback.any())
    leaves = {c: ((col.leaves[c].copy() if mine else col.leaves[c]) if c in col.leaves
                  else np.zeros(n, dtype=np.int64)) for c in codes}
    total = ((col.total.copy() if mine else col.total) if col.total is not None
             else np.zeros(n, dtype=np.int64))
    ok = ~col.fallback
    texts = _Texts(n)
    for c, marks in col.texts.items():  # leaves scored as marks on the fast path (ordinal scales)
        texts.marks(c, marks, ok)
    for c, (_, group_marks) in nodes.items():  # groups whose result is a mark or a rating (PEFA's, PART's)
        if group_marks is not None:
            texts.marks(c, group_marks, ok, blank=False)
    errors: list[RowError] = []
    refused = np.zeros(n, dtype=bool)

    ids_arr = portfolio.project_ids
    if ids_arr.null_count:
        ids_arr = pc.coalesce(ids_arr, pc.cast(pa.array(np.arange(portfolio.offset + 1, portfolio.offset + n + 1)),
                                               pa.string()))

    def pid_of(i: int) -> str:
        return ids_arr[i].as_py()

    for i, problems in portfolio.cell_errors.items():
        refused[i] = True
        errors += [RowError(row=portfolio.row_number(i), project_id=pid_of(i), column=c, kind="data error",
                            message=msg) for c, msg in problems]
    filled = 0
    if plan.template is not None:
        for i, cols_ in template_blanks(portfolio, plan.layout, plan.template).items():
            if plan.fill_from_template:
                filled += len(cols_)
                continue
            refused[i] = True
            errors += [RowError(row=portfolio.row_number(i), project_id=pid_of(i), column=c,
                                kind="data error", message=message(
                                    "blank cell; the template's value is used only with --fill-from-template",
                                    plan.lang))
                       for c in cols_]
    ok &= ~refused
    redo = np.flatnonzero(col.fallback & ~refused)
    # A few rows of the chunk: the engine reads them from a portfolio of their own (it lists every column
    # it reads, which for one row of a chunk of 40,000 cost half a second); their row numbers, ids and
    # errors are the chunk's.
    few = portfolio.take(redo) if 0 < len(redo) <= portfolio.n // 2 else None
    for k, i in enumerate(redo.tolist()):
        res = evaluate_row(plan.pack, plan.registry, portfolio if few is None else few, plan.layout,
                           i if few is None else k, plan.template, errors, pid_of(i),
                           figures=True)  # the scores only: no workings or texts are kept
        if res is not None:
            for lr in res.leaves():
                if isinstance(lr.score, Decimal):
                    # every score column's precision is output_places; each value rounded at its own level
                    shown = lr.score if lr.override is not None else rounding.shown(lr.score, "leaf")
                    leaves[lr.code][i] = int(quantize(shown, sp).scaleb(sp))
                else:
                    texts.add(lr.code, i, "" if lr.score is None else str(lr.score))
            if nodes:
                node_sp = plan.node_sp
                for r in res.nodes():
                    if not isinstance(r, NodeResult):
                        continue
                    if isinstance(r.score, Decimal):  # as the report prints it: rounded at the tier level
                        nodes[r.code][0][i] = int(quantize(rounding.shown(r.score, "tier"), node_sp).scaleb(node_sp))
                    else:
                        texts.add(r.code, i, "" if r.score is None else str(r.score))
            if res.total is not None:
                total[i] = int(res.total.scaleb(sp))
            ok[i] = True
    rows = np.flatnonzero(ok)
    grades = None
    if plan.scheme is not None and plan.has_total and len(rows):
        grades = grades_of(plan.scheme, total[rows], sp)
    row_numbers = (np.array([portfolio.row_number(int(i)) for i in rows], dtype=np.int64)
                   if portfolio._row_numbers is not None
                   else rows.astype(np.int64) + 1 + portfolio.header_rows + portfolio.offset)
    from .output import int64_array

    every = len(rows) == n  # the usual chunk: every row scored, so no column is gathered
    take = None if every else int64_array(rows)

    def pick(v: np.ndarray) -> Any:
        return int64_array(v if every else v[rows])

    data: dict[str, Any] = {
        "project_id": ids_arr if every else ids_arr.take(take),
        **{c: _as_string(portfolio.columns[c]) if every else _as_string(portfolio.columns[c]).take(take)
           for c in plan.kept},
        "row": int64_array(row_numbers),
        "total": pick(total),
        "grade": (grades if isinstance(grades, pa.Array)
                  else pa.array(grades if grades is not None else [None] * len(rows), pa.string())),
        **{c: pick(leaves[c]) for c in codes},
        **{c: pick(v) for c, (v, _) in nodes.items()},
    }
    return ChunkResult(n=n, table=pa.table(data), texts=texts.of(rows, len(rows) < n), errors=errors,
                       engine_rows=len(redo), filled=filled, ids=portfolio.project_ids if plan.has_ids else None)


def _fast_nodes(plan: Plan, col: Any, n: int) -> dict[str, tuple[np.ndarray, Marks | None]]:
    """Every group's result from the columnar program, as the report prints it: code → (its numbers as
    int64 at ``plan.node_sp``, rounded at the tier level; its texts as marks, −1 where a row has a number).
    A group with no result at all (``ordinal_counts``: only counts) has the text "" on every row, as the
    engine's None. Rows whose figure cannot be rounded exactly are marked for the engine."""
    from .fixed import Frame, numeric_of

    tier = plan.pack.rule_set.rounding.level("tier")
    frame = Frame(n)
    frame.fallback = col.fallback  # marked in place: the program's own fallback rows
    out: dict[str, tuple[np.ndarray, Marks | None]] = {}
    for code in plan.node_codes:
        nc = col.nodes.get(code)
        if nc is None:  # the program is not columnar: every row is the engine's
            out[code] = (np.zeros(n, dtype=np.int64), None)
            continue
        number = numeric_of(frame, nc, tier)
        marks = nc.marks
        if number is None:
            codes = marks.codes.astype(np.int32) if marks is not None else np.full(n, -1, dtype=np.int32)
            labels = list(marks.labels) if marks is not None else []
            blank = codes < 0
            if blank.any():  # no number here: a row without a mark has no result ("")
                if "" not in labels:
                    labels.append("")
                codes[blank] = labels.index("")
            out[code] = (np.zeros(n, dtype=np.int64), Marks(codes, tuple(labels)))
            continue
        shown = frame.rescale(frame.quantize(number, *tier), plan.node_sp).v
        # the engine's rows are written into it: never into an array the program shares with another column
        out[code] = (shown.copy() if np.may_share_memory(shown, number.v) else shown, marks)
    return out


class _Texts:
    """A chunk's text scores while it is scored: per leaf a code for each of its ``n`` rows (−1: no text)
    and the labels, the fast path's marks first, then texts the engine gives as they are met."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.codes: dict[str, np.ndarray] = {}
        self.labels: dict[str, list[str]] = {}
        self.index: dict[str, dict[str, int]] = {}

    def marks(self, code: str, marks: Marks, good: np.ndarray, *, blank: bool = True) -> None:
        """The fast path's marks, kept on its ``good`` rows (a good row without a mark has the text "";
        with ``blank`` false it has a number instead — a group that is a number or a mark, as PART's
        sections)."""
        k = marks.codes.astype(np.int32)
        labels = list(marks.labels)
        index = {t: j for j, t in reversed(list(enumerate(labels)))}
        blanks = good & (k < 0) if blank else np.zeros(0, dtype=bool)
        if blanks.any():
            k[blanks] = index.setdefault("", len(labels))
            if len(index) > len(labels):
                labels.append("")
        k[~good] = -1
        self.codes[code], self.labels[code], self.index[code] = k, labels, index

    def add(self, code: str, i: int, text: str) -> None:
        """Row ``i``'s text for leaf ``code`` (from the engine)."""
        if code not in self.codes:
            self.codes[code], self.labels[code], self.index[code] = np.full(self.n, -1, dtype=np.int32), [], {}
        index = self.index[code]
        j = index.get(text)
        if j is None:
            j = index[text] = len(self.labels[code])
            self.labels[code].append(text)
        self.codes[code][i] = j

    def of(self, rows: np.ndarray, some: bool) -> dict[str, Marks]:
        """The texts of ``rows`` (the scored rows; ``some``: not all of them)."""
        out = {}
        for c, k in self.codes.items():
            k = k[rows] if some else k
            out[c] = Marks(k.astype(np.int16) if len(self.labels[c]) < 2**15 else k, tuple(self.labels[c]))
        return out


def grades_of(scheme: Any, totals: np.ndarray, sp: int) -> Any:
    """Each total's grade label (totals int64 at scale ``sp``), as ``scheme.grade`` gives it: every band's
    bounds compared in integers at that scale, exactly; when any total has no band or two, the labels
    come from ``scheme.grade`` one distinct total at a time (which raises its own error)."""
    import pyarrow as pa

    k = len(totals)
    hits = np.zeros(k, dtype=np.int8)
    label = np.full(k, -1, dtype=np.int64)
    for j, band in enumerate(scheme.bands):
        inside = np.ones(k, dtype=bool)
        for bound, low, inclusive in ((band.lower, True, band.lower_inclusive),
                                      (band.upper, False, band.upper_inclusive)):
            if bound is None:
                continue
            scaled = Decimal(bound).scaleb(sp)
            whole = scaled == scaled.to_integral_value()
            b = int(scaled.to_integral_value(rounding="ROUND_FLOOR"))
            if abs(b) > 2**62:
                return _grades_one_by_one(scheme, totals, sp)
            if low:  # total ≥ bound (or >): at an inexact bound, total > floor(bound)
                inside &= (totals >= b) if whole and inclusive else (totals > b)
            else:  # total ≤ bound (or <): at an inexact bound, total ≤ floor(bound)
                inside &= (totals <= b) if (not whole or inclusive) else (totals < b)
        hits += inside
        label[inside] = j
    if (hits != 1).any():
        return _grades_one_by_one(scheme, totals, sp)
    labels = pa.array([b.label for b in scheme.bands], pa.string())
    from .output import int64_array

    return labels.take(int64_array(label))


def _grades_one_by_one(scheme: Any, totals: np.ndarray, sp: int) -> Any:
    uniq, inverse = np.unique(totals, return_inverse=True)
    labels = np.array([scheme.grade(Decimal(int(u)).scaleb(-sp)).label for u in uniq], dtype=object)
    return list(labels[inverse])


def _scored_chunks(plan: Plan, source: Any, jobs: int) -> Iterator[ChunkResult]:
    """The source's chunks scored in order; with ``jobs`` > 1 that many chunks at once in threads (the
    numpy and Arrow kernels release the GIL), at most ``jobs`` + 1 chunks held at a time."""
    if jobs <= 1:
        for part in source.chunks():
            yield score_chunk(plan, part)
        return
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="jixiao-batch") as pool:
        pending: deque[Any] = deque()
        for part in source.chunks():
            pending.append(pool.submit(score_chunk, plan, part))
            while len(pending) > jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _releaser(every: int = 32) -> Callable[[], None]:
    """A function giving freed memory back to the system (Arrow's pool, and glibc's malloc_trim where it
    exists): called once a chunk, it trims on every ``every``-th call, so that the resident size stays near
    that of a few chunks' work instead of growing with what the allocators keep for reuse.

    Memory handed back is faulted in again by the next chunks, so trimming costs system time. Every 32nd
    chunk (about 1.4 M rows with the default chunk): 10,000,000 seed projects peaked at 890 MiB with 1.0 M
    page faults and 45 s of CPU, against 854-927 MiB, 1.6-1.9 M faults and 50-51 s trimming every 8th
    chunk (alternated, same minutes); without trimming the peak was 924 MiB. A 1,000,000-project run
    (23 chunks) no longer trims at all: 0.3-0.5 s less system time. (Trimming after every chunk made
    1,000,000 seed projects take 5.4-5.9 s instead of 4.7-4.9 s.)"""
    import ctypes
    import sys

    import pyarrow as pa

    pool = pa.default_memory_pool()
    trim = None
    if sys.platform.startswith("linux"):  # glibc; ctypes.util.find_library would start a subprocess
        try:
            trim = getattr(ctypes.CDLL("libc.so.6"), "malloc_trim", None)
        except OSError:  # pragma: no cover - another C library (musl): nothing to trim
            trim = None

    calls = 0

    def release() -> None:
        nonlocal calls
        calls += 1
        if calls % every:
            return
        pool.release_unused()
        if trim is not None:
            trim(0)

    return release


class IdCheck:
    """Blank and duplicate project ids across chunks, reported as the whole-file check did: the first problem
    in file order, with both row numbers for a duplicate.

    Only a 64-bit hash of each trimmed id is kept (8 bytes a project, not the strings and a hash table over
    them); when two hashes are equal, ``reread()`` gives the ids again, chunk by chunk in file order, and the
    colliding ones are compared as text — a collision of different ids is no duplicate.
    """

    def __init__(self, file: str, reread: Callable[[], Iterator[Any]] | None = None, *, n: int | None = None) -> None:
        self.file = file
        self.reread = reread
        self._buf = np.empty(n, dtype=np.uint64) if n else None
        self._parts: list[np.ndarray] = []
        self.hashed = 0
        """Ids hashed so far: those before the first blank one (a duplicate after it is not reported)."""
        self.seen = 0
        self.blank: tuple[int, int] | None = None
        self._rows: list[tuple[int, int, Any]] = []
        """Row numbers by global position, compactly: (first position, count, first row number or an array)."""
        self._held: list[Any] = []
        """The ids themselves, only when there is no ``reread`` (a caller that holds them anyway)."""

    def add(self, portfolio: Any, ids: Any, offset: int) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        n = portfolio.n
        self._note_rows(portfolio, offset, n)
        self.seen = offset + n
        if self.blank is not None:
            return
        key = pc.utf8_trim_whitespace(pc.cast(ids, pa.string()))
        bad = pc.or_kleene(pc.is_null(key), pc.equal(key, "")).fill_null(True)
        if pc.any(bad).as_py():
            i = int(np.flatnonzero(np.asarray(bad.to_numpy(zero_copy_only=False)))[0])
            self.blank = (offset + i, portfolio.row_number(i))
            key = key.slice(0, i)
        h = id_hashes(key)
        if self._buf is not None and self.hashed + len(h) <= len(self._buf):
            self._buf[self.hashed:self.hashed + len(h)] = h
        else:
            if self._buf is not None:
                self._parts.append(self._buf[:self.hashed])
                self._buf = None
            self._parts.append(h)
        if self.reread is None:
            self._held.append(key)
        self.hashed += len(h)

    def _note_rows(self, portfolio: Any, offset: int, n: int) -> None:
        numbers = getattr(portfolio, "_row_numbers", None)
        if numbers is not None:
            self._rows.append((offset, n, np.asarray(numbers, dtype=np.int64)))
            return
        first = portfolio.row_number(0) if n else 0
        if self._rows:
            o, k, f = self._rows[-1]
            if isinstance(f, int) and o + k == offset and f + k == first:
                self._rows[-1] = (o, k + n, f)
                return
        self._rows.append((offset, n, first))

    def row_number(self, g: int) -> int:
        import bisect

        k = bisect.bisect_right([o for o, _, _ in self._rows], g) - 1
        o, n, f = self._rows[k]
        if not o <= g < o + n:
            raise IndexError(g)
        return int(f[g - o]) if isinstance(f, np.ndarray) else f + (g - o)

    def _hashes(self) -> np.ndarray:
        if self._buf is not None:
            return self._buf[:self.hashed]
        return np.concatenate(self._parts) if self._parts else np.zeros(0, dtype=np.uint64)

    def check(self) -> None:
        from ..errors import DataError

        dup = None
        h = self._hashes()
        self._buf, self._parts = None, []
        h.sort()  # in place: the positions are found again from the ids when two hashes are equal
        same = h[1:] == h[:-1]
        if same.any():
            colliding = np.unique(h[1:][same])
            del h, same
            dup = self._first_duplicate(colliding)
        else:
            del h, same
        if self.blank is not None and (dup is None or self.blank[0] < dup[0]):
            raise DataError("blank project_id; every project needs its own id", file=self.file,
                            path=f"row {self.blank[1]}, column project_id")
        if dup is not None:
            g, first, v = dup
            raise DataError(f"duplicate project_id {v!r} (also row {self.row_number(first)})", file=self.file,
                            path=f"row {self.row_number(g)}, column project_id")

    def _first_duplicate(self, colliding: np.ndarray) -> tuple[int, int, str] | None:
        """The first id in file order equal to an earlier one (its position, the earlier one's, the id),
        among the ids whose hash collides: the others are all distinct."""
        import pyarrow as pa
        import pyarrow.compute as pc

        seen: dict[str, int] = {}
        g = 0
        parts = iter(self._held) if self.reread is None else (
            pc.utf8_trim_whitespace(pc.cast(ids, pa.string())) for ids in self.reread())
        for key in parts:
            if g >= self.hashed:
                break
            key = key.slice(0, self.hashed - g)
            hit = np.flatnonzero(np.isin(id_hashes(key), colliding))
            for i, v in zip(hit.tolist(), key.take(pa.array(hit, pa.int64())).to_pylist(), strict=True):
                if v in seen:
                    return g + i, seen[v], v
                seen[v] = g + i
            g += len(key)
        return None


_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


def id_hashes(key: Any) -> np.ndarray:
    """A 64-bit hash of each string of an Arrow string array (no nulls): FNV-1a over the UTF-8 bytes, the
    length mixed in, then MurmurHash3's finaliser. Exact comparison is left to the caller."""
    import pyarrow as pa

    n = len(key)
    if not n:
        return np.zeros(0, dtype=np.uint64)
    if pa.types.is_large_string(key.type):
        key = key.cast(pa.string())
    bufs = key.buffers()
    off = np.frombuffer(bufs[1], dtype=np.int32, count=n + 1, offset=key.offset * 4).astype(np.int64)
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.zeros(0, dtype=np.uint8)
    starts = off[:-1]
    lens = off[1:] - starts
    h = np.full(n, _FNV_OFFSET, dtype=np.uint64) ^ lens.astype(np.uint64)
    width = int(lens[0])
    if (lens == width).all():
        if width:
            m = data[off[0]:off[0] + n * width].reshape(n, width)
            for j in range(width):
                h ^= m[:, j]
                h *= _FNV_PRIME
    else:
        act = np.arange(n)
        j = 0
        while True:
            act = act[lens[act] > j]
            if not len(act):
                break
            h[act] = (h[act] ^ data[starts[act] + j]) * _FNV_PRIME
            j += 1
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    return h


class Counts:
    """A distribution of int64 values as (sorted distinct values, counts), merged exactly across chunks."""

    def __init__(self) -> None:
        self.values = np.zeros(0, dtype=np.int64)
        self.counts = np.zeros(0, dtype=np.int64)

    def add(self, v: np.ndarray) -> None:
        if not len(v):
            return
        lo, hi = int(v.min()), int(v.max())
        if hi - lo <= 4 * len(v) + 100_000:  # scores: a narrow range of integers — count them in one pass
            c = np.bincount(v - lo)
            u = np.flatnonzero(c)
            self.merge(u.astype(np.int64) + lo, c[u].astype(np.int64))
            return
        u, c = np.unique(v, return_counts=True)
        self.merge(u, c.astype(np.int64))

    def merge(self, u: np.ndarray, c: np.ndarray) -> None:
        allv = np.concatenate([self.values, u])
        allc = np.concatenate([self.counts, c])
        uu, inv = np.unique(allv, return_inverse=True)
        cc = np.zeros(len(uu), dtype=np.int64)
        np.add.at(cc, inv, allc)
        self.values, self.counts = uu, cc


class Tally:
    """The summary's figures gathered chunk by chunk: grade counts, each indicator's and the total's value
    counts (exact mean, median, min, max), and the same per --group-by group."""

    def __init__(self, plan: Plan, group_by: str | None) -> None:
        self.grades: dict[str, int] = {}
        self.leaves = {c: Counts() for c in plan.codes}
        self.total = Counts()
        self.group_by = group_by
        self.groups: dict[str, tuple[Counts, dict[str, int]]] = {}

    def merge(self, other: Tally) -> None:
        """Add another tally's figures (a Dask partition's): counts add up exactly."""
        for g, k in other.grades.items():
            self.grades[g] = self.grades.get(g, 0) + k
        self.total.merge(other.total.values, other.total.counts)
        for c, counts in other.leaves.items():
            self.leaves[c].merge(counts.values, counts.counts)
        for g, (counts, gd) in other.groups.items():
            mine, md = self.groups.setdefault(g, (Counts(), {}))
            mine.merge(counts.values, counts.counts)
            for label, k in gd.items():
                md[label] = md.get(label, 0) + k

    def add(self, t: Any) -> None:
        import pyarrow.compute as pc

        total = np.asarray(t.column("total").to_numpy(), dtype=np.int64)
        self.total.add(total)
        for c, counts in self.leaves.items():
            counts.add(np.asarray(t.column(c).to_numpy(), dtype=np.int64))
        grades = t.column("grade")
        if grades.null_count < len(grades):
            vc = pc.value_counts(grades.combine_chunks())
            for g, k in zip(vc.field("values").to_pylist(), vc.field("counts").to_pylist(), strict=True):
                self.grades[g] = self.grades.get(g, 0) + k
        if self.group_by is not None:
            keys = [v if v is not None and v.strip() else BLANK_GROUP for v in t.column(self.group_by).to_pylist()]
            glist = grades.to_pylist()
            members: dict[str, list[int]] = {}
            for k, g in enumerate(keys):
                members.setdefault(g, []).append(k)
            for g, idx in members.items():
                counts, gd = self.groups.setdefault(g, (Counts(), {}))
                counts.add(total[np.array(idx, dtype=np.int64)])
                for k in idx:
                    if glist[k] is not None:
                        gd[glist[k]] = gd.get(glist[k], 0) + 1


def _run(pack_or_config: str, portfolio_path: str, output: str, *, errors_path: str | None,
         summary_path: str | None, registry: Any, progress: Any, encoding: str | None,
         ignore_columns: tuple[str, ...], fill_from_template: bool, csv_encoding: str, lang: str,
         keep: tuple[str, ...] = (), group_by: str | None = None, chunk_rows: int = 65_536,
         jobs: int = 1, archive: Callable[..., None] | None = None, nodes: bool = False) -> BatchOutcome:
    import pyarrow as pa

    from ..plugins import Registry
    from .output import (
        RESULT_SUFFIXES,
        build_summary,
        check_suffix,
        write_errors,
        write_results,
        write_summary,
    )
    from .portfolio import PortfolioSource, Restart

    suffix = check_suffix(output, RESULT_SUFFIXES, "results", "-o")
    if summary_path:
        check_suffix(summary_path, (".json", ".md", ".xlsx"), "summary", "--summary")
    if errors_path:
        check_suffix(errors_path, (".csv",), "error file", "--errors")
    registry = registry or Registry()
    prog = progress or (lambda label, total: _Null())
    file = str(portfolio_path)
    source = PortfolioSource(portfolio_path, encoding=encoding, chunk_rows=chunk_rows)
    plan = make_plan(pack_or_config, source.columns, file, registry=registry, ignore_columns=ignore_columns,
                     fill_from_template=fill_from_template, lang=lang, keep=keep, group_by=group_by,
                     suffix=Path(portfolio_path).suffix, nodes=nodes)
    sp, codes, has_total = plan.sp, plan.codes, plan.has_total

    top = 10
    release = _releaser()
    with _Spill(output) as spill:
        while True:
            tally = Tally(plan, group_by)
            ids = IdCheck(file, source.project_id_chunks, n=source.n)
            order: TopBottom | None = TopBottom(top)
            texts = TextLabels()
            errors: list[Any] = []
            n = engine_rows = filled = scored = 0
            spill.reset()
            tick = prog("score", source.n or 0)
            try:
                for res in _scored_chunks(plan, source, jobs):
                    if archive is not None:
                        _check_archivable(plan, res, file)
                    if res.ids is not None:
                        ids.add(_IdRows(res, n, source), res.ids, n)
                    errors += res.errors
                    n += res.n
                    engine_rows += res.engine_rows
                    filled += res.filled
                    scored += res.table.num_rows
                    assert order is not None  # set at the top of each attempt
                    order.add(np.asarray(res.table.column("total").to_numpy(), dtype=np.int64))
                    tally.add(res.table)
                    spill.add(texts.coded(res.table, res.texts))
                    tick(res.n)
                    del res
                    release()
                break
            except Restart:
                source._load_whole()  # a CSV the Python text path must number or refuse: read it whole
        ids.check()

        rank = None
        if has_total and scored:
            # Ranks from the totals' exact counts (1 + the number of higher totals), looked up chunk by
            # chunk when writing; the top and bottom projects kept while scoring — no array of all totals.
            rank = Ranker(tally.total)
        else:
            order = None
        total = order.totals if order is not None else {}
        wanted = set() if order is None else set(order.top) | set(order.bottom)
        named: dict[int, tuple[str, str | None, str | None]] = {}
        name_col = next((c for c in ("项目名称", "name") if c in plan.kept), None)
        columns = ["project_id", *plan.kept, "row", "total", "grade", "rank", *codes, *plan.node_codes]
        score_cols = ["total", *codes, *plan.node_codes]

        def chunks() -> Iterator[pa.Table]:
            from .output import CHUNK, PARQUET_DECIMAL64

            bits = 64 if suffix == ".parquet" and PARQUET_DECIMAL64 else 128
            start = 0
            for t in spill.tables(CHUNK):
                named.update(pick_named(t, start, wanted, name_col))
                yield result_table(plan, t, start, rank, texts.labels, decimal_bits=bits)
                start += t.num_rows
                release()

        write_tick = prog("write", scored)
        write_results(output, suffix, columns, chunks, [c for c in score_cols if c not in texts], sp, scored,
                      write_tick, csv_encoding=csv_encoding, headings=headings(columns, plan.pack, plan.node_codes))

        errors.sort(key=lambda e: e.row)
        if lang == "zh":
            errors = [attrs.evolve(e, message=message(e.message, "zh")) for e in errors]
        if errors_path or errors:
            write_errors(errors_path or default_errors_path(output), errors, csv_encoding=csv_encoding)
        if summary_path:
            grade_order = [b.label for b in plan.scheme.bands] if plan.scheme is not None else []
            if scored and wanted and len(named) < len(wanted):
                raise AssertionError("ranked projects not found in the results")  # pragma: no cover
            summary = build_summary(
                pack=plan.pack, n_rows=n, n_ok=scored, errors=len({e.row for e in errors}), fallback_rows=engine_rows,
                tally=tally, has_grades=plan.scheme is not None and has_total, has_total=has_total,
                leaves=[c for c in codes if c not in texts], scale=sp, grade_order=grade_order, order=order,
                ranks=None if rank is None else {i: rank.at(int(total[i])) for i in wanted}, total=total,
                named=named, top=top, filled_from_template=filled,
                group_by=group_by)
            write_summary(summary_path, summary)
        if archive is not None and scored:
            _archive(archive, plan, spill, {c: v for c, v in texts.labels.items() if c not in plan.node_codes})
    return BatchOutcome(projects=n, scored=scored, errors=errors, engine_rows=engine_rows,
                        columnar=plan.program.vectorised, reasons=plan.program.reasons,
                        ignored_columns=plan.layout.ignored, filled_from_template=filled)


TEXT_CODES = "\x00text "
"""Prefix of the columns holding a text leaf's codes in the held (spilled) scored rows."""


class TextLabels:
    """Every text leaf's labels over the whole run: each chunk's codes mapped onto one label table per leaf
    (a chunk's labels differ from the others' only where the engine gave a text the fast path has not)."""

    def __init__(self) -> None:
        self.labels: dict[str, list[str]] = {}
        self._index: dict[str, dict[str, int]] = {}

    def __contains__(self, code: str) -> bool:
        return code in self.labels

    def __bool__(self) -> bool:
        return bool(self.labels)

    def remap(self, code: str, marks: Marks) -> np.ndarray:
        """``marks``' codes as codes into the leaf's run-wide labels (int32; −1 stays −1)."""
        labels = self.labels.setdefault(code, [])
        index = self._index.setdefault(code, {})
        table = np.empty(len(marks.labels) + 1, dtype=np.int32)
        for j, t in enumerate(marks.labels):
            k = index.get(t)
            if k is None:
                k = index[t] = len(labels)
                labels.append(t)
            table[j] = k
        table[-1] = -1  # code −1 indexes the last entry
        return table[marks.codes]

    def coded(self, t: Any, texts: Mapping[str, Marks]) -> Any:
        """Chunk table ``t`` with a code column for every text leaf met so far (−1 where a chunk has none),
        in the order they were first met — so a later chunk's columns extend an earlier one's."""
        from .output import codes_array

        codes = {c: self.remap(c, m) for c, m in texts.items()}
        for c in self.labels:
            k = codes.get(c)
            t = t.append_column(TEXT_CODES + c, codes_array(k if k is not None else np.full(t.num_rows, -1, np.int32)))
        return t


def text_codes(t: Any, code: str) -> np.ndarray | None:
    """The text codes of leaf ``code`` in a held table (None: the leaf has no text there)."""
    name = TEXT_CODES + code
    if name not in t.column_names:
        return None
    return np.asarray(t.column(name).to_numpy(), dtype=np.int32)


def _check_archivable(plan: Plan, res: ChunkResult, file: str) -> None:
    """``--archive`` keeps numeric scores: a leaf scored as a mark or a rating (PEFA's A–D, PART's) is refused
    as soon as the first chunk that has one is scored — not after the whole portfolio — naming the leaf, its
    first such row and the mark (exit 2: the pack and the option do not go together; the data are fine)."""
    for c in plan.codes:
        m = res.texts.get(c)
        if m is None or not len(m.codes):
            continue
        worded = np.array([_a_mark(label) for label in m.labels] or [False], dtype=bool)
        hit = np.flatnonzero((m.codes >= 0) & worded[np.maximum(m.codes, 0)])
        if len(hit):
            j = int(hit[0])
            row = res.table.column("row")[j].as_py()
            raise ConfigError(f"row {row}, column {c}: the archive keeps numeric scores, and pack {plan.pack.name!r} "
                              f"scores leaf {c} as a mark ({m.labels[m.codes[j]]!r}); these results cannot be "
                              "archived (leave out --archive: the results file keeps the marks)",
                              file=file, path="--archive")


def _a_mark(label: str) -> bool:
    """A text score that is no number (a number written as text the archive reads as the number; an empty
    one it refuses itself, as a leaf without a score)."""
    from decimal import InvalidOperation

    if not label.strip():
        return False
    try:
        return not Decimal(label.strip()).is_finite()
    except (InvalidOperation, ValueError):
        return True


def _archive(archive: Callable[..., None], plan: Plan, spill: Any, texts: Mapping[str, list[str]]) -> None:
    """Hand the scored rows to ``--archive`` as whole columns (the archive takes them in one transaction)."""
    from .output import CHUNK

    ids: list[Any] = []
    kept: dict[str, list[Any]] = {c: [] for c in plan.kept}
    grades: list[Any] = []
    leaves: dict[str, list[np.ndarray]] = {c: [] for c in plan.codes}
    codes: dict[str, list[np.ndarray]] = {c: [] for c in texts}
    numbers: list[np.ndarray] = []
    totals: list[np.ndarray] = []
    for t in spill.tables(CHUNK):
        totals.append(np.asarray(t.column("total").to_numpy(), dtype=np.int64))
        ids += t.column("project_id").to_pylist()
        for c in plan.kept:
            kept[c] += t.column(c).to_pylist()
        grades += t.column("grade").to_pylist()
        for c in plan.codes:
            leaves[c].append(np.asarray(t.column(c).to_numpy(), dtype=np.int64))
        for c in texts:
            k = text_codes(t, c)
            codes[c].append(k if k is not None else np.full(t.num_rows, -1, dtype=np.int32))
        numbers.append(np.asarray(t.column("row").to_numpy(), dtype=np.int64))
    total = np.concatenate(totals)
    archive(pack=plan.pack, template=plan.template, project_ids=ids, kept=kept, total=total, grades=grades,
            leaves={c: np.concatenate(v) for c, v in leaves.items()},
            texts={c: Marks(np.concatenate(k), tuple(texts[c])) for c, k in codes.items()}, rows=np.arange(len(total)),
            scale=plan.sp, row_numbers=np.concatenate(numbers))


def pick_named(t: Any, start: int, wanted: set[int], name_col: str | None) -> dict[int, tuple[Any, Any, Any]]:
    """(project id, name, grade) of the ranked projects the summary names that fall in table ``t``
    (rows ``start`` … of the scored rows)."""
    out = {}
    k = t.num_rows
    for i in wanted:
        if start <= i < start + k:
            out[i] = (t.column("project_id")[i - start].as_py(),
                      (t.column(name_col)[i - start].as_py() or "") if name_col else None,
                      t.column("grade")[i - start].as_py())
    return out


def result_table(plan: Plan, t: Any, start: int, rank: Ranker | np.ndarray | None,
                 texts: Mapping[str, Sequence[str]], *, decimal_bits: int = 128) -> Any:
    """Scored rows ``start`` … as the results file has them: decimal scores, the rank, text scores.

    ``decimal_bits=64``: the number columns as decimal64 (for the Parquet writer, which stores them as
    it would decimal128; see :data:`jixiao.batch.output.PARQUET_DECIMAL64`).

    ``texts``: each text leaf's (and with ``--nodes`` text group's) labels, which its code column in ``t``
    indexes (a leaf without one there, or a row with code −1, has its number written as text instead).
    The groups' columns (``plan.node_codes``) follow the leaves', at ``plan.node_sp``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from .output import codes_array, decimal_array, decimal_text, int64_array

    sp, k = plan.sp, t.num_rows
    tot = np.asarray(t.column("total").to_numpy(), dtype=np.int64)
    data: dict[str, Any] = {
        "project_id": t.column("project_id"),
        **{c: t.column(c) for c in plan.kept},
        "row": t.column("row"),
        "total": decimal_array(tot, sp, np.full(k, plan.has_total), bits=decimal_bits),
        "grade": t.column("grade"),
        "rank": (int64_array(rank.of(tot) if isinstance(rank, Ranker) else rank[start:start + k])
                 if rank is not None else pa.nulls(k, pa.int64())),
    }
    groups = getattr(plan, "node_codes", ())  # a plan-like object from before --nodes has none
    for c, sp in (*((c, plan.sp) for c in plan.codes), *((c, plan.node_sp) for c in groups)):
        v = np.asarray(t.column(c).to_numpy(), dtype=np.int64)
        if c not in texts:
            data[c] = decimal_array(v, sp, bits=decimal_bits)
            continue
        codes = text_codes(t, c)
        if codes is None:
            codes = np.full(k, -1, dtype=np.int32)  # no text here: every row has its number
        number = codes < 0
        if not number.any():
            data[c] = pa.array(texts[c] or [""], pa.string()).take(codes_array(codes))
            continue
        shown = decimal_text(decimal_array(v, sp))  # numbers only where a row has no text
        if number.all():
            data[c] = shown
            continue
        labels = pa.array(texts[c], pa.string()).take(codes_array(np.where(number, 0, codes)))
        mask = pa.Array.from_buffers(pa.bool_(), k, [None, pa.py_buffer(np.packbits(number, bitorder="little"))])
        data[c] = pc.if_else(mask, shown, labels)
    return pa.table(data)


class Ranker:
    """Competition ranks from a distribution of totals: rank = 1 + the number of higher totals."""

    def __init__(self, counts: Counts) -> None:
        self.values = counts.values
        n = int(counts.counts.sum())
        self.rank_of = 1 + n - np.cumsum(counts.counts)  # for each distinct total (ascending)

    def of(self, totals: np.ndarray) -> np.ndarray:
        return self.rank_of[np.searchsorted(self.values, totals)].astype(np.int64)

    def at(self, total: int) -> int:
        return int(self.of(np.array([total], dtype=np.int64))[0])


class TopBottom:
    """The positions the summary names, in the order a stable sort by total (descending) gives them:
    ``top`` (the first ``k``) and ``bottom`` (the last ``k``); ``order[i]`` answers for those only.

    Gathered chunk by chunk (``add``), keeping at most ``k`` candidates each way, so no array of all the
    totals is held; ``totals`` maps each named position to its total."""

    def __init__(self, k: int) -> None:
        self.k = k
        self.n = 0
        empty = np.zeros(0, dtype=np.int64)
        self._top = (empty, empty)  # (positions, totals), best first
        self._bottom = (empty, empty)  # lowest first, the later position first among equals

    def add(self, total: np.ndarray) -> None:
        k, start = self.k, self.n
        self.n += len(total)
        if not len(total) or not k:
            return
        pos = np.arange(start, start + len(total), dtype=np.int64)
        for high in (True, False):
            if len(total) > k:
                kth = np.partition(total, len(total) - k if high else k - 1)[len(total) - k if high else k - 1]
                sel = np.flatnonzero(total >= kth if high else total <= kth)
            else:
                sel = np.arange(len(total))
            have = self._top if high else self._bottom
            p = np.concatenate([have[0], pos[sel]])
            t = np.concatenate([have[1], total[sel]])
            o = np.lexsort((p, -t)) if high else np.lexsort((-p, t))
            o = o[:k]
            if high:
                self._top = (p[o], t[o])
            else:
                self._bottom = (p[o], t[o])

    @property
    def top(self) -> list[int]:
        return self._top[0].tolist()

    @property
    def bottom(self) -> list[int]:
        return self._bottom[0][::-1].tolist()

    @property
    def totals(self) -> dict[int, int]:
        return {int(p): int(t) for p, t in (*zip(*self._top), *zip(*self._bottom))}

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> int:
        top, bottom = self.top, self.bottom
        if i < len(top):
            return top[i]
        return bottom[i - (self.n - len(bottom))]


def ranks_of(total: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(competition ranks, order by total descending, stable) of the scored rows."""
    order = np.argsort(-total, kind="stable")
    st = total[order]
    first = np.r_[True, st[1:] != st[:-1]]
    rank = np.empty(len(total), dtype=np.int64)
    rank[order] = np.maximum.accumulate(np.where(first, np.arange(len(st)), 0)) + 1
    return rank, order


class _IdRows:
    """Row numbers of a chunk's rows for the id check (the chunk's portfolio is gone by then)."""

    def __init__(self, res: ChunkResult, offset: int, source: Any) -> None:
        self.n = res.n
        self._row_numbers = None
        self.offset = offset
        self.header_rows = source.header_rows
        whole = source.whole
        if whole is not None and whole._row_numbers is not None:
            self._row_numbers = whole._row_numbers[offset:offset + res.n]

    def row_number(self, i: int) -> int:
        if self._row_numbers is not None:
            return self._row_numbers[i]
        return self.offset + i + 1 + self.header_rows


class _Spill:
    """Scored chunks held until the ranks are known: in memory while small, beyond that in temporary
    Arrow IPC files (LZ4) beside the output, read back batch by batch by the second pass —
    memory stays bounded whatever the number of projects.

    Held in memory, each integer column is kept as the narrowest integers that hold its values (a
    100-point score at 2 places: 2 bytes instead of 8), so 1,000,000 seed projects (≈ 80 MB) stay in memory
    and are never compressed and read back; the tables are widened to the schema again when they are
    written to a spill file or read by the second pass.

    A chunk may bring columns the earlier ones lack (the text codes of a leaf the engine first gave a text
    in that chunk): they are added at the end, the file so far is closed and the next one has them; read
    back, the earlier tables get them as −1 (no text)."""

    LIMIT = 1_048_576
    """Scored rows held in memory before spilling (about 80 bytes a row for the seed pack, narrowed: ~80 MB)."""
    BYTES = 96 << 20
    """…or fewer when they take more than this (PEFA's 94 leaves and their text codes, narrowed: ~0.6 kB a row)."""

    def __init__(self, output: str) -> None:
        self.dir = Path(output).parent if str(Path(output).parent) else Path(".")
        self.held: list[Any] = []
        self.rows = 0
        self.bytes = 0
        self.writer: Any = None
        self.sink: Any = None
        self.path: Path | None = None
        self.paths: list[Path] = []
        self.schema: Any = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.reset()

    def _close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        if self.sink is not None:
            self.sink.close()
            self.sink = None

    def reset(self) -> None:
        self._close()
        for path in self.paths:
            path.unlink(missing_ok=True)
        self.path, self.paths = None, []
        self.held, self.rows, self.bytes, self.schema = [], 0, 0, None

    def add(self, t: Any) -> None:
        import pyarrow as pa

        if self.schema is None:
            self.schema = t.schema
        elif len(t.schema) > len(self.schema):  # new columns, after those of the earlier chunks
            self.schema = pa.schema([*self.schema, *(t.schema.field(k) for k in range(len(self.schema), len(t.schema)))])
            if self.writer is not None:
                self._close()
                self._open()
        t = t.cast(self.schema)
        self.rows += t.num_rows
        if self.writer is None and self.rows <= self.LIMIT:
            small = narrowed(t)
            if self.bytes + small.nbytes <= self.BYTES:
                self.bytes += small.nbytes
                self.held.append(small)
                return
        self.bytes += t.nbytes
        writer = self.writer if self.writer is not None else self._open()
        if self.held:
            for h in self.held:
                writer.write_table(self._wide(h))
            self.held = []
        writer.write_table(t)

    def _open(self) -> Any:
        """A new spill file and its writer (returned)."""
        import os
        import tempfile

        import pyarrow as pa

        fd, tmp = tempfile.mkstemp(prefix=".jixiao-batch-", suffix=".arrow.tmp", dir=self.dir)
        os.close(fd)
        self.path = Path(tmp)
        self.paths.append(self.path)
        self.sink = pa.OSFile(str(self.path), "wb")
        self.writer = pa.ipc.new_file(self.sink, self.schema, options=pa.ipc.IpcWriteOptions(compression="lz4"))
        return self.writer

    def _complete(self, t: Any) -> Any:
        """``t`` with the columns of the schema it lacks (text codes: −1)."""
        from .output import codes_array

        for k in range(t.num_columns, len(self.schema)):
            f = self.schema.field(k)
            t = t.append_column(f, codes_array(np.full(t.num_rows, -1, dtype=np.dtype(f"int{f.type.bit_width}"))))
        return t

    def _wide(self, t: Any) -> Any:
        """A held table as the schema has it: its missing columns added, its narrowed ones widened."""
        t = self._complete(t)
        return t if t.schema == self.schema else t.cast(self.schema)

    def _stored(self) -> Iterator[Any]:
        import pyarrow as pa

        for path in self.paths:
            with pa.OSFile(str(path), "rb") as src:  # not mapped: mapped pages would count as resident
                reader = pa.ipc.open_file(src)
                for i in range(reader.num_record_batches):
                    yield pa.Table.from_batches([reader.get_batch(i)])

    def tables(self, size: int) -> Iterator[Any]:
        """The held rows again, in order, as tables of exactly ``size`` rows (the last one shorter), whatever
        the chunk size was — so the output's bytes do not depend on it."""
        import pyarrow as pa

        self._close()
        source: Iterator[Any] = self._stored() if self.paths else iter(self.held)
        buf: list[Any] = []
        held = 0
        emitted = False
        for t in source:
            buf.append(self._wide(t))
            held += t.num_rows
            while held >= size:
                whole = pa.concat_tables(buf)
                yield whole.slice(0, size).combine_chunks()
                emitted = True
                rest = whole.slice(size)
                buf, held = [rest], rest.num_rows
        if held or not emitted:
            if buf:
                yield pa.concat_tables(buf).combine_chunks()
            elif self.schema is not None:
                yield self.schema.empty_table()


def narrowed(t: Any) -> Any:
    """``t`` with each int64 column without nulls as the narrowest signed integers (16 or 32 bits) that hold
    its values; the other columns as they are."""
    import pyarrow as pa

    from .output import codes_array

    cols, changed = [], False
    for col in t.columns:
        if col.type == pa.int64() and not col.null_count and len(col):
            v = np.asarray(col.to_numpy())
            lo, hi = int(v.min()), int(v.max())
            for dt in (np.int16, np.int32):
                if np.iinfo(dt).min <= lo and hi <= np.iinfo(dt).max:
                    col, changed = codes_array(v.astype(dt)), True
                    break
        cols.append(col)
    return pa.table(cols, names=t.column_names) if changed else t


BLANK_GROUP = "（空）"
"""The --group-by group of rows whose cell is blank."""

HEADINGS = {"project_id": "项目编号", "row": "行号", "total": "总分", "grade": "等级", "rank": "名次",
            "name": "项目名称", "department": "主管部门", "unit": "实施单位", "region": "地区"}


def headings(columns: list[str], pack: Any, groups: Sequence[str] = ()) -> list[str]:
    """Chinese column names for results.xlsx: indicators (and the ``groups`` written, --nodes) by name with
    the code in brackets."""
    from ..model import iter_nodes

    names = {leaf.code: leaf.name for leaf in pack.leaves()}
    if groups:
        wanted = set(groups)
        names.update((g.code, g.name) for g in iter_nodes(pack.tree) if g.code in wanted)
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
    carried = {*IDENTIFYING, *keep, *((group_by,) if group_by else ())}
    return [c for c in have if c in carried and c != "project_id"]


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


def message(text: str, lang: str) -> str:
    """A message in ``lang``: the batch's own and the engine's common ones, from :mod:`jixiao.messages`."""
    from ..messages import translate

    return translate(text, lang)
