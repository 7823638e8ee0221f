"""``jixiao evaluate CONFIG``: run an evaluation and print the summary or write a report."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import click

from ..errors import ConfigError
from .archive import KIND_CHOICE, keep_option
from .archive import archive_url as url_of


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


def check_output(output: str, *, reads: Iterable[str | Path] = ()) -> None:
    """Refuse (exit 2) an output path that cannot be written whole, before anything is written.

    The folder must exist and take a new file (probed by creating and removing one, which is also right
    for root and for read-only mounts); the path must not be a folder, nor any file the run reads.
    """
    target = Path(output)
    if target.is_dir():
        raise ConfigError("the output path is a folder; give a file name", file=output, path="-o")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise ConfigError(f"the output folder {str(folder)!r} {what}", file=output, path="-o",
                          hint="create the folder first, or write elsewhere")
    resolved = _resolved(target)
    for src in reads:
        if _resolved(Path(src)) == resolved:
            raise ConfigError(f"the output file is also an input of this run ({src}); it would be overwritten",
                              file=output, path="-o", hint="write the report to another file")
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".probe", dir=folder)
    except OSError as exc:
        raise ConfigError(f"the output folder {str(folder)!r} is not writable ({exc.strerror or exc})",
                          file=output, path="-o", hint="write elsewhere, or fix the folder's permissions") from exc
    os.close(fd)
    os.unlink(probe)


def _resolved(p: Path) -> Path:
    try:
        return p.resolve()
    except (OSError, RuntimeError):
        return p.absolute()


def input_files(cfg) -> list[Path]:
    """Every file the evaluation reads: the config, its pack file and each table file it names."""
    out: list[Path] = [Path(cfg.file)]
    if cfg.pack_path is not None:
        out.append(Path(cfg.pack_path))

    def walk(v: object) -> None:
        if isinstance(v, Path):
            out.append(v)
        elif hasattr(v, "path") and isinstance(v.path, Path):
            out.append(v.path)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, (list, tuple)):
            for x in v:
                walk(x)

    walk(dict(cfg.inputs))
    raw = cfg.raw if isinstance(cfg.raw, dict) else {}
    raw_evidence = raw.get("evidence")
    if isinstance(raw_evidence, dict):
        for entry in raw_evidence.values():
            f = entry.get("file") if isinstance(entry, dict) else None
            if isinstance(f, str):
                out.append(Path(cfg.base) / f)
    experts = raw.get("experts")  # the panel's scores and the survey exports are read too
    if isinstance(experts, dict) and isinstance(experts.get("file"), str):
        out.append(Path(cfg.base) / experts["file"])
    surveys = raw.get("surveys")
    if isinstance(surveys, dict):
        for spec in surveys.values():
            if isinstance(spec, dict) and isinstance(spec.get("file"), str):
                out.append(Path(cfg.base) / spec["file"])
    return out


def _takes_output(render) -> bool:
    import inspect

    try:
        return "output" in inspect.signature(render).parameters
    except (TypeError, ValueError):
        return False


def render_guarded(renderer, result, *, lang: str, output: str | None = None) -> bytes:
    """Render; an exception escaping a renderer is attributed to it and its distribution.

    A renderer whose ``render`` takes an ``output`` keyword (the form, which writes .xlsx or .docx by the
    suffix) is given the ``-o`` file name."""
    from ..errors import plugin_failure

    try:
        if _takes_output(renderer.render):
            return renderer.render(result, lang=lang, output=output)
        return renderer.render(result, lang=lang)
    except (Exception, SystemExit) as exc:
        raise plugin_failure(exc, what=f"renderer {renderer.name}",
                             prov=getattr(renderer, "provenance", None)) from exc


@click.command("evaluate")
@click.argument("config", type=click.Path(dir_okay=False))
@click.option("--format", "-f", "fmt", help="Output format (table, json, markdown, docx, xlsx, html, …). "
              "Default: from the -o file's suffix, else the terminal table.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file (whole or not at all).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="Report language.")
@click.option("--disable", multiple=True, metavar="NAME", help="Skip a plugin without importing it (repeatable).")
@keep_option("the result")
@click.option("--kind", type=KIND_CHOICE, help="Kind of evaluation, for --archive.")
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

    if output:
        check_output(output, reads=(config,))  # a missing or read-only folder: before reading anything
    try:
        cfg = load_config(config)
    except RecursionError as exc:  # tomllib and the walkers recurse: 1,000-deep arrays/tables end here
        from ..validate_files import TOO_DEEP

        raise ConfigError(TOO_DEEP, file=config, path="$") from exc
    registry = Registry(disabled=(*disable, *cfg.disable))
    renderer = pick_renderer(registry, fmt, output)  # fail on a bad format before any work
    pack, prov = resolve_pack(cfg, registry)
    if output:
        check_output(output, reads=input_files(cfg))
    check_pack_semantics(pack, registry, raise_errors=True, config=cfg)
    office = renderer.name in ("docx", "xlsx") or (renderer.name == "form" and output is not None)
    if office:  # XML cannot hold C0 control characters: refuse them where typed
        from ..render import refuse_control_characters

        docx_like = renderer.name == "docx" or (renderer.name == "form" and output.lower().endswith(".docx"))
        what = "Word document" if docx_like else "spreadsheet"
        refuse_control_characters(cfg.raw, file=cfg.file, what=what)
    result = evaluate(pack, cfg, registry, provenance=prov)
    if office:  # what tables and packs bring: located in the report's JSON document
        from ..document import build_document
        from ..render import refuse_control_characters

        refuse_control_characters(build_document(result), file=f"the {renderer.name} report (from {cfg.file})",
                                  what=what, path="$")
    data = render_guarded(renderer, result, lang=lang, output=output)
    if archive_url is not None:
        from ..archive.loading import archive_result

        click.echo(archive_result(result, cfg, url_of(archive_url), kind), err=True)
    if output:
        try:
            write_atomic(output, data)
        except OSError as exc:
            raise ConfigError(f"cannot write the output file: {exc.strerror or exc}", file=output,
                              path="-o") from exc
        click.echo(f"wrote {output} ({renderer.name})", err=True)
    elif renderer.binary:
        raise ConfigError(f"the {renderer.name} format is binary; give a file with -o", path="--format")
    else:
        click.echo(data.decode("utf-8"), nl=False)
