"""The national 2020 project self-evaluation form (项目支出绩效自评表, 财预〔2020〕10号 附件2), as a
declarative pack file: ``pack.toml`` beside this module. It registers through the ``jixiao.packs``
entry-point group like any third-party pack; the Python here only points at the file."""

from __future__ import annotations

from pathlib import Path

from jixiao import hookimpl, load_pack_file

PACK_FILE = Path(__file__).with_name("pack.toml")


@hookimpl
def jixiao_packs():
    return [load_pack_file(PACK_FILE)]
