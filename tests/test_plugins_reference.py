"""The plugin reference: every built-in plugin's entry renders, its examples run and show the working
they promise, its parameters are declared; docs/plugins-reference.md is generated from the same
records and names every parameter the docs' examples and the bundled packs use."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from conftest import run_cli
from jixiao import reference
from jixiao.model import Group, iter_nodes
from jixiao.plugins import Registry, installed
from jixiao.reference import KIND_ORDER, entries, plugin_problems, render_markdown, render_table
from test_plugins import fake_env

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_MD = ROOT / "docs" / "plugins-reference.md"
PARAM_KINDS = ("indicator", "method", "aggregator")


@pytest.fixture(scope="module")
def registry():
    return Registry()


@pytest.fixture(scope="module")
def builtin(registry):
    return entries(registry, builtin_only=True)


def _builtin_names(kind):
    return sorted({e.name for e in installed(kind) if reference._builtin(e.distribution)})


@pytest.mark.parametrize("kind", PARAM_KINDS)
def test_every_builtin_plugin_declares_its_parameters_and_runs_its_examples(kind, registry):
    names = _builtin_names(kind)
    assert names, kind
    for name in names:
        rec = registry._get(kind, name)
        assert rec.params is not None and all(p.declared for p in rec.params), f"{kind} {name}: params not declared"
        assert all(p.doc for p in rec.params), f"{kind} {name}: a parameter without a meaning"
        if kind in ("indicator", "method") or rec.provenance.plugin.startswith("jixiao.builtin"):
            assert rec.examples, f"{kind} {name} has no runnable example"
        assert plugin_problems(kind, rec, registry) == [], f"{kind} {name}"


def test_every_entry_renders_in_every_format(builtin):
    kinds = {e["kind"] for e in builtin}
    assert kinds == set(KIND_ORDER)
    for e in builtin:
        assert "error" not in e, e
        assert e["distribution"] == "jixiao" and e["version"]
        assert e["description"] or e["title"], e["name"]
        assert e["formula"], e["name"]
        assert e["example"] or e["examples"], e["name"]
        text = render_table([e], full=True)
        md = render_markdown([e])
        assert e["name"] in text and f"### `{e['name']}`" in md
        for p in e["params"]:
            assert f"`{p['name']}`" in md and reference._md(p["doc"]) in md
        for ex in e["examples"]:
            assert ex["expect"] in text and ex["expect"] in md
    json.dumps(builtin, ensure_ascii=False)  # JSON-able as `--format json` prints it


def test_an_example_that_shows_another_working_is_reported(registry):
    import attrs

    rec = registry.method("deduct_per_point")
    wrong = attrs.evolve(rec, examples=(attrs.evolve(rec.examples[0], expect="3.45=5-(1-89.63%)*5*100*3%"),))
    [problem] = plugin_problems("method", wrong, registry)
    assert "shows '3.44=5-(1-89.63%)*5*100*3%'" in problem and "expects '3.45" in problem


def test_reference_md_is_generated_from_the_records():
    assert REFERENCE_MD.read_text(encoding="utf-8") == reference.generate(), (
        "docs/plugins-reference.md is out of date: run `python -m jixiao.reference`")


def test_check_mode_of_the_generator(tmp_path):
    stale = tmp_path / "plugins-reference.md"
    stale.write_text(reference.generate().replace("deduct_per_point", "deduct_per_pt"), encoding="utf-8")
    cmd = [sys.executable, "-m", "jixiao.reference", "--check", "-o", str(stale)]
    r = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert r.returncode == 1 and "out of date" in r.stderr
    subprocess.run([sys.executable, "-m", "jixiao.reference", "-o", str(stale)], check=True, capture_output=True)
    assert subprocess.run(cmd, capture_output=True, check=False).returncode == 0


# -- the CLI ------------------------------------------------------------------------------------


def test_cli_one_plugin_in_full():
    r = run_cli("plugins", "deduct_per_point")
    assert r.code == 0, r
    assert "deduct_per_point  (jixiao " in r.stdout
    assert 'k: percent = "3%"  share of the standard score deducted per percentage point' in r.stdout
    assert "→ X1: 3.44=5-(1-89.63%)*5*100*3%" in r.stdout


def test_cli_json_and_kind_filter():
    r = run_cli("plugins", "--kind", "method", "--format", "json")
    assert r.code == 0, r
    items = r.json()
    assert {i["kind"] for i in items} == {"method"}
    k = next(p for i in items if i["name"] == "deduct_per_point" for p in i["params"] if p["name"] == "k")
    assert k == {"name": "k", "type": "percent", "default": "3%", "required": False, "choices": [], "aliases": [],
                 "doc": "share of the standard score deducted per percentage point"}
    assert run_cli("plugins", "--kind", "method", "--format", "json").stdout == r.stdout  # deterministic


def test_cli_markdown_names_the_formula_alias():
    r = run_cli("plugins", "formula", "--format", "markdown")
    assert r.code == 0, r
    assert "| `expr` (alias `formula`) | string | required |" in r.stdout


def test_cli_unknown_plugin_is_refused_without_traceback():
    r = run_cli("plugins", "deduct_per_pint")
    assert r.code == 2, r
    assert "no installed plugin is named 'deduct_per_pint'" in r.stderr
    assert "did you mean 'deduct_per_point'?" in r.stderr and "Traceback" not in r.stderr


def test_cli_lists_third_party_plugins_with_their_distribution():
    r = run_cli("plugins", "--kind", "method", env=fake_env("badparam"))
    assert r.code == 0, r
    assert "fake_capped  (jixiao-fake-badparam 1.0)" in r.stdout
    assert "cap: number = —  the highest score" in r.stdout


# -- the docs name every parameter in use --------------------------------------------------------


def _section(md: str, name: str) -> str:
    m = re.search(rf"^### `{re.escape(name)}`$(.*?)(?=^##)", md + "\n##", re.MULTILINE | re.DOTALL)
    assert m, f"no section for {name} in docs/plugins-reference.md"
    return m.group(1)


def _uses_in_toml(data, out):
    """(kind, plugin, parameter) for every value/score/aggregator table in a pack file or config."""
    if isinstance(data, dict):
        for key, v in data.items():
            if isinstance(v, dict):
                if key in ("value", "default_value") and "indicator" in v:
                    out |= {("indicator", v["indicator"], k) for k in v if k != "indicator"}
                elif key in ("value", "default_value") and "formula" in v:
                    out |= {("indicator", "formula", k) for k in v}
                elif key in ("value", "default_value") and "input" in v:
                    out |= {("indicator", "input_value", k) for k in v}
                elif key in ("score", "default_score") and "method" in v:
                    out |= {("method", v["method"], k) for k in v if k != "method"}
                elif key == "aggregator" and "name" in v:
                    out |= {("aggregator", v["name"], k) for k in v if k != "name"}
            _uses_in_toml(v, out)
    elif isinstance(data, list):
        for v in data:
            _uses_in_toml(v, out)


def test_every_parameter_used_in_docs_examples_and_plugins_is_in_the_reference(registry):
    uses: set[tuple[str, str, str]] = set()
    files = sorted((ROOT / "docs" / "examples").rglob("*.toml")) + sorted((ROOT / "plugins").rglob("*.toml"))
    for f in files:
        _uses_in_toml(tomllib.loads(f.read_text(encoding="utf-8-sig")), uses)
    for e in installed("pack"):  # the bundled Python and TOML packs, as the registry loads them
        if not reference._builtin(e.distribution):
            continue
        for node in iter_nodes(registry.pack(e.name).tree):
            if isinstance(node, Group):
                uses |= {("aggregator", node.aggregator.name, k) for k in node.aggregator.params}
            else:
                uses |= {("indicator", node.source.name, k) for k in node.source.params}
                uses |= {("method", node.method.name, k) for k in node.method.params}
    assert len(uses) > 20  # the walk found the packs' parameters
    md = REFERENCE_MD.read_text(encoding="utf-8")
    missing = [u for u in sorted(uses) if f"`{u[2]}`" not in _section(md, u[1])]
    assert missing == []
