"""``jixiao archive add|list|upgrade``: keep evaluations in a results archive (SQLite or PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click

ARCHIVE_OPT = click.option("--archive", "url", metavar="URL", envvar="JIXIAO_ARCHIVE",
                           help="sqlite:///PATH.db or postgresql://user@host/db (default: $JIXIAO_ARCHIVE).")
KIND_CHOICE = click.Choice(["self", "recheck", "third-party"])
FROM_ENV = "$JIXIAO_ARCHIVE"


def keep_option(what: str):
    """``--archive [URL]`` of evaluate, batch and review: a URL, or alone for $JIXIAO_ARCHIVE (the variable
    by itself never makes a run archive)."""
    return click.option("--archive", "archive_url", metavar="[URL]", is_flag=False, flag_value=FROM_ENV,
                        default=None, help=f"Also keep {what} in this archive (sqlite:///PATH.db or "
                        "postgresql://…); alone, in $JIXIAO_ARCHIVE. docs/archive.md.")


def archive_url(value: str | None) -> str | None:
    """The URL ``--archive`` names (None: $JIXIAO_ARCHIVE, refused by the store when unset)."""
    return None if value == FROM_ENV else value


@click.group("archive")
def command() -> None:
    """Keep evaluations in a results archive and list them (docs/archive.md).

    \b
    jixiao archive add result.json --archive sqlite:///jixiao.db --kind self
    jixiao archive add evaluation.toml --kind recheck
    jixiao archive add results.parquet --pack national-self-evaluation --year 2023 --kind self
    jixiao archive list --year 2023 --department 教育局 --format csv
    jixiao archive upgrade
    """


@command.command("add")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@ARCHIVE_OPT
@click.option("--replace", is_flag=True, help="Store a corrected evaluation in place of the archived one "
              "(same pack, project, year and kind).")
@click.option("--kind", type=KIND_CHOICE, help="Self-evaluation, re-check or third-party "
              "(default: the document's project.kind or the config's [archive] kind).")
@click.option("--year", type=int, help="The evaluated year (default: project.year, else the period's year).")
@click.option("--pack", "pack_name", help="The pack batch results were scored with (batch results only).")
@click.option("--disable", multiple=True, metavar="NAME", help="Skip a plugin without importing it (repeatable).")
def add(files: tuple[str, ...], url: str | None, replace: bool, kind: str | None, year: int | None,
        pack_name: str | None, disable: tuple[str, ...]) -> None:
    """Add evaluation documents (.json), configs (.toml, evaluated now) or batch results
    (.parquet/.csv/.jsonl) to the archive — all in one transaction, or nothing."""
    from ..archive import Archive
    from ..archive.bulk import of_records
    from ..archive.loading import (
        BATCH_SUFFIXES,
        batch_evaluations,
        document_of_config,
        read_json,
        records_of_document,
    )
    from ..errors import ConfigError

    records = []
    parts = []
    for f in files:
        suffix = Path(f).suffix.lower()
        if suffix == ".json":
            records.append(records_of_document(read_json(f), file=f, kind=kind, year=year))
        elif suffix == ".toml":
            if not Path(f).exists():
                raise ConfigError("no such file", file=f)
            doc, section = document_of_config(f, disable)
            records.append(records_of_document(doc, file=f, kind=kind, year=year, section=section))
        elif suffix in BATCH_SUFFIXES:
            parts.append(batch_evaluations(f, pack_name=pack_name, kind=kind, year=year, disable=disable))
        else:
            raise ConfigError(f"cannot tell what {Path(f).name!r} is; expected .json (an evaluation document), "
                              ".toml (an evaluation config) or batch results (" + ", ".join(BATCH_SUFFIXES) + ")",
                              file=f)
    archive = Archive(url)
    try:
        counts = archive.add(([of_records(records)] if records else []) + parts, replace=replace)
    finally:
        archive.close()
    click.echo(f"{archive.where}: {counts['added']} added, {counts['replaced']} replaced, "
               f"{counts['unchanged']} already archived", err=True)


LIST_COLUMNS = ["id", "pack", "year", "kind", "project_id", "project_name", "unit", "department", "region",
                "total", "grade", "budget", "doc_sha256"]


@command.command("list")
@ARCHIVE_OPT
@click.option("--pack", "pack", help="Only this pack.")
@click.option("--year", type=int, multiple=True, help="Only these years (repeatable).")
@click.option("--department", multiple=True, help="Only these departments (repeatable).")
@click.option("--region", multiple=True, help="Only these regions (repeatable).")
@click.option("--kind", type=KIND_CHOICE, multiple=True, help="Only these kinds (repeatable).")
@click.option("--grade", multiple=True, help="Only these grades (repeatable), e.g. --grade 中 --grade 差.")
@click.option("--project", "project_id", help="Only this project id.")
@click.option("--format", "-f", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True)
def list_(url, pack, year, department, region, kind, grade, project_id, fmt) -> None:
    """List archived evaluations, filtered; as a table, CSV or JSON."""
    from ..archive import Archive

    archive = Archive(url, create=False)
    try:
        rows = archive.query(pack=pack, year=year, department=department, region=region, kind=kind, grade=grade,
                             project_id=project_id)
    finally:
        archive.close()
    out = [{c: r[c] for c in LIST_COLUMNS} for r in rows]
    if fmt == "json":
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(LIST_COLUMNS)
        for r in out:
            w.writerow(["" if r[c] is None else _cell(str(r[c])) for c in LIST_COLUMNS])
        click.echo(buf.getvalue(), nl=False)
    else:
        from rich.console import Console
        from rich.table import Table

        t = Table(title=f"{len(out)} evaluations in {archive.where}")
        shown = ["id", "pack", "year", "kind", "project_id", "project_name", "department", "region", "total", "grade"]
        for c in shown:
            t.add_column(c, justify="right" if c in ("id", "year", "total") else "left")
        for r in out:
            t.add_row(*("" if r[c] is None else str(r[c]) for c in shown))
        Console(width=200, markup=False, highlight=False).print(t)


def _cell(text: str) -> str:
    """CSV text a spreadsheet would read as a formula gets a leading apostrophe."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


@command.command("upgrade")
@ARCHIVE_OPT
def upgrade(url: str | None) -> None:
    """Create the archive, or upgrade an older one to this jixiao's schema (back it up first)."""
    from ..archive import upgrade_url
    from ..archive.schema import SCHEMA_VERSIONS
    from ..archive.store import _safe, resolve_url

    before, after = upgrade_url(url)
    where = _safe(resolve_url(url))
    if before == after:
        click.echo(f"{where}: already at schema v{SCHEMA_VERSIONS[after]}", err=True)
    else:
        was = "new archive" if before is None else f"v{SCHEMA_VERSIONS.get(before, before)}"
        click.echo(f"{where}: {was} → schema v{SCHEMA_VERSIONS[after]}", err=True)
