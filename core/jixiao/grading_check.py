"""Checks that a grading scheme gives exactly one grade to every possible score."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import GradingScheme


def band_problems(scheme: GradingScheme) -> list[str]:
    """Return every gap and overlap between the scheme's minimum and maximum, as sentences.

    Bands are sorted by lower bound; adjacent bands must meet at one point which exactly one of
    them includes; the lowest must reach the minimum and the highest the maximum.
    """
    problems: list[str] = []
    if not scheme.bands:
        return ["the scheme has no bands"]
    lo_key = lambda b: (Decimal("-Infinity") if b.lower is None else b.lower)
    bands = sorted(scheme.bands, key=lo_key)
    first, last = bands[0], bands[-1]
    if first.lower is not None and (first.lower > scheme.minimum or (first.lower == scheme.minimum and not first.lower_inclusive)):
        problems.append(f"no band covers scores from {scheme.minimum} up to {first.lower} ({first.label} starts there)")
    if last.upper is not None and (last.upper < scheme.maximum or (last.upper == scheme.maximum and not last.upper_inclusive)):
        problems.append(f"no band covers scores from {last.upper} up to {scheme.maximum} ({last.label} ends there)")
    for a, b in itertools.pairwise(bands):
        if a.upper is None:
            problems.append(f"bands {a.label!r} and {b.label!r} overlap: {a.label!r} has no upper bound")
            continue
        if b.lower is None:
            problems.append(f"bands {a.label!r} and {b.label!r} overlap: {b.label!r} has no lower bound")
            continue
        if a.upper < b.lower:
            problems.append(f"gap between {a.label!r} (up to {a.upper}) and {b.label!r} (from {b.lower})")
        elif a.upper > b.lower:
            problems.append(f"bands {a.label!r} and {b.label!r} overlap between {b.lower} and {a.upper}")
        elif a.upper_inclusive and b.lower_inclusive:
            problems.append(f"bands {a.label!r} and {b.label!r} both include {a.upper}")
        elif not a.upper_inclusive and not b.lower_inclusive:
            problems.append(f"score {a.upper} falls between {a.label!r} and {b.label!r} (neither includes it)")
    return problems
