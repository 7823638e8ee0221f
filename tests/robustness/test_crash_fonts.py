"""Issue 10 §5: charts never draw missing glyphs. The CJK font is checked by really rendering the probe
text (matplotlib's "Last Resort" placeholder font and DejaVu do not count), and a stale matplotlib font
cache does not hide a CJK font installed since; no usable font is exit 2 naming the fix."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import matplotlib
import pytest

from conftest import SEED_DIR, run_cli

MPL_FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def test_last_resort_and_dejavu_do_not_count_as_cjk():
    from jixiao.render.fonts import _covers

    assert (MPL_FONTS / "LastResortHE-Regular.ttf").exists()
    assert not _covers(str(MPL_FONTS / "LastResortHE-Regular.ttf"))  # has a "glyph" for everything: a box
    assert not _covers(str(MPL_FONTS / "DejaVuSans.ttf"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_only_fallback_fonts_is_exit_2_naming_the_fix(tmp_path, lang):  # the Word report draws charts
    suffix = ".docx"
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    for name in ("LastResortHE-Regular.ttf", "DejaVuSans.ttf"):
        shutil.copy(MPL_FONTS / name, fonts / name)
    seed = tmp_path / "seed"
    shutil.copytree(SEED_DIR, seed)
    out = tmp_path / f"report{suffix}"
    out.write_bytes(b"old")
    r = run_cli("evaluate", seed / "evaluation.toml", "-o", out, "--lang", lang, env={"JIXIAO_FONT_DIRS": str(fonts)})
    assert r.code == 2, r
    assert "no font that can draw Chinese text" in r.stderr and "apt-get install fonts-noto-cjk" in r.stderr
    assert "JIXIAO_FONT_DIRS" in r.stderr and "Traceback" not in r.stderr
    assert out.read_bytes() == b"old"


def _system_cjk_font() -> str | None:
    from matplotlib import font_manager

    from jixiao.render.fonts import _covers

    for f in sorted(font_manager.findSystemFonts()):
        if _covers(f):
            return f
    return None


def test_stale_font_cache_does_not_hide_an_installed_cjk_font(tmp_path):
    cjk = _system_cjk_font()
    if cjk is None:
        pytest.skip("no CJK font installed on this machine (apt-get install fonts-noto-cjk)")
    cfg = tmp_path / "mplconfig"
    cfg.mkdir()
    env = {"MPLCONFIGDIR": str(cfg)}
    assert run_cli("evaluate", SEED_DIR / "evaluation.toml", "-f", "json", env=env).code == 0
    caches = list(cfg.glob("fontlist-*.json"))
    if not caches:  # building the cache is matplotlib's; force it
        import subprocess
        import sys

        subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env={**os.environ, **env}, check=True)
        caches = list(cfg.glob("fontlist-*.json"))
    data = json.loads(caches[0].read_text(encoding="utf-8"))
    data["ttflist"] = [e for e in data["ttflist"] if e["fname"] != cjk and "CJK" not in e["name"]]
    caches[0].write_text(json.dumps(data), encoding="utf-8")  # as if built before the font was installed
    seed = tmp_path / "seed"
    shutil.copytree(SEED_DIR, seed)
    r = run_cli("evaluate", seed / "evaluation.toml", "-o", tmp_path / "r.docx", env=env)
    assert r.code == 0, r
