"""The batch fallback's row config reads each column once per chunk: what it gives a row is what the
row's cells say, read one by one through :meth:`Portfolio.cell`.

``row_config`` cleans every column's Python list once (floats as their repr, blank text None, a
table's whole numbers as text) and finds a rating column's Rating by the cell's entry in the
column's dictionary (an entry per distinct cell: ``80%`` and ``80.000%`` are two). Checked here against
an independent cell-by-cell read of the same real files — a UTF-8 CSV and a GBK CSV whose rating
cells are spelt every way evaluators write them, blank or wrong, and Parquet files whose rating column
is decimal, integer or float — row by row, in a chunk's order and each row alone.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jixiao.batch import load_pack_or_template
from jixiao.batch.compile import layout_of
from jixiao.batch.portfolio import read_portfolio
from jixiao.batch.rowwise import _fraction, forget, known_inputs, row_config
from jixiao.config import Rating
from jixiao.errors import JixiaoError
from jixiao.plugins import Registry
from test_batch_rules import PACK

SPELT = ["80%", "80.000%", "0.8", " 80% ", "", "  ", "1", "100%", "abc", "80%", "0.8", "120%", "60%",
         "80.000%", "", "abc", "0.6000", "1", "９０%"]


def _pack(tmp_path: Path) -> Path:
    p = tmp_path / "pack.toml"
    p.write_text(PACK.format(mode="half_up", zero="met", partial="50%", leaves="round_then_sum"), encoding="utf-8")
    return p


def _base(i: int) -> dict:
    return {"project_id": f"P{i}", "done": 9, "planned": 10, "spent": 95, "budgeted": 100, "missing": 0,
            "budget[1].budget": 100, "budget[1].actual": 90 + i % 3, "rating.B2": "90%", "rating.B3": "80%",
            "band.B3": "良"}


def _expected(pf, col: str, i: int, current):
    """The rating a row's cell gives, read alone: (value or None when the cell is blank) or an error message."""
    cell = pf.cell(col, i)
    if cell is None:
        return ("kept", current)
    try:
        return ("value", _fraction(cell, "$", "f"))
    except JixiaoError as exc:
        return ("error", exc.message)


def _check(pack_path: Path, portfolio: Path, col: str = "rating.B1") -> int:
    reg = Registry()
    pack, template = load_pack_or_template(str(pack_path), reg)
    pf = read_portfolio(portfolio)
    layout = layout_of(list(pf.columns), known_inputs(pack, reg))
    code = col.split(".", 1)[1]
    for alone in (False, True):
        forget()
        seen: dict[str, object] = {}
        for i in range(pf.n):
            if alone:
                forget()
            errors: list = []
            cfg = row_config(pf, layout, i, template, errors=errors, pid=f"P{i}")
            kind, want = _expected(pf, col, i, None)
            if kind == "error":
                assert cfg is None and [e.message for e in errors] == [want] and errors[0].column == col, i
                continue
            assert cfg is not None and not errors, (i, errors)
            got = cfg.ratings.get(code)
            if kind == "kept":
                assert got is None, i
                continue
            assert got is not None and type(got.value) is Decimal and str(got.value) == str(want), (i, got, want)
            assert got == Rating(value=want, path=f"$.ratings.{code}"), (i, got)
            key = str(pf.cell(col, i))
            if not alone:  # the same cell text gives the same Rating object within a chunk
                assert seen.setdefault(key, got) is got, i
    forget()
    return pf.n


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_csv_rating_cells_read_as_each_cell_says(tmp_path, encoding):
    rows = [{**_base(i), "rating.B1": s} for i, s in enumerate(SPELT)]
    path = tmp_path / f"portfolio-{encoding}.csv"
    with path.open("w", newline="", encoding=encoding) as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    assert _check(_pack(tmp_path), path) == len(SPELT)


@pytest.mark.parametrize("arrow_type, values", [
    (pa.decimal128(9, 6), [Decimal("0.8"), None, Decimal("0.9"), Decimal("0.8"), Decimal(1), Decimal("1.2"),
                           Decimal(0), None, Decimal("0.9")]),
    (pa.int64(), [1, 0, None, 1, 2, 0, 1]),
    (pa.float64(), [0.8, -0.0, 0.0, None, 0.8, 0.30000000000000004, 1.0]),
    (pa.string(), ["80%", "80.000%", None, "", "80%", "0.8", "bad", "bad"]),
])
def test_parquet_rating_columns_read_as_each_cell_says(tmp_path, arrow_type, values):
    n = len(values)
    cols = {k: [v] * n for k, v in _base(0).items() if k not in ("project_id",)}
    table = pa.table({"project_id": [f"P{i}" for i in range(n)], **{k: pa.array(v) for k, v in cols.items()},
                      "rating.B1": pa.array(values, arrow_type)})
    path = tmp_path / "portfolio.parquet"
    pq.write_table(table, path)
    assert _check(_pack(tmp_path), path) == n


def test_table_cells_are_the_cells_text(tmp_path):
    """A table's whole numbers reach the engine as their text, blanks not at all, as cell by cell."""
    n = 6
    table = pa.table({"project_id": [f"P{i}" for i in range(n)], "done": [9] * n, "planned": [10] * n,
                      "spent": [95] * n, "budgeted": [100] * n, "missing": [0] * n,
                      "budget[1].budget": pa.array([100, None, 7, 100, 0, 3], pa.int64()),
                      "budget[1].actual": pa.array([" ", "90", None, "1.5", "", "2"], pa.string()),
                      "budget[2].budget": pa.array([1.5, None, 2.0, 3.25, 0.1, 1e-7], pa.float64()),
                      "budget[2].actual": pa.array([Decimal("1.50"), None, Decimal("2.00"), Decimal(0),
                                                    Decimal("0.10"), Decimal(0)], pa.decimal128(6, 2)),
                      "rating.B1": ["80%"] * n, "rating.B2": ["90%"] * n, "rating.B3": ["80%"] * n,
                      "band.B3": ["良"] * n})
    path = tmp_path / "portfolio.parquet"
    pq.write_table(table, path)
    reg = Registry()
    pack, template = load_pack_or_template(str(_pack(tmp_path)), reg)
    pf = read_portfolio(path)
    layout = layout_of(list(pf.columns), known_inputs(pack, reg))
    forget()
    for i in range(n):
        cfg = row_config(pf, layout, i, template, errors=[], pid=f"P{i}")
        want = []
        for k in (1, 2):
            cells = {}
            for c in ("budget", "actual"):
                v = pf.cell(f"budget[{k}].{c}", i)
                if isinstance(v, int) and not isinstance(v, bool):
                    v = str(v)
                if v is not None:
                    cells[c] = v
            if cells:
                want.append(cells)
        got = cfg.inputs.get("budget")
        assert (got or []) == want, i
        assert [[type(v) for v in r.values()] for r in (got or [])] == [[type(v) for v in r.values()] for r in want]
    forget()
