"""``jixiao schema``: print or write the JSON Schemas of the evaluation config, the pack file and the JSON
document."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("schema")
@click.argument("name", required=False, type=click.Choice(["evaluation", "pack", "document"]))
@click.option("--write", "write_dir", type=click.Path(file_okay=False), help="Write every schema into this folder.")
def command(name: str | None, write_dir: str | None) -> None:
    """Print a schema (evaluation, pack or document: the JSON result), or write all with --write DIR."""
    from ..io import write_atomic
    from ..schema import SCHEMAS, schema_text

    if write_dir:
        for fname in SCHEMAS:
            write_atomic(Path(write_dir) / fname, schema_text(fname).encode("utf-8"))
            click.echo(f"wrote {Path(write_dir) / fname}", err=True)
        return
    click.echo(schema_text(f"{name or 'evaluation'}.schema.json"), nl=False)
