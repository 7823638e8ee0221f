"""Writing batch results (CSV, XLSX, Parquet, JSON Lines), the error file and the summary, each whole or not at all.

Scores leave as exact decimals: strings in CSV and JSON Lines, decimal128 in Parquet, numbers with
the ``0.00`` format in XLSX (text cells there are typed as text, so nothing becomes a formula).
Big files are written to a temporary file beside the target and renamed when complete.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from ..errors import ConfigError
from ..numbers import CONTEXT, quantize

RESULT_SUFFIXES = (".csv", ".xlsx", ".parquet", ".jsonl")
XLSX_MAX_ROWS = 1_048_575
CHUNK = 65_536


_PENDING: list[tuple[Path, Path]] | None = None
"""While :func:`deferred` is active: finished temporary files waiting to be renamed onto their targets."""


@contextlib.contextmanager
def deferred() -> Iterator[list[tuple[Path, Path]]]:
    """Hold every :func:`atomic_target` of the block and rename them all only when the block completes:
    the outputs of one run appear together, and a failure anywhere leaves every old file as it was."""
    global _PENDING
    outer, _PENDING = _PENDING, []
    pending = _PENDING
    try:
        yield pending
    except BaseException:
        for tmp, _ in pending:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        raise
    finally:
        _PENDING = outer
    for tmp, target in pending:
        os.replace(tmp, target)


def _umask_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def atomic_target(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path``, renamed onto it only when the block completes (or, inside
    :func:`deferred`, when the whole run completes). Files get the mode open() would give (0666 less umask)."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, _umask_mode())
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        if _PENDING is not None:
            _PENDING.append((Path(tmp), target))
        else:
            os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def check_outputs(outputs: Sequence[tuple[str, str]], inputs: Sequence[str]) -> None:
    """Every output (option, path) checked before anything is computed or written: its folder exists and
    is writable, it is not a folder, not one of the inputs and not another output (exit 2)."""
    seen: dict[Path, str] = {}
    ins = {}
    for f in inputs:
        with contextlib.suppress(OSError):
            ins[Path(f).resolve()] = f
    for option, out in outputs:
        target = Path(out)
        folder = target.parent if str(target.parent) else Path(".")
        if not folder.is_dir():
            raise ConfigError(f"the folder {str(folder)!r} does not exist; create it first", file=out, path=option)
        if not os.access(folder, os.W_OK | os.X_OK):
            raise ConfigError(f"the folder {str(folder)!r} is not writable", file=out, path=option)
        if target.is_dir():
            raise ConfigError("is a folder; expected a file name", file=out, path=option)
        if target.exists() and not os.access(target, os.W_OK):
            raise ConfigError("the existing file is read-only", file=out, path=option)
        r = target.resolve()
        if r in ins:
            raise ConfigError(f"is the input {ins[r]!r}; writing it would destroy the input", file=out, path=option)
        if r in seen:
            raise ConfigError(f"is also the {seen[r]} output; give each output its own file", file=out, path=option)
        seen[r] = option


def check_suffix(path: str, allowed: Sequence[str], what: str, option: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in allowed:
        raise ConfigError(f"cannot tell the {what} format from {path!r}; use a name ending in "
                          + ", ".join(allowed), path=option)
    return suffix


def codes_array(v: np.ndarray) -> pa.Array:
    """A numpy int8/16/32/64 column as the Arrow integer array of the same width (see :func:`int64_array`)."""
    v = np.ascontiguousarray(v)
    arrow = {np.dtype(np.int8): pa.int8(), np.dtype(np.int16): pa.int16(), np.dtype(np.int32): pa.int32(),
             np.dtype(np.int64): pa.int64()}[v.dtype]
    return pa.Array.from_buffers(arrow, len(v), [None, pa.py_buffer(v)])


def int64_array(v: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """A numpy integer column as Arrow int64 (null where ``valid`` is False), built from its buffer (no copy
    when it is int64 already).

    ``pa.array(ndarray)`` asks whether the array is a masked one, and that first question imports
    ``numpy.ma`` (49 ms, once a process); the batch's own columns never are."""
    v = np.ascontiguousarray(v, dtype=np.int64)
    validity, nulls = None, 0
    if valid is not None and not valid.all():
        validity = pa.py_buffer(np.packbits(valid, bitorder="little"))
        nulls = int(len(valid) - np.count_nonzero(valid))
    return pa.Array.from_buffers(pa.int64(), len(v), [validity, pa.py_buffer(v)], null_count=nulls)


def decimal_array(v: np.ndarray, scale: int, valid: np.ndarray | None = None, *, bits: int = 128) -> pa.Array:
    """int64 × 10^-scale → Arrow decimal128(18, scale), built from the 128-bit buffer (exact).

    ``bits=64``: decimal64(18, scale) instead, the int64 buffer itself (no copy); the Parquet writer takes
    it as it is (see :data:`PARQUET_DECIMAL64`)."""
    v = np.ascontiguousarray(v, dtype=np.int64)
    validity = None
    nulls = 0
    if valid is not None and not valid.all():
        validity = pa.py_buffer(np.packbits(valid, bitorder="little").tobytes())
        nulls = int((~valid).sum())
    if bits == 64:
        return pa.Array.from_buffers(pa.decimal64(18, scale), len(v), [validity, pa.py_buffer(v)], null_count=nulls)
    buf = np.empty(2 * len(v), dtype=np.int64)
    buf[0::2] = v
    buf[1::2] = np.where(v < 0, -1, 0)
    # The buffer is the array's own memory (no copy): Arrow keeps ``buf`` alive as long as it needs it.
    return pa.Array.from_buffers(pa.decimal128(18, scale), len(v), [validity, pa.py_buffer(buf)],
                                 null_count=nulls)


def _arrow_version() -> tuple[int, ...]:
    return tuple(int(p) for p in pa.__version__.split(".")[:2] if p.isdigit())


PARQUET_DECIMAL64 = hasattr(pa, "decimal64") and _arrow_version() >= (22,)
"""Whether the Parquet writer takes decimal64 columns (Arrow 22, apache/arrow#47427). The results'
scores are then made as decimal64, the int64 values themselves, instead of 16-byte decimal128 values the
writer turns back into int64: about a fifth less time writing (1M seed results: 0.53 s against 0.67 s).
The file is byte for byte the one decimal128 columns give, its stored Arrow schema included, so it
still reads back as decimal128(18, s) (:func:`_parquet_writer`)."""


def _parquet_writer(tmp: str | Path, schema: pa.Schema, scores: Sequence[str] = ()) -> Any:
    """The results' Parquet writer. Decimals are stored as INT64 (precision 18 fits): the same logical
    decimal(18, s) columns, about a quarter less writing time than 8-byte fixed-length arrays. No
    dictionary for the project ids (all distinct: the dictionary is built, then dropped). The row numbers
    ascend: delta-encoded they take 8 KB a million instead of 2.9 MB, and a seventh of the time.

    The ``scores`` columns, when decimal64, are written as the decimal128 ones would be, and the Arrow
    schema stored in the file (``ARROW:schema``, what readers use to restore Arrow types) has them as
    decimal128, so readers see the same file as before; only the conversion inside the writer is gone.
    Any other column (a kept column that was decimal64 in the portfolio) keeps its own type."""
    import base64

    import pyarrow.parquet as pq

    plain = {"project_id", "row"}
    ours = set(scores)
    wide = pa.schema([f.with_type(pa.decimal128(f.type.precision, f.type.scale))
                      if f.name in ours and isinstance(f.type, pa.Decimal64Type) else f for f in schema],
                     metadata=schema.metadata)
    options: dict[str, Any] = {
        "compression": "zstd", "store_decimal_as_integer": True,
        "use_dictionary": [c for c in schema.names if c not in plain],
        "column_encoding": {"row": "DELTA_BINARY_PACKED"} if "row" in schema.names else None,
    }
    if wide.equals(schema):
        return pq.ParquetWriter(tmp, schema, **options)
    writer = pq.ParquetWriter(tmp, schema, store_schema=False, **options)
    writer.add_key_value_metadata({"ARROW:schema": base64.b64encode(wide.serialize().to_pybytes()).decode("ascii")})
    return writer


def write_results(path: str, suffix: str, columns: list[str], chunks: Callable[[], Iterator[pa.Table]],
                  score_columns: list[str], scale: int, n: int, progress: Callable[[int], None],
                  csv_encoding: str = "utf-8-sig", headings: list[str] | None = None) -> None:
    if suffix == ".xlsx" and n > XLSX_MAX_ROWS:
        raise ConfigError(f"an XLSX sheet holds at most {XLSX_MAX_ROWS:,} projects, the results have {n:,}; "
                          "write .parquet or .csv instead", path="-o")
    with atomic_target(path) as tmp:
        if suffix == ".parquet":
            writer = None
            try:
                for t in ahead(chunks()):
                    if writer is None:
                        writer = _parquet_writer(tmp, t.schema, score_columns)
                    writer.write_table(t)
                    progress(t.num_rows)
            finally:
                if writer is not None:
                    writer.close()
            if writer is None:
                raise ConfigError("no results to write")
        elif suffix == ".csv":
            import pyarrow.csv as pcsv

            with open(tmp, "wb") as fh:
                if csv_encoding == "utf-8-sig":
                    fh.write(b"\xef\xbb\xbf")
                writer = None
                texts = (_neutralised(_as_text(t, score_columns), skip=score_columns) for t in chunks())
                for t in ahead(texts):
                    if writer is None:
                        writer = pcsv.CSVWriter(fh, t.schema, write_options=pcsv.WriteOptions(quoting_style="needed"))
                    writer.write_table(t)
                    progress(t.num_rows)
                if writer is not None:
                    writer.close()
                else:
                    fh.write((",".join(columns) + "\n").encode())
        elif suffix == ".jsonl":
            with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
                for t in chunks():
                    t = _as_text(t, score_columns)
                    cols = [t.column(c).to_pylist() for c in t.column_names]
                    names = t.column_names
                    fh.writelines(json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False) + "\n" for row in zip(*cols, strict=True))
                    progress(t.num_rows)
        else:
            _write_xlsx(tmp, columns, chunks, score_columns, progress, headings or columns, n)


def ahead(items: Iterator[Any], depth: int = 2) -> Iterator[Any]:
    """``items`` made in a second thread, at most ``depth`` ahead of the consumer, in order.

    Writing a results file is two jobs that both release the GIL most of the time: making each table
    (the held rows read back, ranks looked up, decimal columns built, for CSV the score texts) and
    encoding it (Parquet's zstd, Arrow's CSV writer). Run one after the other they leave one core idle;
    here the next table is made while the last one is written. An exception raised making a table is
    raised here, in the consumer's thread, as it was; when the consumer stops early (a write failed) the
    maker stops at its next table."""
    import queue
    import threading

    q: queue.Queue[tuple[int, Any]] = queue.Queue(maxsize=max(depth, 1))
    stop = threading.Event()

    def put(kind: int, value: Any) -> bool:
        while not stop.is_set():
            try:
                q.put((kind, value), timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def make() -> None:
        try:
            for x in items:
                if not put(0, x):
                    return
            put(1, None)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            put(2, exc)

    worker = threading.Thread(target=make, name="jixiao-write-ahead", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = q.get()
            if kind == 1:
                return
            if kind == 2:
                raise value
            yield value
    finally:
        stop.set()
        worker.join()
        close = getattr(items, "close", None)
        if close is not None:
            close()


_NUMERIC = r"^[-+]?[0-9]+(\.[0-9]+)?(%|‰)?$"


def _neutralised(t: pa.Table, skip: Sequence[str] = ()) -> pa.Table:
    """Text cells a spreadsheet would run as a formula (= + - @ TAB CR first) get a leading apostrophe;
    numbers such as -3.5 stay numbers (OWASP CSV injection guidance). Column-wise by Arrow compute;
    ``skip`` names columns written from exact decimals (never text a spreadsheet could run)."""
    import pyarrow.compute as pc

    cols = []
    for c in t.column_names:
        col = t.column(c)
        if pa.types.is_string(col.type) and c not in skip:
            risky = pc.match_substring_regex(col, r"^[=+\-@\t\r]")
            if not pc.any(risky).as_py():
                cols.append(col)
                continue
            numeric = pc.match_substring_regex(col, _NUMERIC)
            flag = pc.and_(risky, pc.invert(numeric)).fill_null(False)
            col = pc.if_else(flag, pc.binary_join_element_wise("'", col, ""), col)
        cols.append(col)
    return pa.table(cols, names=t.column_names)


def _as_text(t: pa.Table, score_columns: list[str]) -> pa.Table:
    cols = [decimal_text(t.column(c)) if c in score_columns else t.column(c) for c in t.column_names]
    return pa.table(cols, names=t.column_names)


_TEXT_BLOCK = 4096


@functools.lru_cache(maxsize=64)
def _range_texts(scale: int, lo: int, hi: int) -> pa.Array:
    """The text of every integer lo … hi at ``scale`` (``12.30``), as Arrow's decimal → string cast writes it."""
    import pyarrow.compute as pc

    return pc.cast(decimal_array(np.arange(lo, hi + 1, dtype=np.int64), scale), pa.string())


def decimal_text(col: Any) -> Any:
    """A decimal column as Arrow's decimal → string cast writes it (``12.30``, ``-0.50``), digit for digit.

    Scores span a narrow range of integers: the text of every value in that range is made once by the
    cast, and each cell takes its text from that table (a gather instead of formatting every cell)."""
    import pyarrow.compute as pc

    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    t = arr.type
    if not isinstance(t, pa.Decimal128Type) or not len(arr):
        return pc.cast(arr, pa.string())
    words = np.frombuffer(arr.buffers()[1], dtype=np.int64)[2 * arr.offset: 2 * (arr.offset + len(arr))]
    if not arr.null_count:
        # Every cell a value (scores always are): the low words once as one contiguous column, the high
        # words only checked to extend their sign (the value fits int64), no masks — half the time.
        low = np.ascontiguousarray(words[0::2])
        if not (words[1::2] == (low >> 63)).all():
            return pc.cast(arr, pa.string())  # beyond int64: cast each cell
        lo, hi = int(low.min()), int(low.max())
        if hi - lo > 2 * len(arr) + 1024:
            return pc.cast(arr, pa.string())
        # The range widened to whole blocks, so that one column's chunks share one table (2^63 is a
        # multiple of the block: the widened range stays inside int64).
        lo, hi = lo - lo % _TEXT_BLOCK, hi - hi % _TEXT_BLOCK + _TEXT_BLOCK - 1
        return _range_texts(t.scale, lo, hi).take(int64_array(low - lo))
    lo_w, hi_w = words[0::2], words[1::2]
    valid = (np.ones(len(arr), dtype=bool) if not arr.null_count
             else np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool))
    if not valid.any():
        return pc.cast(arr, pa.string())
    v = lo_w[valid]
    if not (((hi_w[valid] == 0) & (v >= 0)) | ((hi_w[valid] == -1) & (v < 0))).all():
        return pc.cast(arr, pa.string())  # beyond int64: cast each cell
    lo, hi = int(v.min()), int(v.max())
    if hi - lo > 2 * len(arr) + 1024:
        return pc.cast(arr, pa.string())
    table = pc.cast(decimal_array(np.arange(lo, hi + 1, dtype=np.int64), t.scale), pa.string())
    index = np.where(valid, lo_w - lo, 0)
    return table.take(int64_array(index, valid if arr.null_count else None))


def display_width(text: str) -> int:
    """Columns a text takes on screen: CJK and full-width characters count two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _write_xlsx(tmp: Path, columns: list[str], chunks: Callable[[], Iterator[pa.Table]],
                score_columns: list[str], progress: Callable[[int], None], headings: list[str], n: int) -> None:
    """Row 1: the Chinese column names; row 2: the machine names (as in CSV/Parquet); data from row 3.
    The two header rows are frozen, row 2 carries the autofilter, widths fit the headers and the first
    rows' values (capped at 60)."""
    import itertools

    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("results")
    it = chunks()
    first = next(it, None)
    widths = [max(display_width(h), display_width(c)) for h, c in zip(headings, columns, strict=True)]
    if first is not None:
        sample = first.slice(0, 1000)
        for j, c in enumerate(columns):
            vals = sample.column(c).to_pylist()
            widths[j] = max([widths[j], *(display_width(str(v)) for v in vals if v is not None)])
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(w + 2, 60)
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:{get_column_letter(len(columns))}{n + 2}"

    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def text(v: Any) -> WriteOnlyCell:
        # Control characters cannot be stored in a worksheet: they are dropped, as in the reports.
        c = WriteOnlyCell(ws, value=None if v is None else ILLEGAL_CHARACTERS_RE.sub("", _safe(str(v))))
        c.data_type = "s"  # typed as text: a value starting with "=" stays text, never a formula
        return c

    bold = Font(bold=True)

    def head(v: str) -> WriteOnlyCell:
        c = text(v)
        c.font = bold
        return c

    ws.append([head(h) for h in headings])
    ws.append([text(c) for c in columns])
    for t in itertools.chain([first] if first is not None else [], it):
        data = [t.column(c).to_pylist() for c in columns]
        for row in zip(*data, strict=True):
            cells = []
            for name, v in zip(columns, row, strict=True):
                if name in score_columns and v is not None:
                    c = WriteOnlyCell(ws, value=v)
                    c.number_format = "0.00" if v.as_tuple().exponent == -2 else "0." + "0" * -v.as_tuple().exponent
                    cells.append(c)
                elif isinstance(v, int):
                    cells.append(WriteOnlyCell(ws, value=v))
                else:
                    cells.append(text(v))
            ws.append(cells)
        progress(t.num_rows)
    wb.save(tmp)


def write_errors(path: str, errors: Sequence[Any], csv_encoding: str = "utf-8-sig") -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["row", "project_id", "column", "kind", "message"])
    for e in errors:
        w.writerow([e.row, _safe(e.project_id), _safe(e.column), e.kind, _safe(_one_line(e.message))])
    with atomic_target(path) as tmp:
        tmp.write_bytes(buf.getvalue().encode(csv_encoding))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _safe(text: str) -> str:
    """A cell that a spreadsheet opening the CSV would read as a formula gets a leading apostrophe."""
    import re

    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not re.match(_NUMERIC, text):
        return "'" + text
    return text


# ------------------------------------------------------------------------------------------------
# Summary
# ------------------------------------------------------------------------------------------------


def _dec(v: int, scale: int) -> Decimal:
    return Decimal(int(v)).scaleb(-scale)


def _stats(values: np.ndarray, counts: np.ndarray, scale: int) -> dict[str, str | None]:
    """Mean, median, min and max of a distribution given as sorted distinct values and their counts —
    exact (Python integers), whatever chunks the counts were gathered from."""
    n = int(counts.sum()) if len(counts) else 0
    if n == 0:
        return {"mean": None, "median": None, "min": None, "max": None}
    total = sum(int(v) * int(c) for v, c in zip(values.tolist(), counts.tolist(), strict=True))
    mean = quantize(CONTEXT.divide(Decimal(total), Decimal(n)).scaleb(-scale), scale + 2)
    cum = np.cumsum(counts)

    def at(k: int) -> int:  # the k-th smallest value (0-based)
        return int(values[int(np.searchsorted(cum, k, side="right"))])

    mid = n // 2
    median = _dec(at(mid), scale) if n % 2 else (Decimal(at(mid - 1)) + Decimal(at(mid))).scaleb(-scale) / 2
    return {"mean": f"{mean:f}", "median": f"{median:f}", "min": f"{_dec(values[0], scale):f}",
            "max": f"{_dec(values[-1], scale):f}"}


def build_summary(*, pack: Any, n_rows: int, n_ok: int, errors: int, fallback_rows: int, tally: Any,
                  has_grades: bool, has_total: bool, leaves: list[str], scale: int, grade_order: list[str],
                  order: Any, ranks: Mapping[int, int] | np.ndarray | None, total: Mapping[int, int] | np.ndarray,
                  named: dict[int, tuple[str, str | None, str | None]], top: int = 10,
                  filled_from_template: int = 0, group_by: str | None = None) -> dict[str, Any]:
    """The batch summary from the figures gathered chunk by chunk (:class:`jixiao.batch.Tally`): grade counts,
    exact mean/median/min/max per indicator and of the total, per-group counts, the top and bottom projects."""
    dist: dict[str, int] = {}
    if has_grades:
        dist = {g: 0 for g in grade_order}
        for g, k in tally.grades.items():
            dist[g] = dist.get(g, 0) + k
    wanted = set(leaves)
    out: dict[str, Any] = {
        "pack": pack.name,
        "pack_version": pack.version,
        "projects": n_rows,
        "scored": n_ok,
        "failed": errors,
        "evaluated_by_engine": fallback_rows,
        "filled_from_template": filled_from_template,
        "grades": dist,
        "total": _stats(tally.total.values, tally.total.counts, scale) if has_total else None,
        "indicators": {code: {"name": leaf.name,
                              "standard_score": None if leaf.standard_score is None else str(leaf.standard_score),
                              **_stats(tally.leaves[code].values, tally.leaves[code].counts, scale)}
                       for leaf in pack.leaves() for code in [leaf.code] if code in wanted},
    }
    if group_by is not None:
        out["group_by"] = group_by
        out["groups"] = {}
        for g in sorted(tally.groups):
            counts, gd = tally.groups[g]
            grades = {b: 0 for b in grade_order} if has_grades else {}
            for label, k in gd.items():
                grades[label] = grades.get(label, 0) + k
            st = _stats(counts.values, counts.counts, scale) if has_total else None
            out["groups"][g] = {"count": int(counts.counts.sum()), "grades": grades,
                                "total_mean": st["mean"] if st else None, "total_median": st["median"] if st else None}
    if order is not None and has_total:
        def entry(k: int) -> dict[str, Any]:
            i = int(order[k])
            pid, name, grade = named[i]
            e = {"rank": int(ranks[i]) if ranks is not None else k + 1, "project_id": pid,
                 "total": f"{_dec(total[i], scale):f}", "grade": grade if has_grades else None}
            if name is not None:
                e["name"] = name
            return e
        out["top"] = [entry(k) for k in range(min(top, len(order)))]
        out["bottom"] = [entry(k) for k in range(max(len(order) - top, 0), len(order))]
    return out


def summary_markdown(s: dict[str, Any]) -> str:
    lines = [f"# 批量评价汇总 Batch summary — {s['pack']} {s['pack_version']}", "",
             f"- 项目 projects: {s['projects']}; 已评分 scored: {s['scored']}; 出错 failed: {s['failed']}",
             f"- 模板补填 cells filled from the template: {s.get('filled_from_template', 0)}", ""]
    if s["grades"]:
        lines += ["## 等级分布 Grades", "", "| 等级 grade | 项目数 projects |", "|---|---:|"]
        lines += [f"| {g} | {c} |" for g, c in s["grades"].items()]
        lines.append("")
    lines += ["## 指标得分 Indicator scores", "", "| 指标 | 标准分 | 平均 mean | 中位数 median | 最低 min | 最高 max |",
              "|---|---:|---:|---:|---:|---:|"]
    rows = dict(s["indicators"])
    if s["total"]:
        rows["总分 total"] = {"standard_score": "", **s["total"]}
    for code, st in rows.items():
        label = f"{st['name']}（{code}）" if st.get("name") else code
        lines.append(f"| {_md(label)} | {st['standard_score'] or ''} | {st['mean'] or ''} | {st['median'] or ''} | "
                     f"{st['min'] or ''} | {st['max'] or ''} |")
    if s.get("groups") is not None:
        grades = list(s["grades"])
        lines += ["", f"## 分组汇总 By {_md(s['group_by'])}", "",
                  "| 分组 group | 项目数 count | " + " | ".join(_md(g) for g in grades)
                  + (" | " if grades else "") + "平均总分 mean | 总分中位数 median |",
                  "|---|---:|" + "---:|" * len(grades) + "---:|---:|"]
        for g, st in s["groups"].items():
            lines.append(f"| {_md(g)} | {st['count']} | " + "".join(f"{st['grades'].get(x, 0)} | " for x in grades)
                         + f"{st['total_mean'] or ''} | {st['total_median'] or ''} |")
    for key, title in (("top", "## 排名前列 Highest totals"), ("bottom", "## 排名末尾 Lowest totals")):
        if s.get(key):
            lines += ["", title, "", "| 名次 rank | 项目 project | 总分 total | 等级 grade |", "|---:|---|---:|---|"]
            lines += [f"| {e['rank']} | {_md(e['project_id'] + (' ' + e['name'] if e.get('name') else ''))} | "
                      f"{e['total']} | {e['grade'] or ''} |" for e in s[key]]
    return "\n".join(lines) + "\n"


def summary_workbook(s: dict[str, Any]) -> Any:
    """The summary as a workbook: 等级分布 (grade counts with a bar chart), 指标得分 (indicators by name,
    code in brackets), and with --group-by 分组汇总 (grade counts, mean and median total per group, with
    a stacked bar chart). Text cells are typed as text (never formulas); numbers are exact decimals."""
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = openpyxl.Workbook()

    def sheet(ws: Any, header: list[str], rows: list[list[Any]]) -> None:
        for r, values in enumerate([header, *rows], start=1):
            for j, v in enumerate(values, start=1):
                cell = ws.cell(row=r, column=j)
                if isinstance(v, str):
                    cell.value = ILLEGAL_CHARACTERS_RE.sub("", _safe(v))
                    cell.data_type = "s"
                else:
                    cell.value = v
                    if isinstance(v, Decimal):
                        exp = v.as_tuple().exponent  # scores are finite: an int
                        cell.number_format = "0." + "0" * max(-exp if isinstance(exp, int) else 0, 1)
                if r == 1:
                    cell.font = Font(bold=True)
        for j in range(1, len(header) + 1):
            w = max(display_width(str(ws.cell(row=r, column=j).value or "")) for r in range(1, len(rows) + 2))
            ws.column_dimensions[get_column_letter(j)].width = min(w + 2, 60)
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"

    def dec(v: str | None) -> Decimal | None:
        return None if v is None or v == "" else Decimal(v)

    ws = wb.active
    ws.title = "等级分布"
    sheet(ws, ["等级 grade", "项目数 projects"], [[g, c] for g, c in s["grades"].items()])
    if s["grades"]:
        chart = BarChart()
        chart.title = "等级分布"
        chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=len(s["grades"]) + 1), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(s["grades"]) + 1))
        ws.add_chart(chart, "D2")
    rows = [[f"{st['name']}（{code}）" if st.get("name") else code, code, dec(st["standard_score"]),
             dec(st["mean"]), dec(st["median"]), dec(st["min"]), dec(st["max"])] for code, st in s["indicators"].items()]
    if s["total"]:
        rows.append(["总分", "total", None, *(dec(s["total"][k]) for k in ("mean", "median", "min", "max"))])
    sheet(wb.create_sheet("指标得分"), ["指标 indicator", "代码 code", "标准分", "平均 mean", "中位数 median",
                                       "最低 min", "最高 max"], rows)
    if s.get("groups") is not None:
        grades = list(s["grades"])
        ws = wb.create_sheet("分组汇总")
        sheet(ws, [f"分组 {s['group_by']}", "项目数 count", *grades, "平均总分 mean", "总分中位数 median"],
              [[g, st["count"], *(st["grades"].get(x, 0) for x in grades), dec(st["total_mean"]),
                dec(st["total_median"])] for g, st in s["groups"].items()])
        if grades and s["groups"]:
            chart = BarChart()
            chart.type, chart.grouping, chart.overlap = "col", "stacked", 100
            chart.title = f"各{s['group_by']}等级分布"
            n = len(s["groups"]) + 1
            chart.add_data(Reference(ws, min_col=3, max_col=2 + len(grades), min_row=1, max_row=n),
                           titles_from_data=True)
            chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=n))
            ws.add_chart(chart, f"{get_column_letter(len(grades) + 6)}2")
    return wb


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def write_summary(path: str, summary: dict[str, Any]) -> None:
    if Path(path).suffix.lower() == ".xlsx":
        with atomic_target(path) as tmp:
            summary_workbook(summary).save(tmp)
        return
    if Path(path).suffix.lower() == ".json":
        data = json.dumps(summary, ensure_ascii=False, indent=2) + "\n"
    else:
        data = summary_markdown(summary)
    with atomic_target(path) as tmp:
        tmp.write_bytes(data.encode("utf-8"))
