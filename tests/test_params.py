"""Declared parameters: unknown, mistyped and missing parameters are refused by ``validate``,
``packs --check`` and ``check_pack`` at the key path where they are written, with a did-you-mean;
``formula`` is the alias of the formula indicator's ``expr`` in pack files and Python alike."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import run_cli
from jixiao import Indicator, Pack, PluginRef, RuleSet, Target
from jixiao.testing import check_pack
from jixiao.types import ParamSpec, param_problems
from test_plugins import fake_env

PACK = """schema_version = 1

[pack]
name = "param-check"
title = "参数检查"

[rule_set]
grading = "none"
total_standard = 10

[inputs.done]
kind = "count"

[inputs.planned]
kind = "count"

[indicators.A1]
name = "完成率"
standard_score = 10
target = "≥100%"
value = {value}
score = {score}
"""


def write_pack(tmp_path, *, value='{ formula = "done / planned" }', score='{ method = "deduct_per_point", k = "3%" }'):
    p = tmp_path / "pack.toml"
    p.write_text(PACK.replace("{value}", value).replace("{score}", score), encoding="utf-8")
    return p


def test_a_sound_pack_file_validates(tmp_path):
    r = run_cli("validate", write_pack(tmp_path))
    assert r.code == 0, r


@pytest.mark.parametrize(("score", "path", "message"), [
    ('{ method = "deduct_per_point", kk = "3%" }', "$.indicators.A1.score.kk",
     "deduct_per_point: unknown parameter 'kk'; did you mean 'k'? (parameters: k, points, benchmark, direction)"),
    ('{ method = "threshold", direction = "up" }', "$.indicators.A1.score.direction",
     "threshold: direction must be one of 'higher', 'lower', got 'up'"),
    ('{ method = "qualitative_levels", allow_between = "yes" }', "$.indicators.A1.score.allow_between",
     "qualitative_levels: allow_between must be true or false, got 'yes'"),
    ('{ method = "per_item_deduction" }', "$.indicators.A1.score",
     "per_item_deduction: missing parameter 'points'"),
    ('{ method = "proportional", benchmark = "high" }', "$.indicators.A1.score.benchmark",
     "proportional: benchmark must be a number or a percentage, got 'high'"),
])
def test_validate_refuses_a_bad_method_parameter_where_it_is_written(tmp_path, score, path, message):
    pack = write_pack(tmp_path, score=score)
    r = run_cli("validate", pack)
    assert r.code == 2, r
    assert f"{pack}: {path}: {message}" in r.stderr
    assert "Traceback" not in r.stderr


def test_validate_refuses_a_misspelled_indicator_parameter(tmp_path):
    pack = write_pack(tmp_path, value='{ indicator = "completion_rate", done = "done", planed = "planned" }')
    r = run_cli("validate", pack)
    assert r.code == 2, r
    assert ("$.indicators.A1.value.planed: completion_rate: unknown parameter 'planed'; did you mean 'planned'?"
            in r.stderr)
    assert "$.indicators.A1.value: completion_rate: missing parameter 'planned'" in r.stderr


def test_formula_and_expr_are_one_parameter(tmp_path):
    # a pack file writes formula = "…"; giving the formula a second time under its other name is refused
    assert run_cli("validate", write_pack(tmp_path, value='{ formula = "done / planned", kind = "rate" }')).code == 0
    spec = (ParamSpec(name="expr", type="string", required=True, aliases=("formula",)),)
    assert param_problems(spec, {"formula": "a / b"}) == []
    assert param_problems(spec, {"expr": "a / b", "formula": "a / b"}) == [
        ("formula", "'formula' and 'expr' are the same parameter; give one")]


def _python_pack(source: PluginRef, method: PluginRef) -> Pack:
    leaf = Indicator(code="A1", name="完成率", standard_score=10, target=Target(value=Decimal(1)), source=source,
                     method=method)
    return Pack(name="py-params", title="Python 包", rule_set=RuleSet(name="py", grading=None, total_standard=10),
                tree=(leaf,))


def test_check_pack_accepts_the_alias_from_python_and_evaluates_it():
    pack = _python_pack(PluginRef(name="formula", params={"formula": "done / planned"}),
                        PluginRef(name="deduct_per_point", params={"k": "3%"}))
    assert check_pack(pack, example=False, raise_errors=False) == []


def test_check_pack_refuses_an_unknown_parameter_with_did_you_mean():
    pack = _python_pack(PluginRef(name="formula", params={"expr": "done / planned"}),
                        PluginRef(name="deduct_per_point", params={"point": 1}))
    problems = check_pack(pack, example=False, raise_errors=False)
    assert problems == [("$.indicators.A1.score.point: deduct_per_point: unknown parameter 'point'; did you mean "
                         "'points'? (parameters: k, points, benchmark, direction)")]


def test_packs_check_refuses_a_third_party_pack_with_a_bad_parameter():
    r = run_cli("packs", "--check", env=fake_env("badparam"))
    assert r.code == 2, r
    line = next(x for x in r.stdout.splitlines() if x.startswith("fake-badparam "))
    assert line == ("fake-badparam  jixiao-fake-badparam 1.0  ERROR: $.indicators.A1.score.kk: deduct_per_point: "
                    "unknown parameter 'kk'; did you mean 'k'? (parameters: k, points, benchmark, direction)")
    assert "pefa-2016  jixiao 0.1.0  OK" in r.stdout  # the others are still checked


def test_packs_check_runs_the_examples_of_the_plugins_a_pack_uses():
    # fake-crash-user's own parameters are sound: only running fake_crash's example finds the crash
    r = run_cli("packs", "--check", "--json", env=fake_env("badparam"))
    assert r.code == 2, r
    row = next(x for x in r.json() if x["name"] == "fake-crash-user")
    assert row["status"] == "error"
    assert row["error"].startswith("method 'fake_crash' (jixiao-fake-badparam 1.0): example 1 crashes: ")
    assert "DivisionByZero" in row["error"]


def test_packs_check_all_refuses_a_plugin_whose_example_misspells_its_parameter():
    r = run_cli("packs", "--check", "--all", env=fake_env("badparam"))
    assert r.code == 2, r
    line = next(x for x in r.stdout.splitlines() if x.startswith("scoring method: fake_capped "))
    assert ("ERROR: method 'fake_capped' (jixiao-fake-badparam 1.0): example 1 is refused: "
            "pack.toml: $.indicators.X1.score.cpa: fake_capped: unknown parameter 'cpa'; did you mean 'cap'? "
            "(parameters: cap)") in line
    assert "scoring method: deduct_per_point  jixiao 0.1.0  OK" in r.stdout


def test_a_declaration_with_an_unknown_type_is_refused():
    from jixiao.reference import declaration_problems
    from jixiao.types import ScoringMethod

    rec = ScoringMethod(name="m", title="m", score=lambda si: None,
                        params=(ParamSpec(name="cap", type="nubmer"), ParamSpec(name="k", type="percent", default="x")))
    assert declaration_problems("method", rec) == [
        ("method 'm': parameter 'cap' has type 'nubmer'; did you mean 'number'? (types: number, percent, integer, "
         "string, input, bool, choice, list, table, any)"),
        "method 'm': the default of parameter 'k' must be a number or a percentage, got 'x'"]


@pytest.mark.parametrize(("spec", "value", "problem"), [
    (ParamSpec(name="n", type="number"), "3%", "must be a number, got '3%' (a percentage)"),
    (ParamSpec(name="n", type="integer"), Decimal("1.5"), "must be a whole number, got Decimal('1.5')"),
    (ParamSpec(name="n", type="percent"), True, "must be a number or a percentage, got True"),
    (ParamSpec(name="n", type="input"), "", "must be the name of an input, got ''"),
    (ParamSpec(name="n", type="list"), "a", "must be an array [ … ], got 'a'"),
    (ParamSpec(name="n", type="table"), [1], "must be a table { … }, got [1]"),
    (ParamSpec(name="n", type="percent"), "3%", None),
    (ParamSpec(name="n", type="percent"), Decimal("0.03"), None),
])
def test_param_types(spec, value, problem):
    assert spec.problem(value) == problem


def test_old_style_params_are_listed_but_not_checked_for_unknown_names():
    from jixiao.types import IndicatorPlugin, params_declared

    rec = IndicatorPlugin(name="old", title="old", measure=lambda ctx: None, params={"table": "the table"})
    assert not params_declared(rec.params) and rec.params[0].doc == "the table"
    assert param_problems(rec.params, {"tabel": "x"}) == []


# -- helpers for authors --------------------------------------------------------------------------


def test_public_helpers_read_percent_and_amount_parameters():
    from jixiao import ConfigError, read_amount, read_percent

    assert read_percent("10%") == Decimal("0.1") and read_percent("５％") == Decimal("0.05")
    assert read_percent(Decimal("0.03")) == Decimal("0.03")
    assert read_amount("1.5万元") == Decimal(15000) and read_amount("15000元", unit="万元") == Decimal("1.5")
    with pytest.raises(ConfigError) as e:
        read_percent("3分", what="k", file="pack.toml", path="$.indicators.A1.score.k")
    assert e.value.format().startswith("pack.toml: $.indicators.A1.score.k: k: ")
    with pytest.raises(ConfigError, match="percentage"):
        read_amount("95%")


def test_method_error_and_working_from_a_custom_method(tmp_path, register_plugin, jixiao_registry):
    from types import SimpleNamespace

    from jixiao import DataError, hookimpl, method_error, show_percent, working
    from jixiao.testing import score
    from jixiao.types import ScoringMethod

    def step(si):
        if si.value < Decimal("0.5"):
            raise method_error(si, "a rate under 50% is not scored by steps", entry="rating")
        steps = int((Decimal(1) - si.value) / Decimal("0.05"))
        from jixiao import ScoreOutcome

        return ScoreOutcome(score=si.standard_score - steps, expression=working(
            si.standard_score, "-", steps, "*1", condition=f"{show_percent(si.value)}<100%"))

    rec = ScoringMethod(name="step", title="step", score=step,
                        params=(ParamSpec(name="points", type="number", default=1, doc="points per step"),))
    assert score(rec, "88%", standard=5) == "3.00=5-2*1（88%<100%）"
    with pytest.raises(DataError) as e:
        step(SimpleNamespace(value=Decimal("0.4"), standard_score=Decimal(5), file="evaluation.toml",
                             indicator=SimpleNamespace(code="A1")))
    assert e.value.format().startswith("evaluation.toml: $.ratings.A1.rating: indicator A1: a rate under 50%")

    plugin = SimpleNamespace(jixiao_scoring_methods=hookimpl(lambda: [rec]))
    register_plugin(plugin, name="step-plugin")
    assert score("step", "90%", standard=5, registry=jixiao_registry) == "3.00=5-2*1（90%<100%）"


def test_the_guides_isolated_scoring_example_holds(jixiao_score):
    assert jixiao_score("deduct_per_point", "89.63%", standard=5, target="≥100%",
                        params={"k": "3%"}) == "3.44=5-(1-89.63%)*5*100*3%"
    from jixiao import ConfigError

    with pytest.raises(ConfigError) as e:
        jixiao_score("deduct_per_point", "89.63%", standard=5, params={"kk": "3%"})
    assert "params.kk: deduct_per_point: unknown parameter 'kk'; did you mean 'k'?" in e.value.format()


def test_the_scaffolded_readme_points_to_the_reference(tmp_path):
    r = run_cli("new-pack", "road-works", "--dir", tmp_path)
    assert r.code == 0, r
    readme = (tmp_path / "jixiao-pack-road-works" / "README.md").read_text(encoding="utf-8")
    assert "docs/plugins-reference.md" in readme and "`jixiao plugins deduct_per_point`" in readme
