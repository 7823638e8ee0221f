"""The PEFA 2016 pack's data files, read once: the framework's structure and the M2 conversion table."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files
from itertools import combinations_with_replacement
from typing import Any

LETTERS = ("A", "B", "C", "D")
"""The four-point calibration scale, best first."""


def table_key(levels) -> str:
    """The Table 1 key of a multiset of dimension scores: worst first, as the table prints it."""
    return " ".join(sorted(levels, key=lambda m: -LETTERS.index(m)))


def _read(name: str) -> dict[str, Any]:
    return tomllib.loads(files(__package__).joinpath(name).read_text(encoding="utf-8"))


@cache
def framework() -> dict[str, Any]:
    return _read("framework.toml")


def check_m2_table(table: dict[str, str]) -> list[str]:
    """Every problem of a conversion table: a key that is not a multiset of A–D of size 2–4, a
    result off the indicator scale, a multiset given twice or missing."""
    problems = []
    seen: dict[str, str] = {}
    for key, value in table.items():
        marks = key.split()
        if not 2 <= len(marks) <= 4 or any(m not in LETTERS for m in marks):
            problems.append(f"M2 table row {key!r}: expected 2 to 4 scores from A, B, C, D")
            continue
        if value not in ("A", "B+", "B", "C+", "C", "D+", "D"):
            problems.append(f"M2 table row {key!r}: {value!r} is not an indicator score (A, B+, … D)")
        norm = table_key(marks)
        if norm in seen:
            problems.append(f"M2 table rows {seen[norm]!r} and {key!r} are the same scores")
        seen[norm] = key
    for n in (2, 3, 4):
        for combo in combinations_with_replacement(LETTERS, n):
            if table_key(combo) not in seen:
                problems.append(f"M2 table has no row for {table_key(combo)!r}")
    return problems


@cache
def m2_table() -> dict[str, str]:
    """Table 1 keyed by :func:`table_key` (65 rows); refuses a damaged file rather than guess."""
    raw = _read("m2_table.toml")
    flat: dict[str, str] = {}
    for n in (2, 3, 4):
        for key, value in raw[f"dimensions{n}"].items():
            if len(key.split()) != n:
                raise ValueError(f"m2_table.toml: row {key!r} is under dimensions{n}")
            flat[key] = value
    problems = check_m2_table(flat)
    if problems:
        raise ValueError("m2_table.toml: " + "; ".join(problems))
    return {table_key(k.split()): v for k, v in flat.items()}
