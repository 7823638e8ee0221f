"""Test fixture: a pack module that calls ``sys.exit`` on import (it must be refused, not exit 0)."""

import sys

sys.exit(0)
