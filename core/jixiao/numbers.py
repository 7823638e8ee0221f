"""Decimal arithmetic and the one place where figures are rounded half-up (四舍五入) and formatted.

No float is ever on the way to a printed number: TOML is read with ``parse_float=Decimal`` and
spreadsheet floats go through ``Decimal(str(x))``.
"""

from __future__ import annotations

import decimal
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)

NUMBER_ERRORS = (TypeError, ValueError, ArithmeticError)
"""What :func:`to_decimal` raises for text that is not a number (decimal.InvalidOperation is an
ArithmeticError)."""

ROUNDING_MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN, "up": ROUND_UP}
"""``down`` truncates toward zero (舍去), ``up`` rounds away from zero (进一); scores are never negative."""
ROUNDING_MARKS = {"down": ("⌊", "⌋"), "up": ("⌈", "⌉")}
"""How a working shows a directed rounding: ``9=⌊10*99.1%⌋`` (truncated to the digits shown),
``10=⌈10*91%⌉``; half-up and half-even rounding is implicit in the digits shown, as evaluators write it."""


def rounding_mark(expression: str, mode: str) -> str:
    """``expression`` wrapped in the mark of a directed rounding (unchanged for half-up / half-even)."""
    if mode not in ROUNDING_MARKS:
        return expression
    left, right = ROUNDING_MARKS[mode]
    return f"{left}{expression}{right}"


def fmt_exact(value: Decimal, places: int) -> str:
    """``value`` with ``places`` decimals, or more when it has more (an entered 7.5 at 0 places stays 7.5)."""
    q = quantize(value, places)
    return f"{q:f}" if q == value else f"{value.normalize():f}"

# Enough digits that no intermediate result is rounded before a documented rounding point.
CONTEXT = decimal.Context(prec=34, rounding=ROUND_HALF_UP)


def to_decimal(value: object) -> Decimal:
    """Turn an int, str or Decimal (or a float, through its shortest repr) into a Decimal."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        if text.endswith("%"):
            return CONTEXT.divide(Decimal(text[:-1]), HUNDRED)
        return Decimal(text)
    raise TypeError(f"not a number: {value!r}")


_EXPONENTS = {p: Decimal(1).scaleb(-p) for p in range(13)}


def quantize(value: Decimal, places: int, mode: str = "half_up") -> Decimal:
    """Round ``value`` to ``places`` decimals with the named mode (half-up unless a rule set says)."""
    exp = _EXPONENTS.get(places)
    if exp is None:
        exp = Decimal(1).scaleb(-places)
    return value.quantize(exp, rounding=ROUNDING_MODES[mode], context=CONTEXT)


def fmt_fixed(value: Decimal, places: int) -> str:
    """Format an already rounded value with exactly ``places`` decimals (``9.6`` → ``9.60``)."""
    return f"{quantize(value, places):f}"


def fmt_percent(fraction: Decimal, places: int = 2) -> str:
    """A fraction as a percentage with ``places`` decimals: ``0.8963`` → ``89.63%``."""
    return f"{quantize(fraction * HUNDRED, places):f}%"


def fmt_percent_short(fraction: Decimal) -> str:
    """A fraction as the shortest exact percentage, as evaluators write targets: ``0.85`` → ``85%``."""
    pct = (fraction * HUNDRED).normalize()
    text = f"{pct:f}"
    return f"{text}%"


def fmt_number(value: Decimal) -> str:
    """The shortest exact plain form of a number: ``5.00`` → ``5``, ``1367.750`` → ``1367.75``."""
    if value == value.to_integral_value():
        return f"{value.quantize(ONE):f}"
    return f"{value.normalize():f}"


MAX_MAGNITUDE = Decimal(10) ** 15
"""Entered numbers lie below 10¹⁵ in magnitude (a thousand trillion — above any budget in 元)."""
MAX_DIGITS = 34
"""…and have at most 34 significant digits, the precision every step computes in (:data:`CONTEXT`)."""


def range_problem(value: Decimal) -> str | None:
    """Why an entered number cannot be computed with exactly (``1e308``, a 41-digit count, nan), or None.

    Checked where a number is read, so the message names the key or cell it is written in; a plugin
    meeting such a number later could only name its indicator.
    """
    if not value.is_finite():
        return f"expected a finite number, got {value}"
    if value.copy_abs() >= MAX_MAGNITUDE:  # copy_abs and as_tuple never round: abs() would overflow on 1e999999999
        return (f"the number is out of range: it has {value.adjusted() + 1:,} digits before the decimal point; "
                "numbers must lie below 10^15 in magnitude (at most 15 digits before the point)")
    digits = value.as_tuple().digits
    significant = len(digits)
    while significant and digits[significant - 1] == 0:  # 1.50000 has two significant digits
        significant -= 1
    if significant > MAX_DIGITS:
        return f"the number has more than {MAX_DIGITS} significant digits; jixiao cannot compute with it exactly"
    return None
