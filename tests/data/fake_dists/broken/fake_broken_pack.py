"""Test fixture: a pack module that fails to import (a missing dependency)."""

import jixiao_fake_dependency_that_is_not_installed  # noqa: F401
