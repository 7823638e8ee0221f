"""pytest plugin for pack and plugin authors (registered through the ``pytest11`` entry point).

It adds fixtures only; nothing here is autouse, so it never changes an unrelated test suite.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def jixiao_registry():
    """A fresh, isolated :class:`jixiao.Registry`: nothing loaded until a test asks for it."""
    from jixiao.plugins import Registry

    return Registry()
