"""An XLSX portfolio's first sheet read by calamine (Rust, through python-calamine) into Arrow text columns.

The cells come out as the text the old openpyxl reader gave, column by column and without a per-cell
Python loop for the common columns: a number exactly as the sheet stores it (its shortest round-trip
form: ``0.1``, never ``0.1000000000000000055``; a whole number as an integer, ``5``), text as written
(blank or all-whitespace text is an empty cell), ``TRUE``/``FALSE``, a date as ``2024-01-02 00:00:00``.

calamine shows neither formulas nor error cells (both read as empty), so one streaming pass over the
sheet's XML — a byte search per 4 MiB block, a parse only around the rare hits — finds:

- a formula with no saved value (the workbook was saved without calculating): that row's error;
- an error cell (``#DIV/0!``, ``#N/A``, …): that row's error, never an empty cell;
- how far the cells holding a value reach, so that a stray value far away (``XFD1048576``) is refused
  before calamine builds its dense grid of the used range.

Rows are numbered as the sheet shows them (header in row 1); blank rows (often merely formatted) are
skipped and keep their numbers out of the count.
"""

from __future__ import annotations

import datetime as _dt
import re
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any
from xml.etree import ElementTree

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ConfigError, DataError
from ..forms.reader import col_letter as letter  # column index (0-based) → its letters

BLOCK = 1 << 22
DENSE_FACTOR = 3
"""calamine holds the used range as a dense grid: refused beyond ``DENSE_FACTOR × XLSX_MAX_CELLS`` cells."""

_P = rb"(?:[A-Za-z_][\w.-]*:)?"  # an optional namespace prefix (x:c, x:f)
_CELL = re.compile(rb"<" + _P + rb"c(?=[\s>/])([^>]*?)(/>|>(.*?)</" + _P + rb"c>)", re.DOTALL)
_REF = re.compile(rb"""\br\s*=\s*["']([A-Za-z]{1,3})([0-9]+)["']""")
_TYPE = re.compile(rb"""\bt\s*=\s*["']([A-Za-z]+)["']""")
_FORMULA = re.compile(rb"<" + _P + rb"f(?=[\s>/])([^>]*?)(?:/>|>(.*?)</" + _P + rb"f>)", re.DOTALL)
_VALUE = re.compile(rb"<" + _P + rb"v(?:\s[^>]*)?>(.*?)</" + _P + rb"v>", re.DOTALL)
_HAS_VALUE = re.compile(rb"<" + _P + rb"(?:v|is)(?:\s[^>]*)?>", re.DOTALL)
_SI = re.compile(rb"""\bsi\s*=\s*["']([0-9]+)["']""")
_SHARED = re.compile(rb"""\bt\s*=\s*["']shared["']""")
_RANGE = re.compile(rb"""\bref\s*=\s*["']([A-Za-z]{1,3}[0-9]+)""")
_MARKERS = (b"<f", b":f", b'"e"', b"'e'")
"""What a cell with a formula or an error has (``<f>``, ``<x:f>``, ``t="e"``); a block without any is clean."""
_NO_VALUE_TYPES = (b"str", b"inlineStr")
_ERROR_MESSAGE = ("the cell holds the error {v} (a formula Excel could not calculate, or a placeholder); "
                  "correct it in the workbook or type the value")
_FORMULA_MESSAGE = ("formula {f} has no saved value (the workbook was saved without calculating); "
                    "recalculate and save it in Excel, or type the value")


def column_number(letters: str) -> int:
    """``A`` → 1, ``Z`` → 26, ``AA`` → 27."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n




def _unescape(b: bytes) -> str:
    from xml.sax.saxutils import unescape

    return unescape(b.decode("utf-8", "replace"), {"&quot;": '"', "&apos;": "'"})


class SheetScan:
    """What the byte pass over the first sheet's XML found (see the module's docstring)."""

    def __init__(self) -> None:
        self.problems: dict[int, list[tuple[int, str]]] = {}
        """Sheet row → [(0-based column, message)] for formulas without a value and error cells."""
        self.error_rows: set[int] = set()
        """Sheet rows holding an error cell (not blank, even if calamine reads every cell as empty)."""
        self.last_row = 0
        """The last sheet row holding a value (an upper bound)."""
        self.header_width = 0
        """Columns of row 1 that hold a value (the header's extent as the XML has it)."""
        self.beyond: tuple[int, int] | None = None
        """(row, 0-based column) of the first cell holding a value right of the header."""
        self.widest = 0
        self.header_cells: dict[int, tuple[bytes, bytes]] = {}
        """Row 1's cells holding a value: 0-based column → (type, the cell's inner XML)."""
        self._shared: dict[bytes, tuple[str, str]] = {}
        self._markers: tuple[bytes, ...] = _MARKERS

    def _style(self, chunk: bytes) -> None:
        """The markers this sheet can have: a prefix (``<x:c>``) or apostrophes are rare, and each marker
        searched costs a pass over the block."""
        head = chunk[:chunk.find(b"sheetData") + 4096]
        prefixed = re.search(rb"<[A-Za-z_][\w.-]*:(?:sheetData|worksheet)\b", head) is not None
        apostrophes = re.search(rb"""<(?:[A-Za-z_][\w.-]*:)?c\s[^>]*r\s*=\s*'""", chunk[:1 << 16]) is not None
        self._markers = (b":f" if prefixed else b"<f", b"'e'" if apostrophes else b'"e"')

    def cell(self, chunk: bytes, start: int) -> re.Match[bytes] | None:
        return _CELL.match(chunk, start)

    def feed(self, chunk: bytes, first: bool) -> None:
        if first:
            self._style(chunk)
            self._header(chunk)
        x = np.frombuffer(chunk, dtype=np.uint8)
        if any(_contains(x, m) for m in self._markers):
            self._hits(chunk)
        if self.header_width and self.header_width < 16384 and _letters_beyond(x, self.header_width):
            self._beyond(chunk)
        pos = max(chunk.rfind(b"v>"), chunk.rfind(b"is>"))
        if pos > 0:
            m = None
            at = chunk.rfind(b"r=", 0, pos)
            while at > 0:
                m = re.match(rb"""r\s*=\s*["']([A-Za-z]{0,3})([0-9]+)["']""", chunk[at:at + 20])
                if m and chunk[at - 1:at].isspace():
                    break
                at = chunk.rfind(b"r=", 0, at)
                m = None
            if m:
                self.last_row = max(self.last_row, int(m.group(2)))

    def _header(self, chunk: bytes) -> None:
        start = chunk.find(b"sheetData")
        if start < 0:
            return
        for m in _CELL.finditer(chunk, start):
            ref = _REF.search(m.group(1))
            if ref is None:
                continue
            if int(ref.group(2)) != 1:
                break
            if m.group(3) and _HAS_VALUE.search(m.group(3)):
                col = column_number(ref.group(1).decode())
                self.header_width = max(self.header_width, col)
                t = _TYPE.search(m.group(1))
                kind = t.group(1) if t else b"n"
                if kind == b"n" and re.search(rb"""\bs\s*=\s*["'](?!0["'])""", m.group(1)):
                    kind = b"styled"  # a number with a style may be a date: the cell-wise path reads it
                self.header_cells[col - 1] = (kind, m.group(3))
        if self.header_width:
            self._after = _columns_after(self.header_width)

    def _beyond(self, chunk: bytes) -> None:
        for hit in self._after.finditer(chunk):
            at = hit.start()
            if not chunk[at - 1:at].isspace():
                continue
            lt = chunk.rfind(b"<", 0, at)
            m = _CELL.match(chunk, lt) if lt >= 0 else None
            if m is None or not (m.group(3) and _HAS_VALUE.search(m.group(3))):
                continue
            ref = _REF.search(m.group(1))
            if ref is None:
                continue
            row, col = int(ref.group(2)), column_number(ref.group(1).decode()) - 1
            if self.beyond is None or (row, col) < self.beyond:
                self.beyond = (row, col)
            self.widest = max(self.widest, col + 1)

    def _hits(self, chunk: bytes) -> None:
        i = 0
        n = len(chunk)
        while i < n:
            pos = min((p for p in (chunk.find(mk, i) for mk in self._markers) if p >= 0), default=-1)
            if pos < 0:
                return
            start = max(chunk.rfind(b"<c ", 0, pos), chunk.rfind(b"<c>", 0, pos))
            colon = chunk.rfind(b":c ", 0, pos)
            if colon > start:
                start = chunk.rfind(b"<", 0, colon)
            m = _CELL.match(chunk, start) if start >= 0 else None
            if m is None or m.end() <= pos:
                i = pos + 2
                continue
            self._cell(m)
            i = m.end()

    def _cell(self, m: re.Match[bytes]) -> None:
        attrs, inner = m.group(1), m.group(3) or b""
        ref = _REF.search(attrs)
        if ref is None:
            raise _NoReference
        col_letters, row = ref.group(1).decode().upper(), int(ref.group(2))
        col = column_number(col_letters) - 1
        t = _TYPE.search(attrs)
        kind = t.group(1) if t else b"n"
        v = _VALUE.search(inner)
        f = _FORMULA.search(inner)
        if f is not None and f.group(2) and _SHARED.search(f.group(1)) and (si := _SI.search(f.group(1))) \
                and (rng := _RANGE.search(f.group(1))):
            self._shared[si.group(1)] = (_unescape(f.group(2)), rng.group(1).decode())
        if kind == b"e":
            text = _unescape(v.group(1)).strip() if v is not None else "#VALUE!"
            self.problems.setdefault(row, []).append((col, _ERROR_MESSAGE.format(v=text)))
            self.error_rows.add(row)
            return
        if f is None or (v is not None and (v.group(1) or kind in _NO_VALUE_TYPES)):
            return
        text = _unescape(f.group(2)) if f.group(2) else ""
        if not text and (si := _SI.search(f.group(1))) and si.group(1) in self._shared:
            text = _translate(*self._shared[si.group(1)], f"{col_letters}{row}")
        self.problems.setdefault(row, []).append((col, _FORMULA_MESSAGE.format(f="=" + text if text else "(shared)")))


def _contains(x: np.ndarray, marker: bytes) -> bool:
    """``marker in chunk`` (a marker of two or three bytes, ``x`` the chunk's bytes) from the positions of
    its second byte, a rare one (``f``, ``e``): ``bytes.__contains__`` slows to a crawl on a needle
    starting with ``<`` or ``"``, which XML has every few bytes."""
    m = len(marker)
    if len(x) < m:
        return False
    at = np.flatnonzero(x[1:len(x) - m + 2] == marker[1])
    if not len(at):
        return False
    hit = x[at] == marker[0]
    for j in range(2, m):
        hit &= x[at + j] == marker[j]
    return bool(hit.any())


def _letters_beyond(x: np.ndarray, width: int) -> bool:
    """Whether the chunk (its bytes ``x``) has a run of capital letters that is no column of the header's
    (four letters or more, or three or fewer naming a column right of column number ``width``): without
    one, no cell reference lies right of the header and :meth:`SheetScan._beyond`'s pattern cannot match
    (its letters are such a run: after the quote, before a digit). Vectorised; references are one such
    run a cell."""
    up = (x - np.uint8(0x41)) < 26  # wraps below "A"
    starts = np.flatnonzero(up[1:] > up[:-1]) + 1  # a capital after a non-capital
    if up[:1].any():
        starts = np.concatenate(([0], starts))
    if not len(starts):
        return False
    n = len(x)
    letters = [x[starts]]
    caps = [np.ones(len(starts), dtype=bool)]
    for k in (1, 2, 3):
        at = np.minimum(starts + k, n - 1)
        caps.append(caps[-1] & (starts + k < n) & up[at])
        letters.append(x[at])
    if caps[3].any():
        return True  # four capitals or more
    col = np.zeros(len(starts), dtype=np.int64)
    for k in (0, 1, 2):
        col = np.where(caps[k], col * 26 + letters[k].astype(np.int64) - 64, col)
    return bool((col > width).any())


class _NoReference(Exception):
    """A formula or error cell without its ``r`` reference (allowed, never seen from Excel)."""


def _translate(formula: str, origin: str, dest: str) -> str:
    try:
        from openpyxl.formula.translate import Translator

        return Translator("=" + formula, origin=origin).translate_formula(dest)[1:]
    except Exception:  # noqa: BLE001 - a formula openpyxl cannot translate is shown as its master's
        return formula


def _columns_after(width: int) -> re.Pattern[bytes]:
    """A pattern for a cell reference ``r="…"`` whose column lies right of column number ``width``."""
    letters = letter(width - 1)
    n = len(letters)
    alts = [f"[A-Z]{{{n + 1},3}}"] if n < 3 else []
    for i, ch in enumerate(letters):
        if ch < "Z":
            alts.append(letters[:i] + f"[{chr(ord(ch) + 1)}-Z]" + "[A-Z]" * (n - i - 1))
    return re.compile(rb'r="(?:' + "|".join(alts).encode() + rb")[0-9]")


def first_sheet(zf: zipfile.ZipFile) -> tuple[str, str, str] | None:
    """(name, part path, shared strings part path or "") of the workbook's first worksheet, as openpyxl's
    ``worksheets[0]``."""
    def local(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    names = set(zf.namelist())
    book = "xl/workbook.xml"
    if "_rels/.rels" in names:
        for rel in ElementTree.fromstring(zf.read("_rels/.rels")):
            if rel.get("Type", "").endswith("/officeDocument"):
                book = rel.get("Target", book).lstrip("/")
    base = PurePosixPath(book).parent
    rels_path = str(base / "_rels" / (PurePosixPath(book).name + ".rels"))
    targets: dict[str, tuple[str, str]] = {}
    if rels_path in names:
        for rel in ElementTree.fromstring(zf.read(rels_path)):
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else str(base / target)
            targets[rel.get("Id", "")] = (rel.get("Type", ""), _normalise(path))
    sst = next((path for kind, path in targets.values() if kind.endswith("/sharedStrings")), "")
    root = ElementTree.fromstring(zf.read(book))
    for el in root.iter():
        if local(el.tag) != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if local(k) == "id"), "")
        kind, path = targets.get(rid, ("", ""))
        if kind.endswith("/worksheet"):
            return el.get("name", ""), path, sst
    return None


def _normalise(path: str) -> str:
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


def scan_sheet(zf: zipfile.ZipFile, part: str) -> SheetScan | None:
    """One streaming pass over the sheet's XML; None when a hit has no cell reference (the caller then
    numbers cells from the XML's order, which this pass does not)."""
    scan = SheetScan()
    carry = b""
    first = True
    try:
        with zf.open(part) as fh:
            while True:
                block = fh.read(BLOCK)
                data = carry + block
                if not block:
                    if data:
                        scan.feed(data, first)
                    break
                cut = data.rfind(b"row>")
                if cut < 0:
                    carry = data
                    continue
                cut += 4
                scan.feed(data[:cut], first)
                first = False
                carry = data[cut:]
    except _NoReference:
        return None
    return scan


# ------------------------------------------------------------------------------------------------
# Cells to text, as the openpyxl reader gave them
# ------------------------------------------------------------------------------------------------


def number_text(x: float) -> str:
    """A number cell as the sheet stores it: a whole number as an integer, else Python's shortest repr."""
    if x.is_integer() and abs(x) < 1e16:
        return str(int(x))
    return repr(x)


def cell_text(v: Any) -> str | None:
    """One calamine cell as text (None for an empty or all-whitespace cell)."""
    if type(v) is str:
        return v if v and not v.isspace() else None
    if type(v) is float:
        return number_text(v)
    if type(v) is bool:
        return "TRUE" if v else "FALSE"
    if type(v) is int:
        return str(v)
    if isinstance(v, _dt.datetime):
        return str(v)
    if isinstance(v, _dt.date):
        return str(_dt.datetime(v.year, v.month, v.day))
    if v is None:
        return None
    return str(v)


def header_text(v: Any) -> str:
    """A header cell as the openpyxl reader named its column (``str(value).strip()``)."""
    if type(v) is str:
        return v.strip()
    if type(v) is float:
        return number_text(v)
    if isinstance(v, _dt.date) and not isinstance(v, _dt.datetime):
        v = _dt.datetime(v.year, v.month, v.day)
    return "" if v is None else str(v).strip()


def value_repr(v: Any) -> str:
    """A cell's value as the openpyxl reader's messages showed it (``5``, ``'x'``)."""
    if type(v) is float and v.is_integer() and abs(v) < 1e16:
        return repr(int(v))
    if isinstance(v, _dt.date) and not isinstance(v, _dt.datetime):
        v = _dt.datetime(v.year, v.month, v.day)
    return repr(v)


_STRING_NULL = pa.scalar(None, pa.string())


def column_text(values: list[Any] | tuple[Any, ...]) -> tuple[pa.Array, np.ndarray]:
    """(text column, empty mask) for one column of calamine cells: text as :func:`cell_text` gives it,
    built column-wise for a column of text or of numbers (with empty cells); cell by cell otherwise."""
    kinds = set(map(type, values))
    if kinds <= {str}:
        arr = pa.array(values, pa.string())
        empty = pc.equal(arr, "")
        blank = pc.or_(empty, pc.utf8_is_space(arr))
        out = pc.if_else(blank, _STRING_NULL, arr) if pc.any(blank).as_py() else arr
        return out, np.asarray(empty.to_numpy(zero_copy_only=False), dtype=bool)
    if kinds <= {str, float}:
        obj = np.array(values, dtype=object)
        empty = obj == ""
        if kinds == {float} or set(map(type, obj[~empty])) <= {float}:
            obj[empty] = np.nan
            return number_column(obj.astype(np.float64), empty), empty
    texts = [cell_text(v) for v in values]
    empty = np.fromiter((v == "" or v is None for v in values), dtype=bool, count=len(values))
    return pa.array(texts, pa.string()), empty


def number_column(x: np.ndarray, empty: np.ndarray) -> pa.Array:
    """Floats (NaN where ``empty``) as :func:`number_text` writes each, column-wise.

    Whole numbers below 10^16 are integers (as openpyxl writes them, and Excel). A value from 10^-4 to 10^9 whose nearest 6-decimal number
    reads back as the same float is that number without its trailing zeros: those are the digits of
    Python's shortest repr, since a step of 10^-6 is wider than the float's spacing there (so at most one
    6-decimal number reads back as x, and x·10^6 lies close enough to it to round onto it). Everything
    else (finer or tinier values, 10^9 and up) goes through ``repr``.
    """
    ax = np.abs(np.where(empty, 0.0, x))
    whole = ~empty & (np.floor(x) == x) & (ax < 1e16)
    text = pc.cast(pa.array(np.where(whole, x, 0.0).astype(np.int64)), pa.string())
    six = ~whole & ~empty & (ax >= 1e-4) & (ax < 1e9)
    m = np.rint(np.where(six, x, 0.0) * 1e6)
    six &= m / 1e6 == x
    if six.any():
        mi = np.abs(m).astype(np.int64)
        ip = pc.cast(pa.array(mi // 1_000_000), pa.string())
        fp = pc.utf8_rtrim(pc.utf8_lpad(pc.cast(pa.array(mi % 1_000_000), pa.string()), width=6, padding="0"),
                           characters="0")
        body = pc.binary_join_element_wise(ip, fp, ".")
        body = pc.if_else(pa.array(x < 0), pc.binary_join_element_wise("-", body, ""), body)
        text = pc.if_else(pa.array(six), body, text)
    left = ~(whole | empty | six)
    if left.any():
        text = pc.replace_with_mask(text, pa.array(left),
                                    pa.array([repr(v) for v in x[left].tolist()], pa.string()))
    if empty.any():
        text = pc.if_else(pa.array(empty), _STRING_NULL, text)
    return text


# ------------------------------------------------------------------------------------------------
# The reader
# ------------------------------------------------------------------------------------------------


def read_xlsx(p: Path) -> tuple[pa.Table, list[int], dict[int, list[tuple[str, str]]]]:
    """(text table of the named columns, sheet row of each project, cell errors by project index)."""
    from python_calamine import CalamineWorkbook

    from ..io import XLSX_MAX_CELLS, check_xlsx_limits

    check_xlsx_limits(p)
    try:
        with zipfile.ZipFile(p) as zf:
            sheet = first_sheet(zf)
            if sheet is None:
                raise ConfigError("the workbook has no worksheet", file=str(p))
            scan = scan_sheet(zf, sheet[1])
            header = _header_values(zf, sheet[2], scan) if scan is not None else None
    except (ConfigError, DataError):
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged part raises zipfile, zlib or XML errors
        raise DataError(f"cannot read the workbook: {exc}", file=str(p)) from None
    if scan is None:
        return _read_unreferenced(p)
    width = max(scan.header_width, scan.widest)
    cap = DENSE_FACTOR * XLSX_MAX_CELLS
    if scan.last_row * width > cap:
        where = f"row {scan.last_row}"
        if scan.beyond is not None and scan.last_row * scan.header_width <= cap:
            where = f"row {scan.beyond[0]}, column {letter(scan.beyond[1])}"
        raise DataError(f"the first sheet's cells reach {letter(width - 1)}{scan.last_row} "
                        f"({scan.last_row:,} rows × {width:,} columns, more than {cap:,} cells); refused "
                        "(split the portfolio, or clear the stray cells)", file=str(p), path=where)
    if header is not None:
        fast = _read_fastexcel(p, sheet[0], header, scan, XLSX_MAX_CELLS)
        if fast is not None:
            return fast
    try:
        ws = CalamineWorkbook.from_path(str(p)).get_sheet_by_name(sheet[0])
        if ws.height * ws.width > XLSX_MAX_CELLS:
            _check_cells(p, ws, XLSX_MAX_CELLS, scan.error_rows)
        rows = ws.to_python(skip_empty_area=False)
    except (ConfigError, DataError):
        raise
    except Exception as exc:  # noqa: BLE001 - calamine raises its own types for a damaged sheet
        raise DataError(f"cannot read the workbook: {exc}", file=str(p)) from None
    return _table(p, rows, scan, XLSX_MAX_CELLS)


def _check_cells(p: Path, ws: Any, limit: int, error_rows: set[int]) -> None:
    """The cell limit for a big sheet, counted lazily (blank rows skipped) before its cells become objects."""
    it = ws.iter_rows()
    header = next(it, None)
    if header is None:
        return
    names = [header_text(h) for h in header]
    while names and not names[-1]:
        names.pop()
    cells = 0
    for r, row in enumerate(it, start=2):
        if r not in error_rows and all(v == "" for v in row):
            continue
        cells += len(names)
        if cells > limit:
            raise DataError(f"more than {limit:,} cells; refused (split the portfolio)", file=str(p),
                            path=f"row {r}")


def _table(p: Path, rows: list[list[Any]], scan: SheetScan,
           limit: int) -> tuple[pa.Table, list[int], dict[int, list[tuple[str, str]]]]:
    if not rows or all(v == "" for v in rows[0]):
        raise ConfigError("the portfolio has no header row", file=str(p), path="row 1")
    header = rows[0]
    names = _names(p, header)
    data = rows[1:]
    width = max(len(header), max(map(len, data), default=0))
    columns = list(zip(*(r if len(r) == width else [*r, *[""] * (width - len(r))] for r in data), strict=True)) \
        if data else [() for _ in range(width)]
    converted: list[tuple[pa.Array | None, np.ndarray]] = []
    for j, col in enumerate(columns):
        if j < len(names) and names[j]:
            converted.append(column_text(col))
        else:
            converted.append((None, np.fromiter((v == "" for v in col), dtype=bool, count=len(col))))
    return _assemble(p, names, len(data), converted, lambda j, i: value_repr(columns[j][i]), scan, limit)


def _names(p: Path, header: list[Any]) -> list[str]:
    names = [header_text(h) for h in header]
    while names and not names[-1]:
        names.pop()
    dup = sorted({c for c in names if c and names.count(c) > 1})
    if dup:
        raise ConfigError(f"duplicate column(s) {', '.join(dup)}; each column may appear once",
                          file=str(p), path="row 1 (header)")
    return names


def _assemble(p: Path, names: list[str], n: int, converted: list[tuple[pa.Array | None, np.ndarray]],
              value_at: Any, scan: SheetScan, limit: int) -> tuple[pa.Table, list[int], dict[int, list[tuple[str, str]]]]:
    """The projects' table from each column's (text, empty mask): blank rows dropped (a row with an
    error cell is not blank), the openpyxl reader's row checks, the scan's problems by project."""
    blank = np.ones(n, dtype=bool)
    firsts: list[int] = []
    for _, empty in converted:
        blank &= empty
        firsts.append(int(np.argmax(~empty)) if (~empty).any() else -1)
    for r in scan.error_rows:
        if 2 <= r < n + 2:
            blank[r - 2] = False
    keep = np.flatnonzero(~blank)
    numbers = (keep + 2).tolist()
    _check_rows(p, names, len(converted), firsts, value_at, numbers, limit)
    index = {r: k for k, r in enumerate(numbers)}
    errs: dict[int, list[tuple[str, str]]] = {}
    for r in sorted(scan.problems):
        if r not in index:
            continue
        for j, msg in sorted(scan.problems[r], key=lambda jm: jm[0]):
            if j < len(names):
                errs.setdefault(index[r], []).append((names[j], msg))
    sel = pa.array(keep, pa.int64())
    out = {}
    for j, name in enumerate(names):
        if not name:
            continue
        arr = converted[j][0] if j < len(converted) else None
        out[name] = pa.nulls(len(keep), pa.string()) if arr is None else arr.take(sel)
    return pa.table(out) if out else pa.table({}), numbers, errs


def _check_rows(p: Path, names: list[str], width: int, firsts: list[int], value_at: Any,
                numbers: list[int], limit: int) -> None:
    """The openpyxl reader's row checks, in its order: the cell limit, a value right of the header, data
    under a nameless column — the first row (of the non-blank rows) where one applies is reported."""
    found: list[tuple[int, int, int, Exception]] = []
    if names and len(numbers) * len(names) > limit:
        r = numbers[limit // len(names)]
        found.append((r, 0, 0, DataError(f"more than {limit:,} cells; refused (split the portfolio)",
                                         file=str(p), path=f"row {r}")))
    for j in range(len(names), width):
        if firsts[j] >= 0:
            r = firsts[j] + 2
            v = value_at(j, firsts[j])
            found.append((r, 1, j, DataError(f"a value ({v}) in column {letter(j)}, which has no header",
                                             file=str(p), path=f"row {r}, column {letter(j)}")))
    for j, name in enumerate(names):
        if not name and j < width and firsts[j] >= 0:
            r = firsts[j] + 2
            found.append((r, 2, j, ConfigError(f"column {letter(j)} has data (row {r}) but no name in the header",
                                               file=str(p), path="row 1 (header)")))
    if found:
        raise min(found, key=lambda f: f[:3])[3]


# ------------------------------------------------------------------------------------------------
# The fast path: fastexcel's typed Arrow columns, when every column has one plain type
# ------------------------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _string_item(el: ElementTree.Element) -> str:
    """The text of a shared or inline string (its runs; phonetic runs left out)."""
    out = []
    for child in el:
        tag = _local(child.tag)
        if tag == "t":
            out.append(child.text or "")
        elif tag == "r":
            out += [t.text or "" for t in child if _local(t.tag) == "t"]
    return "".join(out)


def _header_values(zf: zipfile.ZipFile, sst_part: str, scan: SheetScan) -> list[Any] | None:
    """Row 1 as calamine would give it ('' for an empty cell), from the scan's cells and the first shared
    strings; None for anything unusual (A1 empty, a styled number that may be a date, an error, a prefix)."""
    cells = scan.header_cells
    if 0 not in cells:
        return None
    out: list[Any] = [""] * scan.header_width
    wanted: dict[int, list[int]] = {}
    for j, (kind, inner) in cells.items():
        v = _VALUE.search(inner)
        if kind == b"s" and v is not None and v.group(1).strip().isdigit():
            wanted.setdefault(int(v.group(1)), []).append(j)
        elif kind == b"inlineStr":
            try:
                el = ElementTree.fromstring(b"<x>" + inner + b"</x>")
            except ElementTree.ParseError:
                return None
            is_ = next((c for c in el if _local(c.tag) == "is"), None)
            out[j] = _string_item(is_) if is_ is not None else ""
        elif kind == b"str" and v is not None:
            out[j] = _unescape(v.group(1))
        elif kind == b"b" and v is not None:
            out[j] = v.group(1).strip() == b"1"
        elif kind == b"n" and v is not None:
            try:
                out[j] = float(v.group(1))
            except ValueError:
                return None
        else:
            return None
    if wanted:
        if not sst_part:
            return None
        last = max(wanted)
        with zf.open(sst_part) as fh:
            k = 0
            for _, el in ElementTree.iterparse(fh, events=("end",)):
                if _local(el.tag) != "si":
                    continue
                for j in wanted.get(k, ()):
                    out[j] = _string_item(el)
                el.clear()
                k += 1
                if k > last:
                    break
        if k <= last:
            return None
    return out


def _read_fastexcel(p: Path, name: str, header: list[Any], scan: SheetScan,
                    limit: int) -> tuple[pa.Table, list[int], dict[int, list[tuple[str, str]]]] | None:
    """fastexcel (calamine underneath, into Arrow) when every column reads as one plain type — numbers,
    text, booleans or nothing; None otherwise (a column mixing types, dates), for the cell-wise path."""
    import logging

    import fastexcel

    log = logging.getLogger("fastexcel")  # its guesses ("could not determine dtype…") are not the user's news
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        batch = fastexcel.read_excel(str(p)).load_sheet(name, header_row=None, skip_rows=1, schema_sample_rows=None,
                                                        dtype_coercion="strict", eager=True)
    except Exception:  # noqa: BLE001 - mixed types, an empty sheet body: the cell-wise path decides
        return None
    finally:
        log.setLevel(level)
    if batch.num_columns < len(header) or batch.num_rows * batch.num_columns > limit:
        return None
    names = _names(p, header + [""] * (batch.num_columns - len(header)))
    converted: list[tuple[pa.Array | None, np.ndarray]] = []
    for col in batch.columns:
        t = col.type
        null = np.asarray(col.is_null().to_numpy(zero_copy_only=False), dtype=bool)
        if pa.types.is_floating(t):
            x = np.asarray(col.to_numpy(zero_copy_only=False), dtype=np.float64)
            converted.append((number_column(np.where(null, np.nan, x), null), null))
        elif pa.types.is_integer(t):
            converted.append((pc.cast(col, pa.string()), null))
        elif pa.types.is_boolean(t):
            converted.append((pc.if_else(col, "TRUE", "FALSE"), null))
        elif pa.types.is_string(t) or pa.types.is_large_string(t):
            arr = col.cast(pa.string())
            empty = pc.fill_null(pc.equal(arr, ""), True)
            blank = pc.or_(empty, pc.fill_null(pc.utf8_is_space(arr), False))
            out = pc.if_else(blank, _STRING_NULL, arr) if pc.any(blank).as_py() else arr
            converted.append((out, np.asarray(empty.to_numpy(zero_copy_only=False), dtype=bool)))
        elif pa.types.is_null(t):
            converted.append((pa.nulls(len(col), pa.string()), np.ones(len(col), dtype=bool)))
        else:
            return None

    def value_at(j: int, i: int) -> str:
        v = batch.column(j)[i].as_py()
        return value_repr(v)

    return _assemble(p, names, batch.num_rows, converted, value_at, scan, limit)


def _read_unreferenced(p: Path) -> tuple[pa.Table, list[int], dict[int, list[tuple[str, str]]]]:
    raise DataError("a formula or error cell has no cell reference (r=…); open and save the workbook in "
                    "Excel, which writes them", file=str(p))
