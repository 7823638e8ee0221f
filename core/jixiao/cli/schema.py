"""``jixiao schema``: print or write the JSON Schemas of the evaluation config, the pack file and the JSON
document."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("schema")
@click.argument("name", required=False, type=click.Choice(["evaluation", "pack", "document"]))
@click.option("--write", "write_dir", help="Write every schema into this folder.")
def command(name: str | None, write_dir: str | None) -> None:
    """Print a schema (evaluation, pack or document: the JSON result), or write all with --write DIR."""
    from ..io import write_atomic
    from ..schema import SCHEMAS, schema_text

    if write_dir:
        from ..errors import ConfigError
        from .evaluate import check_output

        folder = Path(write_dir)
        if not folder.is_dir():  # never created on a guess: a mistyped --write must not scatter folders
            what = "is a file, not a folder" if folder.exists() else "does not exist"
            raise ConfigError(f"the folder {write_dir!r} {what}; --write takes an existing folder and writes "
                              f"{', '.join(SCHEMAS)} into it", file=write_dir, path="--write",
                              hint="create the folder first, or name an existing one")
        texts = {fname: schema_text(fname).encode("utf-8") for fname in SCHEMAS}
        for fname in texts:  # every one checked before any is written
            try:
                check_output(str(folder / fname))
            except ConfigError as exc:
                exc.path = "--write"
                raise
        for fname, data in texts.items():
            write_atomic(folder / fname, data)
            click.echo(f"wrote {folder / fname}", err=True)
        return
    click.echo(schema_text(f"{name or 'evaluation'}.schema.json"), nl=False)
