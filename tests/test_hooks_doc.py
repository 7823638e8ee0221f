"""The hook reference is generated from the hookspecs and kept current; every hook is documented
and has a ``test_hook_<name>`` test (the datasette rule)."""

from __future__ import annotations

from pathlib import Path

from jixiao import docs_hooks

ROOT = Path(__file__).resolve().parents[1]
HOOKS_MD = ROOT / "docs" / "hooks.md"


def test_every_hookspec_is_found():
    from jixiao import hookspecs
    from jixiao.plugins import KINDS

    # each plugin kind the registry loads is a hook, and the generator sees all of them
    assert {k.hook for k in KINDS.values()} <= set(docs_hooks.hook_names())
    assert all(name.startswith(hookspecs.PROJECT + "_") for name in docs_hooks.hook_names())


def test_hooks_md_is_generated_from_the_hookspecs():
    assert HOOKS_MD.read_text(encoding="utf-8") == docs_hooks.generate(), (
        "docs/hooks.md is out of date: run `python -m jixiao.docs_hooks`")


def test_every_hook_is_documented():
    assert docs_hooks.undocumented(HOOKS_MD.read_text(encoding="utf-8")) == []


def test_a_missing_hook_section_is_caught():
    text = docs_hooks.generate()
    start = text.index("### jixiao_aggregators")
    end = text.index("### ", start + 4)
    assert docs_hooks.undocumented(text[:start] + text[end:]) == ["jixiao_aggregators"]
    # a signature that no longer matches the spec counts as undocumented too
    changed = text.replace("def jixiao_packs() -> Iterable[Pack]", "def jixiao_packs(config) -> Iterable[Pack]")
    assert docs_hooks.undocumented(changed) == ["jixiao_packs"]


def test_every_hook_has_a_test():
    assert docs_hooks.untested(ROOT / "tests") == []


def test_an_untested_hook_is_caught(tmp_path):
    names = docs_hooks.hook_names()
    (tmp_path / "test_some.py").write_text(
        "".join(f"def test_hook_{n}():\n    pass\n\n" for n in names[1:]), encoding="utf-8")
    assert docs_hooks.untested(tmp_path) == [names[0]]


def test_compatibility_policy_is_in_the_reference():
    text = HOOKS_MD.read_text(encoding="utf-8")
    assert "Hooks evolve only by adding arguments" in text
    from jixiao import PLUGIN_API

    assert f"plugin API **{PLUGIN_API}**" in text
