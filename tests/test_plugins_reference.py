"""The plugin reference: every built-in plugin's entry renders, its examples run and show the working
they promise, its parameters are declared; docs/plugins-reference.md is generated from the same
records and names every parameter the docs' examples and the bundled packs use."""

from __future__ import annotations

import json
import re
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


@pytest.mark.parametrize("kind", ["grading", "renderer"])
def test_every_builtin_grading_scheme_and_renderer_runs_its_examples(kind, registry):
    for name in _builtin_names(kind):
        rec = registry._get(kind, name)
        examples = reference.examples_of(kind, rec)
        assert examples, f"{kind} {name} has no runnable example"
        if kind == "grading":  # every band's lower edge and the score just below it
            scheme = rec.scheme
            totals = {ex.evaluation.split('"')[1].rstrip("%") for ex in examples}
            edges = {f"{b.lower:.2f}".rstrip("0").rstrip(".") for b in scheme.bands if b.lower is not None}
            assert edges <= totals, f"{name}: boundaries without an example: {edges - totals}"
            assert {b.label for b in scheme.bands} == {ex.grade for ex in examples}
        assert plugin_problems(kind, rec, registry) == [], f"{kind} {name}"


def test_every_builtin_scale_marks_each_level(registry):
    from jixiao.reference import scale_problems

    scales = 0
    for e in installed("pack"):
        if reference._builtin(e.distribution):
            pack = registry.pack(e.name)
            scales += len(pack.scales)
            assert scale_problems(pack, registry) == [], e.name
    assert scales >= 5  # PEFA's two and PART's three


def test_a_scale_example_counts_aliases_with_their_level(registry):
    from jixiao.model import OrdinalScale
    from jixiao.reference import run_example, scale_example

    ex = scale_example(OrdinalScale(name="pefa-dimension", levels=("A", "B", "C", "D"), aliases={"D*": "D"},
                                    non_scores=("NA", "NU")))
    assert ex.expect == "A 1, B 1, C 1, D 2"
    assert run_example(ex, registry) == "A 1, B 1, C 1, D 2"


def test_a_wrong_grade_in_an_example_is_reported(registry):
    import attrs

    from jixiao.types import Example

    rec = registry._get("grading", "shanghai-2014")
    wrong = attrs.evolve(rec, examples=(Example.graded("shanghai-2014", "75", "合格"),))
    [problem] = plugin_problems("grading", wrong, registry)
    assert problem == ("grading scheme 'shanghai-2014' (jixiao 0.1.0): example 1 grades 75.00 as '良', "
                       "its record expects '合格'")


@pytest.mark.parametrize(("name", "output", "why"), [
    ("json", b'{"a": 1', "not well-formed json: JSONDecodeError"),
    ("json", b'{"trace": "3.45=5-(1-89.63%)*5*100*3%"}', "does not show the example's working"),
    ("docx", b"PK\x03\x04 not a zip", "not well-formed docx"),
    ("xlsx", b"<table></table>", "not well-formed xlsx"),
    ("html", b"<html><body><div>3.44=5-(1-89.63%)*5*100*3%</body></html>", "</body> closes <div>"),
    ("html", b"<p>3.44=5-(1-89.63%)*5*100*3%</p>", "no <html> element"),
    ("markdown", b"\xff\xfe", "UnicodeDecodeError"),
    ("table", "3.44=5-(1-89.63%)*5*100*3%", "returns str, expected bytes"),
])
def test_a_renderer_whose_output_is_not_well_formed_is_reported(registry, name, output, why):
    import attrs

    rec = attrs.evolve(registry.renderer(name), render=lambda result, lang="zh": output)
    [problem] = plugin_problems("renderer", rec, registry)
    assert problem.startswith(f"renderer '{name}' (jixiao 0.1.0): example 1 returns ") and why in problem


def test_a_renderer_that_crashes_on_its_example_is_reported(registry):
    import attrs

    rec = attrs.evolve(registry.renderer("docx"), render=lambda result, lang="zh": 1 / 0)
    assert plugin_problems("renderer", rec, registry) == [
        "renderer 'docx' (jixiao 0.1.0): example 1 crashes when rendered: ZeroDivisionError: division by zero"]


def test_packs_check_refuses_wrong_examples_of_every_kind_from_a_third_party_distribution():
    r = run_cli("packs", "--check", "--all", "--json", env=fake_env("badexamples"))
    assert r.code == 2, r
    got = {(x["kind"], x["name"]): x for x in r.json() if x["distribution"] == "jixiao-fake-badexamples"}
    assert {k: v["status"] for k, v in got.items()} == {
        ("pack", "fake-badagg"): "error", ("grading", "fake-lenient"): "error",
        ("aggregator", "fake_max"): "error", ("renderer", "fake_html"): "error"}
    assert got[("pack", "fake-badagg")]["error"] == (
        "$.indicators.A.aggregator.weigths: weighted_mean: unknown parameter 'weigths'; did you mean 'weights'? "
        "(parameters: weights)")
    assert got[("grading", "fake-lenient")]["error"] == (
        "grading scheme 'fake-lenient' (jixiao-fake-badexamples 1.0): example 2 grades 85.00 as '优', "
        "its record expects '良'")
    assert got[("aggregator", "fake_max")]["error"] == (
        "aggregator 'fake_max' (jixiao-fake-badexamples 1.0): example 1 is refused: pack.toml: "
        "$.indicators.X.aggregator.cap: fake_max: cap must be a number, got 'high'")
    assert got[("renderer", "fake_html")]["error"] == (
        "renderer 'fake_html' (jixiao-fake-badexamples 1.0): example 1 returns a file that is not well-formed "
        "html: ValueError: line 1: </div> closes <p> opened on line 1")
    builtin = [x for x in r.json() if x["distribution"] == "jixiao"]
    assert builtin and all(x["status"] == "ok" for x in builtin)  # only the broken plugins are refused


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


def test_the_scaffolded_pack_readme_points_to_the_reference(tmp_path):
    r = run_cli("new-pack", "road-works", "--dir", tmp_path)
    assert r.code == 0, r
    readme = (tmp_path / "jixiao-pack-road-works" / "README.md").read_text(encoding="utf-8")
    assert "`docs/plugins-reference.md`" in readme and "`jixiao plugins deduct_per_point`" in readme
    assert "jixiao plugins --format markdown > plugins-reference.md" in readme
