"""Issue 10 §1, §2 and §4 in `jixiao batch`: bad rows are refused with the engine's own located message,
in the user's language (`--lang zh|en`), at the portfolio column where the value is written.

One portfolio of the seed pack and one of the national form's template, each row with one thing
wrong, are run once per language (four subprocesses in all, shared by every case below). Each case
checks its row in the error file: the column, the kind, the English message and its Chinese. Rows
that go through the columnar fast path and rows that go through the engine must give the same
refusal; percentages in amount columns and numbers too large for exact arithmetic must never be
read. A zero-budget *line* (others non-zero) is allowed by the budget execution rule (Σ actual ÷
Σ budget; the line's own rate shows "—") and is scored alike by `evaluate` and `batch`.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest import ROOT, SEED_DIR, run_cli
from jixiao.messages import CATALOGUE, known, translate
from test_batch import PACK, seed_row, write_rows

NATIONAL = ROOT / "docs" / "examples" / "national-education-2023" / "evaluation.toml"

# project id → (cells changed, column named, kind, English message, Chinese message)
SEED_ROWS: dict[str, tuple[dict[str, str], str, str, str, str]] = {
    "negative-count": ({"spot_check_done": "-5"}, "spot_check_done", "data error",
                       "a count cannot be negative, got -5", "计数不能为负数，填写的是 -5"),
    "fractional-count": ({"spot_check_done": "5.5"}, "spot_check_done", "data error",
                         "a count must be a whole number, got 5.5", "计数必须是整数，填写的是 5.5"),
    "percent-in-count": ({"spot_check_done": "95%"}, "spot_check_done", "configuration error",
                         "expected a count, got the percentage '95%'", "此处应填写计数，不能填写百分数 '95%'"),
    "not-a-number": ({"spot_check_done": "abc"}, "spot_check_done", "configuration error",
                     "expected a number, got 'abc'", "此处应填写数字，填写的是 'abc'"),
    "blank-input": ({"spot_check_done": ""}, "spot_check_done", "configuration error",
                    "missing input 'spot_check_done' (count), needed by indicator C111 (流通领域商品质量监测计划完成率)",
                    "缺少输入 'spot_check_done'（计数），指标 C111（流通领域商品质量监测计划完成率）需要它"),
    "nan": ({"spot_check_done": "nan"}, "spot_check_done", "configuration error",
            "expected a finite number, got 'nan'", "此处应填写有限的数字，填写的是 'nan'"),
    "1e308": ({"spot_check_done": "1e308"}, "spot_check_done", "data error",
              ("the number is out of range: it has 309 digits before the decimal point; numbers must lie below 10^15 "
              "in magnitude (at most 15 digits before the point)"),
              "数字超出范围：小数点前有 309 位；数字的绝对值须小于 10^15（小数点前最多 15 位）"),
    "41-digit-count": ({"spot_check_planned": "1" * 41}, "spot_check_planned", "data error",
                       ("the number is out of range: it has 41 digits before the decimal point; numbers must lie "
                       "below 10^15 in magnitude (at most 15 digits before the point)"),
                       "数字超出范围：小数点前有 41 位；数字的绝对值须小于 10^15（小数点前最多 15 位）"),
    "16-digit-count": ({"spot_check_planned": "1" + "0" * 15}, "spot_check_planned", "data error",
                       ("the number is out of range: it has 16 digits before the decimal point; numbers must lie "
                       "below 10^15 in magnitude (at most 15 digits before the point)"),
                       "数字超出范围：小数点前有 16 位；数字的绝对值须小于 10^15（小数点前最多 15 位）"),
    "41-digit-table-cell": ({"budget[3].actual": "1" * 41}, "budget[3].actual", "data error",
                            ("the number is out of range: it has 41 digits before the decimal point; numbers must "
                            "lie below 10^15 in magnitude (at most 15 digits before the point)"),
                            "数字超出范围：小数点前有 41 位；数字的绝对值须小于 10^15（小数点前最多 15 位）"),
    "40-significant-digits": ({"losses_claimed": "6785." + "1" * 36}, "losses_claimed", "data error",
                              "the number has more than 34 significant digits; jixiao cannot compute with it exactly",
                              "数字的有效位数超过 34 位，无法精确计算"),
    "zero-denominator": ({"spot_check_planned": "0"}, "spot_check_planned", "data error",
                         "completion rate: 2824 ÷ 0 — the denominator is 0", "完成率：2824 ÷ 0，分母为 0"),
    "more-handled-than-found": ({"nonconforming_handled": "700"}, "nonconforming_handled", "data error",
                                "handling rate: nonconforming_handled (700) is more than nonconforming_found (599)",
                                "处理率：nonconforming_handled（700）大于 nonconforming_found（599）"),
    "negative-budget-line": ({"budget[2].budget": "-3"}, "budget[2].budget", "data error",
                             "an amount cannot be negative, got -3", "金额不能为负数，填写的是 -3"),
    "zero-total-budget": ({f"budget[{k}].budget": "0" for k in range(1, 25)}, "budget", "data error",
                          "the total budget is 0; the budget execution rate needs a budget above 0",
                          "预算合计为 0；计算预算执行率需要大于 0 的预算"),
    "percent-in-budget-cell": ({"budget[2].budget": "30%"}, "budget[2].budget", "configuration error",
                               "expected an amount, got the percentage '30%'", "此处应填写金额，不能填写百分数 '30%'"),
    "fullwidth-percent-in-budget-cell": ({"budget[4].actual": "28％"}, "budget[4].actual", "configuration error",
                                         "expected an amount, got the percentage '28％'",
                                         "此处应填写金额，不能填写百分数 '28％'"),
    "percent-in-amount": ({"losses_claimed": "95%"}, "losses_claimed", "configuration error",
                          "expected an amount, got the percentage '95%'", "此处应填写金额，不能填写百分数 '95%'"),
    "rating-above-100": ({"rating.A11": "150%"}, "rating.A11", "data error",
                         "a rating must lie between 0% and 100%, got 150%", "评价须在 0% 到 100% 之间，填写的是 150%"),
    "rating-not-a-percentage": ({"rating.A11": "good"}, "rating.A11", "configuration error",
                                "expected a percentage like \"80%\", got 'good'",
                                "此处应填写百分数（如 \"80%\"），填写的是 'good'"),
    "answers-disagree": ({"awareness_survey.responses": "10"}, "awareness_survey.responses", "data error",
                         ("the answers add up to 120 but responses = 10 (a single-choice question's answers must add "
                         "up to the responses)"),
                         "各选项合计 120，但回收问卷数 responses = 10（单选题各选项之和须等于回收问卷数）"),
    "negative-answer": ({"awareness_survey.answers.不关注": "-1"}, "awareness_survey.answers.不关注", "data error",
                        "a count cannot be negative, got -1", "计数不能为负数，填写的是 -1"),
    "override-without-reason": ({"override.A11": "1"}, "override_reason.A11", "configuration error",
                                "an override of A11 needs a written reason", "调整 A11 的得分须写明理由"),
    "override-above-standard": ({"override.A11": "100", "override_reason.A11": "复核"}, "override.A11",
                                "data error", "override score 100 for A11 lies outside 0–2",
                                "A11 的调整得分 100 超出 0–2 的范围"),
}
# rows of the national template (unit-defined leaves: CODE.actual columns)
NATIONAL_ROWS: dict[str, tuple[dict[str, str], str, str, str, str]] = {
    "unit-mismatch": ({"B11.actual": "1100人次"}, "B11.actual", "configuration error",
                      ("indicator B11 (补助学生人数), target ≥1200人: the value is in 人次 but the target is in 人; only "
                      "万元 and 元 are converted"),
                      "指标 B11（补助学生人数），目标值 ≥1200人：数值的单位是 人次，但目标值的单位是 人；只有万元与元之间会换算"),
    "unreadable-actual": ({"B21.actual": "abc"}, "B21.actual", "configuration error",
                          ("indicator B21 (资助对象认定准确率), target ≥98%: cannot read 'abc': expected a number with an "
                          "optional unit (%, ‰, 人次, 万元, 天 …), e.g. \"98%\" or \"735人次\""),
                          ("指标 B21（资助对象认定准确率），目标值 ≥98%：无法读取 'abc'：应填写数字，可带单位（%、‰、人次、万元、"
                          "天 …），如 \"98%\" 或 \"735人次\"")),
    "plain-rate-above-1": ({"B21.actual": "97.5"}, "B21.actual", "configuration error",
                           ("indicator B21 (资助对象认定准确率), target ≥98%: 97.5 has no unit and is above 1, so it could "
                           "be 97.5% or 9750%; write the percent sign (\"97.5%\" or \"9750%\")"),
                           ("指标 B21（资助对象认定准确率），目标值 ≥98%：97.5 没有单位且大于 1，可能是 97.5%，也可能是 9750%；"
                           "请写上百分号（\"97.5%\" 或 \"9750%\"）")),
    "plain-rate-just-above-1": ({"B21.actual": "1.02"}, "B21.actual", "configuration error",
                                ("indicator B21 (资助对象认定准确率), target ≥98%: 1.02 has no unit and is above 1, so it "
                                "could be 1.02% or 102%; write the percent sign (\"1.02%\" or \"102%\")"),
                                ("指标 B21（资助对象认定准确率），目标值 ≥98%：1.02 没有单位且大于 1，可能是 1.02%，也可能是 "
                                "102%；请写上百分号（\"1.02%\" 或 \"102%\"）")),
    "formula-divides-by-zero": ({"全年预算数": "0"}, "全年预算数", "data error",
                                "division by zero: 432 ÷ 0 全年执行数/全年预算数 ^", "除数为 0：432 ÷ 0 全年执行数/全年预算数 ^"),
}
NATIONAL_GOOD = {"B11.actual": "1100", "B12.actual": "33", "B21.actual": "0.975", "B41.actual": "1300", "全年预算数": "480"}


def _seed_portfolio(path: Path) -> Path:
    base = seed_row()
    rows = [dict(base, project_id="good")]
    rows += [dict(base, project_id=pid, **cells) for pid, (cells, *_rest) in SEED_ROWS.items()]
    return write_rows(path, rows)


def _national_portfolio(path: Path) -> Path:
    rows = [dict(NATIONAL_GOOD, project_id="good")]
    rows += [dict(NATIONAL_GOOD, project_id=pid, **cells) for pid, (cells, *_rest) in NATIONAL_ROWS.items()]
    return write_rows(path, rows)


def _errors(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {r["project_id"]: r for r in csv.DictReader(fh)}


@pytest.fixture(scope="session")
def runs(tmp_path_factory):
    """(portfolio, lang) → (exit code, stderr, error rows by project id, scored project ids)."""
    d = tmp_path_factory.mktemp("batch-messages")
    out = {}
    for name, make, pack in (("seed", _seed_portfolio, PACK), ("national", _national_portfolio, str(NATIONAL))):
        portfolio = make(d / f"{name}.csv")
        for lang in ("en", "zh"):
            results, errors = d / f"{name}-{lang}.csv", d / f"{name}-{lang}.errors.csv"
            r = run_cli("batch", pack, portfolio, "-o", results, "--errors", errors, "--lang", lang, "--quiet")
            with results.open(encoding="utf-8-sig", newline="") as fh:
                scored = [row["project_id"] for row in csv.DictReader(fh)]
            out[name, lang] = (r.code, r.stderr, _errors(errors), scored)
    return out


CASES = [pytest.param("seed", pid, *spec[1:], id=f"seed-{pid}") for pid, spec in SEED_ROWS.items()] + \
        [pytest.param("national", pid, *spec[1:], id=f"national-{pid}") for pid, spec in NATIONAL_ROWS.items()]


@pytest.mark.parametrize(("portfolio", "pid", "column", "kind", "english", "chinese"), CASES)
def test_bad_row_is_located_and_in_the_users_language(runs, portfolio, pid, column, kind, english, chinese):
    for lang, message in (("en", english), ("zh", chinese)):
        code, stderr, errors, scored = runs[portfolio, lang]
        assert code == 3, stderr
        assert "Traceback" not in stderr
        assert pid in errors and pid not in scored, (pid, errors.get(pid))
        row = errors[pid]
        assert (row["column"], row["kind"], row["message"]) == (column, kind, message), (lang, row)
        assert f", column {column}: {message[:12]}" in stderr or "… and" in stderr  # stderr shows the first 20


@pytest.mark.parametrize("portfolio", ["seed", "national"])
def test_the_good_row_is_scored_and_only_the_bad_ones_refused(runs, portfolio):
    spec = SEED_ROWS if portfolio == "seed" else NATIONAL_ROWS
    for lang in ("en", "zh"):
        _code, _stderr, errors, scored = runs[portfolio, lang]
        assert scored == ["good"]
        assert sorted(errors) == sorted(spec)


def test_every_catalogued_message_is_one_a_real_run_produces(runs):
    """A catalogue entry whose English no longer comes out of jixiao would silently stop translating."""
    produced = [row["message"] for (_p, lang), (*_x, errors, _s) in runs.items() if lang == "en"
                for row in errors.values()]
    produced += _engine_messages()
    assert all(known(m) for m in produced), [m for m in produced if not known(m)]
    from jixiao.messages import _pattern

    for m in list(produced):  # and the messages inside them ("indicator B11 (…), target ≥1200人: {message}")
        for english, _chinese in CATALOGUE:
            if (found := _pattern(english).fullmatch(m)) and "message" in found.groupdict():
                produced.append(found["message"])
    unmatched = []
    for english, _chinese in CATALOGUE:
        if not any(_pattern(english).fullmatch(m) for m in produced):
            unmatched.append(english)
    assert unmatched == [], unmatched


def _engine_messages() -> list[str]:
    """Messages the catalogue knows that the portfolios above cannot produce, raised by the real code."""

    from jixiao.engine import check_number
    from jixiao.errors import JixiaoError, plugin_failure
    from jixiao.reading import ReadError, convert, read_quantity

    out = []

    def catch(fn, *args, **kw):
        try:
            fn(*args, **kw)
        except (JixiaoError, ReadError) as exc:
            out.append(exc.message if isinstance(exc, JixiaoError) else str(exc))
        else:  # pragma: no cover - each call below must refuse
            raise AssertionError((fn, args))

    catch(convert, read_quantity("93.2"), "%", what="the target")
    catch(read_quantity, "  ")
    catch(check_number, True, kind="count", file="x", where="$")
    catch(check_number, "abc", kind="count", file="x", where="$")
    import decimal

    out.append(plugin_failure(decimal.Overflow(), what="indicator completion_rate", code="C111").message)
    return out + [
        # raised where these portfolios cannot reach (a config's CSV table, a multiple-choice flag, a rule set with
        # zero_division = "error", a template, an XLSX portfolio): each is the code's f-string filled in
        "budget cannot be negative, got -1",
        "expected true or false, got 'maybe'",
        "survey rate: the denominator is negative (-1)",
        "completion rate: 0 ÷ 0 and the rule set refuses it (zero_division = \"error\")",
        "the budget table has no rows",
        "missing rating for indicator A11 (部门职责相符性): add [ratings.A11] with rating = \"…%\" and reason = \"…\"",
        "blank cell; the template's value is used only with --fill-from-template",
        ("formula =A2+B2 has no saved value (the workbook was saved without calculating); recalculate and save it in "
        "Excel, or type the value"),
    ]


def test_english_is_as_raised_and_unknown_messages_stay_as_written():
    text = "a count cannot be negative, got -5"
    assert translate(text, "en") == text
    assert translate("something the catalogue does not know", "zh") == "something the catalogue does not know"


def test_a_zero_budget_line_is_scored_alike_by_evaluate_and_batch(tmp_path):
    """Σ actual ÷ Σ budget allows a line with no budget (spending on a line added in the year): both accept it,
    with the same score; only a zero *total* is the data error (tests/robustness/test_batch_inputs.py)."""
    d = tmp_path / "seed"
    import shutil

    shutil.copytree(SEED_DIR, d)
    lines = (d / "budget.csv").read_text(encoding="utf-8").splitlines()
    assert lines[1].endswith(",30.00,28.00")
    lines[1] = lines[1].replace(",30.00,28.00", ",0,28.00")
    (d / "budget.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    ev = run_cli("evaluate", d / "evaluation.toml", "--format", "json")
    assert ev.code == 0, ev
    import json

    seed = json.loads(run_cli("evaluate", SEED_DIR / "evaluation.toml", "--format", "json").stdout)
    b11 = next(leaf for leaf in json.loads(ev.stdout)["indicators"] if leaf["code"] == "B11")
    seed_b11 = next(leaf for leaf in seed["indicators"] if leaf["code"] == "B11")
    assert b11["value"] != seed_b11["value"]  # the line's 0 was read, not the seed's 30
    row = dict(seed_row(), **{"budget[1].budget": "0"})
    # an override (of another leaf) sends a row through the engine instead of the columnar program
    for pid, extra in (("columnar", {}), ("engine", {"override.A11": "2", "override_reason.A11": "复核"})):
        portfolio = write_rows(tmp_path / f"{pid}.csv", [dict(row, project_id=pid, **extra)])
        ba = run_cli("batch", PACK, portfolio, "-o", tmp_path / f"{pid}-r.csv")
        assert ba.code == 0, ba
        assert ("1 columnar" in ba.stderr) == (pid == "columnar"), ba.stderr
        with (tmp_path / f"{pid}-r.csv").open(encoding="utf-8-sig", newline="") as fh:
            (result,) = list(csv.DictReader(fh))
        assert result["B11"] == b11["score"], (pid, result["B11"], b11["score"])
