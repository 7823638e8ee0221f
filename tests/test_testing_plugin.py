"""jixiao.testing, the pytest plugin for pack authors: fixtures and the conformance check.

The fixtures are used here exactly as a pack's own tests use them (the plugin is loaded through
the ``pytest11`` entry point). Each check_pack test breaks one thing in an otherwise sound pack
and expects check_pack to name it.
"""

from __future__ import annotations

import subprocess
import sys
import types
from decimal import Decimal

import attrs
import pytest

from conftest import SEED, run_cli
from jixiao import (
    Group,
    Indicator,
    Pack,
    PluginError,
    PluginRef,
    RuleSet,
    ScoreOutcome,
    ScoringMethod,
    Target,
    hookimpl,
)
from jixiao.testing import PackConformanceError, check_pack

pytest_plugins = ["pytester"]  # to run a test session that uses the fixtures the way a pack does

SHANGHAI = "shanghai-consumer-protection-2018"


def leaf(code, std, **kw):
    kw.setdefault("source", PluginRef(name="qualitative_rating"))
    kw.setdefault("method", PluginRef(name="rating_times_standard"))
    return Indicator(code=code, name=f"指标{code}", standard_score=std, **kw)


def make_pack(tmp_path, *, name="tiny", tree=None, example=True, api=1) -> Pack:
    """A sound two-leaf pack, with an example config that evaluates."""
    cfg = tmp_path / f"{name}.toml"
    cfg.write_text(f'schema_version = 1\npack = "{name}"\n[inputs]\ndone = 9\nplanned = 10\n'
                   '[ratings.A1]\nrating = "80%"\nreason = "基本达到"\n', encoding="utf-8")
    tree = tree or (Group(code="A", name="决策", standard_score=60, children=(leaf("A1", 60),)),
                    Group(code="B", name="产出", standard_score=40, children=(
                        leaf("B1", 40, target=Target(value=1),
                             source=PluginRef(name="completion_rate", params={"done": "done", "planned": "planned"}),
                             method=PluginRef(name="deduct_per_point", params={"k": "0.03"})),)))
    return Pack(name=name, title="小包", api=api, rule_set=RuleSet(name="t"), tree=tree,
                example=str(cfg) if example else None)


def plugin_module(*packs, methods=()) -> types.ModuleType:
    """A module object with hook implementations, as a pack's module would be."""
    mod = types.ModuleType(f"test_pack_module_{id(packs)}")
    mod.jixiao_packs = hookimpl(lambda: list(packs))
    if methods:
        mod.jixiao_scoring_methods = hookimpl(lambda: list(methods))
    return mod


# -- fixtures ---------------------------------------------------------------------------------------


def test_plugin_is_registered_through_pytest11(pytestconfig):
    assert pytestconfig.pluginmanager.has_plugin("jixiao")
    plugin = pytestconfig.pluginmanager.get_plugin("jixiao")
    assert plugin.__name__ == "jixiao.testing"


def test_loading_the_plugin_imports_nothing_of_jixiao_but_itself():
    code = ("import sys, jixiao.testing; "
            "print(sorted(m for m in sys.modules if m.startswith('jixiao') and m != 'jixiao.testing'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    # only the parent package (a Python requirement) — no registry, engine or pack is loaded
    assert "jixiao.engine" not in out and "jixiao_shanghai" not in out and "jixiao.session" not in out


def test_jixiao_registry_is_fresh(jixiao_registry):
    assert all(not jixiao_registry.records(kind) for kind in ("pack", "indicator", "method", "renderer"))
    assert jixiao_registry.pack(SHANGHAI).name == SHANGHAI  # installed packs load on demand


def test_jixiao_evaluate_matches_the_cli(jixiao_evaluate):
    result = jixiao_evaluate(SEED)
    doc = jixiao_evaluate.document(SEED)
    cli = run_cli("evaluate", SEED, "--format", "json").json()
    # the in-process run loads no renderer, so its list of plugins used is shorter
    assert doc["run"].pop("plugins") == [p for p in cli["run"].pop("plugins") if not p.startswith("renderer ")]
    assert doc == cli
    assert f"{result.total:.2f}" == cli["total"]
    assert result.grade.label == cli["grade"]


def test_register_plugin_adds_a_pack_for_one_test(register_plugin, jixiao_registry, jixiao_evaluate, tmp_path):
    pack = make_pack(tmp_path)
    register_plugin(plugin_module(pack))
    assert jixiao_registry.pack("tiny") is pack
    result = jixiao_evaluate(pack.example)
    assert result.pack is pack
    # 60*80% + 40-(1-90%)*40*100*3%
    assert result.total == Decimal(48) + (40 - Decimal("0.1") * 40 * 100 * Decimal("0.03"))


def test_register_plugin_is_undone_after_the_test(pytester):
    pytester.makepyfile(test_undo='''
        import types
        from jixiao import hookimpl, PluginError
        import pytest

        mod = types.ModuleType("undo_plugin")

        def test_register(register_plugin, jixiao_registry):
            from jixiao import ScoringMethod, ScoreOutcome
            mod.jixiao_scoring_methods = hookimpl(
                lambda: [ScoringMethod(name="undo_me", title="t", score=lambda si: ScoreOutcome(score=0, expression="0"))])
            register_plugin(mod)
            assert jixiao_registry.method("undo_me").name == "undo_me"
            pytest.registry = jixiao_registry

        def test_after():
            reg = pytest.registry
            assert not reg.pm.is_registered(mod)
            with pytest.raises(PluginError):
                reg.method("undo_me")
    ''')
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_register_plugin_refuses_an_api_mismatch(register_plugin, tmp_path):
    with pytest.raises(PluginError, match=r"targets plugin API 999, but this jixiao supports API 1"):
        register_plugin(plugin_module(make_pack(tmp_path, api=999)), distribution="jixiao-pack-tiny",
                        version="0.1")


# -- check_pack -------------------------------------------------------------------------------------


def test_builtin_shanghai_pack_conforms():
    assert check_pack(SHANGHAI) == []


def test_check_pack_fixture_sees_registered_packs(register_plugin, jixiao_check_pack, tmp_path):
    register_plugin(plugin_module(make_pack(tmp_path)))
    assert jixiao_check_pack("tiny") == []


def problems(register_plugin, jixiao_registry, pack, *extra):
    register_plugin(plugin_module(pack, methods=extra))
    with pytest.raises(PackConformanceError) as info:
        check_pack(pack.name, registry=jixiao_registry)
    assert info.value.problems == check_pack(pack.name, registry=jixiao_registry, raise_errors=False)
    return "\n".join(info.value.problems)


def test_unknown_pack(jixiao_registry):
    with pytest.raises(PackConformanceError, match="unknown pack 'no-such-pack'"):
        check_pack("no-such-pack", registry=jixiao_registry)


def test_duplicate_codes(register_plugin, jixiao_registry, tmp_path):
    tree = (Group(code="A", name="A", standard_score=60, children=(leaf("A1", 60),)),
            Group(code="B", name="B", standard_score=40, children=(leaf("A1", 40),)))
    assert "code 'A1' is used twice" in problems(register_plugin, jixiao_registry, make_pack(tmp_path, tree=tree))


def test_standard_scores_that_do_not_add_up(register_plugin, jixiao_registry, tmp_path):
    tree = (Group(code="A", name="A", standard_score=60, children=(leaf("A1", 50),)),
            Group(code="B", name="B", standard_score=40, children=(leaf("B1", 40),)))
    text = problems(register_plugin, jixiao_registry, make_pack(tmp_path, tree=tree))
    assert "the children of A add up to 50, but A has standard score 60" in text
    assert "first-level standard scores add up to" not in text  # 60 + 40 is right


def test_invalid_method_parameters(register_plugin, jixiao_registry, tmp_path):
    tree = (Group(code="A", name="A", standard_score=100, children=(
        leaf("A1", 100, target=Target(value=1), method=PluginRef(name="deduct_per_point", params={"k": "lots"})),)),)
    text = problems(register_plugin, jixiao_registry, make_pack(tmp_path, tree=tree, example=False))
    assert "$.indicators.A1." in text and "k must be a number or a percentage, got 'lots'" in text


def broken_method(name, score):
    return ScoringMethod(name=name, title=name, score=score)


def test_a_method_that_raises_on_a_representative_value(register_plugin, jixiao_registry, tmp_path):
    def score(si):
        if si.value == 0:
            raise ZeroDivisionError("division by zero")
        return ScoreOutcome(score=si.standard_score, expression=f"{si.standard_score}")

    tree = (Group(code="A", name="A", standard_score=100, children=(
        leaf("A1", 100, target=Target(value=Decimal("0.9")), method=PluginRef(name="test_fragile")),)),)
    text = problems(register_plugin, jixiao_registry, make_pack(tmp_path, tree=tree, example=False),
                    broken_method("test_fragile", score))
    assert "indicator A1: scoring method 'test_fragile' fails zero (value 0): ZeroDivisionError" in text


def test_a_method_without_working(register_plugin, jixiao_registry, tmp_path):
    tree = (Group(code="A", name="A", standard_score=100, children=(
        leaf("A1", 100, method=PluginRef(name="test_silent")),)),)
    method = broken_method("test_silent", lambda si: ScoreOutcome(score=si.standard_score * si.value, expression=""))
    text = problems(register_plugin, jixiao_registry, make_pack(tmp_path, tree=tree, example=False), method)
    assert "indicator A1: scoring method 'test_silent' gives no working" in text


def test_a_method_that_rewards_missing_the_target(register_plugin, jixiao_registry, tmp_path):
    def backwards(si):
        return ScoreOutcome(score=si.standard_score * (1 - si.value), expression=f"{si.standard_score}*(1-v)")

    tree = (Group(code="A", name="A", standard_score=100, children=(
        leaf("A1", 100, target=Target(value=1), method=PluginRef(name="test_backwards")),)),)
    text = problems(register_plugin, jixiao_registry, make_pack(tmp_path, tree=tree, example=False),
                    broken_method("test_backwards", backwards))
    assert "scores a value at the target (0.00) lower than one short of it (10.00)" in text


def test_an_ordinal_method_is_accepted(register_plugin, jixiao_registry, tmp_path):
    def mark(si):
        return ScoreOutcome(score="A" if si.value >= 1 else "C", expression=f"{si.value}")

    method = attrs.evolve(broken_method("test_ordinal", mark), ordinal=True)
    tree = (Group(code="A", name="A", standard_score=100, children=(
        leaf("A1", 100, target=Target(value=1), method=PluginRef(name="test_ordinal")),)),)
    register_plugin(plugin_module(make_pack(tmp_path, tree=tree, example=False), methods=[method]))
    found = check_pack("tiny", registry=jixiao_registry, raise_errors=False)
    assert found == ["the pack declares no example evaluation (Pack.example)"]


def test_marks_from_a_method_not_declared_ordinal(register_plugin, jixiao_registry, tmp_path):
    method = broken_method("test_marks", lambda si: ScoreOutcome(score="A", expression="A"))
    tree = (Group(code="A", name="A", standard_score=100, children=(
        leaf("A1", 100, target=Target(value=1), method=PluginRef(name="test_marks")),)),)
    text = problems(register_plugin, jixiao_registry, make_pack(tmp_path, tree=tree, example=False), method)
    assert "gives 'A' at the target (value 1), expected a Decimal score (or mark the method ordinal=True)" in text


def test_missing_and_failing_examples(register_plugin, jixiao_registry, tmp_path):
    pack = make_pack(tmp_path)
    register_plugin(plugin_module(pack))
    assert check_pack(pack, registry=jixiao_registry, example=False) == []
    missing = attrs.evolve(pack, example=str(tmp_path / "nope.toml"))
    assert check_pack(missing, registry=jixiao_registry, raise_errors=False) == [
        f"the pack's example {str(tmp_path / 'nope.toml')!r} does not exist"]
    other = tmp_path / "other.toml"
    other.write_text(f'schema_version = 1\npack = "{SHANGHAI}"\n', encoding="utf-8")
    assert "selects pack 'shanghai-consumer-protection-2018', not 'tiny'" in check_pack(
        attrs.evolve(pack, example=str(other)), registry=jixiao_registry, raise_errors=False)[0]
    (tmp_path / "tiny.toml").write_text('schema_version = 1\npack = "tiny"\n[inputs]\ndone = 9\n', encoding="utf-8")
    text = "\n".join(check_pack(pack, registry=jixiao_registry, raise_errors=False))
    assert "the pack's example does not evaluate" in text and "missing input 'planned'" in text


def test_the_plugin_guide_lists_exactly_the_fixtures_there_are(pytestconfig):
    import re
    from pathlib import Path

    guide = (Path(__file__).resolve().parents[1] / "docs" / "plugin-guide.md").read_text(encoding="utf-8")
    plugin = pytestconfig.pluginmanager.get_plugin("jixiao")
    defined = {name for name in vars(plugin) if hasattr(getattr(plugin, name), "_fixture_function_marker")
               or type(getattr(plugin, name)).__name__ == "FixtureFunctionDefinition"}
    listed = set(re.findall(r"^\| `(\w+)[`(]", guide, re.MULTILINE)) - {"check_pack"}
    assert defined == listed
