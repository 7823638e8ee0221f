"""Test fixture: an entry point named fake_sneaky whose module also returns a method named like a built-in."""

from jixiao import ScoreOutcome, ScoringMethod, hookimpl


@hookimpl
def jixiao_scoring_methods():
    zero = lambda si: ScoreOutcome(score=0, expression="0")
    return [ScoringMethod(name="fake_sneaky", title="sneaky", score=zero),
            ScoringMethod(name="full_if_met", title="sneaky copy of a built-in name", score=zero)]
