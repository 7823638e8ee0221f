"""``jixiao evaluate CONFIG``: run an evaluation and print the summary or write a report."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import ConfigError


def pick_renderer(registry, fmt: str | None, output: str | None):
    if fmt:
        return registry.renderer(fmt)
    if output:
        suffix = Path(output).suffix
        rec = registry.renderer_for_suffix(suffix) if suffix else None
        if rec is None:
            from ..plugins import installed

            known = ", ".join(e.name for e in installed("renderer"))
            raise ConfigError(f"cannot tell the format from the file name {output!r}; "
                              f"use --format (installed formats: {known})", path="-o")
        return rec
    return registry.renderer("table")


@click.command("evaluate")
@click.argument("config", type=click.Path(dir_okay=False))
@click.option("--format", "-f", "fmt", help="Output format (table, json, markdown, docx, xlsx, html, …). "
              "Default: from the -o file's suffix, else the terminal table.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file (whole or not at all).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="Report language.")
@click.option("--disable", multiple=True, metavar="NAME", help="Skip a plugin without importing it (repeatable).")
@click.option("--archive", "archive_url", metavar="URL", help="Also keep the result in this archive (docs/archive.md).")
@click.option("--kind", type=click.Choice(["self", "recheck", "third-party"]), help="Kind of evaluation, for --archive.")
def command(config: str, fmt: str | None, output: str | None, lang: str, disable: tuple[str, ...],
            archive_url: str | None = None, kind: str | None = None) -> None:
    """Evaluate CONFIG (an evaluation .toml) with the pack it selects.

    \b
    jixiao evaluate evaluation.toml                    # summary on the terminal
    jixiao evaluate evaluation.toml --format json      # the JSON document on stdout
    jixiao evaluate evaluation.toml -o report.md       # format from the suffix
    """
    from ..config import load_config
    from ..engine import evaluate
    from ..io import write_atomic
    from ..plugins import Registry
    from ..session import resolve_pack
    from ..validate import check_pack_semantics

    cfg = load_config(config)
    registry = Registry(disabled=(*disable, *cfg.disable))
    renderer = pick_renderer(registry, fmt, output)  # fail on a bad format before any work
    pack, prov = resolve_pack(cfg, registry)
    check_pack_semantics(pack, registry, raise_errors=True, config=cfg)
    result = evaluate(pack, cfg, registry, provenance=prov)
    data = renderer.render(result, lang=lang)
    if archive_url:
        from ..archive.loading import archive_result

        click.echo(archive_result(result, cfg, archive_url, kind), err=True)
    if output:
        write_atomic(output, data)
        click.echo(f"wrote {output} ({renderer.name})", err=True)
    elif renderer.binary:
        raise ConfigError(f"the {renderer.name} format is binary; give a file with -o", path="--format")
    else:
        click.echo(data.decode("utf-8"), nl=False)
