"""What both hand-written baselines do alike after the arithmetic: rank and write the results.

Kept apart so that each baseline file shows only its pack's arithmetic; the I/O is the same
Parquet layout `jixiao batch` writes (decimal128(18, 2) scores, rank with ties sharing a rank).
"""

from __future__ import annotations

import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq


def ints(t: pa.Table, name: str, scale: int) -> np.ndarray:
    """A column as int64 × 10^scale (integers, or decimal128 read through its 128-bit buffer)."""
    a = t.column(name).combine_chunks()
    if pa.types.is_integer(a.type):
        return a.to_numpy().astype(np.int64) * 10**scale
    buf = np.frombuffer(a.buffers()[1], dtype=np.int64)[2 * a.offset: 2 * (a.offset + len(a))]
    return buf[0::2] * 10 ** (scale - a.type.scale)


def half_up(n: np.ndarray, d: np.ndarray | int) -> np.ndarray:
    """round(n ÷ d) half-up for n ≥ 0, d > 0."""
    q, r = np.divmod(n, d)
    return q + (r >= d - r)


def rate4(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num ÷ den rounded half-up to 4 places (×10^4); 0 ÷ 0 counts as met (1)."""
    zero = den == 0
    return np.where(zero, 10_000, half_up(num * 10_000, np.where(zero, 1, den)))


def write_results(output: str, ids: pa.Array, total: np.ndarray, grade: np.ndarray,
                  s: dict[str, np.ndarray], order_codes: list[str]) -> None:
    """Rank projects by total and write one Parquet row per project (scores in hundredths)."""
    n = len(total)
    order = np.argsort(-total, kind="stable")
    st = total[order]
    first = np.r_[True, st[1:] != st[:-1]]
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.maximum.accumulate(np.where(first, np.arange(n), 0)) + 1

    def dec(v: np.ndarray) -> pa.Array:
        buf = np.empty(2 * len(v), dtype=np.int64)
        buf[0::2] = v
        buf[1::2] = np.where(v < 0, -1, 0)
        return pa.Array.from_buffers(pa.decimal128(18, 2), len(v), [None, pa.py_buffer(buf.tobytes())])

    writer = None
    chunk = 65_536
    for start in range(0, n, chunk):
        sl = slice(start, start + chunk)
        out = pa.table({"project_id": ids.slice(start, chunk), "row": pa.array(np.arange(n)[sl] + 1),
                        "total": dec(total[sl]), "grade": pa.array(grade[sl]), "rank": pa.array(rank[sl]),
                        **{c: dec(s[c][sl]) for c in order_codes}})
        if writer is None:
            writer = pq.ParquetWriter(output, out.schema, compression="zstd")
        writer.write_table(out)
    if writer is not None:
        writer.close()
    print(f"wrote {output}: {n} projects; grades "
          + str(dict(zip(*np.unique(grade, return_counts=True), strict=True))), file=sys.stderr)
