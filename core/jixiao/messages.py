"""The message catalogue: the data and configuration errors a batch error file commonly holds, in Chinese.

jixiao writes its messages in English, where they are raised; this catalogue gives ``--lang zh`` the
Chinese for the common ones (a missing input, a blank cell, a bad or out-of-range number, a negative
or zero denominator, a unit mismatch, a rating out of range …). Each entry is the English message as
a template — ``{name}`` stands for a part that varies (a value, a key, an indicator code) and is
carried over unchanged, so the located parts stay as written; ``{message}`` is a message in turn —
and its Chinese. A part whose English
is one of a few words (the kind of number, the name of a rate) is translated through :data:`WORDS`.
A message the catalogue does not know is kept in English; tests/robustness/test_messages_lang.py
produces each catalogued message from a real run, so a changed English text cannot silently drop
its translation.
"""

from __future__ import annotations

import re
from functools import cache

CATALOGUE: tuple[tuple[str, str], ...] = (
    # where a message about a leaf's value starts ({message} is translated in turn)
    ("indicator {code} ({title}), target {target}: {message}", "指标 {code}（{title}），目标值 {target}：{message}"),
    ("division by zero: {message}", "除数为 0：{message}"),
    # reading a number
    ("{_a} {kind} cannot be negative, got {value}", "{kind}不能为负数，填写的是 {value}"),
    ("a count must be a whole number, got {value}", "计数必须是整数，填写的是 {value}"),
    ("expected {_a} {kind}, got the percentage {value}", "此处应填写{kind}，不能填写百分数 {value}"),
    ("expected a number, got {value}", "此处应填写数字，填写的是 {value}"),
    ("expected a finite number, got {value}", "此处应填写有限的数字，填写的是 {value}"),
    (("the number is out of range: it has {n} digits before the decimal point; numbers must lie below 10^15 in "
     "magnitude (at most 15 digits before the point)"),
     "数字超出范围：小数点前有 {n} 位；数字的绝对值须小于 10^15（小数点前最多 15 位）"),
    ("the number has more than {n} significant digits; jixiao cannot compute with it exactly",
     "数字的有效位数超过 {n} 位，无法精确计算"),
    ("{column} cannot be negative, got {value}", "{column} 不能为负数，填写的是 {value}"),
    ("expected true or false, got {value}", "此处应填写 true 或 false，填写的是 {value}"),
    ("the value is blank", "数值为空"),
    (("cannot read {value}: expected a number with an optional unit (%, ‰, 人次, 万元, 天 …), e.g. \"98%\" or "
     "\"735人次\""), "无法读取 {value}：应填写数字，可带单位（%、‰、人次、万元、天 …），如 \"98%\" 或 \"735人次\""),
    # units
    ("{value} has no unit but {what} is a percentage: write it as {written}",
     "{value} 没有单位，但{what}是百分数：请写作 {written}"),
    (("{value} has no unit and is above 1, so it could be {value}% or {hundredfold}%; write the percent sign "
     "(\"{value}%\" or \"{hundredfold}%\")"),
     "{value} 没有单位且大于 1，可能是 {value}%，也可能是 {hundredfold}%；请写上百分号（\"{value}%\" 或 \"{hundredfold}%\"）"),
    ("the value is {shown} but {what} is in {unit}; only 万元 and 元 are converted",
     "数值{shown}，但{what}的单位是 {unit}；只有万元与元之间会换算"),
    # missing inputs, ratings, overrides
    ("missing input {name} ({kind}), needed by indicator {code} ({title})",
     "缺少输入 {name}（{kind}），指标 {code}（{title}）需要它"),
    ("missing rating for indicator {code} ({title}): add {section} with {entry} and reason = \"…\"",
     "缺少指标 {code}（{title}）的评价：请添加 {section}，填写 {entry} 及理由 reason = \"…\""),
    ("a rating must lie between 0% and 100%, got {value}", "评价须在 0% 到 100% 之间，填写的是 {value}"),
    ("expected a percentage like \"80%\", got {value}", "此处应填写百分数（如 \"80%\"），填写的是 {value}"),
    ("an override of {code} needs a written reason", "调整 {code} 的得分须写明理由"),
    ("override score {score} for {code} lies outside 0–{standard}", "{code} 的调整得分 {score} 超出 0–{standard} 的范围"),
    # denominators and counts that cannot be right
    ("{what}: {numerator} ÷ 0 — the denominator is 0", "{what}：{numerator} ÷ 0，分母为 0"),
    ("{what}: the denominator is negative ({denominator})", "{what}：分母为负数（{denominator}）"),
    ("{what}: 0 ÷ 0 and the rule set refuses it (zero_division = \"error\")",
     "{what}：0 ÷ 0，规则设定不予接受（zero_division = \"error\"）"),
    ("{what}: {part} ({x}) is more than {whole} ({y})", "{what}：{part}（{x}）大于 {whole}（{y}）"),
    ("the total budget is 0; the budget execution rate needs a budget above 0",
     "预算合计为 0；计算预算执行率需要大于 0 的预算"),
    ("the budget table has no rows", "预算表没有数据行"),
    (("the answers add up to {total} but responses = {responses} (a single-choice question's answers must add up "
     "to the responses)"), "各选项合计 {total}，但回收问卷数 responses = {responses}（单选题各选项之和须等于回收问卷数）"),
    (("{by} cannot compute with these numbers ({detail}); a value is out of range (too large, too many digits, "
     "nan or inf)"), "{by} 无法用这些数字计算（{detail}）；某个数值超出范围（过大、位数过多、nan 或 inf）"),
    # the batch's own
    ("blank cell; the template's value is used only with --fill-from-template",
     "空白单元格；仅在使用 --fill-from-template 时才采用模板中的数值"),
    (("formula {formula} has no saved value (the workbook was saved without calculating); recalculate and save it "
     "in Excel, or type the value"),
     "公式 {formula} 没有保存的计算结果（工作簿保存时未计算）；请在 Excel 中重新计算并保存，或直接填写数值"),
)
"""(English template, Chinese template), tried in order: the prefixes that wrap another message first (a
general entry such as ``{value} has no unit …`` would otherwise take the prefix for its ``{value}``)."""

WORDS: dict[str, str] = {
    "count": "计数", "amount": "金额", "rate": "比率", "number": "数字", "table": "表", "rating": "评价",
    "completion rate": "完成率", "handling rate": "处理率", "recovery rate": "挽回率", "survey rate": "问卷比率",
    "budget execution rate": "预算执行率", "the target": "目标值", "the value": "实际值",
    "a percentage": "是百分数", "without a unit": "没有单位", "no unit": "无单位",
}
"""English words a message's parts may be, in Chinese (``the denominator of a completion rate``)."""


def _word(text: str) -> str:
    if text in WORDS:
        return WORDS[text]
    if text.startswith("in "):  # "the value is in 人" → 的单位是 人
        return f"的单位是 {text[3:]}"
    if text.startswith("input "):
        return f"输入 {text[6:]}"
    return text


@cache
def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)
    seen: set[str] = set()
    rx = ""
    for i, p in enumerate(parts):
        if i % 2 == 0:
            rx += re.escape(p)
        else:  # a part named twice must be the same text both times
            rx += f"(?P={p})" if p in seen else f"(?P<{p}>.+?)"
            seen.add(p)
    return re.compile(rx, re.DOTALL)


def translate(text: str, lang: str) -> str:
    """``text`` (a message as jixiao raised it) in ``lang``: ``en`` as written, ``zh`` from the catalogue
    when it has the message, else as written."""
    if lang != "zh":
        return text
    for english, chinese in CATALOGUE:
        m = _pattern(english).fullmatch(text)
        if m:
            return chinese.format(**{k: translate(v, lang) if k == "message" else _word(v)
                                     for k, v in m.groupdict().items()})
    return text


def known(text: str) -> bool:
    """Whether the catalogue has a Chinese form of ``text``."""
    return any(_pattern(english).fullmatch(text) for english, _ in CATALOGUE)
