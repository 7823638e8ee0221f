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


# matplotlib's own fallbacks: "Last Resort" maps every code point to one placeholder per Unicode block
# (a box that looks like a glyph to a coverage check), DejaVu has no Chinese at all.
FALLBACK_FAMILIES = ("Last Resort", "DejaVu")


def _covers(path: str) -> bool:
    """True when the font really draws the probe text: each character has a glyph and, rendered, the
    distinct characters give distinct bitmaps (a fallback font draws one placeholder for all)."""
    from matplotlib.ft2font import FT2Font

    try:
        font = FT2Font(path)
        if not all(font.get_char_index(ord(ch)) for ch in PROBE):
            return False
        shapes = set()
        chars = sorted(set(PROBE))
        for ch in chars:
            font.clear()
            font.set_size(24, 72)
            font.set_text(ch)
            font.draw_glyphs_to_bitmap()
            image = font.get_image()
            shapes.add(bytes(memoryview(image).tobytes()) if hasattr(image, "__array_interface__") else bytes(image))
    except (OSError, RuntimeError, ValueError, TypeError):
        return False
    return len(shapes) == len(chars)


def _is_fallback(name: str) -> bool:
    return name.startswith(FALLBACK_FAMILIES)


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
    found = _first_drawing(entries)
    if found is None and font_dirs is None:
        # matplotlib's font cache lists the fonts of the day it was built: a CJK font installed since is
        # not in it. Look at the system's font folders themselves before saying there is none.
        known = {e.fname for e in fm.ttflist}
        for f in sorted(font_manager.findSystemFonts()):
            if f not in known and Path(f).suffix.lower() in FONT_SUFFIXES:
                try:
                    fm.addfont(f)
                except (OSError, RuntimeError, ValueError):
                    continue
        found = _first_drawing([e for e in fm.ttflist if e.fname not in known])
    if found is None:
        raise _missing(where)
    return found


def _first_drawing(entries: list) -> CJKFont | None:
    rank = {name: i for i, name in enumerate(PREFERRED)}
    entries = sorted(entries, key=lambda e: (rank.get(e.name, len(PREFERRED)), e.weight != 400, e.name, e.fname))
    checked: dict[str, bool] = {}
    for e in entries:
        if _is_fallback(e.name):
            continue
        if e.fname not in checked:
            checked[e.fname] = _covers(e.fname)
        if checked[e.fname]:
            return CJKFont(family=e.name, path=e.fname)
    return None


def find_cjk_font() -> CJKFont:
    """The CJK font to draw with; raises :class:`ConfigError` naming the packages to install."""
    return _find(os.environ.get(ENV_FONT_DIRS))
