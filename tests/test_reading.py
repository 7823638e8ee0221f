"""The target/value reader against spellings as published 自评表 forms print them.

Every row is a spelling seen on a published form (or its full-width twin, which forms produced by
Chinese input methods are full of), with what it must read as: kind, comparator, value (fractions for
percentages) and unit. A spelling the reader does not understand must be refused, never defaulted.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jixiao.reading import (
    PREFIX_WORDS,
    SUFFIX_WORDS,
    UNITS,
    Quantity,
    ReadError,
    convert,
    read_quantity,
    read_target,
)

D = Decimal
N, R, Q, T = "number", "range", "qualitative", "date"

SPELLINGS = [
    # comparator symbols, ASCII and the look-alikes forms use
    ("≥98%", N, ">=", "0.98", "%"), ("≥ 98%", N, ">=", "0.98", "%"), (">=98%", N, ">=", "0.98", "%"),
    ("=>98%", N, ">=", "0.98", "%"), ("≧98%", N, ">=", "0.98", "%"), ("⩾98%", N, ">=", "0.98", "%"),
    ("＞＝98%", N, ">=", "0.98", "%"), ("≥98％", N, ">=", "0.98", "%"), ("≥９８%", N, ">=", "0.98", "%"),
    ("≥９８％", N, ">=", "0.98", "%"), ("≥98.5%", N, ">=", "0.985", "%"), ("≥９８．５％", N, ">=", "0.985", "%"),
    ("≤5%", N, "<=", "0.05", "%"), ("<=5%", N, "<=", "0.05", "%"), ("≦5%", N, "<=", "0.05", "%"),
    ("＜＝5%", N, "<=", "0.05", "%"), ("⩽5%", N, "<=", "0.05", "%"), ("=<5%", N, "<=", "0.05", "%"),
    ("=100%", N, "=", "1", "%"), ("＝100%", N, "=", "1", "%"), ("═100%", N, "=", "1", "%"),
    ("==100%", N, "=", "1", "%"), ("＝１００％", N, "=", "1", "%"), (">90%", N, ">", "0.9", "%"),
    ("＞90%", N, ">", "0.9", "%"), ("<3%", N, "<", "0.03", "%"), ("＜3%", N, "<", "0.03", "%"),
    ("100%", N, ">=", "1", "%"), ("98%", N, ">=", "0.98", "%"), ("１００％", N, ">=", "1", "%"),
    # word comparators before the number
    ("不低于98%", N, ">=", "0.98", "%"), ("不少于735人次", N, ">=", "735", "人次"), ("大于等于98%", N, ">=", "0.98", "%"),
    ("大于或等于98%", N, ">=", "0.98", "%"), ("高于或等于95%", N, ">=", "0.95", "%"), ("不小于90%", N, ">=", "0.9", "%"),
    ("不得低于95%", N, ">=", "0.95", "%"), ("不得少于3次", N, ">=", "3", "次"), ("至少2次", N, ">=", "2", "次"),
    ("达到100%", N, ">=", "1", "%"), ("力争达到95%", N, ">=", "0.95", "%"), ("达95%", N, ">=", "0.95", "%"),
    ("不高于5%", N, "<=", "0.05", "%"), ("不超过5天", N, "<=", "5", "天"), ("不多于3次", N, "<=", "3", "次"),
    ("小于等于5%", N, "<=", "0.05", "%"), ("小于或等于2%", N, "<=", "0.02", "%"), ("不大于10%", N, "<=", "0.1", "%"),
    ("不得超过15个工作日", N, "<=", "15", "工作日"), ("不得高于1250元", N, "<=", "1250", "元"),
    ("最多3次", N, "<=", "3", "次"), ("控制在5%", N, "<=", "0.05", "%"), ("至多2次", N, "<=", "2", "次"),
    ("等于100%", N, "=", "1", "%"), ("大于90%", N, ">", "0.9", "%"), ("高于90%", N, ">", "0.9", "%"),
    ("超过80%", N, ">", "0.8", "%"), ("多于100人", N, ">", "100", "人"), ("小于5%", N, "<", "0.05", "%"),
    ("低于3%", N, "<", "0.03", "%"), ("少于3次", N, "<", "3", "次"),
    # word comparators after the number
    ("98%以上", N, ">=", "0.98", "%"), ("98%及以上", N, ">=", "0.98", "%"), ("95%或以上", N, ">=", "0.95", "%"),
    ("735人次以上", N, ">=", "735", "人次"), ("5%以下", N, "<=", "0.05", "%"), ("5%及以下", N, "<=", "0.05", "%"),
    ("3次或以下", N, "<=", "3", "次"), ("5天以内", N, "<=", "5", "天"), ("5天之内", N, "<=", "5", "天"),
    ("5天内", N, "<=", "5", "天"), ("15个工作日以内", N, "<=", "15", "工作日"), ("30日内", N, "<=", "30", "日"),
    ("3个月以内", N, "<=", "3", "个月"), ("2小时内", N, "<=", "2", "小时"), ("≥98%以上", N, ">=", "0.98", "%"),
    ("98%以上（含）", N, ">=", "0.98", "%"), ("98%以上(含)", N, ">=", "0.98", "%"),
    ("≥98%。", N, ">=", "0.98", "%"), ("≤5天；", N, "<=", "5", "天"),
    # counts with their units
    ("≧735人次", N, ">=", "735", "人次"), ("≥1200人", N, ">=", "1200", "人"), ("≥1,200人", N, ">=", "1200", "人"),
    ("≥1，200人", N, ">=", "1200", "人"), ("≥12,000人次", N, ">=", "12000", "人次"), ("≥3.35万人", N, ">=", "3.35", "万人"),
    ("≥2万人次", N, ">=", "2", "万人次"), ("≥500户", N, ">=", "500", "户"), ("≥1.2万户", N, ">=", "1.2", "万户"),
    ("≥35所", N, ">=", "35", "所"), ("≥10个", N, ">=", "10", "个"), ("=1项", N, "=", "1", "项"),
    ("≥4次", N, ">=", "4", "次"), ("≥200件", N, ">=", "200", "件"), ("≥20家", N, ">=", "20", "家"),
    ("=1座", N, "=", "1", "座"), ("≥50台", N, ">=", "50", "台"), ("≥100套", N, ">=", "100", "套"),
    ("≥5000册", N, ">=", "5000", "册"), ("≥12场", N, ">=", "12", "场"), ("≥4期", N, ">=", "4", "期"),
    ("≥2批", N, ">=", "2", "批"), ("≥30名", N, ">=", "30", "名"), ("≥8处", N, ">=", "8", "处"),
    ("≥3条", N, ">=", "3", "条"), ("≥5篇", N, ">=", "5", "篇"), ("≥1000份", N, ">=", "1000", "份"),
    ("≥300张", N, ">=", "300", "张"), ("≥200本", N, ">=", "200", "本"), ("≥6辆", N, ">=", "6", "辆"),
    ("≥500头", N, ">=", "500", "头"), ("≥1000只", N, ">=", "1000", "只"), ("≥2000株", N, ">=", "2000", "株"),
    ("≥500棵", N, ">=", "500", "棵"), ("=0起", N, "=", "0", "起"), ("≤1起", N, "<=", "1", "起"),
    ("≥3类", N, ">=", "3", "类"), ("≥5种", N, ">=", "5", "种"), ("≤10次", N, "<=", "10", "次"),
    # money
    ("≤1250元", N, "<=", "1250", "元"), ("≤1250元/人", None, None, None, None), ("≤50万元", N, "<=", "50", "万元"),
    ("≤1.5亿元", N, "<=", "1.5", "亿元"), ("≤800千元", N, "<=", "800", "千元"), ("≥480万元", N, ">=", "480", "万元"),
    ("=432.5万元", N, "=", "432.5", "万元"), ("不超过50万元", N, "<=", "50", "万元"), ("50万元以内", N, "<=", "50", "万元"),
    # time
    ("≤5天", N, "<=", "5", "天"), ("≤30日", N, "<=", "30", "日"), ("≤3个月", N, "<=", "3", "个月"),
    ("≤1年", N, "<=", "1", "年"), ("≤24小时", N, "<=", "24", "小时"), ("≤30分钟", N, "<=", "30", "分钟"),
    ("≤15个工作日", N, "<=", "15", "工作日"), ("≤2周", N, "<=", "2", "周"), ("＜＝２４小时", N, "<=", "24", "小时"),
    # length, area, weight
    ("≥12公里", N, ">=", "12", "公里"), ("≥5.6千米", N, ">=", "5.6", "千米"), ("≥800米", N, ">=", "800", "米"),
    ("≥1000平方米", N, ">=", "1000", "平方米"), ("≥2.5万平方米", N, ">=", "2.5", "万平方米"),
    ("≥3平方公里", N, ">=", "3", "平方公里"), ("≥500亩", N, ">=", "500", "亩"), ("≥1.2万亩", N, ">=", "1.2", "万亩"),
    ("≥20公顷", N, ">=", "20", "公顷"), ("≥100吨", N, ">=", "100", "吨"), ("≥3万吨", N, ">=", "3", "万吨"),
    ("≤500千克", N, "<=", "500", "千克"), ("≤50公斤", N, "<=", "50", "公斤"),
    ("≥2个百分点", N, ">=", "2", "个百分点"),
    # per mille
    ("≤5‰", N, "<=", "0.005", "%"), ("≤0.5‰", N, "<=", "0.0005", "%"),
    # plain numbers
    ("735", N, ">=", "735", ""), ("≥0", N, ">=", "0", ""), ("=0", N, "=", "0", ""), ("≤3", N, "<=", "3", ""),
    # ranges
    ("90%-95%", R, "between", "0.9", "%"), ("90%～95%", R, "between", "0.9", "%"), ("90%~95%", R, "between", "0.9", "%"),
    ("90-95%", R, "between", "0.9", "%"), ("90%至95%", R, "between", "0.9", "%"), ("90%到95%", R, "between", "0.9", "%"),
    ("90%—95%", R, "between", "0.9", "%"), ("5-7天", R, "between", "5", "天"), ("5～7天", R, "between", "5", "天"),
    ("100-200人", R, "between", "100", "人"), ("９０％～９５％", R, "between", "0.9", "%"),
    # qualitative targets (for rating methods)
    ("是", Q, None, None, None), ("否", Q, None, None, None), ("有效", Q, None, None, None), ("显著", Q, None, None, None),
    ("按时完成", Q, None, None, None), ("按期完成", Q, None, None, None), ("有效保障", Q, None, None, None),
    ("明显提升", Q, None, None, None), ("逐步提高", Q, None, None, None), ("良好", Q, None, None, None),
    ("合格", Q, None, None, None), ("达标", Q, None, None, None), ("及时", Q, None, None, None),
    ("规范", Q, None, None, None), ("健全", Q, None, None, None), ("持续改善", Q, None, None, None),
    ("零发生", Q, None, None, None), ("未发生安全事故", Q, None, None, None), ("符合要求", Q, None, None, None),
    ("落实到位", Q, None, None, None), ("群众满意", Q, None, None, None),
    # deadlines (for timeliness)
    ("12月底前", T, None, None, None), ("12月31日前", T, None, None, None), ("2023年12月31日前", T, None, None, None),
    ("2023年12月31日前完成", T, None, None, None), ("6月30日前完成", T, None, None, None), ("年底前", T, None, None, None),
    ("年内", T, None, None, None), ("2024年底", T, None, None, None), ("10月中旬前", T, None, None, None),
    ("11月底前验收", T, None, None, None), ("１２月底前", T, None, None, None),
    # refused: never a default benchmark
    (">>100%", None, None, None, None), ("≥nan%", None, None, None, None), ("≥inf%", None, None, None, None),
    ("≤98%以上", None, None, None, None), ("≥98%以下", None, None, None, None), ("≥", None, None, None, None),
    ("≥%", None, None, None, None), ("约95%", None, None, None, None), ("95%左右", None, None, None, None),
    ("≥98%%", None, None, None, None), ("≥9 8 %x", None, None, None, None), ("95%-90%", None, None, None, None),
    ("≥1e3", None, None, None, None), ("≥0x10", None, None, None, None), ("≥12bananas", None, None, None, None),
    ("NaN", None, None, None, None), ("", None, None, None, None), ("   ", None, None, None, None),
    ("≥98%/年", None, None, None, None), ("5%-10天", None, None, None, None),
]


def test_the_table_is_large_and_has_no_duplicates():
    texts = [row[0] for row in SPELLINGS]
    assert len(texts) >= 150
    assert len(set(texts)) == len(texts)


@pytest.mark.parametrize(("text", "kind", "comparator", "value", "unit"), SPELLINGS, ids=[r[0] or "blank" for r in SPELLINGS])
def test_spelling(text, kind, comparator, value, unit):
    if kind is None:
        with pytest.raises(ReadError):
            read_target(text)
        return
    r = read_target(text)
    assert r.kind == kind
    if kind in (Q, T):
        assert r.value is None and r.text == text.strip()
        return
    assert (r.comparator, r.value, r.unit) == (comparator, D(value), unit)


def test_ranges_keep_both_ends():
    r = read_target("90%～95%")
    assert (r.value, r.upper) == (D("0.9"), D("0.95"))
    assert read_target("5-7天").upper == D(7)


# -- properties ---------------------------------------------------------------------------------

numbers = st.decimals(min_value=0, max_value=10**9, places=3, allow_nan=False, allow_infinity=False)
unit_words = st.sampled_from(sorted(UNITS))


@given(numbers, st.sampled_from(sorted(PREFIX_WORDS)), unit_words)
def test_any_prefix_word_with_any_unit_reads_back(n, word, unit):
    text = f"{word}{n:f}{unit}"
    r = read_target(text)
    assert (r.kind, r.value, r.unit) == (N, n, unit)
    assert r.comparator == {"≥": ">=", "≤": "<=", "=": "=", ">": ">", "<": "<"}[PREFIX_WORDS[word]]


@given(numbers, st.sampled_from(sorted(SUFFIX_WORDS)), st.sampled_from(["%", "人次", "天", "万元", "工作日"]))
def test_any_suffix_word_reads_back(n, word, unit):
    r = read_target(f"{n:f}{unit}{word}")
    expected = n / 100 if unit == "%" else n
    assert (r.kind, r.value, r.unit) == (N, expected, unit)


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@given(numbers, st.sampled_from(["≥", ">=", "<=", "=", ">", "<", ""]), st.sampled_from(["%", "", "人", "天"]))
def test_full_width_twins_read_the_same(n, comp, unit):
    text = f"{comp}{n:f}{unit}"
    assert unicodedata.normalize("NFKC", _fullwidth(text)) == text
    assert read_target(_fullwidth(text)) == attrs.evolve(read_target(text), text=_fullwidth(text).strip())


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12))
def test_anything_is_read_or_refused_never_crashes(text):
    try:
        r = read_target(text)
    except ReadError:
        return
    assert r.kind in (N, R, Q, T)
    if r.kind in (N, R):
        assert r.value is not None and r.value.is_finite()


# -- values and units ---------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "value", "unit"), [
    ("97.5%", "0.975", "%"), ("９７．５％", "0.975", "%"), ("1,100人", "1100", "人"), ("3.35万人", "3.35", "万人"),
    ("1100", "1100", ""), (1100, "1100", ""), (D("93.2"), "93.2", ""), ("432.5万元", "432.5", "万元"), ("5‰", "0.005", "%"),
])
def test_values(text, value, unit):
    assert read_quantity(text) == Quantity(value=D(value), unit=unit)


@pytest.mark.parametrize("text", ["≥95%", "about 5", "", "1e5", "nan", "5%%", True, None, 1.5])
def test_values_refused(text):
    with pytest.raises(ReadError):
        read_quantity(text)


def test_units_are_checked_and_only_yuan_converted():
    assert convert(Quantity(value=D("0.13"), unit="万元"), "元") == Quantity(value=D("1300.0000"), unit="元")
    assert convert(Quantity(value=D(1300), unit="元"), "万元").value == D("0.13")
    assert convert(Quantity(value=D(700), unit=""), "人次") == Quantity(value=D(700), unit="人次")
    with pytest.raises(ReadError, match="in 人 but the target is in 人次"):
        convert(Quantity(value=D(700), unit="人"), "人次")
    with pytest.raises(ReadError, match="write it as \"93.2%\""):
        convert(Quantity(value=D("93.2"), unit=""), "%")
    with pytest.raises(ReadError):
        convert(Quantity(value=D(1), unit="亿元"), "万元")


def test_docs_reading_table_is_current():
    from pathlib import Path

    from jixiao import docs_targets

    doc = Path(__file__).resolve().parents[1] / "docs" / "targets.md"
    assert doc.read_text(encoding="utf-8") == docs_targets.generate(), (
        "docs/targets.md is out of date: run `uv run python -m jixiao.docs_targets`")
