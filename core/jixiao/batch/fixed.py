"""Exact fixed-point columns: int64 numpy arrays holding value × 10^scale, with half-up rounding in integers.

No float is ever involved. Any operation that could overflow int64 marks the rows concerned in the
frame's ``fallback`` mask instead of producing a wrong number; those rows are then evaluated one by
one through the real engine (in :class:`decimal.Decimal`), so a result is either exact or absent.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

LIMIT = 2**63 - 1
INT64_MIN = -(2**63)


class Fixed:
    """A column of exact decimals: ``v`` (int64) = value × 10**``scale``."""

    __slots__ = ("scale", "v")

    def __init__(self, v: np.ndarray, scale: int) -> None:
        self.v = v
        self.scale = scale

    def __repr__(self) -> str:
        return f"Fixed({self.v!r}, scale={self.scale})"

    def decimals(self) -> list[Decimal]:
        return [Decimal(int(x)).scaleb(-self.scale) for x in self.v]


def _beyond(v: np.ndarray, bound: int) -> bool:
    """Whether any |v| exceeds ``bound`` — two reductions, no temporary array; the caller builds the row
    mask only then (values near int64's limits are rare: this is the usual answer, asked many times a
    chunk)."""
    return bool(len(v)) and (int(v.max()) > bound or int(v.min()) < -bound)


def const(d: Decimal | int) -> tuple[int, int]:
    """An exact decimal constant as (integer, scale): ``Decimal('0.03')`` → ``(3, 2)``."""
    d = Decimal(d)
    if not d.is_finite():
        raise ValueError(f"not a finite number: {d}")
    exp = d.as_tuple().exponent
    assert isinstance(exp, int)
    if exp >= 0:
        return int(d), 0
    return int(d.scaleb(-exp)), -exp


def to_scaled(d: Decimal, scale: int) -> int | None:
    """``d × 10**scale`` as an int when exact and inside int64, else None."""
    c, s = const(d)
    if s > scale:
        q, r = divmod(c, 10 ** (s - scale))
        if r:
            return None
        c = q
    else:
        c *= 10 ** (scale - s)
    return c if -LIMIT <= c <= LIMIT else None


class Frame:
    """The rows being evaluated together and the mask of rows that must fall back to the engine."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.fallback = np.zeros(n, dtype=bool)

    # -- building ---------------------------------------------------------------------------

    def full(self, d: Decimal | int) -> Fixed:
        c, s = const(d)
        if abs(c) > LIMIT:
            self.fallback[:] = True
            c = 0
        return Fixed(np.full(self.n, c, dtype=np.int64), s)

    def mark(self, mask: np.ndarray) -> None:
        self.fallback |= mask

    # -- scale ------------------------------------------------------------------------------

    def rescale(self, a: Fixed, scale: int) -> Fixed:
        """The same values at a finer scale (exact; rows that would overflow fall back)."""
        if scale == a.scale:
            return a
        if scale < a.scale:
            raise ValueError("rescale only refines; use quantize to round")
        m = 10 ** (scale - a.scale)
        if m <= LIMIT and not _beyond(a.v, LIMIT // m):
            return Fixed(a.v * m, scale)
        over = a.v != 0 if m > LIMIT else np.abs(a.v) > LIMIT // m
        if over.any():
            self.fallback |= over
            v = np.where(over, 0, a.v) * m if m <= LIMIT else np.zeros_like(a.v)
        else:
            v = a.v * m
        return Fixed(v, scale)

    def align(self, *cols: Fixed) -> list[Fixed]:
        s = max(c.scale for c in cols)
        return [self.rescale(c, s) for c in cols]

    # -- arithmetic -------------------------------------------------------------------------

    def _guard_add(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        half = LIMIT // 2
        if not (_beyond(a, half) or _beyond(b, half)):
            return a, b
        over = (np.abs(a) > half) | (np.abs(b) > half)
        if over.any():
            self.fallback |= over
            a = np.where(over, 0, a)
            b = np.where(over, 0, b)
        return a, b

    def add(self, a: Fixed, b: Fixed) -> Fixed:
        a, b = self.align(a, b)
        x, y = self._guard_add(a.v, b.v)
        return Fixed(x + y, a.scale)

    def sub(self, a: Fixed, b: Fixed) -> Fixed:
        a, b = self.align(a, b)
        x, y = self._guard_add(a.v, b.v)
        return Fixed(x - y, a.scale)

    def sum(self, cols: list[Fixed]) -> Fixed:
        if not cols:
            return self.full(0)
        out = cols[0]
        for c in cols[1:]:
            out = self.add(out, c)
        return out

    def mul_const(self, a: Fixed, d: Decimal | int) -> Fixed:
        c, s = const(d)
        if c == 0:
            return Fixed(np.zeros(self.n, dtype=np.int64), a.scale + s)
        if abs(c) > LIMIT:
            self.fallback |= a.v != 0
            return Fixed(np.zeros(self.n, dtype=np.int64), a.scale + s)
        v = a.v
        if not _beyond(v, LIMIT // abs(c)):
            return Fixed(v * c, a.scale + s)
        over = np.abs(v) > LIMIT // abs(c)
        if over.any():
            self.fallback |= over
            v = np.where(over, 0, v)
        return Fixed(v * c, a.scale + s)

    def mul(self, a: Fixed, b: Fixed) -> Fixed:
        """a × b exactly (scales add); rows whose product would leave int64 fall back."""
        x, y = np.abs(a.v), np.abs(b.v)
        # |x·y| ≤ LIMIT ⇔ x ≤ LIMIT // y for y > 0 (integer division never overstates the bound).
        over = (y > 0) & (x > LIMIT // np.where(y > 0, y, 1))
        av, bv = a.v, b.v
        if over.any():
            self.fallback |= over
            av, bv = np.where(over, 0, av), np.where(over, 0, bv)
        return Fixed(av * bv, a.scale + b.scale)

    def neg(self, a: Fixed) -> Fixed:
        return Fixed(-a.v, a.scale)  # int64 columns here never hold INT64_MIN (every path bounds by LIMIT)

    def const_col(self, d: Decimal | int, scale: int) -> Fixed:
        """A constant at (at least) ``scale``; used to compare or combine with a column."""
        c = self.full(d)
        return self.rescale(c, max(scale, c.scale))

    # -- comparison and selection -----------------------------------------------------------

    def cmp_const(self, a: Fixed, d: Decimal | int) -> np.ndarray:
        """Sign of a − d per row (−1, 0, 1), exactly."""
        c, s = const(d)
        if s > a.scale:
            a = self.rescale(a, s)
        else:
            c *= 10 ** (a.scale - s)
        if c > LIMIT:
            return np.full(self.n, -1, dtype=np.int8)
        if c < -LIMIT:
            return np.full(self.n, 1, dtype=np.int8)
        return (a.v > c).astype(np.int8) - (a.v < c).astype(np.int8)

    def where(self, mask: np.ndarray, a: Fixed, b: Fixed) -> Fixed:
        a, b = self.align(a, b)
        return Fixed(np.where(mask, a.v, b.v), a.scale)

    def clamp(self, a: Fixed, low: Decimal | int, high: Decimal | int) -> Fixed:
        lo = self.const_col(low, a.scale)
        hi = self.const_col(high, a.scale)
        a = self.rescale(a, lo.scale)
        return Fixed(np.minimum(np.maximum(a.v, lo.v), hi.v), a.scale)

    # -- rounding ---------------------------------------------------------------------------

    def quantize(self, a: Fixed, places: int, mode: str = "half_up") -> Fixed:
        """Round to ``places`` decimals: half-up (away from zero at .5, as Decimal ROUND_HALF_UP), half-even,
        down (toward zero) or up (away from zero)."""
        if places >= a.scale:
            return self.rescale(a, places)
        div = 10 ** (a.scale - places)
        if div > LIMIT:
            # One unit of the target scale exceeds int64: only huge values could round away from 0.
            self.fallback |= np.abs(a.v) > LIMIT // 2
            return Fixed(np.zeros(self.n, dtype=np.int64), places)
        if not len(a.v) or int(a.v.min()) >= 0:  # rates, ratings, scores: no signs to take off and put back
            return Fixed(_round_div(a.v, div, mode), places)
        return Fixed(_round_div(np.abs(a.v), div, mode) * np.sign(a.v), places)

    def ratio(self, num: Fixed, den: Fixed, places: int, mode: str, zero_division: str) -> tuple[Fixed, np.ndarray]:
        """num ÷ den rounded to ``places`` decimals, exactly; returns (value, rows that were 0 ÷ 0).

        Rows the engine would refuse (negative denominator, n ÷ 0, 0 ÷ 0 under ``error``) fall back, so
        that the engine reports them in its own words.
        """
        num, den = self.align(num, den)
        zero = den.v == 0
        bad = (den.v < 0) | (zero & (num.v != 0))
        if zero_division == "error":
            bad |= zero
        self.fallback |= bad
        m = 10**places
        n_abs = np.abs(num.v)
        over = n_abs > LIMIT // m
        if over.any():
            self.fallback |= over
            n_abs = np.where(over, 0, n_abs)
        safe_den = np.where(den.v > 0, den.v, 1)
        q = _round_div(n_abs * m, safe_den, mode) * np.sign(num.v)
        if zero.any():
            q = np.where(zero, m if zero_division == "met" else 0, q)
        return Fixed(q, places), zero & ~bad


def _round_div(n: np.ndarray, d: np.ndarray | int, mode: str) -> np.ndarray:
    """round(n / d) for n ≥ 0, d > 0 (ties half-up or half-even; ``down`` cuts, ``up`` takes any remainder
    up; callers apply the sign, so these are toward / away from zero as Decimal's modes), without overflow.

    ``d`` is an array or one integer (a quantize's power of ten): numpy divides by one integer through a
    precomputed multiply-and-shift, several times faster than by an array, and ``np.divmod`` has no such
    path — so the remainder is ``n − q·d`` (no overflow: q·d ≤ n).

    Half-up by an even integer (a quantize's 10^k) is one addition and one division, ⌊(n + d/2) ÷ d⌋,
    where no n + d/2 passes int64: the same result (r ≥ d − r ⇔ r + d/2 ≥ d) in two passes over the
    column instead of six."""
    if isinstance(d, int) and mode == "half_up" and d % 2 == 0 and (not len(n) or int(n.max()) <= LIMIT - d // 2):
        return (n + d // 2) // d
    q = n // d
    r = n - q * d
    if mode == "down":
        return q
    if mode == "up":
        return q + (r > 0)
    rest = d - r  # 2r ≥ d ⇔ r ≥ d − r, which cannot overflow
    if mode == "half_even":
        up = (r > rest) | ((r == rest) & (q % 2 == 1))
    else:
        up = r >= rest
    return q + up


# -- ordinal marks and node columns (aggregator forms) ---------------------------------------------


class Marks:
    """A column of ordinal marks (or any text scores): ``codes`` (int16) index ``labels``; a code of −1
    is a row without a mark here (it has a number instead, or falls back to the engine)."""

    __slots__ = ("codes", "labels")

    def __init__(self, codes: np.ndarray, labels: tuple[str, ...]) -> None:
        self.codes = codes
        self.labels = tuple(labels)

    def __repr__(self) -> str:
        return f"Marks({self.codes!r}, labels={self.labels!r})"

    def texts(self) -> list[str | None]:
        return [self.labels[c] if c >= 0 else None for c in self.codes.tolist()]

    def map(self, table: list[int] | tuple[int, ...] | np.ndarray) -> np.ndarray:
        """``table[code]`` per row (an int per label); rows without a mark get −1."""
        t = np.asarray(list(table) + [-1], dtype=np.int64)  # index −1 → the appended −1
        return t[self.codes.astype(np.int64)]

    @classmethod
    def of(cls, n: int, labels: tuple[str, ...] | list[str], codes: np.ndarray | None = None) -> Marks:
        return cls(np.full(n, -1, dtype=np.int16) if codes is None else codes.astype(np.int16), tuple(labels))


class NodeColumn:
    """A tree node's scores over all rows, as an aggregator form gets its children and returns its own.

    ``score`` (exact fixed point) holds the numeric rows, ``marks`` the rows whose score is a mark or
    text (codes ≥ 0 there; a node may mix both, as PART's section is a percentage or ``NA``);
    ``ratio`` is the exact share num ÷ den behind a score where a parent needs it (PART's sections);
    ``counts`` the mark counts of a node with no score (``ordinal_counts``). The compiler adds, for the
    children: ``code``, ``node`` (the :class:`~jixiao.model.Indicator` or :class:`~jixiao.model.Group`),
    ``standard_score``, and for leaves ``value``/``value_kind`` (the value as it entered scoring)."""

    __slots__ = ("code", "counts", "marks", "node", "ratio", "score", "standard_score", "value", "value_kind")

    def __init__(self, *, score: Fixed | None = None, marks: Marks | None = None,
                 ratio: tuple[np.ndarray, np.ndarray] | None = None, counts: dict[str, np.ndarray] | None = None,
                 code: str = "", node: object = None, standard_score: Decimal | None = None,
                 value: Fixed | None = None, value_kind: str = "") -> None:
        self.score, self.marks, self.ratio, self.counts = score, marks, ratio, counts
        self.code, self.node, self.standard_score = code, node, standard_score
        self.value, self.value_kind = value, value_kind

    @property
    def is_leaf(self) -> bool:
        return not hasattr(self.node, "children")

    def text_rows(self, n: int) -> np.ndarray:
        return self.marks.codes >= 0 if self.marks is not None else np.zeros(n, dtype=bool)


def round_ratio(frame: Frame, num: np.ndarray, den: int | np.ndarray, places: int, mode: str) -> Fixed:
    """num ÷ den (int64 columns or a positive int constant; den > 0) rounded to ``places`` decimals
    exactly; rows whose num × 10^places would overflow fall back. This is also what the engine gets
    from rounding its 34-digit quotient, whenever |num| × 10^(places+1) < 10^33 (always for int64 and
    places ≤ 12): the quotient's rounding error is then smaller than its distance from any rounding
    boundary it is not on."""
    m = 10**places
    d = np.asarray(den, dtype=np.int64)
    if isinstance(den, int):
        g = np.gcd(m, den) if den <= LIMIT else 1
        m, d = m // int(g), np.asarray(den // int(g), dtype=np.int64)
    if places > 12:
        frame.mark(np.ones(frame.n, dtype=bool))
    a = np.abs(num)
    over = a > LIMIT // m
    if over.any():
        frame.mark(over)
        a = np.where(over, 0, a)
    dd = np.broadcast_to(d, a.shape)
    return Fixed(_round_div(a * m, np.where(dd > 0, dd, 1), mode) * np.sign(num), places)


def _decimal_part(den: int) -> tuple[int, int]:
    """(r, s) with den = 2^a·5^b·r, r free of 2 and 5, s = max(a, b): x ÷ den is a finite decimal exactly when
    r divides x, and then it has at most s places."""
    a, b, r = 0, 0, den
    while r % 2 == 0:
        r //= 2
        a += 1
    while r % 5 == 0:
        r //= 5
        b += 1
    return r, max(a, b)


def exact_ratio(frame: Frame, num: np.ndarray, den: int, max_scale: int = 18) -> Fixed:
    """num ÷ den (den a positive int constant) as an exact decimal column; rows where it is not a
    finite decimal (2/3) fall back."""
    r, s = _decimal_part(den)
    if s > max_scale or den > LIMIT:
        frame.mark(np.ones(frame.n, dtype=bool))
        return Fixed(np.zeros(frame.n, dtype=np.int64), 0)
    frame.mark(num % r != 0)
    q = num // r  # exact where it matters; floor elsewhere (rows marked)
    k = 10**s // (den // r)
    over = np.abs(q) > LIMIT // k
    if over.any():
        frame.mark(over)
        q = np.where(over, 0, q)
    return Fixed(q * k, s)


def exact_ratio_rows(frame: Frame, num: np.ndarray, den: np.ndarray, max_scale: int = 18) -> Fixed:
    """num ÷ den with a denominator per row (den > 0 where it matters) as an exact decimal column at
    one scale; rows where it is not a finite decimal, or would not fit, fall back."""
    uniq = [int(d) for d in np.unique(den) if d > 0]
    parts = []
    s = 0
    for d in uniq:
        r, sd = _decimal_part(d)
        parts.append((d, r))
        s = max(s, sd)
    if s > max_scale:
        frame.mark(np.ones(frame.n, dtype=bool))
        return Fixed(np.zeros(frame.n, dtype=np.int64), 0)
    out = np.zeros(frame.n, dtype=np.int64)
    for d, r in parts:
        rows = den == d
        k = 10**s // (d // r)
        q = num // r
        bad = rows & ((num % r != 0) | (np.abs(q) > LIMIT // k))
        frame.mark(bad)
        ok = rows & ~bad
        out = np.where(ok, np.where(ok, q, 0) * k, out)
    return Fixed(out, s)


def numeric_of(frame: Frame, col: NodeColumn, places: tuple[int, str] | None = None) -> Fixed | None:
    """A node's numeric column as a parent adds it: its ``score``, or, for a node that gives only the
    exact ratio, that ratio rounded to ``places`` (exact) or, with no rounding, as an exact decimal
    (rows where it is none fall back)."""
    if col.score is not None:
        return col.score
    if col.ratio is None:
        return None
    num, den = col.ratio
    live = den > 0
    if places is not None:
        return round_ratio(frame, np.where(live, num, 0), np.where(live, den, 1), places[0], places[1])
    return exact_ratio_rows(frame, np.where(live, num, 0), np.where(live, den, 1))
