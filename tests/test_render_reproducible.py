"""Word and Excel files are byte-identical for the same inputs (zip stamps and properties fixed)."""

from __future__ import annotations

import time
import zipfile

import pytest

from conftest import SEED, run_cli


@pytest.mark.parametrize("suffix", [".docx", ".xlsx"])
def test_same_inputs_same_bytes(tmp_path, suffix):
    first, second = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
    assert run_cli("evaluate", SEED, "-o", first).code == 0
    time.sleep(1.1)  # a different second on the clock must not change the file
    assert run_cli("evaluate", SEED, "-o", second).code == 0
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as z:
        assert z.testzip() is None
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_source_date_epoch_is_honoured(tmp_path):
    out = tmp_path / "r.docx"
    assert run_cli("evaluate", SEED, "-o", out, env={"SOURCE_DATE_EPOCH": "1557100800"}).code == 0  # 2019-05-06
    with zipfile.ZipFile(out) as z:
        assert b"2019-05-06T00:00:00Z" in z.read("docProps/core.xml")
        assert {i.date_time[:3] for i in z.infolist()} == {(2019, 5, 6)}
