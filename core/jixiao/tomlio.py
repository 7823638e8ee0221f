"""Reading TOML (Decimal floats, located syntax errors) and reading CSV tables with row/column refs."""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .errors import ConfigError, DataError

_LINE_COL = re.compile(r"\(at line (\d+), column (\d+)\)")


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file with floats as Decimal; a syntax error names the file, line and column."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError("file not found", file=str(path)) from None
    except IsADirectoryError:
        raise ConfigError("is a directory, not a TOML file", file=str(path)) from None
    except OSError as exc:
        raise ConfigError(f"cannot read file: {exc.strerror}", file=str(path)) from None
    if path.suffix.lower() == ".toml" and raw.startswith(b"\xef\xbb\xbf"):
        raise ConfigError("the file starts with a UTF-8 byte-order mark (BOM), which TOML does not allow",
                          file=str(path), path="line 1, column 1",
                          hint="save it as \"UTF-8\" without BOM (Notepad: Save as → Encoding: UTF-8; "
                               "or run: sed -i '1s/^\\xEF\\xBB\\xBF//' FILE)")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ConfigError("the file is UTF-16 text; TOML files must be UTF-8", file=str(path),
                          hint="save it as \"UTF-8\" (without BOM)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ConfigError(f"not UTF-8 text (byte {exc.start}); TOML files must be UTF-8", file=str(path),
                          path=f"line {line}", hint="save it as \"UTF-8\" (a GBK file must be converted)") from None
    try:
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _LINE_COL.search(msg)
        where = f"line {m.group(1)}, column {m.group(2)}" if m else None
        msg = _LINE_COL.sub("", msg).strip()
        raise ConfigError(f"TOML syntax error: {msg}", file=str(path), path=where) from None


def parse_number(text: str) -> Decimal:
    """A number as written in a table cell: ``1,135.00``, ``89.63%``; raises ValueError otherwise."""
    t = text.strip().replace(",", "")
    if not t:
        raise ValueError("empty cell")
    from .numbers import CONTEXT, range_problem

    pct = t.endswith("%")
    try:
        value = Decimal(t[:-1] if pct else t)
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"not a finite number: {text!r}")
    problem = range_problem(value)
    if problem:
        raise OutOfRange(problem)
    return CONTEXT.divide(value, Decimal(100)) if pct else value


class OutOfRange(ValueError):
    """A cell holds a number too large or too long to compute with exactly (its message says which)."""


PERCENT_SIGNS = ("%", "％", "‰")


def read_csv_table(path: Path, *, numeric: tuple[str, ...], label: tuple[str, ...] = (),
                   amounts: bool = False) -> list[dict[str, Any]]:
    """Read a CSV table with a header row; every numeric cell becomes a Decimal.

    Each row dict carries ``_ref`` (``budget.csv row 3``) so that later errors can name it.
    A missing column is a configuration error; a cell that is not a number is a data error
    naming the row and the column. With ``amounts``, the numeric columns hold amounts or counts: a
    percentage there (``95%`` in a 万元 column) is refused, never read as 0.95.
    """
    from .io import read_csv_rows

    # Encoding (BOM, UTF-8, GBK/GB18030, UTF-16), duplicate columns and ragged rows: one reader for
    # config tables and batch portfolios; rows are named by their file line (blank lines counted).
    table = read_csv_rows(path, what="table")
    header = table.header
    missing = [c for c in (*numeric, *label) if c not in header]
    if missing:
        raise ConfigError(
            f"missing column(s) {', '.join(missing)}; the header has {', '.join(header) or 'nothing'}",
            file=str(path),
            path=f"row {table.header_line} (header)",
        )
    rows = []
    for i, rec in table.rows:
        row: dict[str, Any] = {"_ref": f"{path.name} row {i}"}
        clean = {k: v for k, v in zip(header, rec, strict=True) if k}
        for col in numeric:
            if amounts and clean[col].strip().endswith(PERCENT_SIGNS):
                raise DataError(f"expected an amount, got the percentage {clean[col].strip()!r}",
                                file=str(path), path=f"row {i}, column {col}")
            try:
                row[col] = parse_number(clean[col])
            except ValueError as exc:
                raise DataError(
                    str(exc) if isinstance(exc, OutOfRange) else f"{exc}; expected a number",
                    file=str(path), path=f"row {i}, column {col}"
                ) from None
        for col in label:
            row[col] = clean[col].strip()
        for k, v in clean.items():
            row.setdefault(k, v.strip())
        rows.append(row)
    return rows
