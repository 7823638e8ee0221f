"""Start-up (issue 14): one entry-point scan per run, and no heavy module imported by a command that
does not need it — checked on the real CLI in a subprocess by reading its ``sys.modules`` and the
registry's scan counter, never by timing. The quick schema check that spares ``evaluate`` the
jsonschema import is held to jsonschema's own answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from jixiao.errors import JixiaoError
from jixiao.schema import config_schema, pack_schema, validator
from jixiao.schema_fast import is_valid
from jixiao.tomlio import read_toml

HEAVY = ("matplotlib", "docx", "openpyxl", "jsonschema", "referencing", "scipy", "pyarrow", "numpy", "polars",
         "sqlalchemy", "psycopg", "lark", "lxml", "PIL", "jinja2", "dask", "pandas")
SEED = ROOT / "docs" / "examples" / "consumer-protection-2018" / "evaluation.toml"
PEFA = ROOT / "docs" / "examples" / "pefa-2016" / "evaluation.toml"

DRIVER = """
import atexit, json, os, sys
from jixiao import plugins
def report():
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        json.dump({"scans": plugins.entry_point_scans(), "modules": sorted(sys.modules),
                   "openblas": os.environ.get("OPENBLAS_NUM_THREADS")}, f)
atexit.register(report)
from jixiao.cli import main
main(sys.argv[2:])
"""


def run_and_inspect(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, dict]:
    """Run the CLI in a subprocess; its exit code and what it had imported when it exited."""
    out = tmp_path / "modules.json"
    proc = subprocess.run([sys.executable, "-c", DRIVER, str(out), *args], capture_output=True, text=True,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})}, check=False)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(out.read_text(encoding="utf-8"))


def heavy(report: dict) -> list[str]:
    return [m for m in HEAVY if m in report["modules"]]


@pytest.mark.parametrize("args", [
    ("evaluate", str(SEED), "--format", "json"),
    ("evaluate", str(SEED)),
    ("evaluate", str(PEFA), "--format", "json"),
    ("validate", str(SEED)),
])
def test_a_run_scans_entry_points_once_and_imports_no_heavy_module(tmp_path, args):
    code, report = run_and_inspect(tmp_path, *args)
    assert code == 0
    assert report["scans"] == 1  # one importlib.metadata.entry_points() for every plugin look-up
    assert heavy(report) == []


def test_numpy_starts_no_blas_threads_unless_the_user_asks(tmp_path):
    """jixiao does no linear algebra: the CLI sets OPENBLAS_NUM_THREADS=1 before numpy is imported (its
    thread per core spins after start-up, CPU the batch's threads need); a user's own setting is kept."""
    portfolio = tmp_path / "p.csv"
    portfolio.write_text("project_id,x\nP1,1\n", encoding="utf-8")
    args = ("batch", "shanghai-consumer-protection-2018", str(portfolio), "-o", str(tmp_path / "r.csv"))
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    out = tmp_path / "modules.json"
    proc = subprocess.run([sys.executable, "-c", DRIVER, str(out), *args], capture_output=True, text=True,
                          env=env, check=False)
    report = json.loads(out.read_text(encoding="utf-8"))
    assert "numpy" in report["modules"] and report["openblas"] == "1", proc.stderr
    _, report = run_and_inspect(tmp_path, *args, env={"OPENBLAS_NUM_THREADS": "2"})
    assert report["openblas"] == "2"


@pytest.mark.parametrize("args", [("--help",), ("evaluate", "--help"), ("batch", "--help"), ("plugins", "--help")])
def test_help_imports_nothing_heavy_and_scans_nothing(tmp_path, args):
    code, report = run_and_inspect(tmp_path, *args)
    assert code == 0
    assert report["scans"] == 0 and heavy(report) == []


def test_listing_and_checking_packs_scan_once(tmp_path):
    code, report = run_and_inspect(tmp_path, "packs", "--all")
    assert code == 0 and report["scans"] == 1 and heavy(report) == []


def test_the_formats_that_need_a_library_still_get_it(tmp_path):
    out = tmp_path / "report.docx"
    code, report = run_and_inspect(tmp_path, "evaluate", str(SEED), "-o", str(out))
    assert code == 0 and out.stat().st_size > 0
    assert "docx" in report["modules"] and report["scans"] == 1


def test_an_invalid_config_still_gets_jsonschemas_located_message(tmp_path):
    cfg = tmp_path / "evaluation.toml"
    cfg.write_text(SEED.read_text(encoding="utf-8").replace("[project]", "[projet]", 1), encoding="utf-8")
    for f in SEED.parent.glob("*.csv"):
        (tmp_path / f.name).write_bytes(f.read_bytes())
    r = run_cli("evaluate", cfg, "--format", "json")
    assert r.code == 2, r
    assert "$.projet" in r.stderr and "did you mean 'project'" in r.stderr


def test_a_third_party_plugin_is_still_found_and_attributed_with_one_scan(tmp_path):
    from test_plugins import fake_env

    code, report = run_and_inspect(tmp_path, "packs", "--check", env=fake_env("badparam"))
    assert code == 2 and report["scans"] == 1


# -- the quick schema check agrees with jsonschema -------------------------------------------------


def _documents() -> list[tuple[str, dict]]:
    docs = []
    for f in sorted((ROOT / "docs" / "examples").rglob("*.toml")) + sorted((ROOT / "plugins").rglob("*.toml")):
        data = read_toml(f)
        if "schema_version" not in data:  # a plugin's data table (PEFA's framework), not a config or pack
            continue
        kind = "pack" if "pack" in data and isinstance(data["pack"], dict) and "name" in data["pack"] else "config"
        docs.append((kind, data))
    import tomllib

    from test_packfile import TOML_CONFIG, TOML_PACK

    docs += [("pack", tomllib.loads(TOML_PACK, parse_float=Decimal)),
             ("config", tomllib.loads(TOML_CONFIG, parse_float=Decimal))]
    assert {k for k, _ in docs} == {"pack", "config"}
    return docs


REPLACEMENTS = ("x", "", 7, Decimal("1.5"), True, ["a"], {"zz": 1})


def _variants(value, path=()):
    """The document with one value at a time replaced by a value of another type, or removed."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _variants(v, (*path, k))
            yield ("del", (*path, k), None)
    elif isinstance(value, list):
        for i, v in enumerate(value[:2]):
            yield from _variants(v, (*path, i))
    for replacement in REPLACEMENTS:
        yield ("set", path, replacement)


def _apply(doc, op):
    """A copy of ``doc`` with ``op`` applied, copying only the tables and arrays on its path."""
    what, path, replacement = op
    if not path:
        return replacement if what == "set" else {}
    head, rest = path[0], path[1:]
    new = dict(doc) if isinstance(doc, dict) else list(doc)
    if rest:
        new[head] = _apply(doc[head], (what, rest, replacement))
    elif what == "del":
        del new[head]
    else:
        new[head] = replacement
    return new


@pytest.fixture(scope="module")
def validators():
    return {"pack": (pack_schema(), validator(pack_schema())), "config": (config_schema(), validator(config_schema()))}


def test_quick_check_agrees_with_jsonschema_on_every_example_and_every_mutation_of_it(validators):
    checked = invalid = 0
    for kind, doc in _documents():
        schema, full = validators[kind]
        assert is_valid(doc, schema) is True, kind  # the bundled examples are valid, and said so quickly
        for op in list(_variants(doc))[::3]:  # every third mutation: each key and type still met often
            mutated = _apply(doc, op)
            quick = is_valid(mutated, schema)
            truth = full.is_valid(mutated)
            assert quick is not None, op
            assert quick == truth, (kind, op)
            checked += 1
            invalid += not truth
    assert checked > 2000 and invalid > 1000  # the mutations reach both answers


def test_quick_check_agrees_with_jsonschema_on_the_strictness_corpus(tmp_path, validators):
    sys.path.insert(0, str(ROOT / "tests" / "robustness"))
    from test_config_strict import ACCEPTED, CASES, make

    checked = 0
    for case in [*CASES, *ACCEPTED]:
        folder = tmp_path / case[0]
        folder.mkdir()
        try:
            cfg = make(folder, case[1], case[2])
        except (AssertionError, OSError):
            continue
        for f, kind in ((cfg, "config"), (cfg.parent / "pack.toml", "pack")):
            if not f.exists():
                continue
            try:
                data = read_toml(f)
            except JixiaoError:  # a case that breaks TOML itself (or its encoding) never reaches the schema
                continue
            schema, full = validators[kind]
            assert is_valid(data, schema) is (not any(True for _ in full.iter_errors(data))), (case[0], f.name)
            checked += 1
    assert checked > 80


def test_quick_check_defers_on_a_keyword_it_does_not_know():
    assert is_valid({"a": 1}, {"type": "object", "dependentRequired": {"a": ["b"]}}) is None
    assert is_valid(True, {"enum": [1]}) is False and is_valid(1, {"enum": [Decimal(1)]}) is True
    assert is_valid(Decimal(3), {"type": "integer"}) is False  # as jsonschema: a Decimal is a number, not an integer
