"""The HTML report: self-contained, escaped, and checked in a real headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from conftest import SEED, require_tool, run_cli

LEAF_SCORES = {
    "A11": "2.00", "A12": "2.00", "A13": "2.00", "A211": "1.00", "A212": "1.00", "A22": "1.60",
    "B11": "3.44", "B21": "2.00", "B22": "4.00", "B23": "2.00", "B31": "4.00", "B32": "3.00",
    "C111": "10.00", "C112": "1.20", "C113": "1.20", "C114": "3.00", "C121": "5.00", "C122": "4.83",
    "C123": "3.00", "C13": "2.40", "C21": "8.00", "C22": "5.00", "C23": "4.37", "C24": "5.00", "C25": "7.60",
}

SCRIPT = "<script>document.title='pwned'</script>"
IMG = "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">"


def chromium(tmp_path, url: str, *extra: str) -> subprocess.CompletedProcess:
    exe = require_tool("chromium", "chromium")
    args = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-extensions", f"--user-data-dir={tmp_path / 'chromium-profile'}", *extra, url]
    return subprocess.run(args, capture_output=True, text=True, timeout=180, check=True)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("html") / "report.html"
    res = run_cli("evaluate", SEED, "-o", out)
    assert res.code == 0, res
    return out


@pytest.fixture(scope="module")
def html(report):
    return report.read_text(encoding="utf-8")


def test_summary_and_every_leaf_score(html):
    assert '<html lang="zh-CN">' in html
    assert '<span class="total" id="total">88.64</span>' in html
    assert '<span class="grade" id="grade">良</span>' in html
    for code, score in LEAF_SCORES.items():
        row = re.search(rf'<tr id="row-{code}">(.*?)</tr>', html, re.DOTALL)
        assert row, code
        assert f'<td class="num score">{score}</td>' in row.group(1), code
    assert '<td class="num lost" id="total-lost">11.36</td>' in html
    assert "【3.44=5-(1-89.63%)*5*100*3%】" in html


def test_group_cells_span_their_indicators(html):
    assert '<td rowspan="6">A 项目决策 (10)</td>' in html
    assert '<td rowspan="3">A1 项目立项</td>' in html
    assert '<td rowspan="8">C1 项目产出</td>' in html


def test_losses_ranked_in_the_page(html):
    section = html[html.index('<section id="losses">'):]
    positions = [section.index(f"<td>{code} ") for code in ("B32", "C114", "C13", "B11")]
    assert positions == sorted(positions)
    assert "存在的问题" in section


def test_self_contained(html):
    assert html.count("<svg") == 3
    assert "<script" not in html and "<link" not in html and "@import" not in html
    # The only URLs are XML namespace names, which are never fetched.
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", html))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}, urls
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)


def test_output_is_deterministic(report, tmp_path):
    again = tmp_path / "again.html"
    assert run_cli("evaluate", SEED, "-o", again).code == 0
    assert again.read_bytes() == report.read_bytes()


def test_english(tmp_path):
    out = tmp_path / "report-en.html"
    assert run_cli("evaluate", SEED, "-o", out, "--lang", "en").code == 0
    text = out.read_text(encoding="utf-8")
    assert '<html lang="en">' in text
    for needle in ("Indicator scores", "Points lost", "Problems found", "Budget execution rate", "Score rate"):
        assert needle in text, needle
    assert "失分分析" not in text


def test_screenshot_in_chromium_is_not_blank(report, tmp_path):
    import matplotlib.image
    import numpy as np

    shot = tmp_path / "shot.png"
    chromium(tmp_path, report.as_uri(), f"--screenshot={shot}", "--window-size=1200,2000")
    pixels = matplotlib.image.imread(str(shot))
    assert pixels.shape[0] == 2000 and pixels.shape[1] == 1200
    rgb = (pixels[..., :3] * 255).astype(np.uint8).reshape(-1, 3)
    colours = np.unique(rgb, axis=0)
    assert len(colours) > 50, len(colours)  # text, table lines, chart bars
    non_white = (rgb < 240).any(axis=1).mean()
    assert non_white > 0.03, non_white
    # The chart bar colour is on screen, so the inline SVG was drawn.
    assert ((np.abs(rgb.astype(int) - [0x2F, 0x5D, 0x8A]).sum(axis=1)) < 12).sum() > 1000


def test_user_text_cannot_run_in_the_browser(seed_copy, tmp_path):
    name = f"项目{SCRIPT}{IMG}"
    text = seed_copy.read_text(encoding="utf-8")
    text, n = re.subn(r'^name = ".*"$', lambda _m: f"name = {json.dumps(name, ensure_ascii=False)}", text,
                      count=1, flags=re.MULTILINE)
    assert n == 1
    text, n = re.subn(r'^C25 = ".*"$', lambda _m: f"C25 = {json.dumps(IMG, ensure_ascii=False)}", text,
                      count=1, flags=re.MULTILINE)
    assert n == 1
    seed_copy.write_text(text, encoding="utf-8")
    out = tmp_path / "evil.html"
    res = run_cli("evaluate", seed_copy, "-o", out)
    assert res.code == 0, res
    source = out.read_text(encoding="utf-8")
    assert "<script" not in source and "<img" not in source
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" in source

    dom = chromium(tmp_path, out.as_uri(), "--dump-dom", "--virtual-time-budget=3000").stdout
    assert "<body" in dom
    assert "data-pwned" not in dom.split("<body", 1)[1].split(">", 1)[0]
    assert 'data-pwned="1"' not in dom
    assert "<title>pwned</title>" not in dom
    assert "<img" not in dom and "<script>document" not in dom
    # Shown as text: the heading holds the name, escaped once by the serializer.
    assert "<h1>项目&lt;script&gt;document.title='pwned'&lt;/script&gt;&lt;img src=x onerror=" in dom


def test_without_a_cjk_font_the_run_fails_and_writes_nothing(tmp_path):
    empty = tmp_path / "fonts"
    empty.mkdir()
    out = tmp_path / "report.html"
    res = run_cli("evaluate", SEED, "-o", out, env={"JIXIAO_FONT_DIRS": str(empty)})
    assert res.code == 2, res
    assert "fonts-noto-cjk" in res.stderr and "Traceback" not in res.stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [empty]


@pytest.mark.parametrize("config", sorted((SEED.parents[1]).glob("*/*.toml")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_bundled_example_renders(config, tmp_path):
    out = tmp_path / "report.html"
    res = run_cli("evaluate", config, "-o", out)
    assert res.code == 0, res
    doc = run_cli("evaluate", config, "--format", "json").json()
    text = out.read_text(encoding="utf-8")
    assert text.count("<svg") >= 2
    for ind in doc["indicators"]:
        assert f'<tr id="row-{ind["code"]}">' in text


def test_a_font_folder_named_by_the_environment_is_used(tmp_path):
    fc_list = require_tool("fc-list", "fontconfig")
    files = subprocess.run([fc_list, ":lang=zh", "file"], capture_output=True, text=True, check=True).stdout
    fonts = sorted(line.strip().rstrip(":") for line in files.splitlines() if line.strip())
    if not fonts:
        require_tool("a-cjk-font", "fonts-wqy-microhei")
    folder = tmp_path / "fonts"
    (folder / "cjk").mkdir(parents=True)
    shutil.copy(fonts[0], folder / "cjk")
    out = tmp_path / "report.html"
    res = run_cli("evaluate", SEED, "-o", out, env={"JIXIAO_FONT_DIRS": str(folder)})
    assert res.code == 0, res
    assert out.read_text(encoding="utf-8").count("<svg") == 3
