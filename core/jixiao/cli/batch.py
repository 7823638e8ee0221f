"""``jixiao batch PACK PORTFOLIO -o RESULTS``: evaluate every project of a portfolio with one pack."""

from __future__ import annotations

import os
import sys

import click

from .archive import KIND_CHOICE, keep_option
from .archive import archive_url as url_of

SHOWN_ERRORS = 20


@click.command("batch")
@click.argument("pack_or_config")
@click.argument("portfolio", type=click.Path())
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Results file: .csv, .xlsx, .parquet or .jsonl (written whole or not at all).")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False),
              help="Error file (.csv): one line per problem, with row and column. "
                   "Default when a row fails: RESULTS-stem.errors.csv beside the results.")
@click.option("--summary", "summary_path", type=click.Path(dir_okay=False),
              help="Summary (.json, .md or .xlsx with charts): grade distribution, per-indicator mean and "
                   "median, ranking, and with --group-by the same per group.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no notes on stderr (errors still printed).")
@click.option("--disable", multiple=True, metavar="NAME", help="Skip a plugin without importing it (repeatable).")
@click.option("--encoding", default=None, metavar="ENC",
              help="Read a CSV portfolio in this encoding (utf-8, gbk, gb18030, utf-16) instead of detecting it.")
@click.option("--ignore-columns", "ignore_columns", default="", metavar="A,B",
              help="Columns that name no input and are to be skipped (otherwise such a header stops the run).")
@click.option("--fill-from-template", is_flag=True,
              help="Take a blank cell's value from the template config (counted in the summary); "
                   "without it a blank cell the template would fill is the row's error.")
@click.option("--csv-encoding", type=click.Choice(["utf-8-sig", "utf-8"]), default="utf-8-sig", show_default=True,
              help="CSV outputs: UTF-8 with a BOM (opens right in Excel) or plain UTF-8.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="en", show_default=True,
              help="Language of the batch's own messages in the error file and on stderr.")
@click.option("--keep", default="", metavar="A,B",
              help="Text columns carried from the portfolio to the results beside the identifying ones "
                   "(name/项目名称, department/主管部门, unit/实施单位, region/地区, always carried).")
@click.option("--group-by", "group_by", default=None, metavar="COLUMN",
              help="The summary gains grade counts, count, mean and median total per value of COLUMN.")
@click.option("--nodes", is_flag=True,
              help="Add every group's result (一级/二级 subtotals, PEFA's PI scores, PART's section scores and "
                   "rating) after the leaves: one column per group, by code, in the report's order.")
@keep_option("every scored project's evaluation")
@click.option("--kind", type=KIND_CHOICE, help="Kind of evaluation, for --archive (default: the template "
              "config's [archive] kind).")
@click.option("--year", type=int, help="The evaluated year, for --archive (default: the template config's "
              "project year or period).")
@click.option("--replace", is_flag=True, help="With --archive: store these results in place of archived ones "
              "for the same projects, year and kind.")
@click.option("--chunk-size", "chunk_rows", type=click.IntRange(min=1), default=None,
              metavar="ROWS", help="Projects read and scored at a time; memory grows with this, not with the "
                                   "portfolio (results are the same for any size). Default 131,072 / (jobs + 1): "
                                   "65,536 with --jobs 1, the same memory with more threads.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0, show_default=True, metavar="N",
              help="Chunks scored at once, in threads (output order and digits unchanged); 0: one per CPU.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="dask: PORTFOLIO is a Parquet dataset (a folder of partitions) scored on a dask.distributed "
                   "cluster, -o a folder that gets one results file per partition (pip install jixiao[dask]).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="With --engine dask: the scheduler to use (tcp://host:8786); default a local cluster of "
                   "--jobs worker processes.")
def command(pack_or_config: str, portfolio: str, output: str, errors_path: str | None, summary_path: str | None,
            quiet: bool, disable: tuple[str, ...], encoding: str | None, ignore_columns: str,
            fill_from_template: bool, csv_encoding: str, lang: str, keep: str, group_by: str | None,
            archive_url: str | None = None, kind: str | None = None, year: int | None = None,
            replace: bool = False, chunk_rows: int | None = None, jobs: int = 0, engine: str = "local",
            scheduler: str | None = None, nodes: bool = False) -> int:
    """Evaluate PORTFOLIO (CSV, XLSX or Parquet; one row per project) with a pack.

    PACK_OR_CONFIG is a registered pack name, a pack .toml, or an evaluation .toml used as a
    template (its inputs and ratings are defaults; a row's cells override them; leaves it defines
    under open groups take their actual values from CODE.actual columns). Column naming: docs/batch.md. Exit 3 when any row failed (the others are still written).

    \b
    jixiao batch shanghai-consumer-protection-2018 projects.parquet -o results.parquet
    jixiao batch evaluation.toml projects.xlsx -o results.xlsx --summary summary.md
    jixiao batch pefa-2016 assessments.csv -o results.csv --nodes      # PI scores beside the dimensions
    jixiao batch docs/examples/national-education-2023/evaluation.toml forms.parquet -o results.parquet
    jixiao batch PACK projects.parquet -o results.parquet --archive sqlite:///jixiao.db --year 2023 --kind self
    """
    from ..batch import default_errors_path, run_batch
    from ..errors import EXIT_DATA, ConfigError
    from ..plugins import Registry

    if jobs == 0:  # one per CPU this process may use; a portfolio of one chunk runs in one thread anyway
        jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if chunk_rows is None:  # at most jobs + 1 chunks are held: the same rows in memory for any --jobs
        chunk_rows = max(1, 131_072 // (jobs + 1))
    if scheduler and engine != "dask":
        raise ConfigError("--scheduler is for --engine dask", path="--scheduler")
    errors_file = errors_path or default_errors_path(output)
    archiver = None
    if engine == "dask":
        from ..batch.dask_engine import run_dask

        if archive_url is not None:
            raise ConfigError("--archive is not available with --engine dask (archive the results files with "
                              "jixiao archive add)", path="--archive")
        errors_file = errors_path or output.rstrip("/") + ".errors.csv"
        outcome = run_dask(pack_or_config, portfolio, output, scheduler=scheduler, jobs=jobs,
                           errors_path=errors_path, summary_path=summary_path, disabled=disable,
                           ignore_columns=tuple(c.strip() for c in ignore_columns.split(",") if c.strip()),
                           fill_from_template=fill_from_template, csv_encoding=csv_encoding, lang=lang,
                           keep=tuple(c.strip() for c in keep.split(",") if c.strip()),
                           group_by=group_by.strip() if group_by else None, nodes=nodes)
    elif archive_url is not None or kind or year or replace:
        from ..archive.loading import BatchArchiver

        if archive_url is None:
            raise ConfigError("--kind, --year and --replace go with --archive", path="--archive")
        archiver = BatchArchiver(url_of(archive_url), pack_or_config=pack_or_config, portfolio=portfolio,
                                 kind=kind, year=year, replace=replace)
    if engine == "local":
        show = not quiet and sys.stderr.isatty()
        try:
            with _Progress(show) as progress:
                outcome = run_batch(pack_or_config, portfolio, output, errors_path=errors_path,
                                    summary_path=summary_path, registry=Registry(disabled=disable),
                                    progress=progress, encoding=encoding,
                                    ignore_columns=tuple(c.strip() for c in ignore_columns.split(",") if c.strip()),
                                    fill_from_template=fill_from_template, csv_encoding=csv_encoding, lang=lang,
                                    keep=tuple(c.strip() for c in keep.split(",") if c.strip()),
                                    group_by=group_by.strip() if group_by else None, archive=archiver,
                                    chunk_rows=chunk_rows, jobs=jobs, nodes=nodes)
        finally:
            if archiver is not None:
                archiver.close()
    if outcome.ignored_columns and not quiet:
        click.echo("note: columns ignored (--ignore-columns): "
                   + ", ".join(outcome.ignored_columns), err=True)
    if not quiet:
        how = (f"{outcome.projects - outcome.engine_rows} columnar, {outcome.engine_rows} through the engine")
        filled = (f"; {outcome.filled_from_template} blank cell(s) filled from the template"
                  if outcome.filled_from_template else "")
        click.echo(f"wrote {output}: {outcome.scored} of {outcome.projects} projects scored ({how}){filled}", err=True)
        if archiver is not None:
            click.echo(archiver.note(), err=True)
    if outcome.errors:
        rows = len({e.row for e in outcome.errors})
        for e in outcome.errors[:SHOWN_ERRORS]:
            click.echo(f"jixiao: {e.kind}: {portfolio}: row {e.row}, column {e.column}: {e.message}", err=True)
        if len(outcome.errors) > SHOWN_ERRORS:
            click.echo(f"… and {len(outcome.errors) - SHOWN_ERRORS} more", err=True)
        click.echo(f"jixiao: {rows} row(s) failed; see {errors_file}", err=True)
        return EXIT_DATA
    return 0


class _Progress:
    """A rich progress bar on stderr (only on a terminal and without --quiet)."""

    def __init__(self, show: bool) -> None:
        self.show = show
        self.bar = None

    def __enter__(self):
        if not self.show:
            return None
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                       TimeRemainingColumn(), console=Console(stderr=True), transient=True)
        self.bar = bar
        bar.__enter__()

        def start(label: str, total: int):
            task = bar.add_task(label, total=total)
            return lambda k: bar.advance(task, k)

        return start

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)
        return False
