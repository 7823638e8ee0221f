"""Issue 10 §5 (evaluate side): ``jixiao evaluate -o FILE`` checks the output before any work and writes
it whole (temporary file in the same folder, then a rename); a failing run leaves the old file as it was."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys

import pytest

from conftest import SEED_DIR, run_cli


@pytest.fixture
def seed(tmp_path):
    d = tmp_path / "seed"
    shutil.copytree(SEED_DIR, d)
    return d


BAD_OUTPUTS = {
    "missing-folder": (lambda d: d / "no-such-folder" / "r.json", r"the output folder .* does not exist"),
    "missing-nested": (lambda d: d / "a" / "b" / "r.md", r"the output folder .* does not exist"),
    "parent-is-a-file": (lambda d: d / "budget.csv" / "r.json", r"is not a folder"),
    "read-only-mount": (lambda d: "/proc/jixiao-report.json", r"the output folder '/proc' is not writable"),
    "is-the-config": (lambda d: d / "evaluation.toml", r"the output file is also an input of this run \(.*evaluation\.toml\)"),
    "is-the-table": (lambda d: d / "budget.csv", r"the output file is also an input of this run \(.*budget\.csv\)"),
    "is-the-table-via-dotdot": (lambda d: d / "x" / ".." / "budget.csv", None),
    "is-the-config-via-symlink": (lambda d: d / "link.toml", r"also an input of this run"),
}


@pytest.mark.parametrize(("make", "pattern"), BAD_OUTPUTS.values(), ids=BAD_OUTPUTS.keys())
def test_bad_output_refused_before_anything_is_written(seed, make, pattern):
    import re

    (seed / "x").mkdir()
    (seed / "link.toml").symlink_to(seed / "evaluation.toml")
    before = {p.name: p.read_bytes() for p in seed.iterdir() if p.is_file()}
    out = make(seed)
    r = run_cli("evaluate", seed / "evaluation.toml", "-f", "json", "-o", out)
    assert r.code == 2, r
    assert "-o" in r.stderr and str(out).split("/")[-1] in r.stderr, r
    if pattern:
        assert re.search(pattern, r.stderr), r
    else:
        assert "also an input" in r.stderr or "does not exist" in r.stderr, r
    assert "Traceback" not in r.stderr
    assert {p.name: p.read_bytes() for p in seed.iterdir() if p.is_file()} == before  # inputs untouched
    assert not [p for p in seed.rglob(".*") if p.suffix in (".tmp", ".probe")]


def test_read_only_folder(seed, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "r.json").write_bytes(b"old")
    ro.chmod(0o555)
    try:
        if os.access(ro, os.W_OK):  # root ignores permissions: the check then rightly lets it write
            pytest.skip("running as root: permission bits do not stop writes (the /proc case covers this)")
        r = run_cli("evaluate", seed / "evaluation.toml", "-f", "json", "-o", ro / "r.json")
        assert r.code == 2, r
        assert "is not writable" in r.stderr
        assert (ro / "r.json").read_bytes() == b"old"
    finally:
        ro.chmod(0o755)


def test_failing_run_keeps_old_file_and_leaves_no_temp(seed):
    text = (seed / "evaluation.toml").read_text(encoding="utf-8")
    (seed / "evaluation.toml").write_text(text.replace("spot_check_done = 2824", "spot_check_done = -1"),
                                          encoding="utf-8")
    out = seed / "report.json"
    out.write_bytes(b"old")
    r = run_cli("evaluate", seed / "evaluation.toml", "-o", out)
    assert r.code == 3, r
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in seed.iterdir()) == ["budget.csv", "evaluation.toml", "report.json"]


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_created_file_mode_honours_umask(seed, umask, mode):
    out = seed / "report.json"
    code = (f"import os,sys; os.umask({umask}); sys.argv=['jixiao','evaluate',{str(seed / 'evaluation.toml')!r},"
            f"'-o',{str(out)!r}]; from jixiao.cli import main; main()")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE(out.stat().st_mode) == mode
    assert sorted(p.name for p in seed.iterdir()) == ["budget.csv", "evaluation.toml", "report.json"]


def test_success_replaces_old_file_whole(seed):
    out = seed / "report.json"
    out.write_bytes(b"old")
    r = run_cli("evaluate", seed / "evaluation.toml", "-o", out)
    assert r.code == 0, r
    first = out.read_bytes()
    assert first.startswith(b"{") and first != b"old"
    r = run_cli("evaluate", seed / "evaluation.toml", "-o", out)
    assert out.read_bytes() == first  # byte-identical on a second run


SCHEMA_WRITE = {
    # --write DIR: the folder must exist (never created on a guess) and take both files; nothing is written else
    "missing-folder-with-file-name": (lambda d: d / "no-such-folder" / "x.json", "does not exist"),
    "missing-folder": (lambda d: d / "schemas-typo", "does not exist"),
    "a-file": (lambda d: d / "old.json", "is a file, not a folder"),
    "read-only-mount": (lambda d: "/proc", "is not writable"),
}


@pytest.mark.parametrize(("make", "words"), SCHEMA_WRITE.values(), ids=SCHEMA_WRITE.keys())
def test_schema_write_refuses_a_folder_it_cannot_write(tmp_path, make, words):
    (tmp_path / "old.json").write_text("the old file", encoding="utf-8")
    target = make(tmp_path)
    r = run_cli("schema", "--write", target)
    assert r.code == 2, r
    assert f"{target}" in r.stderr and ": --write: " in r.stderr and words in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.json"]
    assert (tmp_path / "old.json").read_text(encoding="utf-8") == "the old file"
