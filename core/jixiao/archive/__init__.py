"""The results archive: every evaluation kept in a real database (SQLite file or PostgreSQL).

``Archive(url)`` opens (and on first use creates) an archive; :mod:`.records` reads what is stored
from evaluation documents and batch results; :mod:`.store` writes it in one transaction per add.
Schema migrations (Alembic) ship in ``migrations/``. See docs/archive.md.
"""

from .store import Archive, resolve_url, upgrade_url

__all__ = ["Archive", "resolve_url", "upgrade_url"]
