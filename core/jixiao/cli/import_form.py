"""``jixiao import-form``: a 项目支出绩效自评表 (xlsx or docx) as an evaluation config."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("import-form")
@click.argument("form", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the config here (default: stdout).")
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
def command(form: str, output: str | None, force: bool) -> None:
    """Read FORM (.xlsx or .docx, the 财预〔2020〕10号 附件2 layout) and write an evaluation config for the
    national pack that keeps every stated figure; `jixiao evaluate` re-scores it."""
    from ..errors import ConfigError, DataError
    from ..forms.reader import read_form
    from ..forms.toconfig import form_config
    from ..io import write_atomic

    if not Path(form).is_file():
        raise DataError("no such file", file=form)
    if output and Path(output).exists() and not force:
        raise ConfigError(f"{output} exists; not overwriting it (use --force)", path="-o")
    text = form_config(read_form(form))
    if output:
        write_atomic(output, text.encode("utf-8"))
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)
