"""The ``jixiao`` command line. Commands live in their own modules and are imported only when run,
so ``jixiao --help`` and ``jixiao packs`` never import a pack and never break because of one."""

from __future__ import annotations

import importlib
import os
import sys

import click

from .. import __version__

COMMANDS: dict[str, tuple[str, str]] = {
    # name: (module, short help) — the help text is here so that --help imports nothing.
    "archive": ("jixiao.cli.archive", "Keep evaluations in a results archive (SQLite or PostgreSQL); list them."),
    "compare": ("jixiao.cli.compare", "Compare archived evaluations: over years, against peers, self vs re-check."),
    "batch": ("jixiao.cli.batch", "Evaluate a portfolio of projects (CSV/XLSX/Parquet) with one pack."),
    "evaluate": ("jixiao.cli.evaluate", "Evaluate an evaluation config and print or write the report."),
    "packs": ("jixiao.cli.packs", "List installed packs (metadata only); --check imports each."),
    "plugins": ("jixiao.cli.plugins_ref", "Reference of installed plugins: parameters, formula, example."),
    "new-pack": ("jixiao.cli.new_pack", "Scaffold an installable pack distribution."),
    "show": ("jixiao.cli.show", "Print a pack's indicator tree, or export it as a pack file."),
    "validate": ("jixiao.cli.validate", "Check evaluation configs and pack files; all problems at once."),
    "schema": ("jixiao.cli.schema", "Print or write the JSON Schemas (evaluation config, pack file)."),
    "import-form": ("jixiao.cli.import_form", "Read a 项目支出绩效自评表 (xlsx/docx) into an evaluation config."),
    "review": ("jixiao.cli.review", "Import and re-score a folder of 自评表 forms into one review workbook."),
    "init": ("jixiao.cli.init", "Write a commented starter evaluation config for a pack (or a starter pack)."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, _ = COMMANDS[name]
        return importlib.import_module(module).command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


EPILOG = """Exit codes: 0 ok, 1 internal error, 2 usage or configuration error, 3 input-data error.
Set JIXIAO_DISABLE=name,… to skip plugins without importing them."""


@click.group(cls=LazyGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="jixiao")
def cli() -> None:
    """jixiao (绩效): evaluate the performance of public spending programmes.

    A TOML evaluation config selects an indicator pack and carries the evaluation's data;
    jixiao measures each indicator, scores it with its working, adds up the tree and grades it.
    """


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and turn every JixiaoError into one message and an exit code."""
    from ..errors import EXIT_CONFIG, EXIT_INTERNAL, JixiaoError

    if "numpy" not in sys.modules:
        # jixiao does no linear algebra, but numpy's OpenBLAS starts a thread per core when numpy is
        # imported, which spins for a while: 0.05-0.1 s of CPU a run, taken from the batch's own threads.
        # A setting of the user's is kept.
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        rv = cli.main(args=argv, prog_name="jixiao", standalone_mode=False)
    except JixiaoError as exc:
        if os.environ.get("JIXIAO_TRACEBACK") and exc.exit_code == EXIT_INTERNAL:
            import traceback

            traceback.print_exception(exc, file=sys.stderr)  # a plugin's bug: the traceback when asked
        click.echo(_format_error(exc), err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except RecursionError:  # a file nested a thousand levels deep, read by a command that did not locate it
        click.echo("jixiao: configuration error: an input file nests arrays or tables too deeply to read "
                   "(hundreds of levels)", err=True)
        sys.exit(EXIT_CONFIG)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug: say so, show the traceback only when asked
        if os.environ.get("JIXIAO_TRACEBACK"):
            raise
        click.echo(f"jixiao: internal error: {type(exc).__name__}: {exc}\n"
                   "  This is a bug in jixiao or in a plugin; set JIXIAO_TRACEBACK=1 to see the traceback.\n"
                   "  If a pack is at fault, 'jixiao packs --check' names it.", err=True)
        sys.exit(EXIT_INTERNAL)
    sys.exit(rv if isinstance(rv, int) else 0)


def _format_error(exc) -> str:
    from ..errors import ErrorGroup

    if isinstance(exc, ErrorGroup):
        lines = [f"jixiao: {len(exc.errors)} problems:"]
        for e in exc.errors:
            lines.append(f"  {e.kind}: {e.format()}".replace("\n", "\n    "))
        return "\n".join(lines)
    return f"jixiao: {exc.kind}: {exc.format()}"
