"""Test fixture: a third-party scoring method: full marks at the benchmark, half below it."""

from fake_extras_log import imported

from jixiao import ScoreOutcome, ScoringMethod, hookimpl
from jixiao.numbers import fmt_number, fmt_percent_short

imported(__name__)


def score(si):
    bench = si.target.value if si.target and si.target.value is not None else 1
    std = si.standard_score
    if si.value >= bench:
        return ScoreOutcome(score=std, expression=f"{fmt_number(std)}（step: met）", benchmark=bench, gap=0)
    return ScoreOutcome(score=std / 2, expression=f"{fmt_number(std)}/2（step: {fmt_percent_short(si.value)}）",
                        benchmark=bench, gap=bench - si.value, reason="below_benchmark")


def check(params):
    return [f"unknown parameter {k!r}" for k in params]


@hookimpl
def jixiao_scoring_methods():
    return [ScoringMethod(name="fake_step", title="阶梯 step", score=score, check_params=check,
                          formula="std if value ≥ target else std/2")]
