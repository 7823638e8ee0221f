"""Structural checks of PEFA aggregators, reached the way a user reaches them: a third-party pack
installed as a distribution (entry point found through its metadata) that misuses M2."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conftest import ROOT, run_cli

EXAMPLE = ROOT / "docs" / "examples" / "pefa-2016" / "evaluation.toml"

BAD_PACKS = '''
"""Packs derived from PEFA 2016 that misuse its aggregators (for jixiao's tests)."""
import attrs
from jixiao import Group, Indicator, PluginRef, hookimpl
from jixiao_pefa import build_pack


def _replace(nodes, code, fn):
    out = []
    for n in nodes:
        if n.code == code:
            n = fn(n)
        elif isinstance(n, Group):
            n = attrs.evolve(n, children=_replace(n.children, code, fn))
        out.append(n)
    return tuple(out)


def _dims(group, n):
    proto = group.children[0]
    return tuple(attrs.evolve(proto, code=f"{group.code}.{m}") for m in range(1, n + 1))


def m2_on_m1():
    base = build_pack()
    tree = _replace(base.tree, "PI-2", lambda g: attrs.evolve(g, aggregator=PluginRef(name="pefa_m2")))
    return attrs.evolve(base, name="pefa-m2-on-m1", tree=tree)


def bad_sizes():
    base = build_pack()
    tree = _replace(base.tree, "PI-8", lambda g: attrs.evolve(g, children=_dims(g, 5)))
    tree = _replace(tree, "PI-3", lambda g: attrs.evolve(g, children=_dims(g, 1)))
    return attrs.evolve(base, name="pefa-bad-sizes", tree=tree)


@hookimpl
def jixiao_packs():
    return [m2_on_m1(), bad_sizes()]
'''


@pytest.fixture(scope="module")
def bad_dist(tmp_path_factory) -> Path:
    """A directory on PYTHONPATH holding an installed-looking distribution with two bad packs."""
    site = tmp_path_factory.mktemp("site")
    (site / "pefa_misuse.py").write_text(BAD_PACKS, encoding="utf-8")
    info = site / "pefa_misuse-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: pefa-misuse\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(textwrap.dedent("""\
        [jixiao.packs]
        pefa-m2-on-m1 = pefa_misuse
        pefa-bad-sizes = pefa_misuse
        """), encoding="utf-8")
    return site


def config_for(tmp_path: Path, pack: str, extra: str = "") -> Path:
    text = EXAMPLE.read_text(encoding="utf-8").replace('pack = "pefa-2016"', f'pack = "{pack}"') + extra
    path = tmp_path / "evaluation.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run(bad_dist, *args):
    return run_cli(*args, env={"PYTHONPATH": str(bad_dist)})


def test_m2_on_an_m1_indicator_is_rejected(bad_dist, tmp_path):
    r = run(bad_dist, "evaluate", config_for(tmp_path, "pefa-m2-on-m1"), "--format", "json")
    assert r.code == 2, r
    assert "$.indicators.PI-2" in r.stderr
    assert "Table 1 (M2) must not be applied to an M1 indicator" in r.stderr
    assert r.stdout == ""


def test_m2_with_five_or_one_dimensions_is_rejected(bad_dist, tmp_path):
    extra = '\n[ratings."PI-8.5"]\nmark = "B"\nreason = "x"\n'
    r = run(bad_dist, "evaluate", config_for(tmp_path, "pefa-bad-sizes", extra))
    assert r.code == 2, r
    lines = [ln for ln in r.stderr.splitlines() if "needs 2 to 4 dimension(s)" in ln]
    assert any("$.indicators.PI-8" in ln and "has 5" in ln for ln in lines), r.stderr
    assert any("$.indicators.PI-3" in ln and "has 1" in ln for ln in lines), r.stderr


def test_the_real_pack_passes_the_same_checks(bad_dist):
    r = run(bad_dist, "evaluate", EXAMPLE, "--format", "json")
    assert r.code == 0, r


def _has_validate() -> bool:
    return run_cli("validate", "--help").code == 0


def test_validate_reports_the_same_problems(bad_dist, tmp_path):
    if not _has_validate():
        pytest.skip("the validate command is not in this build")
    r = run(bad_dist, "validate", config_for(tmp_path, "pefa-m2-on-m1"))
    assert r.code == 2, r
    assert "$.indicators.PI-2" in r.stderr + r.stdout
    bad_mark = tmp_path / "mark"
    bad_mark.mkdir()
    cfg = config_for(bad_mark, "pefa-2016")
    cfg.write_text(cfg.read_text(encoding="utf-8").replace('[ratings."PI-2.1"]\nmark = "C"',
                                                            '[ratings."PI-2.1"]\nmark = "B+"'), encoding="utf-8")
    r = run_cli("validate", cfg)
    assert r.code == 2, r
    assert "$.ratings.PI-2.1.mark" in r.stderr + r.stdout
