"""Issue 10 §4 / issue 15 §4: an exception inside a plugin names the indicator, the plugin, its
distribution and version; a plugin's own DataError keeps exit 3; ``sys.exit`` on import is refused.

The plugins are the fake distribution tests/data/fake_dists/crashy (jixiao-pack-x 0.1.0) on PYTHONPATH.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import SEED_DIR, run_cli

CRASHY = Path(__file__).resolve().parents[1] / "data" / "fake_dists" / "crashy"
ENV = {"PYTHONPATH": os.pathsep.join([str(CRASHY), os.environ.get("PYTHONPATH", "")])}


def config(tmp_path: Path, pack: str, rate: str | None = '"90%"') -> Path:
    p = tmp_path / "evaluation.toml"
    body = f'schema_version = 1\npack = "{pack}"\n[project]\nname = "x"\n'
    if rate is not None:
        body += f"[inputs]\nrate = {rate}\n"
    p.write_text(body, encoding="utf-8")
    return p


CASES = [
    # pack, needs rate, exit, expected words
    ("fake-crash-method", True, 1, ["C21: method deviation_penalty (jixiao-pack-x 0.1.0) raised DivisionByZero",
                                    "bug in the plugin's distribution jixiao-pack-x",
                                    "https://example.org/jixiao-pack-x/issues"]),
    ("fake-crash-measure", False, 1, ["C21: indicator fake_boom (jixiao-pack-x 0.1.0) raised KeyError: 'rate_missing'",
                                      "report it to"]),
    ("fake-crash-agg", True, 1, [("C: aggregator fake_boom_sum (jixiao-pack-x 0.1.0) raised RuntimeError: "
                                  "aggregator exploded")]),
    ("fake-crash-data", True, 3, ["evaluation.toml: $.inputs.rate: the value is not a plausible rate"]),
    ("fake-crash-overflow", True, 3, [("evaluation.toml: $.indicators.C21: method fake_overflow (jixiao-pack-x 0.1.0) "
                                       "cannot compute with these numbers (Overflow)")]),
    ("fake-sysexit", False, 2, ["pack 'fake-sysexit' from distribution jixiao-pack-x 0.1.0 failed to import",
                                "SystemExit"]),
]


@pytest.mark.parametrize("fmt", ["json", "table"])
@pytest.mark.parametrize(("pack", "rate", "code", "words"), CASES, ids=[c[0] for c in CASES])
def test_plugin_exception_attributed(tmp_path, pack, rate, code, words, fmt):
    cfg = config(tmp_path, pack, '"90%"' if rate else None)
    out = tmp_path / "report.json"
    out.write_bytes(b"old report")
    args = ["evaluate", cfg, "--format", fmt] + (["-o", out] if fmt == "json" else [])
    r = run_cli(*args, env=ENV)
    assert r.code == code, r
    for w in words:
        assert w in r.stderr, r
    assert "Traceback" not in r.stderr + r.stdout
    assert out.read_bytes() == b"old report"  # the old output is untouched
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".report.json")]  # no temp file left


def test_renderer_exception_attributed_and_old_file_kept(tmp_path):
    seed = tmp_path / "seed"
    shutil.copytree(SEED_DIR, seed)
    out = tmp_path / "r.boom"
    out.write_bytes(b"old")
    r = run_cli("evaluate", seed / "evaluation.toml", "-f", "fake_boom_render", "-o", out, env=ENV)
    assert r.code == 1, r
    assert "renderer fake_boom_render (jixiao-pack-x 0.1.0) raised ValueError: renderer exploded" in r.stderr
    assert "Traceback" not in r.stderr
    assert out.read_bytes() == b"old"


def test_traceback_on_request(tmp_path):
    r = run_cli("evaluate", config(tmp_path, "fake-crash-method"), env={**ENV, "JIXIAO_TRACEBACK": "1"})
    assert r.code == 1
    assert "Traceback" in r.stderr and "fake_crashy.py" in r.stderr


def test_sys_exit_pack_is_not_a_silent_exit_0(tmp_path):
    r = run_cli("show", "fake-sysexit", env=ENV)
    assert r.code == 2, r
    assert "fake-sysexit" in r.stderr and "jixiao-pack-x" in r.stderr
