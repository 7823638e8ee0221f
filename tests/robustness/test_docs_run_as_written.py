"""Issue 10, Acceptance: the README's examples still run as written, and the documented refusals are what
the CLI prints (docs/errors.md, docs/batch.md), with the exit codes the docs state."""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest import ROOT, run_cli

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _readme_commands() -> list[str]:
    """Every `jixiao …` command in the README's code: the sh blocks and inline `jixiao evaluate …` examples."""
    cmds = []
    for block in re.findall(r"```sh\n(.*?)```", README, flags=re.DOTALL):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith("uv run jixiao "):
                cmds.append(line[len("uv run "):])
    cmds += [c for c in re.findall(r"`(jixiao evaluate docs/examples/[^`]+)`", README)]
    return cmds


def test_the_readme_has_runnable_examples():
    assert len(_readme_commands()) >= 2, _readme_commands()


@pytest.mark.parametrize("command", _readme_commands())
def test_readme_example_runs_as_written(command):
    args = shlex.split(command)[1:]
    r = run_cli(*args, cwd=ROOT)
    assert r.code == 0, r
    assert "Traceback" not in r.stderr


def test_readme_output_is_what_the_first_example_prints():
    shown = re.search(r"```\n(2018年消费者权益保护专项.*?)```", README, flags=re.DOTALL)
    assert shown, "the README shows the seed example's output"
    r = run_cli("evaluate", "docs/examples/consumer-protection-2018/evaluation.toml", cwd=ROOT)
    assert r.code == 0, r
    lines = [ln for ln in shown.group(1).splitlines() if ln.strip() and ln.strip() != "…"]
    out = r.stdout.splitlines()
    pos = 0
    for ln in lines:  # the shown lines, in order (the README elides some with …)
        assert ln in out[pos:], (ln, r.stdout)
        pos = out.index(ln, pos) + 1


def test_documented_missing_folder_exit_code():
    """docs/errors.md: `jixiao evaluate … -o /no/such/folder/r.json; echo $?   # 2`."""
    doc = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    m = re.search(r"jixiao (evaluate \S+ -o /no/such/folder/r\.json); echo \$\? +# (\d)", doc)
    assert m, "docs/errors.md shows the missing-folder example"
    r = run_cli(*m.group(1).split(), cwd=ROOT)
    assert r.code == int(m.group(2)), r
    assert "/no/such/folder/r.json: -o: the output folder '/no/such/folder' does not exist" in r.stderr


def test_documented_lang_table_is_what_batch_writes():
    """docs/batch.md's --lang table: each Chinese message is what jixiao.messages gives for the English one."""
    from jixiao.messages import translate

    doc = (ROOT / "docs" / "batch.md").read_text(encoding="utf-8")
    rows = [r for r in re.findall(r"^\| `([^`]+)` \| `([^`]+)` \|$", doc, flags=re.MULTILINE) if r[0] != "--lang en"]
    assert len(rows) >= 5, rows
    for en, zh in rows:
        if "…" in en:  # shortened in the table: the parts shown must be the translation's
            full = en.replace("; …", "; numbers must lie below 10^15 in magnitude (at most 15 digits before the point)")
            full = full.replace("C111 (…)", "C111 (流通领域商品质量监测计划完成率)")
            got = translate(full, "zh")
            assert got.startswith(zh.split("…")[0]), (en, zh, got)
        else:
            assert translate(en, "zh") == zh, (en, zh)
