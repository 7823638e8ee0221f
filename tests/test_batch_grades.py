"""Grades of a chunk's totals compared band by band in integers (issue 14 §1): the same label as the
scheme's own Decimal comparison for every total, with bounds that fall between two hundredths too."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jixiao.batch import _grades_one_by_one, grades_of
from jixiao.errors import ConfigError
from jixiao.model import GradeBand, GradingScheme

BOUNDS = st.one_of(st.integers(0, 100).map(Decimal), st.sampled_from([Decimal("59.995"), Decimal("75.5"),
                                                                      Decimal("89.999"), Decimal("60.005")]))


@settings(max_examples=300, deadline=None)
@given(cuts=st.lists(BOUNDS, min_size=1, max_size=4, unique=True), incl=st.lists(st.booleans(), min_size=4, max_size=4),
       sound=st.booleans(), upper_incl=st.lists(st.booleans(), min_size=5, max_size=5),
       totals=st.lists(st.integers(-500, 10_500), min_size=1, max_size=60), sp=st.sampled_from([0, 1, 2, 3]))
def test_grades_by_band_match_the_scheme(cuts, incl, sound, upper_incl, totals, sp):
    """Sound schemes (each cut closes one band and opens the next) and, half the time, schemes with a gap or
    an overlap at a cut, where both ways must refuse the total."""
    cuts = sorted(cuts, reverse=True)
    bands = []
    upper = None
    for k, c in enumerate([*cuts, None]):
        bands.append(GradeBand(label=f"g{k}", lower=c, upper=upper, lower_inclusive=incl[k % 4],
                               upper_inclusive=upper is not None and (not incl[(k - 1) % 4] if sound
                                                                         else upper_incl[k])))
        upper = c
    scheme = GradingScheme(name="t", title="t", bands=tuple(bands))
    near = [math.floor(c.scaleb(sp)) + d for c in cuts for d in (-1, 0, 1, 2)]  # both sides of every cut
    totals = [*totals, *near]
    t = np.array(totals, dtype=np.int64)
    try:
        want = _grades_one_by_one(scheme, t, sp)
    except ConfigError:
        with pytest.raises(ConfigError):
            grades_of(scheme, t, sp)
        return
    if sound:  # one band for every total: the integer comparison alone must decide, without the fallback
        from jixiao import batch

        saved, batch._grades_one_by_one = batch._grades_one_by_one, None
        try:
            got = grades_of(scheme, t, sp)
        finally:
            batch._grades_one_by_one = saved
    else:
        got = grades_of(scheme, t, sp)
    got = got.to_pylist() if hasattr(got, "to_pylist") else list(got)
    assert got == list(want)
    for v, g in zip(totals, got, strict=True):
        assert scheme.grade(Decimal(v).scaleb(-sp)).label == g
