"""Test fixture: records which fake plugin modules were imported (to prove a run imports only what it uses)."""

import os


def imported(module: str) -> None:
    log = os.environ.get("JIXIAO_FAKE_IMPORT_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(module + "\n")
