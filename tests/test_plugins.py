"""Installed plugins that are broken, clash, or target another API are reported with their
distribution, while ``jixiao --help`` and ``jixiao packs`` keep working; ``--disable`` skips a
pack before import; a run imports only the plugins it uses.

Third-party distributions are fake ``*.dist-info`` folders under tests/data/fake_dists, put on
PYTHONPATH for the CLI subprocess: real entry-point discovery, nothing installed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import SEED, run_cli

FAKE = Path(__file__).parent / "data" / "fake_dists"
EXTRAS_EXAMPLE = FAKE / "extras" / "fake_extras_example.toml"


def fake_env(*dists: str, **extra: str) -> dict[str, str]:
    """Environment putting the named fake distributions on the subprocess's sys.path."""
    paths = [str(FAKE / d) for d in dists]
    if os.environ.get("PYTHONPATH"):
        paths.append(os.environ["PYTHONPATH"])
    return {"PYTHONPATH": os.pathsep.join(paths), **extra}


def rows(result, kind: str | None = None) -> dict[tuple[str, str], dict]:
    """``jixiao packs --json`` rows keyed by (name, distribution)."""
    return {(r["name"], r["distribution"]): r for r in result.json() if kind is None or r["kind"] == kind}


def imported_modules(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").split() if log.exists() else []


# -- a broken environment never locks users out -----------------------------------------------------


@pytest.mark.parametrize("args", [["--help"], ["packs"], ["packs", "--all"], ["packs", "--help"],
                                  ["packs", "--json", "--all"], ["evaluate", "--help"]])
def test_help_and_listing_survive_broken_plugins(args):
    r = run_cli(*args, env=fake_env("broken", "clash", "clash_renderer", "future", "extras"))
    assert r.code == 0, r
    assert "Traceback" not in r.stderr


def test_listing_imports_no_pack(tmp_path):
    log = tmp_path / "imports.log"
    r = run_cli("packs", "--all", env=fake_env("extras", JIXIAO_FAKE_IMPORT_LOG=str(log)))
    assert r.code == 0, r
    assert "fake-extras  jixiao-fake-extras 1.0" in r.stdout
    assert imported_modules(log) == []


def test_broken_pack_is_reported_with_its_distribution():
    r = run_cli("packs", "--check", "--json", env=fake_env("broken"))
    assert r.code == 2, r  # --check exits non-zero when a pack fails, after reporting every pack
    broken = rows(r)[("fake-broken", "jixiao-fake-broken")]
    assert broken["status"] == "error"
    assert "jixiao-fake-broken 1.0" in broken["error"]
    assert "failed to import" in broken["error"]
    assert "jixiao_fake_dependency_that_is_not_installed" in broken["error"]
    # the other packs are still checked, each on its own
    assert rows(r)[("shanghai-consumer-protection-2018", "jixiao")]["status"] == "ok"


def test_broken_pack_in_text_output():
    r = run_cli("packs", "--check", env=fake_env("broken"))
    line = next(line for line in r.stdout.splitlines() if line.startswith("fake-broken"))
    assert "ERROR" in line and "jixiao-fake-broken" in line
    assert any(line.startswith("shanghai-consumer-protection-2018") and line.endswith("OK")
               for line in r.stdout.splitlines())


def test_evaluate_with_a_broken_pack_names_it(tmp_path):
    cfg = tmp_path / "evaluation.toml"
    cfg.write_text('schema_version = 1\npack = "fake-broken"\n', encoding="utf-8")
    r = run_cli("evaluate", cfg, env=fake_env("broken"))
    assert r.code == 2, r
    assert "fake-broken" in r.stderr and "jixiao-fake-broken" in r.stderr
    assert "Traceback" not in r.stderr


def test_api_999_is_a_clear_error_naming_pack_distribution_and_both_versions(tmp_path):
    r = run_cli("packs", "--check", "--json", env=fake_env("future"))
    row = rows(r)[("fake-future", "jixiao-fake-future")]
    assert row["status"] == "error"
    for part in ("'fake-future'", "jixiao-fake-future 1.0", "API 999", "supports API 1"):
        assert part in row["error"], row["error"]
    cfg = tmp_path / "evaluation.toml"
    cfg.write_text('schema_version = 1\npack = "fake-future"\n', encoding="utf-8")
    r = run_cli("evaluate", cfg, env=fake_env("future"))
    assert r.code == 2, r
    for part in ("'fake-future'", "jixiao-fake-future 1.0", "API 999", "supports API 1"):
        assert part in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize(("kind", "name", "dist"), [
    ("pack", "shanghai-consumer-protection-2018", "clash"),
    ("indicator", "completion_rate", "clash"),
    ("method", "deduct_per_point", "clash"),
    ("grading", "shanghai-2014", "clash"),
    ("renderer", "json", "clash_renderer"),
])
def test_name_clash_is_reported_with_both_distributions(kind, name, dist):
    other = "jixiao-fake-" + dist.replace("_", "-")
    for args in (["packs", "--all", "--json"], ["packs", "--all", "--json", "--check"]):
        r = run_cli(*args, env=fake_env(dist))
        found = rows(r, kind)
        ours, theirs = found[(name, "jixiao")], found[(name, other)]
        assert ours["status"] == theirs["status"] == "conflict"
        assert f"{other} 1.0" in ours["error"]
        assert "jixiao 0.1.0" in theirs["error"]
    assert run_cli("packs", "--all", env=fake_env(dist)).code == 0  # listing never fails


def test_clash_stops_a_run_that_uses_the_name():
    r = run_cli("evaluate", SEED, env=fake_env("clash"))
    assert r.code == 2, r
    assert "shanghai-consumer-protection-2018" in r.stderr
    assert "jixiao-fake-clash" in r.stderr and "jixiao 0.1.0" in r.stderr
    assert "Traceback" not in r.stderr


def test_clash_on_renderer_format():
    r = run_cli("evaluate", SEED, "--format", "json", env=fake_env("clash_renderer"))
    assert r.code == 2, r
    assert "renderer name 'json'" in r.stderr
    assert "jixiao-fake-clash-renderer 1.0" in r.stderr and "jixiao 0.1.0" in r.stderr


def test_record_named_like_another_distributions_entry_point_is_a_clash():
    # fake_sneaky's module also returns a scoring method called full_if_met (jixiao's name)
    r = run_cli("packs", "--check", "--all", "--json", env=fake_env("clash"))
    row = rows(r, "method")[("fake_sneaky", "jixiao-fake-clash")]
    assert row["status"] == "error"
    assert "'full_if_met'" in row["error"]
    assert "jixiao-fake-clash 1.0" in row["error"] and "jixiao 0.1.0" in row["error"]


# -- disabling -------------------------------------------------------------------------------------


def test_disable_skips_a_pack_without_importing_it(tmp_path):
    log = tmp_path / "imports.log"
    r = run_cli("packs", "--check", "--json", "--disable", "fake-extras",
                env=fake_env("extras", "broken", JIXIAO_FAKE_IMPORT_LOG=str(log)))
    found = rows(r)
    assert found[("fake-extras", "jixiao-fake-extras")]["status"] == "disabled"
    assert found[("fake-broken", "jixiao-fake-broken")]["status"] == "error"
    assert imported_modules(log) == []


def test_disable_env_skips_packs_without_importing_them(tmp_path):
    log = tmp_path / "imports.log"
    r = run_cli("packs", "--check", "--json", env=fake_env(
        "extras", "broken", JIXIAO_DISABLE="fake-broken, fake-extras", JIXIAO_FAKE_IMPORT_LOG=str(log)))
    found = rows(r)
    assert found[("fake-extras", "jixiao-fake-extras")]["status"] == "disabled"
    assert found[("fake-broken", "jixiao-fake-broken")]["status"] == "disabled"
    assert found[("shanghai-consumer-protection-2018", "jixiao")]["status"] == "ok"
    assert imported_modules(log) == []


def test_evaluating_a_disabled_pack_says_so(tmp_path):
    r = run_cli("evaluate", EXTRAS_EXAMPLE, "--disable", "fake-extras", env=fake_env("extras"))
    assert r.code == 2, r
    assert "'fake-extras' is disabled" in r.stderr


# -- a run imports only what it uses ---------------------------------------------------------------


def test_a_run_imports_only_the_plugins_it_uses(tmp_path):
    log = tmp_path / "imports.log"
    env = fake_env("extras", JIXIAO_FAKE_IMPORT_LOG=str(log))
    r = run_cli("evaluate", SEED, "-o", tmp_path / "report.md", env=env)
    assert r.code == 0, r
    assert imported_modules(log) == []  # the seed uses no third-party plugin

    r = run_cli("evaluate", EXTRAS_EXAMPLE, "--format", "json", env=env)
    assert r.code == 0, r
    assert sorted(imported_modules(log)) == ["fake_extras_aggregator", "fake_extras_grading",
                                             "fake_extras_indicator", "fake_extras_method", "fake_extras_pack"]
    log.unlink()
    r = run_cli("evaluate", EXTRAS_EXAMPLE, "-o", tmp_path / "out.fakecsv", env=env)
    assert r.code == 0, r
    assert "fake_extras_renderer" in imported_modules(log)
    assert "fake_extras_broken_renderer" not in imported_modules(log)


def test_a_broken_renderer_matters_only_when_asked_for(tmp_path):
    out = tmp_path / "report.txt"
    r = run_cli("evaluate", EXTRAS_EXAMPLE, "--format", "brokenfmt", "-o", out, env=fake_env("extras"))
    assert r.code == 2, r
    assert "renderer 'brokenfmt' from distribution jixiao-fake-extras 1.0 failed to import" in r.stderr
    assert not out.exists()


def test_check_reports_every_problem_of_an_unsound_pack():
    r = run_cli("packs", "--check", env=fake_env("unsound"))
    assert r.code == 2, r
    text = r.stdout[r.stdout.index("fake-unsound"):]
    first = text.splitlines()[0]
    assert first.startswith("fake-unsound  jixiao-fake-unsound 1.0  ERROR:")
    assert "indicator code 'A1' is used twice" in text
    assert "the children of A add up to 50, but A has standard score 60" in text
    assert rows(run_cli("packs", "--check", "--json", env=fake_env("unsound")))[
        ("shanghai-consumer-protection-2018", "jixiao")]["api"] == 1
