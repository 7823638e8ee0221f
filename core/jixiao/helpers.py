"""Helpers for plugin authors (re-exported by :mod:`jixiao`): reading percent and amount parameters,
refusing a value with a located data error, and writing the working as evaluators write it.

>>> from decimal import Decimal
>>> read_percent("3%"), read_percent(Decimal("0.03")), read_amount("1.5万元")
(Decimal('0.03'), Decimal('0.03'), Decimal('15000.0'))
>>> working("5", "-", "(", show_percent(Decimal("1")), "-", show_percent(Decimal("0.8963")), ")", "*5*100*",
...         show_percent(Decimal("0.03")))
'5-(100%-89.63%)*5*100*3%'
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .errors import ConfigError, DataError
from .numbers import fmt_number, fmt_percent_short


def _read(value: Any, what: str, file: str | None, path: str | None):
    from .reading import ReadError, read_quantity

    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise ConfigError(f"{what}: expected a number or text like \"10%\" or \"1.5万元\", got {value!r}",
                          file=file, path=path)
    try:
        return read_quantity(value)
    except ReadError as exc:
        raise ConfigError(f"{what}: {exc}", file=file, path=path) from None


def read_percent(value: Any, *, what: str = "the parameter", file: str | None = None,
                 path: str | None = None) -> Decimal:
    """A percentage parameter as a fraction: ``"10%"`` → ``0.1``, ``"５％"`` → ``0.05``, ``0.03`` → ``0.03``.

    Text is read by :func:`jixiao.reading.read_quantity` (the reader targets use); a unit other than
    ``%`` (``"3分"``) is refused with a :class:`jixiao.ConfigError` at ``file``/``path``, never guessed.
    """
    q = _read(value, what, file, path)
    if q.unit in ("%", ""):  # the reader gives a percentage as its fraction
        return q.value
    raise ConfigError(f"{what}: expected a percentage (\"10%\") or a fraction (0.1), got {value!r}",
                      file=file, path=path)


def read_amount(value: Any, *, unit: str = "元", what: str = "the parameter", file: str | None = None,
                path: str | None = None) -> Decimal:
    """An amount parameter in ``unit`` (``元`` or ``万元``): ``"1.5万元"`` → ``15000`` 元; a plain number
    is taken as ``unit``; a percentage or another unit is refused, located."""
    from .reading import ReadError, convert

    q = _read(value, what, file, path)
    if q.unit == "":
        return q.value
    try:
        return convert(q, unit, what=what).value
    except ReadError as exc:
        raise ConfigError(f"{what}: {exc}", file=file, path=path) from None


def method_error(si: Any, message: str, *, entry: str | None = None, hint: str | None = None) -> DataError:
    """A :class:`jixiao.DataError` for a value a scoring method refuses, located in the evaluation config.

    ``entry`` names the evaluator's entry the problem is in (``"rating"`` → ``$.ratings.CODE.rating``);
    without it the error points at the leaf (``$.indicators.CODE``). ``raise method_error(si, "…")``.
    """
    code = si.indicator.code if getattr(si, "indicator", None) is not None else "?"
    path = f"$.ratings.{code}.{entry}" if entry else f"$.indicators.{code}"
    return DataError(f"indicator {code}: {message}", file=getattr(si, "file", None), path=path, hint=hint)


def show_number(value: Decimal) -> str:
    """A number as the working shows it: shortest exact form (``5.00`` → ``5``)."""
    return fmt_number(value)


def show_percent(fraction: Decimal) -> str:
    """A fraction as the working shows it: shortest exact percentage (``0.8963`` → ``89.63%``)."""
    return fmt_percent_short(fraction)


def working(*parts: Any, condition: str | None = None) -> str:
    """Join the parts of a method's expression (Decimals shown with :func:`show_number`) and add the
    condition in full-width brackets as evaluators write it: ``working("5", condition="89.63%≥85%")`` →
    ``5（89.63%≥85%）``. The engine prefixes the rounded score (``3.44=``)."""
    text = "".join(show_number(p) if isinstance(p, Decimal) else str(p) for p in parts)
    return f"{text}（{condition}）" if condition else text


__all__ = ["method_error", "read_amount", "read_percent", "show_number", "show_percent", "working"]
