"""``jixiao plugins [NAME]``: the reference of every installed plugin (like ``pytest --fixtures``)."""

from __future__ import annotations

import json

import click

from ..reference import KIND_ORDER


@click.command("plugins")
@click.argument("name", required=False)
@click.option("--kind", type=click.Choice(KIND_ORDER), help="Only plugins of this kind.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown"]), default="table",
              show_default=True, help="Output format.")
def command(name: str | None, kind: str | None, fmt: str) -> None:
    """Every installed indicator plugin, scoring method, aggregator, grading scheme, ordinal scale and
    renderer: distribution and version, description, parameters (type, default, meaning), the
    formula or working it produces, and an example. NAME shows one plugin in full.

    \b
    Examples:
      jixiao plugins --kind method
      jixiao plugins deduct_per_point
      jixiao plugins --format json > plugins.json
    """
    from ..errors import ConfigError
    from ..reference import entries, render_markdown, render_table

    kinds = [kind] if kind else list(KIND_ORDER)
    items = entries(kinds=kinds)
    if name is not None:
        found = [e for e in items if e["name"] == name]
        if not found:
            import difflib

            names = sorted({e["name"] for e in items})
            close = difflib.get_close_matches(name, names, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ConfigError(f"no installed plugin is named {name!r}" + (f" (kind {kind})" if kind else ""),
                              hint=hint + "jixiao plugins lists them all")
        items = found
    if fmt == "json":
        click.echo(json.dumps(items, ensure_ascii=False, indent=2, sort_keys=True))
    elif fmt == "markdown":
        click.echo(render_markdown(items), nl=False)
    else:
        click.echo(render_table(items, full=name is not None), nl=False)
