"""Find a font that draws Chinese (CJK) text, or fail loudly: a chart of empty boxes must never ship.

Lookup order: the directories named by ``JIXIAO_FONT_DIRS`` (``os.pathsep``-separated; when set,
*only* these are searched, so a firm can ship its own font and tests can simulate a machine without
one), else the fonts matplotlib's font manager knows (the system's fontconfig directories).
Preferred families come first; any other font that has glyphs for the probe text is accepted.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import attrs

from ..errors import ConfigError

ENV_FONT_DIRS = "JIXIAO_FONT_DIRS"

# Simplified-Chinese faces first; "Noto Sans CJK SC" is fonts-noto-cjk's family name (not "Noto Sans SC").
PREFERRED = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Serif CJK SC",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
)
DEBIAN_PACKAGES = ("fonts-noto-cjk", "fonts-wqy-microhei")
# Characters every Chinese report prints; a font without them would draw tofu.
PROBE = "绩效评价得分率失分项目良"
FONT_SUFFIXES = (".ttf", ".ttc", ".otf", ".otc")


@attrs.frozen(kw_only=True)
class CJKFont:
    """A usable CJK font: its family name (as matplotlib knows it) and file."""

    family: str
    path: str


def _covers(path: str) -> bool:
    from matplotlib.ft2font import FT2Font

    try:
        font = FT2Font(path)
    except (OSError, RuntimeError, ValueError):
        return False
    return all(font.get_char_index(ord(ch)) for ch in PROBE)


def _missing(where: str) -> ConfigError:
    pkgs = " or ".join(DEBIAN_PACKAGES)
    return ConfigError(
        f"no font that can draw Chinese text was found ({where}); charts and reports would show "
        f"empty boxes",
        path="fonts",
        hint=f"install a CJK font, e.g. `apt-get install {' '.join(DEBIAN_PACKAGES[:1])}` "
             f"(Debian packages {pkgs}), or point {ENV_FONT_DIRS} at a folder holding one",
    )


@cache
def _find(font_dirs: str | None) -> CJKFont:
    from matplotlib import font_manager

    fm = font_manager.fontManager
    if font_dirs is not None:
        files = []
        for d in font_dirs.split(os.pathsep):
            if d and Path(d).is_dir():
                files += sorted(str(p) for p in Path(d).rglob("*") if p.suffix.lower() in FONT_SUFFIXES)
        for f in files:
            fm.addfont(f)
        allowed = set(files)
        entries = [e for e in fm.ttflist if e.fname in allowed]
        where = f"{ENV_FONT_DIRS}={font_dirs!r}"
    else:
        entries = list(fm.ttflist)
        where = "system fonts"
    rank = {name: i for i, name in enumerate(PREFERRED)}
    entries.sort(key=lambda e: (rank.get(e.name, len(PREFERRED)), e.weight != 400, e.name, e.fname))
    checked: dict[str, bool] = {}
    for e in entries:
        if e.fname not in checked:
            checked[e.fname] = _covers(e.fname)
        if checked[e.fname]:
            return CJKFont(family=e.name, path=e.fname)
    raise _missing(where)


def find_cjk_font() -> CJKFont:
    """The CJK font to draw with; raises :class:`ConfigError` naming the packages to install."""
    return _find(os.environ.get(ENV_FONT_DIRS))
