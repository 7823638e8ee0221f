"""``jixiao validate FILE…``: check evaluation configs and pack files, all problems at once."""

from __future__ import annotations

import json

import click


@click.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def command(files: tuple[str, ...], as_json: bool) -> None:
    """Validate evaluation configs and pack files: syntax, schema, references, semantics.

    Exit 0 when clean, 2 when anything in a configuration or pack is wrong, 3 when only input values are.
    """
    from ..validate_files import exit_code, validate_paths

    results = validate_paths(list(files))
    if as_json:
        click.echo(json.dumps([{"file": f, "kind": k, "problems": [
            {"kind": e.kind, "file": e.file, "path": e.path, "message": e.message, "hint": e.hint} for e in errs]}
            for f, k, errs in results], ensure_ascii=False, indent=2))
    else:
        for f, kind, errs in results:
            if not errs:
                click.echo(f"{f}: OK ({'pack file' if kind == 'pack' else 'evaluation config'})")
                continue
            click.echo(f"{f}: {len(errs)} problem(s)", err=True)
            for e in errs:
                click.echo(f"  {e.kind}: {e.format()}".replace("\n", "\n    "), err=True)
    raise click.exceptions.Exit(exit_code(results))
