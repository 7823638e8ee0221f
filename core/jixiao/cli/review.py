"""``jixiao review``: import and re-score a folder of 项目支出绩效自评表, one workbook of the results."""

from __future__ import annotations

import contextlib
import os
import tempfile
from decimal import Decimal, InvalidOperation
from pathlib import Path

import click

from .archive import archive_url as url_of
from .archive import keep_option

FORM_SUFFIXES = (".xlsx", ".docx")
FORM_COLUMNS = ["文件", "实施单位", "项目名称", "年度", "自评总分", "自评等级", "复核总分", "复核等级", "差异数",
                "最大差异"]
DISCREPANCY_COLUMNS = ["文件", "单元格", "指标", "类型", "自评", "复核", "说明"]


def _forms(paths: tuple[str, ...]) -> list[Path]:
    from ..errors import ConfigError

    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.iterdir() if f.suffix.lower() in FORM_SUFFIXES and not f.name.startswith("~$"))
        elif p.is_file():
            out.append(p)
        else:
            raise ConfigError("no such file or folder", file=str(p))
    return out


def _gap(d: dict) -> Decimal | None:
    try:
        return abs(Decimal(str(d["stated"]).rstrip("%")) - Decimal(str(d["computed"]).rstrip("%")))
    except (InvalidOperation, TypeError, ValueError):
        return None


def review_form(path: Path, registry=None, workdir: Path | None = None) -> tuple[dict, dict, list[dict]]:
    """(the form's row, its JSON document, its discrepancies); raises a JixiaoError if it cannot be read.

    One ``registry`` serves every form (discovering plugins is most of the time of one form); the record
    of plugins used is reset per form so that each document names only its own. The config is written to
    ``workdir/evaluation.toml`` (one folder reused for every form) or to a temporary folder."""
    from ..document import build_document
    from ..errors import JixiaoError
    from ..forms.reader import read_form
    from ..forms.toconfig import form_config
    from ..session import evaluate_file

    form = read_form(path)
    wrong = _weights(form, registry)
    if wrong:  # a reported finding, and no total graded as if the form were valid
        row = {"文件": path.name, "实施单位": form.unit, "项目名称": form.project, "年度": form.year,
               "自评总分": str(form.total) if form.total is not None else "", "自评等级": form.grade,
               "复核总分": "", "复核等级": "", "差异数": len(wrong),
               "最大差异": str(max(map(_gap, wrong)).quantize(Decimal("0.01")))}
        return row, {"file": path.name, "review": {"discrepancies": wrong}}, wrong
    text = form_config(form)
    with tempfile.TemporaryDirectory() if workdir is None else contextlib.nullcontext(str(workdir)) as d:
        cfg = Path(d) / "evaluation.toml"
        cfg.write_text(text, encoding="utf-8")
        try:
            if registry is not None:
                registry._used.clear()
            doc = build_document(evaluate_file(cfg, registry=registry))
        except JixiaoError as e:
            e.file = str(path)
            raise
    found = doc.get("review", {}).get("discrepancies", [])
    gaps = [g for g in map(_gap, found) if g is not None]
    row = {"文件": path.name, "实施单位": form.unit, "项目名称": form.project, "年度": form.year,
           "自评总分": str(form.total) if form.total is not None else "", "自评等级": form.grade,
           "复核总分": doc.get("total"), "复核等级": doc.get("grade"), "差异数": len(found),
           "最大差异": str(max(gaps).quantize(Decimal("0.01"))) if gaps else ""}
    return row, doc, found


_WORKER: dict = {}
"""Per process: the registry (inherited from the parent when forked, with its plugins loaded), the folder
for the config of the form under review, whether JSON documents are wanted."""


def _start_worker(root: str, want_json: bool) -> None:
    from ..plugins import Registry

    _WORKER.setdefault("registry", Registry())
    _WORKER["dir"] = Path(tempfile.mkdtemp(prefix=f"w{os.getpid()}-", dir=root))
    _WORKER["json"] = want_json


def _review_one(path: Path) -> tuple:
    """What one form gives, as plain data a worker process can send back (a JixiaoError as its text)."""
    from ..errors import JixiaoError

    try:
        row, doc, found = review_form(path, _WORKER["registry"], _WORKER["dir"])
    except JixiaoError as e:
        return path, None, None, None, e.format()
    return path, row, doc if _WORKER["json"] else None, found, None


def _jobs(jobs: int, n: int) -> int:
    if jobs <= 0:
        try:
            jobs = len(os.sched_getaffinity(0))
        except AttributeError:  # not Linux
            jobs = os.cpu_count() or 1
    return max(1, min(jobs, n))


def _results(forms: list[Path], jobs: int, root: str, want_json: bool):
    """Each form's result, in the order of ``forms``: in this process, or in ``jobs`` worker processes
    (forked on Linux, so each starts with the plugins loaded; spawned elsewhere)."""
    from ..forms.toconfig import PACK
    from ..plugins import Registry
    from ..session import load_pack

    registry = Registry()
    load_pack(PACK, registry)  # load the plugins once, before any worker starts
    _WORKER["registry"] = registry
    if jobs == 1:
        _start_worker(root, want_json)
        return map(_review_one, forms)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_start_worker,
                               initargs=(root, want_json))
    # every worker is started here, before the progress bar's thread
    results = pool.map(_review_one, forms, chunksize=max(1, min(16, len(forms) // (jobs * 4))))

    def drain():
        try:
            yield from results
        finally:
            pool.shutdown(cancel_futures=True)

    return drain()


def _weights(form, registry) -> list[dict]:
    from ..forms.review import level_findings
    from ..forms.toconfig import PACK
    from ..plugins import Registry
    from ..session import load_pack

    pack, _ = load_pack(PACK, registry or Registry())
    return level_findings(form, pack)


def _text_cell(ws, row: int, col: int, value) -> None:
    cell = ws.cell(row, col, value)
    if isinstance(value, str):
        cell.data_type = "s"  # text, never a formula


@click.command("review")
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The review workbook (.xlsx).")
@click.option("--json-dir", type=click.Path(file_okay=False), help="Also write each form's JSON document here.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0, show_default=True,
              help="Worker processes (0: one per CPU); the workbook is the same for any number.")
@keep_option("each reviewed form (as a self-evaluation, with its discrepancies)")
@click.option("--replace", is_flag=True, help="With --archive: store these forms in place of archived ones "
              "for the same projects and years.")
def command(paths: tuple[str, ...], output: str, json_dir: str | None, jobs: int = 0,
            archive_url: str | None = None, replace: bool = False) -> None:
    """Import and re-score every form in PATHS (folders of .xlsx/.docx forms, or files); write one workbook:
    a row per form, every discrepancy with its cell, and the forms that could not be read (exit 3)."""
    import io

    import openpyxl
    from rich.progress import Progress

    from ..document import dumps
    from ..errors import EXIT_DATA
    from ..io import write_atomic

    forms = _forms(paths)
    archive = None
    if archive_url is not None or replace:
        from ..archive import Archive
        from ..errors import ConfigError

        if archive_url is None:
            raise ConfigError("--replace goes with --archive", path="--archive")
        archive = Archive(url_of(archive_url))  # a bad URL or an old archive: refused before any work
    kept: list[tuple[Path, dict]] = []
    rows, issues, failed = [], [], []
    with tempfile.TemporaryDirectory(prefix="jixiao-review-") as root:
        results = _results(forms, _jobs(jobs, len(forms)), root, bool(json_dir) or archive is not None)
        with Progress(transient=True, console=None) as progress:
            task = progress.add_task("reviewing forms", total=len(forms))
            for f, row, doc, found, error in results:
                if error is not None:
                    failed.append((f.name, error))
                else:
                    rows.append(row)
                    kept.append((f, doc))
                    issues += [(f.name, d.get("cell", ""), d.get("code") or "", d["kind"], d["stated"],
                                d["computed"], d["message"]) for d in found]
                    if json_dir:
                        Path(json_dir).mkdir(parents=True, exist_ok=True)
                        write_atomic(Path(json_dir) / (f.stem + ".json"), dumps(doc).encode("utf-8"))
                progress.advance(task)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "自评表"
    for c, h in enumerate(FORM_COLUMNS, 1):
        ws.cell(1, c, h)
    for r, row in enumerate(rows, 2):
        for c, h in enumerate(FORM_COLUMNS, 1):
            _text_cell(ws, r, c, row[h])
    ws2 = wb.create_sheet("复核差异")
    for c, h in enumerate(DISCREPANCY_COLUMNS, 1):
        ws2.cell(1, c, h)
    for r, item in enumerate(issues, 2):
        for c, v in enumerate(item, 1):
            _text_cell(ws2, r, c, v if v is None or isinstance(v, (int, str)) else str(v))
    ws3 = wb.create_sheet("无法读取")
    ws3.cell(1, 1, "文件")
    ws3.cell(1, 2, "原因")
    for r, (name, msg) in enumerate(failed, 2):
        _text_cell(ws3, r, 1, name)
        _text_cell(ws3, r, 2, msg)
    buf = io.BytesIO()
    wb.save(buf)
    note = None
    if archive is not None:  # before the workbook: a failed archive write leaves the old workbook
        from ..archive.loading import archive_reviewed

        try:
            note = archive_reviewed(archive, kept, replace=replace)
        finally:
            archive.close()
    write_atomic(output, buf.getvalue())
    click.echo(f"wrote {output}: {len(rows)} forms reviewed, {len(issues)} discrepancies, "
               f"{len(failed)} unreadable", err=True)
    if note:
        click.echo(note, err=True)
    for name, msg in failed:
        click.echo(f"jixiao: cannot read {name}: {msg}", err=True)
    if failed:
        raise SystemExit(EXIT_DATA)
