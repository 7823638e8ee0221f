"""``jixiao new-pack``: the scaffold is an installable pack whose own tests pass as generated.

The slow test installs jixiao (this checkout) and the new pack into a fresh virtual environment
with uv, runs the pack's tests there, and uses the CLI from that environment.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from decimal import ROUND_HALF_UP, Decimal

import pytest

from conftest import ROOT, run_cli


def test_new_pack_writes_an_installable_distribution(tmp_path):
    r = run_cli("new-pack", "road-works", "--dir", tmp_path)
    assert r.code == 0, r
    dest = tmp_path / "jixiao-pack-road-works"
    assert f"created {dest}" in r.stdout
    files = sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file())
    assert files == ["README.md", "pyproject.toml", "src/jixiao_pack_road_works/__init__.py",
                     "src/jixiao_pack_road_works/examples/evaluation.toml", "tests/test_pack.py"]
    meta = tomllib.loads((dest / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["name"] == "jixiao-pack-road-works"
    assert meta["project"]["entry-points"]["jixiao.packs"] == {"road-works": "jixiao_pack_road_works"}
    assert meta["project"]["entry-points"]["jixiao.indicators"] == {"road_works_on_time_rate":
                                                                    "jixiao_pack_road_works"}
    assert any(d.startswith("jixiao>=") for d in meta["project"]["dependencies"])
    example = tomllib.loads((dest / "src/jixiao_pack_road_works/examples/evaluation.toml").read_text("utf-8"))
    assert example["pack"] == "road-works"
    for path in dest.rglob("*.py"):  # every generated module is valid Python with no placeholder left
        text = path.read_text(encoding="utf-8")
        compile(text, str(path), "exec")
        assert re.search(r"\$\{?[a-z_]+", text) is None, path  # no template placeholder left
    assert "road-works" in (dest / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["Demo", "2demo", "demo_pack", "demo--x", "démo", "demo-"])
def test_new_pack_refuses_bad_names(tmp_path, name):
    r = run_cli("new-pack", name, "--dir", tmp_path)
    assert r.code == 2, r
    assert "is not valid" in r.stderr and "Traceback" not in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_new_pack_refuses_an_existing_folder(tmp_path):
    (tmp_path / "jixiao-pack-demo").mkdir()
    (tmp_path / "jixiao-pack-demo" / "keep.txt").write_text("mine", encoding="utf-8")
    r = run_cli("new-pack", "demo", "--dir", tmp_path)
    assert r.code == 2, r
    assert "already exists" in r.stderr
    assert [p.name for p in (tmp_path / "jixiao-pack-demo").iterdir()] == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jixiao-pack-demo"]  # no temporary left behind


def test_new_pack_refuses_the_name_of_an_installed_pack(tmp_path):
    r = run_cli("new-pack", "shanghai-consumer-protection-2018", "--dir", tmp_path)
    assert r.code == 2, r
    assert "already installed" in r.stderr and "jixiao 0.1.0" in r.stderr
    assert list(tmp_path.iterdir()) == []


def _uv() -> str:
    path = shutil.which("uv")
    if path:
        return path
    msg = "uv not found: install it (https://docs.astral.sh/uv/, or pip install uv) to run this test"
    if os.environ.get("CI") == "true":
        pytest.fail(msg)
    pytest.skip(msg)


def _q(d: Decimal, places: str) -> Decimal:
    return d.quantize(Decimal(places), rounding=ROUND_HALF_UP)


@pytest.mark.slow
def test_new_pack_installs_tests_lists_and_evaluates_in_a_fresh_venv(tmp_path):
    uv = _uv()
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "PYTHONPATH", "JIXIAO_DISABLE", "PYTEST_ADDOPTS", "UV_PROJECT_ENVIRONMENT")}

    def run(*args, cwd=tmp_path):
        proc = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=900, check=False)
        assert proc.returncode == 0, f"{args}\nstdout: {proc.stdout[-3000:]}\nstderr: {proc.stderr[-3000:]}"
        return proc

    r = run_cli("new-pack", "demo", "--dir", tmp_path)
    assert r.code == 0, r
    pack_dir = tmp_path / "jixiao-pack-demo"
    venv = tmp_path / "venv"
    run(uv, "venv", "--quiet", "--python", sys.executable, venv)
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    # this checkout as jixiao (rebuilt, never a stale cached wheel), the new pack with its test extra
    run(uv, "pip", "install", "--quiet", "--python", python, "--refresh-package", "jixiao",
        ROOT, f"{pack_dir}[test]")

    tests = run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=pack_dir)
    assert " passed" in tests.stdout and "failed" not in tests.stdout and "error" not in tests.stdout.lower()

    packs = run(python, "-m", "jixiao", "packs", "--json").stdout
    row = next(r for r in json.loads(packs) if r["name"] == "demo")
    assert (row["distribution"], row["version"]) == ("jixiao-pack-demo", "0.1.0")
    # --check exits 2 if any installed pack fails; what matters here is the row for demo
    checked = json.loads(subprocess.run([python, "-m", "jixiao", "packs", "--check", "--json"], env=env,
                                        capture_output=True, text=True, check=False).stdout)
    assert next(r for r in checked if r["name"] == "demo")["status"] == "ok"

    example = pack_dir / "src" / "jixiao_pack_demo" / "examples" / "evaluation.toml"
    doc = json.loads(run(python, "-m", "jixiao", "evaluate", example, "--format", "json").stdout)
    assert doc["pack"] == {**doc["pack"], "name": "demo", "distribution": "jixiao-pack-demo"}
    # the example scored by hand: A1 completion_rate, B1 the pack's own on-time rate
    data = tomllib.loads(example.read_text(encoding="utf-8"))
    inputs = data["inputs"]
    done = _q(Decimal(inputs["trainings_done"]) / inputs["trainings_planned"], "0.0001")
    a1 = _q(60 - (1 - done) * 60 * 100 * Decimal("0.03"), "0.01")
    on_time = _q(Decimal(sum(t["actual_days"] <= t["planned_days"] for t in inputs["tasks"]))
                 / len(inputs["tasks"]), "0.0001")
    b1 = _q(max(Decimal(0), 40 - max(Decimal(0), Decimal("0.9") - on_time) * 40 * 100 * Decimal("0.02")), "0.01")
    scores = {i["code"]: Decimal(i["score"]) for i in doc["indicators"]}
    assert scores == {"A1": a1, "B1": b1}
    assert Decimal(doc["total"]) == a1 + b1
    table = run(python, "-m", "jixiao", "evaluate", example).stdout
    assert f"{a1 + b1:.2f}" in table
