"""The generated documents' shared command line (jixiao.gendoc): ``--check`` exits 1 on a stale file and
names the command that rewrites it; rewriting makes the check pass."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

GENERATORS = ["jixiao.docs_hooks", "jixiao.docs_targets", "jixiao.reference"]


@pytest.mark.parametrize("module", GENERATORS)
def test_check_mode_of_the_generator(tmp_path, module):
    stale = tmp_path / "doc.md"
    stale.write_text(importlib.import_module(module).generate() + "a line nobody generated\n", encoding="utf-8")
    cmd = [sys.executable, "-m", module, "--check", "-o", str(stale)]
    r = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert r.returncode == 1 and f"out of date: run python -m {module}" in r.stderr
    subprocess.run([sys.executable, "-m", module, "-o", str(stale)], check=True, capture_output=True)
    assert subprocess.run(cmd, capture_output=True, check=False).returncode == 0
    assert "a line nobody generated" not in stale.read_text(encoding="utf-8")
