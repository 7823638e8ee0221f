"""Shared test helpers: run the real CLI as a subprocess, locate the bundled example."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED_DIR = ROOT / "docs" / "examples" / "consumer-protection-2018"
SEED = SEED_DIR / "evaluation.toml"


def pytest_configure(config):
    """Byte-compile jixiao, its plugins and the test environment once before any test runs (in the
    controller, not in each xdist worker). The suite runs ``python -m jixiao`` as a subprocess hundreds of
    times; where the environment sets PYTHONDONTWRITEBYTECODE=1 every one of them compiled some 250
    modules from source (the suite took 12-19 minutes instead of 6.5 on the 2-core machine).
    ``compileall`` writes the caches whatever that variable says, and skips sources older than theirs."""
    if hasattr(config, "workerinput"):
        return
    import compileall
    import sysconfig

    paths = [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"], str(ROOT / "core"), str(ROOT / "plugins")]
    for p in dict.fromkeys(paths):
        if Path(p).is_dir():
            compileall.compile_dir(p, quiet=2, workers=0)


class CliResult:
    def __init__(self, proc: subprocess.CompletedProcess) -> None:
        self.code = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr

    def json(self):
        return json.loads(self.stdout)

    def __repr__(self) -> str:
        return f"<exit {self.code}\nstdout: {self.stdout[-2000:]}\nstderr: {self.stderr[-2000:]}>"


def run_cli(*args, cwd=None, env=None, input=None) -> CliResult:
    """Run ``python -m jixiao ARGS`` in a subprocess, as a user would."""
    full_env = {**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})}
    full_env.pop("JIXIAO_DISABLE", None) if env is None or "JIXIAO_DISABLE" not in env else None
    proc = subprocess.run([sys.executable, "-m", "jixiao", *map(str, args)], cwd=cwd, env=full_env, check=False,
                          capture_output=True, text=True, input=input, timeout=600)
    return CliResult(proc)


def engine_results(pack_ref: str, portfolio: Path):
    """(project id, the engine's result) of every row of ``portfolio`` evaluated alone, through the batch
    fallback's own row reading (``evaluate_row``): what batch output is compared with. Refused rows are
    left out."""
    from jixiao.batch import load_pack_or_template
    from jixiao.batch.compile import layout_of
    from jixiao.batch.portfolio import read_portfolio
    from jixiao.batch.rowwise import evaluate_row, known_inputs
    from jixiao.plugins import Registry

    reg = Registry()
    pack, template = load_pack_or_template(str(pack_ref), reg)
    pf = read_portfolio(portfolio)
    layout = layout_of(list(pf.columns), known_inputs(pack, reg))
    for i in range(pf.n):
        pid = pf.cell("project_id", i)
        res = evaluate_row(pack, reg, pf, layout, i, template, [], pid)
        if res is not None:
            yield pid, res


def every_third_row_to_the_engine(monkeypatch) -> None:
    """From now on in this test, the columnar program leaves every third row of each chunk to the engine
    (the batch fallback), so that a run mixes both paths and can be compared with a run of the fast path."""
    import jixiao.batch.compile as comp

    orig = comp.run_program

    def some_to_the_engine(*a, **k):
        col = orig(*a, **k)
        col.fallback[::3] = True
        return col

    monkeypatch.setattr(comp, "run_program", some_to_the_engine)


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture
def seed_copy(tmp_path):
    """A writable copy of the seed example (config + budget.csv) in a temporary folder."""
    dest = tmp_path / "seed"
    shutil.copytree(SEED_DIR, dest)
    return dest / "evaluation.toml"


def require_tool(name: str, package: str) -> str:
    """The path of a system tool; skip (or fail under CI=true) when it is missing."""
    path = shutil.which(name)
    if path:
        return path
    msg = f"{name} not found: install the Debian package {package} (apt-get install {package})"
    if os.environ.get("CI") == "true":
        pytest.fail(msg)
    pytest.skip(msg)


# Reports that draw charts (Word, HTML) need a font that really draws Chinese (jixiao.render.fonts);
# without one jixiao refuses them (exit 2), so their tests skip here, or fail under CI=true.
NEEDS_CJK_FONT = ("test_render_docx.py", "test_render_docx_national.py", "test_render_html.py",
                  "test_render_reproducible.py")


def pytest_collection_modifyitems(config, items):
    mine = [it for it in items if Path(str(it.fspath)).name in NEEDS_CJK_FONT
            or (Path(str(it.fspath)).name == "test_render_text.py" and ("[.docx" in it.name or "[.html" in it.name))]
    if not mine or os.environ.get("JIXIAO_FONT_DIRS"):
        return
    from jixiao.errors import ConfigError
    from jixiao.render.fonts import find_cjk_font

    try:
        find_cjk_font()
        return
    except ConfigError:
        pass
    msg = "no CJK font installed (apt-get install fonts-noto-cjk): charted reports are refused"
    if os.environ.get("CI") == "true":
        return  # let them fail under CI
    for it in mine:
        if "without_a_cjk_font" not in it.name:
            it.add_marker(pytest.mark.skip(reason=msg))
