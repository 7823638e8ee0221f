"""Alembic environment for the jixiao archive: always run with a connection handed in by
:mod:`jixiao.archive.store` (``config.attributes["connection"]``), never from an ini file."""

from alembic import context

from jixiao.archive.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
