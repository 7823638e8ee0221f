"""The columnar program's fixed-point arithmetic (``jixiao.batch.fixed``) against Decimal, row by row:
every result is either the exact Decimal answer or the row is marked to fall back to the engine —
never a wrong number. Values are drawn near int64's limits as well as in the usual range, so that the
overflow guards (checked by two reductions first, the row mask built only when one trips) are
exercised on both sides of their bounds."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal, localcontext

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from jixiao.batch.fixed import LIMIT, Fixed, Frame, _round_div
from jixiao.batch.portfolio import parse_fixed

MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN, "up": ROUND_UP}

near = st.one_of(
    st.integers(-10**12, 10**12),
    st.integers(LIMIT // 2 - 10**6, LIMIT // 2 + 10**6),
    st.integers(-(LIMIT // 2) - 10**6, -(LIMIT // 2) + 10**6),
    st.integers(LIMIT // 1000 - 10**6, LIMIT // 1000 + 10**6),
    st.integers(-LIMIT, LIMIT),
)
column = st.lists(near, min_size=1, max_size=40)


def exact(v: int, scale: int) -> Decimal:
    return Decimal(v).scaleb(-scale)


def check(frame: Frame, got: Fixed, want: list[Decimal]) -> None:
    for k, w in enumerate(want):
        if frame.fallback[k]:
            continue
        assert exact(int(got.v[k]), got.scale) == w, (k, w)


@settings(max_examples=300, deadline=None)
@given(column, st.integers(0, 4), st.integers(0, 6))
def test_rescale_is_exact_or_falls_back(vs, s, extra):
    f = Frame(len(vs))
    a = Fixed(np.array(vs, dtype=np.int64), s)
    got = f.rescale(a, s + extra)
    assert got.scale == s + extra
    check(f, got, [exact(v, s) for v in vs])
    # only rows that truly leave int64 fall back
    for k, v in enumerate(vs):
        assert f.fallback[k] == (abs(v) * 10**extra > LIMIT)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_add_sub_are_exact_or_fall_back(data):
    xs = data.draw(column)
    ys = data.draw(st.lists(near, min_size=len(xs), max_size=len(xs)))
    for op in ("add", "sub"):
        f = Frame(len(xs))
        a, b = Fixed(np.array(xs, dtype=np.int64), 2), Fixed(np.array(ys, dtype=np.int64), 2)
        got = getattr(f, op)(a, b)
        check(f, got, [exact(x, 2) + exact(y, 2) if op == "add" else exact(x, 2) - exact(y, 2)
                       for x, y in zip(xs, ys, strict=True)])
        for k, (x, y) in enumerate(zip(xs, ys, strict=True)):
            assert f.fallback[k] == (abs(x) > LIMIT // 2 or abs(y) > LIMIT // 2)


@settings(max_examples=300, deadline=None)
@given(column, st.sampled_from(["3", "-7", "0.03", "100", "12345.678"]))
def test_mul_const_is_exact_or_falls_back(vs, c):
    f = Frame(len(vs))
    got = f.mul_const(Fixed(np.array(vs, dtype=np.int64), 2), Decimal(c))
    check(f, got, [exact(v, 2) * Decimal(c) for v in vs])
    assert f.fallback.any() == any(abs(v) * abs(int(Decimal(c).scaleb(-Decimal(c).as_tuple().exponent))) > LIMIT
                                   for v in vs)


@settings(max_examples=300, deadline=None)
@given(column, st.integers(0, 8), st.integers(0, 4), st.sampled_from(sorted(MODES)))
def test_quantize_rounds_as_decimal(vs, s, places, mode):
    f = Frame(len(vs))
    got = f.quantize(Fixed(np.array(vs, dtype=np.int64), s), places, mode)
    with localcontext() as ctx:
        ctx.prec = 60
        want = [exact(v, s).quantize(Decimal(1).scaleb(-places), rounding=MODES[mode]) for v in vs]
    check(f, got, want)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, LIMIT), min_size=1, max_size=40), st.integers(1, 10**9),
       st.sampled_from(sorted(MODES)))
def test_round_div_by_one_integer_or_an_array_is_decimal_rounding(ns, d, mode):
    n = np.array(ns, dtype=np.int64)
    with localcontext() as ctx:
        ctx.prec = 60
        want = [int((Decimal(x) / Decimal(d)).quantize(Decimal(1), rounding=MODES[mode])) for x in ns]
    assert _round_div(n, d, mode).tolist() == want
    assert _round_div(n, np.full(len(ns), d, dtype=np.int64), mode).tolist() == want


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 18), st.data())
def test_half_up_by_a_power_of_ten_near_the_int64_edge(k, data):
    # The one-addition form ⌊(n + d/2) ÷ d⌋ is taken only while no n + d/2 passes int64; a column with
    # a value past that edge takes the remainder form. Both give Decimal's half-up, and quantize of a
    # column without negatives (no signs taken off) gives it too.
    d = 10**k
    edge = LIMIT - d // 2
    ns = data.draw(st.lists(st.one_of(st.integers(0, 10**6), st.integers(max(edge - 3 * d, 0), LIMIT),
                                      st.sampled_from([edge - 1, edge, edge + 1, d // 2, d // 2 - 1, d - 1, d])),
                            min_size=1, max_size=30))
    ns = [x for x in ns if 0 <= x <= LIMIT] or [0]
    n = np.array(ns, dtype=np.int64)
    with localcontext() as ctx:
        ctx.prec = 60
        want = [int((Decimal(x) / Decimal(d)).quantize(Decimal(1), rounding=ROUND_HALF_UP)) for x in ns]
    assert _round_div(n, d, "half_up").tolist() == want
    f = Frame(len(ns))
    got = f.quantize(Fixed(n, k), 0, "half_up")
    assert got.v.tolist() == want and not f.fallback.any()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(-(10**30), 10**30), near), min_size=1, max_size=40),
       st.integers(0, 6), st.integers(0, 4))
def test_decimal128_cells_are_read_exactly_or_refused(vs, s, extra):
    arr = pa.array([None if v is None else Decimal(v).scaleb(-s) for v in vs], pa.decimal128(38, s))
    present = np.array([v is not None for v in vs])
    got, _, ok = parse_fixed(arr, s + extra, present)
    for k, v in enumerate(vs):
        if v is None:
            assert ok[k] and got.v[k] == 0
            continue
        fits = abs(v * 10**extra) <= LIMIT
        assert bool(ok[k]) == fits
        if fits:
            assert int(got.v[k]) == v * 10**extra
