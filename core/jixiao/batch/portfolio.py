"""Reading a portfolio (CSV, XLSX or Parquet; one row per project) into Arrow columns, and turning
a column into exact fixed-point integers without ever passing through a binary float.

Column naming (see docs/batch.md): ``project_id``; scalar inputs by name (``spot_check_done``);
table inputs in wide form (``budget[3].actual``); questionnaires (``awareness_survey.answers.很满意``,
``awareness_survey.responses``); a template's unit-defined leaves' actual values (``B11.actual``);
ratings (``rating.A11``, ``reason.A11``, ``band.C21``); overrides
(``override.B11``, ``override_reason.B11``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ConfigError
from .fixed import LIMIT, Fixed

SUFFIXES = (".csv", ".xlsx", ".parquet")
TABLE_COLUMN = re.compile(r"^(?P<input>[^\[\].]+)\[(?P<row>\d+)\]\.(?P<column>.+)$")
SURVEY_ANSWER = re.compile(r"^(?P<input>[^\[\].]+)\.answers\.(?P<answer>.+)$")
SURVEY_FIELD = re.compile(r"^(?P<input>[^\[\].]+)\.(?P<field>responses|question|single_choice)$")
PER_CODE = re.compile(r"^(?P<what>rating|reason|band|mark|override|override_reason)\.(?P<code>.+)$")
_NUMBER = r"^-?[0-9]{1,18}(\.[0-9]+)?$"


class Portfolio:
    """The projects of one portfolio file, column by column (Arrow arrays)."""

    def __init__(self, path: Path, table: pa.Table, *, header_rows: int,
                 row_numbers: list[int] | None = None, offset: int = 0) -> None:
        self.path = path
        self._row_numbers = row_numbers
        self.offset = offset
        """Index of this (chunk of a) portfolio's first row in the whole file."""
        self.n = table.num_rows
        self.header_rows = header_rows
        self.columns: dict[str, pa.Array] = {}
        for name, col in zip(table.column_names, table.columns, strict=True):
            if isinstance(col, pa.ChunkedArray):
                arr = col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()  # one chunk: no copy
            else:
                arr = col
            if pa.types.is_dictionary(arr.type):
                arr = arr.dictionary_decode()
            self.columns[name.strip()] = arr
        self._pylists: dict[str, list[Any]] = {}
        self._fixed: dict[tuple[str, int], tuple[Fixed, np.ndarray, np.ndarray]] = {}
        self._present: dict[str, np.ndarray] = {}
        self.cell_errors: dict[int, list[tuple[str, str]]] = {}
        """Cells read as unreadable, by row index: (column, message) — a formula with no saved value."""
        if "project_id" in self.columns:
            ids = self.columns["project_id"]
            self.project_ids = pc.cast(ids, pa.string()) if not pa.types.is_string(ids.type) else ids
        else:
            self.project_ids = pa.array([str(offset + i + 1) for i in range(self.n)], pa.string())

    def row_number(self, i: int) -> int:
        """Row ``i`` as the file shows it: the spreadsheet row (header is row 1) for CSV and XLSX,
        the 1-based record number for Parquet."""
        if self._row_numbers is not None:
            return self._row_numbers[i]
        return self.offset + i + 1 + self.header_rows

    def slice(self, start: int, length: int) -> Portfolio:
        """Rows ``start`` … ``start + length - 1`` as a portfolio of their own (zero-copy), numbered as in the file."""
        t = pa.table({c: a.slice(start, length) for c, a in self.columns.items()})
        numbers = None if self._row_numbers is None else self._row_numbers[start:start + length]
        part = Portfolio(self.path, t, header_rows=self.header_rows, row_numbers=numbers,
                         offset=self.offset + start)
        if "project_id" not in self.columns:
            part.project_ids = self.project_ids.slice(start, length)
        part.cell_errors = {i - start: e for i, e in self.cell_errors.items() if start <= i < start + length}
        return part

    def take(self, rows: np.ndarray) -> Portfolio:
        """The rows at the (ascending) indices ``rows`` as a portfolio of their own, numbered as in the file:
        what the per-row engine reads when a chunk sends it a few of its rows (it makes Python lists of
        the columns it reads, so a chunk's every column would be listed for one row)."""
        index = pa.array(rows, pa.int64())
        t = pa.table({c: a.take(index) for c, a in self.columns.items()})
        numbers = [self.row_number(int(i)) for i in rows]
        part = Portfolio(self.path, t, header_rows=self.header_rows, row_numbers=numbers, offset=self.offset)
        if "project_id" not in self.columns:
            part.project_ids = self.project_ids.take(index)
        where = {int(i): k for k, i in enumerate(rows)}
        part.cell_errors = {where[i]: e for i, e in self.cell_errors.items() if i in where}
        return part

    def has(self, name: str) -> bool:
        return name in self.columns

    def cell(self, name: str, i: int) -> Any:
        """One cell as the engine reads a config value: int, Decimal, str or None (floats as their repr)."""
        arr = self.columns.get(name)
        if arr is None:
            return None
        if name not in self._pylists:
            self._pylists[name] = arr.to_pylist() if len(arr) < 50_000 else []
        lst = self._pylists[name]
        v = lst[i] if lst else arr[i].as_py()
        if isinstance(v, float):
            return repr(v)
        if isinstance(v, str) and not v.strip():
            return None
        return v

    def present(self, name: str) -> np.ndarray:
        """Rows whose cell holds something (not null, not only spaces); read-only, computed once a column."""
        got = self._present.get(name)
        if got is not None:
            return got
        arr = self.columns.get(name)
        if arr is None:
            return np.zeros(self.n, dtype=bool)
        valid = (np.ones(self.n, dtype=bool) if not arr.null_count
                 else np.asarray(pc.is_valid(arr).to_numpy(zero_copy_only=False), dtype=bool))
        if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
            text = _text_bytes(arr)
            if text is not None and _plain(text[1]):
                # No space, control or non-ASCII byte anywhere: a cell is blank only when it is empty.
                valid &= np.diff(text[0]) > 0
            else:
                blank = pc.equal(pc.utf8_trim_whitespace(arr), "").fill_null(True)
                valid &= ~np.asarray(blank.to_numpy(zero_copy_only=False), dtype=bool)
        valid.setflags(write=False)
        self._present[name] = valid
        return valid

    def percent(self, name: str) -> np.ndarray:
        """Rows whose cell is written as a percentage (``95%``): wrong in an amount or count column, which
        the engine refuses with its own message (the fast path would read it as 0.95)."""
        arr = self.columns.get(name)
        if arr is None or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
            return np.zeros(self.n, dtype=bool)
        text = _text_bytes(arr)
        if text is not None and (not len(text[1]) or (text[1].max() < 0x80 and not (text[1] == 0x25).any())):
            return np.zeros(self.n, dtype=bool)  # no "%" and no non-ASCII byte (％, ‰) anywhere
        s = pc.utf8_trim_whitespace(arr)
        hit = pc.or_(pc.or_(pc.ends_with(s, "%"), pc.ends_with(s, "％")), pc.ends_with(s, "‰")).fill_null(False)
        return np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)

    def fixed(self, name: str, scale: int) -> tuple[Fixed, np.ndarray, np.ndarray]:
        """The column as exact integers at ``scale``: (values, present, ok).

        ``ok`` is False where a present cell cannot be read exactly in int64 fixed point by the fast
        path (``1,135.00``, ``1e3``, a value finer than ``scale``, a value too large); those rows fall
        back to the engine, which reads them its own way or reports them.
        """
        key = (name, scale)
        if key not in self._fixed:
            f, present, ok = parse_fixed(self.columns[name], scale, self.present(name))
            bound = 10 ** (15 + scale)  # the engine refuses |x| ≥ 10^15 at the cell (numbers.MAX_MAGNITUDE)
            if bound <= LIMIT:
                ok = ok & ~(present & (np.abs(f.v) >= bound))
            self._fixed[key] = (f, present, ok)
        return self._fixed[key]


def parse_fixed(arr: pa.Array, scale: int, present: np.ndarray) -> tuple[Fixed, np.ndarray, np.ndarray]:
    n = len(arr)
    t = arr.type
    if pa.types.is_integer(t):
        v = np.asarray(arr.fill_null(0).to_numpy(zero_copy_only=False)).astype(np.int64, copy=False)
        m = 10**scale
        ok = np.abs(v) <= LIMIT // m
        return Fixed(np.where(ok, v, 0) * m, scale), present, ok | ~present
    if pa.types.is_decimal(t):
        return _parse_decimal(arr, scale, present)
    if pa.types.is_floating(t):
        arr = pa.array([None if x is None else repr(x) for x in arr.to_pylist()], pa.string())
        t = arr.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return _parse_strings(arr, scale, present)
    return Fixed(np.zeros(n, dtype=np.int64), scale), present, ~present


def _parse_decimal(arr: pa.Array, scale: int, present: np.ndarray) -> tuple[Fixed, np.ndarray, np.ndarray]:
    """Arrow decimal128 → int64 at ``scale`` exactly, through the 128-bit buffer (no float, no string)."""
    t = arr.type
    if not isinstance(t, pa.Decimal128Type) or t.scale > scale:
        return _parse_strings(pc.cast(arr, pa.string()), scale, present)
    buf = np.frombuffer(arr.buffers()[1], dtype=np.int64)[2 * arr.offset: 2 * (arr.offset + len(arr))]
    lo = buf[0::2]
    hi = buf[1::2]
    fits = hi == (lo >> 63)  # the high word only extends the low word's sign: the value fits int64
    m = 10 ** (scale - t.scale)
    if m > 1:  # (at m = 1 every int64 passes: |lo| ≤ LIMIT, INT64_MIN's abs wraps negative)
        fits &= np.abs(lo) <= LIMIT // m
    keep = fits & present
    v = np.where(keep, lo, 0)
    if m > 1:
        v *= m
    return Fixed(v, scale), present, fits | ~present


def _text_bytes(arr: pa.Array) -> tuple[np.ndarray, np.ndarray] | None:
    """(offsets from the first cell's start, n + 1 of them; the cells' bytes end to end) of a ``string``
    array, as views of its buffers (no copy); None for another type or an empty array."""
    if not pa.types.is_string(arr.type) or not len(arr):
        return None
    bufs = arr.buffers()
    offs = np.frombuffer(bufs[1], dtype=np.int32)[arr.offset: arr.offset + len(arr) + 1]
    start = int(offs[0])
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.zeros(0, dtype=np.uint8)
    return offs - start, data[start: int(offs[-1])]


def _plain(data: np.ndarray) -> bool:
    """Every byte printable ASCII other than the space (so no cell has whitespace to trim)."""
    return not len(data) or (int(data.min()) > 0x20 and int(data.max()) < 0x7F)


def _arrow_fixed(arr: pa.Array, scale: int, present: np.ndarray) -> tuple[Fixed, np.ndarray, np.ndarray] | None:
    """A text column whose every cell is a plain integer, every cell a plain decimal (``-12.5``, ``.5``,
    ``1e3``) or every cell a percentage (``80%``), converted by Arrow's own parsers (int64 first, the
    cheapest; then decimal128 at ``scale``); None when any cell is something else (spaces, ``1,135``, a
    mix of ``%`` and not, digits finer than ``scale``, hexadecimal) — the column then takes the text
    path, which finds the cells the fast path cannot read exactly and leaves them to the engine. The
    values are those the engine reads (:func:`jixiao.numbers.to_decimal`) for the same cells."""
    # What the column's bytes rule out spares a pass of a kernel over its cells: no "%", no ".", no "x".
    text = _text_bytes(arr)
    data = text[1] if text is not None else None
    pct = None if data is not None and not (data == 0x25).any() else pc.ends_with(arr, "%")
    eff = scale
    if pct is not None and pc.any(pct).as_py():
        if not pc.all(pct).as_py():
            return None
        eff = scale - 2
        if eff < 0:
            return None
        arr = pc.utf8_slice_codeunits(arr, 0, -1)
        data = None
    ints = None
    dot = (data == 0x2E).any() if data is not None else pc.any(pc.match_substring(arr, ".")).as_py()
    if not dot:  # a failing cast costs 50× a good one
        try:
            ints = pc.cast(arr, pa.int64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            ints = None
    if ints is not None:
        if (data is None or (data == 0x78).any() or (data == 0x58).any()) \
                and pc.any(pc.or_(pc.starts_with(arr, "0x"), pc.starts_with(arr, "0X"))).as_py():
            return None  # Arrow reads 0x10 as 16; the engine refuses it
        v = np.asarray(ints.fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)
        m = 10**eff
        if m > 1:
            if np.abs(v).max(initial=0) > LIMIT // m:
                return None
            v = v * m
        return Fixed(np.where(present, v, 0), scale), present, np.ones(len(arr), dtype=bool)
    try:
        dec = pc.cast(arr, pa.decimal128(18, eff))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    buf = np.frombuffer(dec.buffers()[1], dtype=np.int64)[2 * dec.offset: 2 * (dec.offset + len(dec))]
    v = np.where(present, buf[0::2], 0)
    return Fixed(v, scale), present, np.ones(len(arr), dtype=bool)


def _parse_strings(arr: pa.Array, scale: int, present: np.ndarray) -> tuple[Fixed, np.ndarray, np.ndarray]:
    """Plain decimal text (``-12.5``, ``80%``) → int64 at ``scale``; anything else is left to the engine."""
    n = len(arr)
    arr = arr.cast(pa.string())
    fast = _arrow_fixed(arr, scale, present)
    if fast is not None:
        return fast
    s = pc.utf8_trim_whitespace(arr)
    pct = pc.ends_with(s, "%").fill_null(False)
    body = pc.if_else(pct, pc.utf8_slice_codeunits(s, 0, -1), s)
    body = pc.utf8_trim_whitespace(body)
    ok = pc.match_substring_regex(body, _NUMBER).fill_null(False)
    safe = pc.if_else(ok, body, "0")
    ipart = pc.replace_substring_regex(safe, r"\..*$", "")
    fpart = pc.replace_substring_regex(pc.replace_substring_regex(safe, r"^[^.]*\.?", ""), r"0+$", "")
    flen = np.asarray(pc.utf8_length(fpart).to_numpy(zero_copy_only=False))
    ilen = np.asarray(pc.utf8_length(pc.replace_substring(ipart, "-", "")).to_numpy(zero_copy_only=False))
    okn = np.asarray(ok.to_numpy(zero_copy_only=False), dtype=bool)
    pctn = np.asarray(pct.to_numpy(zero_copy_only=False), dtype=bool)
    eff = np.where(pctn, scale - 2, scale)
    okn &= (eff >= 0) & (flen <= eff) & (ilen + eff <= 18)
    v = np.zeros(n, dtype=np.int64)
    for e in np.unique(eff[okn]) if okn.any() else ():
        sel = okn & (eff == e)
        padded = pc.utf8_rpad(fpart, width=int(e), padding="0") if e > 0 else pc.cast(pa.nulls(n), pa.string()).fill_null("")
        digits = pc.binary_join_element_wise(ipart, padded, "")
        digits = pc.if_else(pa.array(sel), digits, "0")
        v = np.where(sel, np.asarray(pc.cast(digits, pa.int64()).to_numpy(zero_copy_only=False)), v)
    return Fixed(v, scale), present, okn | ~present


# ------------------------------------------------------------------------------------------------
# Reading files
# ------------------------------------------------------------------------------------------------


def read_portfolio(path: str | Path, *, encoding: str | None = None) -> Portfolio:
    """The portfolio at ``path``; rows are numbered as the file shows them (CSV: the file line, blank lines
    counted; XLSX: the sheet row). Refused before any project is scored: an unreadable file or encoding,
    a duplicate or unnamed column, a ragged row, a workbook over the size or cell limits, duplicate
    project ids."""
    p = Path(path)
    suffix = _check_path(p)
    try:
        if suffix == ".csv":
            table, numbers, errs = _read_csv(p, encoding)
            portfolio = Portfolio(p, table, header_rows=1, row_numbers=numbers)
        elif suffix == ".xlsx":
            table, numbers, errs = _read_xlsx(p)
            portfolio = Portfolio(p, table, header_rows=1, row_numbers=numbers)
        else:
            import pyarrow.parquet as pq

            portfolio, errs = Portfolio(p, pq.read_table(p), header_rows=0), {}
    except (pa.ArrowInvalid, OSError) as exc:
        raise ConfigError(f"cannot read the portfolio: {exc}", file=str(p)) from None
    portfolio.cell_errors = errs
    _check_ids(portfolio)
    return portfolio


def _check_path(p: Path) -> str:
    suffix = p.suffix.lower()
    if suffix not in SUFFIXES:
        raise ConfigError(f"cannot read a portfolio from a {suffix or 'suffix-less'} file; "
                          "expected .csv, .xlsx or .parquet", file=str(p))
    if p.is_dir():
        raise ConfigError("expected a portfolio file, got a directory", file=str(p))
    if not p.is_file():
        raise ConfigError("portfolio file not found", file=str(p))
    return suffix


class Restart(Exception):
    """A streamed CSV turned out to need the Python text path (a ragged row, a value over several lines)."""


class PortfolioSource:
    """A portfolio file read chunk by chunk (``chunks()`` yields :class:`Portfolio` slices numbered as in the
    whole file), so that memory does not grow with the number of projects.

    Parquet is read record batch by record batch; a clean UTF-8 CSV by Arrow's streaming reader after one
    cheap pass over its bytes (UTF-8, NUL, quotes, blank lines); a clean CSV in another encoding (GBK,
    GB18030, UTF-16/32, ``--encoding``) likewise after one pass of an incremental decoder, Arrow transcoding
    as it streams; anything else — XLSX, a CSV whose bytes the detection needs whole or that the Python
    text path must number or refuse — is read whole and then sliced.
    """

    def __init__(self, path: str | Path, *, encoding: str | None = None, chunk_rows: int = 65_536) -> None:
        self.path = Path(path)
        self.suffix = _check_path(self.path)
        self.encoding = encoding
        self.chunk_rows = max(int(chunk_rows), 1)
        self.whole: Portfolio | None = None
        self.n: int | None = None
        """Number of projects when known before reading (Parquet metadata, the line count of a clean CSV)."""
        self.header_rows = 1
        self._encoding, self._skip = "utf8", 0
        try:
            if self.suffix == ".parquet":
                import pyarrow.parquet as pq

                self._pq = pq.ParquetFile(self.path, pre_buffer=True)  # 3× faster batches than without
                self.columns = [c.strip() for c in self._pq.schema_arrow.names]
                self.n = self._pq.metadata.num_rows
                self.header_rows = 0
            elif self.suffix == ".csv" and _utf8_named(encoding) and (scan := _scan_utf8_csv(self.path)) is not None:
                self.columns, self.n, self._names = scan
            elif self.suffix == ".csv" and (got := _scan_encoded_csv(self.path, encoding)) is not None:
                (self.columns, self.n, self._names), self._encoding, self._skip = got
            else:
                self._load_whole()
        except (pa.ArrowInvalid, OSError) as exc:
            raise ConfigError(f"cannot read the portfolio: {exc}", file=str(self.path)) from None

    def _load_whole(self) -> None:
        self.whole = read_portfolio(self.path, encoding=self.encoding)
        self.columns = list(self.whole.columns)
        self.n = self.whole.n

    def chunks(self) -> Iterator[Portfolio]:
        try:
            if self.whole is not None:
                for start in range(0, max(self.whole.n, 1), self.chunk_rows):
                    yield self.whole.slice(start, self.chunk_rows)
            elif self.suffix == ".parquet":
                offset = 0
                # One row group at a time: pre_buffer would otherwise hold the whole file's bytes.
                for g in range(self._pq.metadata.num_row_groups):
                    for b in self._pq.iter_batches(batch_size=self.chunk_rows, row_groups=[g]):
                        yield Portfolio(self.path, pa.Table.from_batches([b]), header_rows=0, offset=offset)
                        offset += b.num_rows
                if offset == 0:
                    yield Portfolio(self.path, self._pq.schema_arrow.empty_table(), header_rows=0)
            else:
                yield from self._csv_chunks()
        except (pa.ArrowInvalid, OSError) as exc:
            raise ConfigError(f"cannot read the portfolio: {exc}", file=str(self.path)) from None

    def project_id_chunks(self) -> Iterator[pa.Array]:
        """The project ids again, chunk by chunk in file order (the id check's second look, when two ids'
        hashes are equal); from Parquet only that column is read."""
        if self.whole is None and self.suffix == ".parquet":
            raw = next(c for c in self._pq.schema_arrow.names if c.strip() == "project_id")
            try:
                for b in self._pq.iter_batches(batch_size=self.chunk_rows, columns=[raw]):
                    yield Portfolio(self.path, pa.Table.from_batches([b]), header_rows=0).project_ids
            except (pa.ArrowInvalid, OSError) as exc:
                raise ConfigError(f"cannot read the portfolio: {exc}", file=str(self.path)) from None
            return
        for part in self.chunks():
            yield part.project_ids

    def _csv_chunks(self) -> Iterator[Portfolio]:
        import pyarrow.csv as pcsv

        from ..io import csv_convert_options, csv_parse_options

        names = self._names
        f = open(self.path, "rb")  # noqa: SIM115 - closed below, also on error
        try:
            if self._encoding == "utf8":
                if f.read(3) != b"\xef\xbb\xbf":
                    f.seek(0)
            else:
                f.seek(self._skip)  # past the byte-order mark the detection consumed (none when forced)
            try:
                # Another encoding: Arrow transcodes to UTF-8 as it streams (Python's incremental decoder).
                reader = pcsv.open_csv(f, read_options=pcsv.ReadOptions(column_names=names, skip_rows=1,
                                                                        block_size=1 << 22,
                                                                        encoding=self._encoding),
                                       parse_options=csv_parse_options(),
                                       convert_options=csv_convert_options(names))
            except pa.ArrowInvalid:
                raise Restart from None
            offset = 0
            buf: list[pa.RecordBatch] = []
            held = 0
            while True:
                try:
                    b = reader.read_next_batch()
                except StopIteration:
                    break
                except pa.ArrowInvalid:
                    raise Restart from None
                buf.append(b)
                held += b.num_rows
                while held >= self.chunk_rows:
                    t = pa.Table.from_batches(buf)
                    yield self._csv_part(t.slice(0, self.chunk_rows), offset)
                    offset += self.chunk_rows
                    rest = t.slice(self.chunk_rows)
                    buf, held = rest.to_batches(), rest.num_rows
            if held or offset == 0:
                t = pa.Table.from_batches(buf, schema=reader.schema)
                yield self._csv_part(t, offset)
                offset += held
            if offset != self.n:
                raise Restart
        finally:
            f.close()

    def _csv_part(self, t: pa.Table, offset: int) -> Portfolio:
        from ..io import blanks_as_null

        t = blanks_as_null(t).rename_columns(self.columns)
        return Portfolio(self.path, t, header_rows=1, offset=offset)


def _utf8_named(encoding: str | None) -> bool:
    """No encoding named, or UTF-8 named: the bytes are read as they are (a UTF-8 byte-order mark skipped)."""
    from ..io import ENCODING_NAMES

    return encoding is None or ENCODING_NAMES.get(encoding.strip().lower()) in ("utf-8", "utf-8-sig")


def _scan_encoded_csv(p: Path, encoding: str | None,
                      block_size: int = 1 << 24) -> tuple[tuple[list[str], int, list[str]], str, int] | None:
    """(what :func:`_scan_utf8_csv` gives, the Python codec Arrow transcodes with, bytes to skip first) for a
    CSV in another encoding than UTF-8 that Arrow's streaming reader can read after transcoding; None when
    the whole-file path must read it (it then detects, reads or refuses it exactly as before).

    The encoding is the one :func:`jixiao.io.decode_table_text` picks — a forced ``--encoding``, a UTF-16/32
    byte-order mark, UTF-16 zero bytes, else GB18030 when the bytes are not UTF-8 — found with incremental
    decoders over the file block by block (no whole-file string); when the bytes also read as Big5,
    charset-normalizer's guess is asked about the file's head, as that function asks it. Where the guess
    is Big5, or where that function would refuse the file (an invalid byte), None: the whole-file reader
    then reads it, or gives its own located message, unchanged. The decoded text,
    as UTF-8, then gets the checks of the UTF-8 scan (NUL, blank lines, quotes, lone CR, header)."""
    import codecs

    from ..io import _BOMS, ENCODING_NAMES

    with open(p, "rb") as f:
        head = f.read(2000)
    skip = 0
    if encoding is not None:
        enc = ENCODING_NAMES.get(encoding.strip().lower())
        if enc is None or enc in ("utf-8", "utf-8-sig"):
            return None  # unknown: the whole-file path refuses it; UTF-8: the UTF-8 scan decided
        plan = [enc]
    else:
        bom = next(((b, e) for b, e in _BOMS if head.startswith(b)), None)
        if bom is not None:
            if bom[1] == "utf-8-sig":
                return None
            skip, plan = len(bom[0]), [bom[1]]
        elif head[:2000:2].count(0) > 10 or head[1:2000:2].count(0) > 10:
            plan = ["utf-16-be" if head[:2000:2].count(0) > head[1:2000:2].count(0) else "utf-16-le"]
        else:
            plan = ["gb18030"]  # valid only if the bytes are not UTF-8 and not also Big5
    enc = plan[0]
    gb = encoding is None and enc == "gb18030"
    dec = codecs.getincrementaldecoder(enc)("strict")
    others = {"utf-8": codecs.getincrementaldecoder("utf-8")("strict"),
              "big5": codecs.getincrementaldecoder("big5")("strict")} if gb else {}

    def blocks() -> Iterator[bytes]:
        with open(p, "rb") as f:
            f.seek(skip)
            while True:
                raw = f.read(block_size)
                final = not raw
                for name in list(others):
                    try:
                        others[name].decode(raw, final)
                    except UnicodeDecodeError:
                        del others[name]  # this candidate is out
                try:
                    text = dec.decode(raw, final)
                except UnicodeDecodeError:
                    raise _Whole from None
                if text:
                    yield text.encode("utf-8")
                if final:
                    return

    try:
        scan = _scan_blocks(blocks(), check_utf8=False)
    except _Whole:
        return None
    if scan is None or "utf-8" in others:
        return None  # the text path numbers or refuses it; or the bytes are UTF-8 after all
    if "big5" in others:
        # The bytes read as Big5 too: the detection asks charset-normalizer about the file's head (all it
        # looks at: jixiao.io.BIG5_GUESS_BYTES); Big5 then goes to the whole-file path.
        from ..io import BIG5_GUESS_BYTES, big5_guess

        with open(p, "rb") as f:
            if big5_guess(f.read(BIG5_GUESS_BYTES + 1)):
                return None
    return scan, enc, skip


class _Whole(Exception):
    """An encoded CSV the whole-file reader must detect or refuse."""


def _scan_utf8_csv(p: Path, block_size: int = 1 << 24) -> tuple[list[str], int, list[str]] | None:
    """One pass over a CSV's bytes, block by block: (header, number of records, Arrow column names) when the
    file is clean UTF-8 that Arrow's streaming reader numbers exactly as the file does (records are lines
    2, 3, …); None otherwise (the Python text path then reads or refuses it).

    Vectorised: UTF-8 checked by Arrow's validator (a block up to its last line end, the rest carried to
    the next block: a line end never falls inside a character), lines and quotes counted and blank lines
    found from the positions of the line ends (numpy) — no Python string is made of the data."""
    def blocks() -> Iterator[bytes | bytearray]:
        # One buffer read into again and again (a fresh 16 MiB bytes object per block is 4,096 new pages
        # for the kernel to hand over); the scan keeps nothing of a block past its turn but copies.
        buf = bytearray(block_size)
        with open(p, "rb") as f:
            if f.read(3) != b"\xef\xbb\xbf":
                f.seek(0)
            while got := f.readinto(buf):
                yield buf if got == block_size else bytes(memoryview(buf)[:got])

    return _scan_blocks(blocks(), check_utf8=True)


def _scan_blocks(blocks: Iterable[bytes | bytearray], *, check_utf8: bool) -> tuple[list[str], int, list[str]] | None:
    import csv
    import io as _io

    lines = quotes = 0
    prev = b""  # the previous block's last byte
    first = b""
    carry = b""
    base = 0
    last = -1  # file position (after the BOM) of the latest line end seen
    open_header = False  # the first block had no line end: the header may go on in the next block
    eq = np.empty(0, dtype=bool)  # one comparison buffer for every block
    for block in blocks:
        if open_header:
            return None
        if not first:
            nl = block.find(b"\n")
            first = bytes(block if nl < 0 else block[:nl])
            open_header = nl < 0
        cut = block.rfind(b"\n") + 1
        if not check_utf8:
            pass  # text from a strict decoder, already UTF-8
        elif not cut:
            carry += block  # no line end: the whole block waits for the next one
        else:
            # A line end never falls inside a character: the carried bytes with this block's first line,
            # then the rest up to its last line end, checked apart (no copy of the block).
            head = block.find(b"\n") + 1
            view = memoryview(block)
            if not (_utf8(carry + bytes(view[:head])) and _utf8(view[head:cut])):
                return None
            carry = bytes(view[cut:])
        if b"\x00" in block:
            return None
        x = np.frombuffer(block, dtype=np.uint8)
        if len(eq) < len(x):
            eq = np.empty(len(x), dtype=bool)
        hit = eq[:len(x)]
        pos = np.flatnonzero(np.equal(x, 0x0A, out=hit)) + base
        if len(pos):
            allpos = pos if last < 0 else np.concatenate(([last], pos))
            gap = np.diff(allpos)
            if (gap == 1).any():
                return None  # a blank line: the Python reader counts it
            between = allpos[1:][gap == 2] - 1
            here = between >= base
            if (x[between[here] - base] == 0x0D).any() or ((~here).any() and prev.endswith(b"\r")):
                return None  # a blank line ending in CR LF
            last = int(pos[-1])
        if (prev.endswith(b"\r") and not block.startswith(b"\n")) or (b"\r" in block and block.count(b"\r") != (
                block.count(b"\r\n") + (1 if block.endswith(b"\r") else 0))):
            return None  # a lone carriage return (a CR LF cut by the block end is a pair)
        lines += len(pos)
        quotes += int(np.count_nonzero(np.equal(x, 0x22, out=hit)))
        prev = bytes(block[-1:])
        base += len(block)
    if carry and not _utf8(carry):
        return None
    if not first.strip() or first.count(b'"') % 2 or quotes % 2 or first.startswith((b"\n", b"\r")):
        return None
    if prev and not prev.endswith(b"\n"):
        lines += 1
    header = [h.strip() for h in next(csv.reader(_io.StringIO(first.decode("utf-8").rstrip("\r"))), [])]
    if not header or "" in header or len(set(header)) != len(header):
        return None
    return header, lines - 1, [f"c{j}" for j in range(len(header))]


def _utf8(data: bytes | memoryview) -> bool:
    """Whether ``data`` is valid UTF-8, by Arrow's validator (no Python string made)."""
    if not len(data):
        return True
    if len(data) >= 2**31:
        try:
            bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int32).tobytes())
    try:
        pa.Array.from_buffers(pa.string(), 1, [None, offsets, pa.py_buffer(data)]).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _check_ids(portfolio: Portfolio) -> None:
    from ..errors import DataError

    if "project_id" not in portfolio.columns:
        return
    ids = portfolio.project_ids.to_pylist()
    seen: dict[str, int] = {}
    for i, v in enumerate(ids):
        key = None if v is None else str(v).strip()
        if not key:
            raise DataError("blank project_id; every project needs its own id", file=str(portfolio.path),
                            path=f"row {portfolio.row_number(i)}, column project_id")
        if key in seen:
            raise DataError(f"duplicate project_id {key!r} (also row {portfolio.row_number(seen[key])})",
                            file=str(portfolio.path), path=f"row {portfolio.row_number(i)}, column project_id")
        seen[key] = i


def _read_csv(p: Path, encoding: str | None) -> tuple[pa.Table, list[int] | None, dict[int, list[tuple[str, str]]]]:
    """Arrow's parser for a clean file (rows are file lines 2, 3, …); the Python text path for the rest."""
    from ..io import read_csv_arrow, read_csv_rows

    fast = read_csv_arrow(p, encoding=encoding, what="portfolio")
    if fast is not None:
        return fast[0], None, {}
    t = read_csv_rows(p, encoding=encoding, what="portfolio")
    names = t.header
    cols: list[list[str | None]] = [[] for _ in names]
    for _, rec in t.rows:
        for j, v in enumerate(rec):
            cols[j].append(v if v.strip() else None)
    keep = [(n, c) for n, c in zip(names, cols, strict=True) if n]
    return pa.table({n: pa.array(c, pa.string()) for n, c in keep}), [line for line, _ in t.rows], {}


def _read_xlsx(p: Path) -> tuple[pa.Table, list[int], dict[int, list[tuple[str, str]]]]:
    """The first sheet through calamine (Rust) into Arrow text columns; see :mod:`jixiao.batch.xlsx`."""
    from .xlsx import read_xlsx

    return read_xlsx(p)


def decimal_value(v: Any) -> Decimal:
    from ..numbers import to_decimal

    return to_decimal(v)
