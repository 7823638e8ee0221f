"""Writing output files whole or not at all: a temporary file beside the target, then a rename."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from attrs import frozen as attrs_frozen


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a failed run never leaves a partial file behind."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    # mkstemp creates 0600; give the file the mode an ordinary open() would (0666 less the umask).
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


# ------------------------------------------------------------------------------------------------
# Reading tables: CSV text in the encodings spreadsheets save, XLSX within limits
# ------------------------------------------------------------------------------------------------

_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
         (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
ENCODING_NAMES = {"utf-8": "utf-8", "utf8": "utf-8", "utf-8-sig": "utf-8-sig", "gbk": "gbk", "gb2312": "gbk",
                  "gb18030": "gb18030", "utf-16": "utf-16", "utf-16-le": "utf-16-le", "utf-16-be": "utf-16-be"}
XLSX_MAX_BYTES = 256 * 1024 * 1024
"""Largest total uncompressed size of an XLSX input's parts (the zip's declared sizes)."""
XLSX_MAX_CELLS = 10_000_000
"""Most cells (rows × header columns) read from an XLSX input."""


def _line_at(data: bytes, pos: int, encoding: str) -> int:
    return data[:pos].decode(encoding, errors="replace").count("\n") + 1


def decode_table_text(path: str | Path, data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """(text, encoding) of a CSV file's bytes: a BOM says UTF-8/UTF-16/UTF-32; otherwise UTF-8, or GBK/GB18030
    when charset-normalizer (or, failing it, a strict GB18030 decoding) finds it; ``encoding`` forces one.

    Bytes no candidate decodes are a :class:`DataError` naming the line (exit 3), never replaced.
    """
    from .errors import ConfigError, DataError

    file = str(path)
    if encoding is not None:
        enc = ENCODING_NAMES.get(encoding.strip().lower())
        if enc is None:
            raise ConfigError(f"unknown encoding {encoding!r}; expected one of utf-8, gbk, gb18030, utf-16",
                              file=file, path="--encoding")
        if enc == "utf-8" and data.startswith(b"\xef\xbb\xbf"):
            enc = "utf-8-sig"
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError as exc:
            raise DataError(f"byte 0x{data[exc.start]:02x} cannot be read as {enc} (forced by --encoding)",
                            file=file, path=f"line {_line_at(data, exc.start, enc)}") from None
    for bom, enc in _BOMS:
        if data.startswith(bom):
            body, plain = data[len(bom):], enc.replace("-sig", "")
            try:
                return body.decode(plain), enc
            except UnicodeDecodeError as exc:
                raise DataError(f"byte 0x{body[exc.start]:02x} cannot be read as {enc} (the file starts with "
                                f"a {enc} byte-order mark)", file=file,
                                path=f"line {_line_at(body, exc.start, plain)}") from None
    if data[:2000:2].count(0) > 10 or data[1:2000:2].count(0) > 10:
        enc = "utf-16-be" if data[:2000:2].count(0) > data[1:2000:2].count(0) else "utf-16-le"
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    candidates = ["gb18030"]
    if big5_guess(data):
        candidates.insert(0, "big5")
    furthest: tuple[int, str] = (utf8_error.start, "utf-8")
    for enc in candidates:
        try:
            return data.decode(enc), ("gbk" if enc == "gb18030" and _is_gbk(data) else enc)
        except UnicodeDecodeError as exc:
            furthest = max(furthest, (exc.start, enc))
    # The byte to name is where the decoding that read furthest stops: a GBK file with one bad byte on
    # line 1301 is named at line 1301, not at its first Chinese character (where UTF-8 stops).
    pos, enc = furthest
    if enc == "utf-8":
        what = "cannot be read as UTF-8 nor as GBK/GB18030"
    else:
        what = (f"cannot be read as GBK/GB18030 (nor as UTF-8; the file reads as {enc.upper()} up to this "
                "byte)")
    raise DataError(f"byte 0x{data[pos]:02x} {what}; save the file as "
                    "UTF-8 (Excel: CSV UTF-8) or name its encoding with --encoding",
                    file=file, path=f"line {_line_at(data, pos, enc)}")


BIG5_GUESS_BYTES = 1 << 22
"""charset-normalizer's Big5-or-GB18030 guess looks at no more than a file's first 4 MiB (cut after its last
line end), so that detecting a large CSV's encoding needs no whole-file bytes (and no whole-file strings:
it decodes every multi-byte candidate whole, 1.7 GB for a 343 MiB file)."""


def big5_guess(data: bytes) -> bool:
    """Whether charset-normalizer takes bytes that are not UTF-8 for Big5 (then tried before GB18030).

    Asked about ``data`` when it is at most :data:`BIG5_GUESS_BYTES` long, else about its first
    :data:`BIG5_GUESS_BYTES` up to and including the last line end in them (a line end is never inside
    a GBK, GB18030 or Big5 character): the same answer from a file's whole bytes and from its first
    ``BIG5_GUESS_BYTES + 1``. Advisory either way: the caller's strict decoding of the whole file decides."""
    if len(data) > BIG5_GUESS_BYTES:
        head = data[:BIG5_GUESS_BYTES]
        nl = head.rfind(b"\n")
        data = head[:nl + 1] if nl >= 0 else head
    guess = None
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        guess = best.encoding if best is not None else None
    except Exception:  # noqa: BLE001 - detection is advisory; the strict decode decides
        guess = None
    return bool(guess and guess.replace("-", "_").lower() in ("big5", "big5hkscs", "cp950"))


def _is_gbk(data: bytes) -> bool:
    try:
        data.decode("gbk")
    except UnicodeDecodeError:
        return False
    return True


@attrs_frozen
class CsvTable:
    header: list[str]
    header_line: int
    rows: list[tuple[int, list[str]]]
    """(file line number where the record starts, its cells), blank lines skipped but counted."""
    encoding: str


def read_csv_rows(path: str | Path, *, encoding: str | None = None, what: str = "table") -> CsvTable:
    """A CSV file's header and records with their file line numbers.

    Refused: an undecodable byte (exit 3, its line), no header, a duplicate or unnamed column that holds
    data (exit 2, the header line), a record with more or fewer cells than the header (exit 3, its line).
    """
    import csv
    import io as _io

    from .errors import ConfigError, DataError

    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{what} file not found", file=str(p)) from None
    except IsADirectoryError:
        raise ConfigError(f"expected a {what} file, got a directory", file=str(p)) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the {what}: {exc.strerror}", file=str(p)) from None
    text, enc = decode_table_text(p, data, encoding)
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise DataError("a NUL character in the text (is this a CSV file?)", file=str(p), path=f"line {line}")
    reader = csv.reader(_io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    last = 0
    try:
        for rec in reader:
            start = last + 1
            last = reader.line_num
            if not rec or all(not c.strip() for c in rec) and len(rec) <= 1:
                continue
            records.append((start, rec))
    except csv.Error as exc:
        raise DataError(f"not readable as CSV: {exc}", file=str(p), path=f"line {reader.line_num}") from None
    if not records:
        raise ConfigError(f"the {what} has no header row", file=str(p), path="line 1")
    header_line, raw = records[0]
    header = [h.strip() for h in raw]
    where = f"line {header_line} (header)"
    dup = sorted({h for h in header if h and header.count(h) > 1})
    if dup:
        raise ConfigError(f"duplicate column(s) {', '.join(dup)}; each column may appear once", file=str(p),
                          path=where)
    rows = records[1:]
    for line, rec in rows:
        if len(rec) != len(header):
            raise DataError(f"{len(rec)} cell(s) where the header (line {header_line}) has {len(header)}; "
                            "a missing or extra separator?", file=str(p), path=f"line {line}")
    for j, h in enumerate(header):
        if not h:
            used = next((line for line, rec in rows if rec[j].strip()), None)
            if used is not None:
                raise ConfigError(f"column {j + 1} has data (line {used}) but no name in the header",
                                  file=str(p), path=where)
    return CsvTable(header=header, header_line=header_line, rows=rows, encoding=enc)


def check_xlsx_limits(path: str | Path, *, max_bytes: int | None = None) -> None:
    """Refuse an XLSX whose parts would inflate beyond ``max_bytes`` (from the zip's declared sizes, before
    anything is decompressed) or that is not a zip at all; exit 3 naming the file."""
    import zipfile

    from .errors import DataError

    limit = XLSX_MAX_BYTES if max_bytes is None else max_bytes
    env = os.environ.get("JIXIAO_XLSX_MAX_BYTES")
    if max_bytes is None and env and env.isdigit():
        limit = int(env)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile:
        raise DataError("not an XLSX workbook (not a zip archive)", file=str(path)) from None
    total = 0
    for info in infos:
        total += info.file_size
        if total > limit:
            raise DataError(f"the workbook would inflate to more than {limit:,} bytes (part {info.filename} "
                            f"declares {info.file_size:,}); refused before reading", file=str(path))


# ------------------------------------------------------------------------------------------------
# The columnar fast path for big CSV tables (batch portfolios)
# ------------------------------------------------------------------------------------------------


def utf8_bytes(path: str | Path, data: bytes, encoding: str | None = None) -> tuple[bytes, str] | None:
    """(UTF-8 bytes without a BOM, encoding the file was in) for the columnar reader, or None when the bytes
    need the detection of :func:`decode_table_text` (not valid UTF-8: GBK/GB18030, or bad bytes).

    A forced ``encoding``, a UTF-16/32 byte-order mark or UTF-16 zero bytes transcode here (a bad byte is
    the located :class:`DataError` of :func:`decode_table_text`); plain UTF-8 is passed on as it is and
    checked by Arrow while it reads.
    """
    utf16 = data[:2000:2].count(0) > 10 or data[1:2000:2].count(0) > 10
    bom = next((enc for b, enc in _BOMS if data.startswith(b)), None)
    if encoding is not None or utf16 or (bom is not None and bom != "utf-8-sig"):
        text, enc = decode_table_text(path, data, encoding)
        if enc in ("utf-8", "utf-8-sig"):
            return (data[3:] if data.startswith(b"\xef\xbb\xbf") else data), enc
        return text.encode("utf-8"), enc
    if bom == "utf-8-sig":
        return data[3:], "utf-8-sig"
    return data, "utf-8"


def read_csv_arrow(path: str | Path, *, encoding: str | None = None, what: str = "table") -> Any | None:
    """A clean CSV file as an Arrow table of text columns (blank cells null), read by Arrow's own
    multi-threaded parser; records are then exactly the file lines 2, 3, … (the caller numbers them).

    Returns None for anything unusual — bytes that are not UTF-8 until detected, a NUL, a header that is
    not one plain line, a duplicate or unnamed column, blank lines, a value running over several lines,
    a ragged row, a bad quote — so that :func:`read_csv_rows` reads it (an odd but valid file) or
    refuses it with its located message. Only the problem files pay for the Python text path.
    """

    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError:
        return None  # read_csv_rows gives the message
    got = utf8_bytes(p, data, encoding)
    if got is None:
        return None
    data, enc = got
    table = _arrow_csv_table(data)
    if table is None and enc == "utf-8":
        # Not UTF-8 (or not clean): the detection decides; GBK/GB18030 is read again transcoded.
        text, enc = decode_table_text(p, data, None)
        if enc in ("utf-8", "utf-8-sig"):
            return None
        data = text.encode("utf-8")
        del text
        table = _arrow_csv_table(data)
    del data
    if table is None:
        return None
    return blanks_as_null(table), enc


def blanks_as_null(table: Any) -> Any:
    """Cells of only spaces become null, as the Python text path reads them (one pass per column)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    def spaceless(chunk: Any) -> bool:
        # No byte of a space, a control character or a non-ASCII character: no cell can be only spaces.
        if not pa.types.is_string(chunk.type) or not len(chunk):
            return False
        offs = np.frombuffer(chunk.buffers()[1], dtype=np.int32)[chunk.offset: chunk.offset + len(chunk) + 1]
        if chunk.buffers()[2] is None or offs[-1] == offs[0]:
            return True
        data = np.frombuffer(chunk.buffers()[2], dtype=np.uint8)[int(offs[0]): int(offs[-1])]
        return int(data.min()) > 0x20 and int(data.max()) < 0x7F

    cols = []
    for col in table.columns:
        chunks = col.chunks if isinstance(col, pa.ChunkedArray) else [col]
        if all(spaceless(c) for c in chunks):
            cols.append(col)
            continue
        blank = pc.utf8_is_space(col)
        if pc.any(blank).as_py():
            col = pc.if_else(blank.fill_null(False), pa.scalar(None, pa.string()), col)
        cols.append(col)
    return pa.table(cols, names=table.column_names)


def csv_parse_options() -> Any:
    """Arrow CSV parsing as the fast path uses it: records one per line (a value over several lines makes a
    ragged record, which sends the file to the Python text path)."""
    import pyarrow.csv as pcsv

    return pcsv.ParseOptions(newlines_in_values=False, ignore_empty_lines=True)


def csv_convert_options(names: list[str]) -> Any:
    """Every column as text (typed later by its role), UTF-8 checked, empty cells null."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    return pcsv.ConvertOptions(column_types={c: pa.string() for c in names}, check_utf8=True,
                               strings_can_be_null=True, quoted_strings_can_be_null=True, null_values=[""])


def _arrow_csv_table(data: bytes) -> Any | None:
    import csv
    import io as _io

    import pyarrow as pa
    import pyarrow.csv as pcsv

    if b"\x00" in data or data.count(b'"') % 2:
        return None  # a NUL, or an unbalanced quote (pairs: "…" and "" inside): the text path locates it
    nl = data.find(b"\n")
    first = data if nl < 0 else data[:nl]
    if not first.strip() or first.count(b'"') % 2:
        return None  # a blank first line, or a quoted header name running over lines
    try:
        line = first.decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        return None
    header = [h.strip() for h in next(csv.reader(_io.StringIO(line)), [])]
    if not header or "" in header or len(set(header)) != len(header):
        return None
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        return None  # lone carriage returns: line numbers as the Python reader counts them
    names = [f"c{j}" for j in range(len(header))]
    try:
        table = pcsv.read_csv(
            pa.BufferReader(data),
            read_options=pcsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
            parse_options=csv_parse_options(), convert_options=csv_convert_options(names))
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    if table.num_rows + 1 != lines:
        return None  # blank lines or values over several lines: the Python reader numbers the lines
    return table.rename_columns(header)
