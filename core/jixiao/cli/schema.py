"""``jixiao schema``: print or write the JSON Schemas of the evaluation config and the pack file."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("schema")
@click.argument("name", required=False, type=click.Choice(["evaluation", "pack"]))
@click.option("--write", "write_dir", type=click.Path(file_okay=False), help="Write both schemas into this folder.")
def command(name: str | None, write_dir: str | None) -> None:
    """Print a schema (evaluation or pack), or write both with --write DIR."""
    from ..io import write_atomic
    from ..schema import SCHEMAS, schema_text

    if write_dir:
        for fname in SCHEMAS:
            write_atomic(Path(write_dir) / fname, schema_text(fname).encode("utf-8"))
            click.echo(f"wrote {Path(write_dir) / fname}", err=True)
        return
    click.echo(schema_text(f"{name or 'evaluation'}.schema.json"), nl=False)
