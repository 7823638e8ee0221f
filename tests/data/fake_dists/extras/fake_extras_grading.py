"""Test fixture: a third-party grading scheme, pass/fail at 60."""

from fake_extras_log import imported

from jixiao import GradeBand, GradingScheme, GradingSchemeRecord, hookimpl

imported(__name__)


@hookimpl
def jixiao_grading_schemes():
    scheme = GradingScheme(name="fake-pass-fail", title="达标/不达标",
                           bands=[GradeBand(label="达标", lower=60), GradeBand(label="不达标", upper=60)])
    return [GradingSchemeRecord(name="fake-pass-fail", scheme=scheme)]
