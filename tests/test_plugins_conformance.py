"""Every built-in pack (the ``jixiao.packs`` entry points of the ``jixiao`` distribution) passes
``jixiao.testing.check_pack``, the same conformance check third-party packs run."""

from __future__ import annotations

import pytest

from jixiao.plugins import installed
from jixiao.testing import check_pack

BUILTIN = [e.name for e in installed("pack") if e.distribution == "jixiao"]


def test_the_seed_pack_is_among_the_builtins():
    assert "shanghai-consumer-protection-2018" in BUILTIN


@pytest.mark.parametrize("name", BUILTIN)
def test_builtin_pack_conforms(name):
    check_pack(name)  # raises PackConformanceError listing every problem
