"""``jixiao init``: a commented starter evaluation config for a pack, or a starter pack file."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("init")
@click.argument("pack", required=False)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the config here (default: stdout).")
@click.option("--pack-file", "pack_dir", type=click.Path(file_okay=False),
              help="Instead: write a starter pack.toml and its evaluation.toml into this folder.")
def command(pack: str | None, output: str | None, pack_dir: str | None) -> None:
    """Write a starter evaluation config for PACK (a registered name or a pack .toml file).

    The file validates and evaluates as written; replace its placeholders with the evaluation's data.
    """
    from ..errors import ConfigError
    from ..io import write_atomic

    if pack_dir:
        from ..starter import starter_pack_files

        d = Path(pack_dir)
        d.mkdir(parents=True, exist_ok=True)
        for name, text in starter_pack_files().items():
            if (d / name).exists():
                raise ConfigError(f"{d / name} exists; not overwriting it", path="--pack-file")
        for name, text in starter_pack_files().items():
            write_atomic(d / name, text.encode("utf-8"))
            click.echo(f"wrote {d / name}", err=True)
        return
    if not pack:
        raise ConfigError("name a pack (jixiao packs lists them) or use --pack-file DIR", path="PACK")
    from ..plugins import Registry
    from ..session import load_pack
    from ..starter import starter_config

    registry = Registry()
    p, _ = load_pack(pack, registry)
    ref = pack
    if pack.endswith(".toml") and output:
        import os

        ref = os.path.relpath(Path(pack).resolve(), Path(output).resolve().parent)
    text = starter_config(p, registry, pack_ref=ref)
    if output:
        if Path(output).exists():
            raise ConfigError(f"{output} exists; not overwriting it", path="-o")
        write_atomic(output, text.encode("utf-8"))
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)
