"""One reader for targets (目标值) and values (实际完成值) as Chinese forms print them.

Forms write ``≧735人次``, ``═100%``, ``98%以上``, ``不低于98%``, ``≥９８%``, ``5天以内``, ``90%～95%``,
``≤1250元``, ``3.35万人``, ``有效保障``, ``12月底前``. Every spelling this module accepts is in the table
of docs/targets.md; anything else is refused with :class:`ReadError` (its message says what was read
and what was expected) — never a default benchmark.

What comes out:

- :func:`read_target` → :class:`Reading` with ``kind`` ``number`` (a comparator and a value),
  ``range`` (a lower and an upper bound), ``qualitative`` (a label for a rating method: 是, 有效, 显著,
  按时完成 …) or ``date`` (a deadline for timeliness: 12月底前).
- :func:`read_quantity` → :class:`Quantity`, a number with the unit it was written with.

Percentages are held as fractions (``98%`` → ``0.98``, ``5‰`` → ``0.005``) with unit ``%``; a number
written without a unit has unit ``""``. Units are words from :data:`UNITS`; 万元 and 元 are the only
units converted into each other (:func:`convert`), everything else must match exactly.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

import attrs

from .numbers import CONTEXT

HUNDRED = Decimal(100)
THOUSAND = Decimal(1000)

# Comparators are written in ASCII, full-width forms, box-drawing look-alikes and words.
_SYMBOLS = [
    (">=", "≥"), ("=>", "≥"), ("≧", "≥"), ("⩾", "≥"), ("≥", "≥"),
    ("<=", "≤"), ("=<", "≤"), ("≦", "≤"), ("⩽", "≤"), ("≤", "≤"),
    ("═", "="), ("==", "="), ("=", "="), (">", ">"), ("<", "<"),
]
# Word comparators before the number, longest first so 大于等于 wins over 大于.
PREFIX_WORDS: dict[str, str] = {
    "大于或等于": "≥", "大于等于": "≥", "高于或等于": "≥", "高于等于": "≥", "不低于": "≥", "不少于": "≥",
    "不小于": "≥", "不得低于": "≥", "不得少于": "≥", "至少": "≥", "达到": "≥", "力争达到": "≥", "达": "≥",
    "小于或等于": "≤", "小于等于": "≤", "低于或等于": "≤", "低于等于": "≤", "不高于": "≤", "不超过": "≤",
    "不多于": "≤", "不大于": "≤", "不得高于": "≤", "不得超过": "≤", "最多": "≤", "控制在": "≤", "至多": "≤",
    "等于": "=",
    "大于": ">", "高于": ">", "超过": ">", "多于": ">",
    "小于": "<", "低于": "<", "少于": "<",
}
# Word comparators after the number (以上/以下 include the number itself, as Chinese usage has it).
SUFFIX_WORDS: dict[str, str] = {
    "及以上": "≥", "以上": "≥", "或以上": "≥",
    "及以下": "≤", "以下": "≤", "或以下": "≤", "以内": "≤", "之内": "≤", "内": "≤",
}
_RANGE_SEPARATORS = ("-", "~", "至", "到", "—", "–")

# Units, longest first when matched. Counts, money, time, length and area, as forms print them.
UNITS: tuple[str, ...] = (
    "人次", "万人次", "人", "万人", "户", "万户", "个", "项", "次", "件", "所", "家", "座", "台", "套", "册",
    "场", "期", "批", "名", "处", "条", "篇", "份", "张", "本", "辆", "头", "只", "株", "棵", "起", "类", "种",
    "元", "万元", "亿元", "千元",
    "天", "日", "月", "个月", "年", "小时", "分钟", "工作日", "周",
    "公里", "千米", "米", "平方米", "万平方米", "平方公里", "亩", "万亩", "公顷", "吨", "万吨", "千克", "公斤",
    "个百分点",
)
UNIT_ALIASES: dict[str, str] = {"个工作日": "工作日", "个小时": "小时", "个星期": "周", "星期": "周"}
"""Spellings of a unit that mean another: ``15个工作日`` is 15 工作日."""
_UNIT_ALTERNATION = "|".join(re.escape(u) for u in sorted((*UNITS, *UNIT_ALIASES), key=len, reverse=True))

QUALITATIVE_WORDS: tuple[str, ...] = (
    "是", "否", "有", "无", "有效", "显著", "明显", "较好", "良好", "优秀", "合格", "达标", "完成", "按时完成",
    "按期完成", "及时", "规范", "健全", "完善", "提高", "提升", "改善", "满意", "保障", "持续", "逐步", "稳定",
    "符合", "落实", "到位", "零", "未发生", "不发生",
)
"""Words whose presence marks a target without a number as qualitative (for a rating method)."""

_DATE = re.compile(
    r"^(?:(?:\d{4}年)?(?:\d{1,2}月)(?:\d{1,2}日|底|末|中旬|上旬|下旬)?|年底|年末|年内|当年|上半年|下半年|"
    r"(?:\d{4}年)(?:底|末|内)?)(?:前|之前|以前)?(?:完成|竣工|验收|到位|结束|办结)?$")
_NUMBER = r"[-+]?\d+(?:\.\d+)?"


class ReadError(ValueError):
    """A target or value that cannot be read; the message says what was expected."""


@attrs.frozen(kw_only=True)
class Quantity:
    """A number with the unit it was written with: ``%`` (value a fraction), a unit word, or ``""``."""

    value: Decimal
    unit: str = ""


@attrs.frozen(kw_only=True)
class Reading:
    """What a target says: a comparator and value, a range, a qualitative label or a deadline."""

    kind: str
    """``number``, ``range``, ``qualitative`` or ``date``."""
    text: str
    """The target as written (after trimming)."""
    comparator: str = ">="
    """``>=``, ``<=``, ``=``, ``>``, ``<`` for numbers; ``between`` for ranges."""
    value: Decimal | None = None
    """The number (a fraction for %), the lower bound of a range."""
    upper: Decimal | None = None
    """A range's upper bound."""
    unit: str = ""


_ASCII_COMPARATOR = {"≥": ">=", "≤": "<=", "=": "=", ">": ">", "<": "<"}


def normalise(text: str) -> str:
    """Full-width digits, letters and signs to ASCII (NFKC), separators and spaces out, ％ → %."""
    t = unicodedata.normalize("NFKC", text)
    t = t.replace("～", "~").replace("〜", "~").replace("﹪", "%")
    t = re.sub(r"\s+", "", t)
    t = re.sub(r"(?<=\d)[,，'](?=\d{3}(?!\d))", "", t)  # thousands separators only between digit groups
    t = t.replace("（含）", "").replace("(含)", "").replace("（含本数）", "").replace("(含本数)", "")
    return t.strip("。；;，,")


def _comparator_prefix(t: str) -> tuple[str | None, str]:
    for sym, comp in _SYMBOLS:
        if t.startswith(sym):
            return comp, t[len(sym):]
    for word in sorted(PREFIX_WORDS, key=len, reverse=True):
        if t.startswith(word):
            return PREFIX_WORDS[word], t[len(word):]
    return None, t


def _comparator_suffix(t: str) -> tuple[str | None, str]:
    for word in sorted(SUFFIX_WORDS, key=len, reverse=True):
        if t.endswith(word):
            return SUFFIX_WORDS[word], t[: -len(word)]
    return None, t


def _quantity(t: str, original: str) -> Quantity:
    m = re.fullmatch(rf"({_NUMBER})(%|‰|{_UNIT_ALTERNATION})?", t)
    if not m:
        raise ReadError(f"cannot read {original!r}: expected a number with an optional unit "
                        f"(%, ‰, 人次, 万元, 天 …), e.g. \"98%\" or \"735人次\"")
    number, unit = m.group(1), m.group(2) or ""
    unit = UNIT_ALIASES.get(unit, unit)
    try:
        value = Decimal(number)
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        raise ReadError(f"cannot read {original!r}: not a number") from None
    if len(number.lstrip("+-").replace(".", "")) > 28:
        raise ReadError(f"cannot read {original!r}: more than 28 digits")
    if unit == "%":
        value = CONTEXT.divide(value, HUNDRED)
    elif unit == "‰":
        value, unit = CONTEXT.divide(value, THOUSAND), "%"
    return Quantity(value=value, unit=unit)


def read_quantity(text: str | int | Decimal) -> Quantity:
    """A value as a cell or config writes it: ``"97.5%"``, ``"1,100人"``, ``"3.35万人"``, ``1100``.

    Raises :class:`ReadError` for anything else (a comparator belongs to a target, not a value).
    """
    if isinstance(text, bool):
        raise ReadError("a boolean is not a number")
    if isinstance(text, int):
        return Quantity(value=Decimal(text))
    if isinstance(text, Decimal):
        if not text.is_finite():
            raise ReadError(f"{text} is not a finite number")
        return Quantity(value=text)
    if not isinstance(text, str):
        raise ReadError(f"expected a number or a text like \"97.5%\", got {type(text).__name__}")
    t = normalise(text)
    if not t:
        raise ReadError("the value is blank")
    return _quantity(t, text)


def read_target(text: str | int | Decimal) -> Reading:
    """A target as forms print it; see the module docstring and docs/targets.md for the spellings."""
    if isinstance(text, bool) or not isinstance(text, (str, int, Decimal)):
        raise ReadError(f"expected a target like \"≥90%\", got {type(text).__name__}")
    if not isinstance(text, str):
        q = read_quantity(text)
        return Reading(kind="number", text=str(text), comparator=">=", value=q.value, unit=q.unit)
    original = text.strip()
    t = normalise(text)
    if not t:
        raise ReadError("the target is blank")
    if _DATE.fullmatch(t):
        return Reading(kind="date", text=original)
    if not re.search(r"\d", t):
        if any(w in t for w in QUALITATIVE_WORDS) or re.fullmatch(r"[\u4e00-\u9fff（）()、，]+", t):
            return Reading(kind="qualitative", text=original)
        raise ReadError(f"cannot read target {original!r}: expected a number with a comparator (≥98%), a range "
                        f"(90%-95%), a deadline (12月底前) or a qualitative target (有效, 按时完成)")
    pre, rest = _comparator_prefix(t)
    if pre is not None:
        again, _ = _comparator_prefix(rest)
        if again is not None or rest[:1] in "=<>≥≤":
            raise ReadError(f"cannot read target {original!r}: two comparators in a row")
    suf, rest = _comparator_suffix(rest)
    if pre is not None and suf is not None and pre != suf:
        raise ReadError(f"cannot read target {original!r}: the comparators before and after the number disagree "
                        f"({pre} … {suf})")
    comp = pre or suf
    if comp is None:
        rng = _range(rest, original)
        if rng is not None:
            return rng
    q = _quantity(rest, original)
    return Reading(kind="number", text=original, comparator=_ASCII_COMPARATOR[comp or "="] if comp else ">=",
                   value=q.value, unit=q.unit)


def _range(t: str, original: str) -> Reading | None:
    m = re.fullmatch(rf"({_NUMBER})(%|‰|{_UNIT_ALTERNATION})?({'|'.join(map(re.escape, _RANGE_SEPARATORS))})"
                     rf"(\d+(?:\.\d+)?)(%|‰|{_UNIT_ALTERNATION})?", t)
    if not m:
        return None
    lo_text, lo_unit, _, hi_text, hi_unit = m.groups()
    unit = hi_unit or lo_unit or ""
    if lo_unit and hi_unit and lo_unit != hi_unit:
        raise ReadError(f"cannot read target {original!r}: the two ends of the range have different units")
    lo = _quantity(lo_text + unit, original)
    hi = _quantity(hi_text + unit, original)
    if lo.value > hi.value:
        raise ReadError(f"cannot read target {original!r}: the range's lower end is above its upper end")
    return Reading(kind="range", text=original, comparator="between", value=lo.value, upper=hi.value, unit=lo.unit)


def convert(q: Quantity, unit: str, *, what: str = "the target") -> Quantity:
    """``q`` in ``unit``: the same unit, a unit-less number (which takes ``unit``), or 万元 ↔ 元.

    Raises :class:`ReadError` for any other pair (人 vs 人次, % vs a plain number are never guessed).
    """
    if q.unit == unit:
        return q
    if q.unit == "" and unit != "%":
        return Quantity(value=q.value, unit=unit)
    factor = {("万元", "元"): Decimal(10000), ("元", "万元"): Decimal("0.0001")}.get((q.unit, unit))
    if factor is None:
        if unit == "%" and q.unit == "":
            raise ReadError(f"{q.value.normalize():f} has no unit but {what} is a percentage: write it as "
                            f"\"{q.value.normalize():f}%\"")
        shown = "a percentage" if q.unit == "%" else f"in {q.unit}" if q.unit else "without a unit"
        raise ReadError(f"the value is {shown} but {what} is in {unit or 'no unit'}; only 万元 and 元 "
                        f"are converted")
    return Quantity(value=CONTEXT.multiply(q.value, factor), unit=unit)


# -- deadlines (时效) ------------------------------------------------------------------------------

_PART_DAY = {"底": None, "末": None, "上旬": 10, "中旬": 20, "下旬": None}
_DEADLINE = re.compile(r"^(?:(?P<y>\d{4})年)?(?:(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})日|(?P<part>底|末|中旬|上旬|下旬))?)?"
                       r"(?P<whole>年底|年末|年内|当年|上半年|下半年|底|末|内)?(?:前|之前|以前)?"
                       r"(?:完成|竣工|验收|到位|结束|办结)?$")


def _last_day(year: int, month: int) -> int:
    import calendar

    return calendar.monthrange(year, month)[1]


def deadline_of(text: str, year: int | None):
    """The last day a deadline target allows: ``12月底前`` → 31 December, ``6月30日前完成`` → 30 June,
    ``10月中旬前`` → 20 October, ``上半年`` → 30 June, ``年底前`` → 31 December. A deadline without a
    year takes ``year`` (the evaluation's); with neither, :class:`ReadError`."""
    import datetime

    t = normalise(text)
    m = _DEADLINE.fullmatch(t)
    if not m or not (m["m"] or m["whole"]):
        raise ReadError(f"cannot read the deadline {text!r}: expected e.g. \"12月底前\", \"2023年6月30日前\", \"年底前\"")
    y = int(m["y"]) if m["y"] else year
    if y is None:
        raise ReadError(f"the deadline {text!r} has no year: give [project] year = 2023 (or period = \"2023年度\")")
    whole = m["whole"]
    if m["m"]:
        month = int(m["m"])
        if not 1 <= month <= 12:
            raise ReadError(f"cannot read the deadline {text!r}: month {month}")
        if m["d"]:
            day = int(m["d"])
            if not 1 <= day <= _last_day(y, month):
                raise ReadError(f"cannot read the deadline {text!r}: {y}年{month}月 has no day {day}")
        else:
            part = _PART_DAY.get(m["part"] or "底")
            day = part if part is not None else _last_day(y, month)
        return datetime.date(y, month, day)
    if whole == "上半年":
        return datetime.date(y, 6, 30)
    return datetime.date(y, 12, 31)


def read_date(value: object, year: int | None):
    """A completion date as written: a TOML date, ``2023-12-20``, ``2023/12/20``, ``2023年12月20日``,
    ``12月20日`` (the evaluation's year)."""
    import datetime

    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if not isinstance(value, str):
        raise ReadError(f"expected a date like 2023-12-20 or \"2023年12月20日\", got {type(value).__name__}")
    t = normalise(value)
    m = re.fullmatch(r"(?:(\d{4})[-/.年])?(\d{1,2})[-/.月](\d{1,2})日?", t)
    if not m:
        raise ReadError(f"cannot read the date {value!r}: expected e.g. 2023-12-20 or \"2023年12月20日\"")
    y = int(m[1]) if m[1] else year
    if y is None:
        raise ReadError(f"the date {value!r} has no year: write 2023-12-20 or give [project] year")
    try:
        return datetime.date(y, int(m[2]), int(m[3]))
    except ValueError as exc:
        raise ReadError(f"cannot read the date {value!r}: {exc}") from None


def year_of(project: object) -> int | None:
    """The evaluation's year from ``[project] year`` or the first four digits of ``period`` (2023年度)."""
    if not hasattr(project, "get"):
        return None
    y = project.get("year")
    if isinstance(y, int) and not isinstance(y, bool):
        return y
    for key in ("year", "period"):
        v = project.get(key)
        if isinstance(v, str):
            m = re.search(r"(\d{4})", v)
            if m:
                return int(m[1])
    return None
