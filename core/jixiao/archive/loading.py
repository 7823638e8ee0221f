"""Reading what ``jixiao archive add`` is given: evaluation documents (.json), evaluation configs
(.toml, evaluated here) and ``jixiao batch`` results (.parquet, .csv, .jsonl)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import ConfigError, DataError
from .records import from_document, norm_kind, to_e4
from .schema import SCALE

BATCH_SUFFIXES = (".parquet", ".csv", ".jsonl")


def config_archive_section(config) -> dict[str, Any]:
    """The config's ``[archive]`` table (kind, year) checked key by key."""
    raw = getattr(config, "raw", None) or {}
    sec = raw.get("archive", {}) if isinstance(raw, dict) else {}
    if not isinstance(sec, dict):
        raise ConfigError("expected a table", file=config.file, path="$.archive")
    unknown = sorted(set(sec) - {"kind", "url"})
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]!r}; [archive] takes kind and url", file=config.file,
                          path=f"$.archive.{unknown[0]}")
    return sec


def document_of_config(path: str, disable: tuple[str, ...] = ()) -> tuple[dict[str, Any], dict[str, Any]]:
    """Evaluate a config as ``jixiao evaluate`` does; returns (document, its [archive] section)."""
    from ..config import load_config
    from ..document import build_document
    from ..engine import evaluate
    from ..plugins import Registry
    from ..session import resolve_pack
    from ..validate import check_pack_semantics

    cfg = load_config(path)
    section = config_archive_section(cfg)
    registry = Registry(disabled=(*disable, *cfg.disable))
    pack, prov = resolve_pack(cfg, registry)
    check_pack_semantics(pack, registry, raise_errors=True, config=cfg)
    result = evaluate(pack, cfg, registry, provenance=prov)
    return json.loads(json.dumps(build_document(result), ensure_ascii=False)), section


def records_of_document(doc: dict[str, Any], *, file: str, kind: str | None, year: int | None,
                        section: dict[str, Any] | None = None) -> dict[str, Any]:
    if kind is None and section and "kind" in section:
        kind = norm_kind(section["kind"], file=file, path="$.archive.kind")
    return from_document(doc, file=file, kind=kind, year=year, source=file)


def read_json(path: str) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("no such file", file=path) from None
    except UnicodeDecodeError as exc:
        raise DataError(f"not UTF-8 text (byte {exc.start})", file=path) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"not JSON: {exc.msg}", file=path, path=f"line {exc.lineno}, column {exc.colno}") from None


ID_COLUMNS = {"project_name": ("name", "project_name", "项目名称"), "unit": ("unit", "实施单位", "单位"),
              "department": ("department", "主管部门", "部门"), "region": ("region", "地区"),
              "budget": ("budget", "预算")}
"""Identifying columns batch results may carry (issue 13 §6): the first present of each is read."""


def read_results_table(path: str):
    """A batch results file (.parquet, .csv, .jsonl) as an Arrow table; CSV and JSON Lines cells as text."""
    import pyarrow as pa

    p = Path(path)
    if not p.exists():
        raise ConfigError("no such file", file=path)
    suffix = p.suffix.lower()
    if suffix == ".jsonl":
        rows = []
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"not JSON: {exc.msg}", file=path, path=f"line {n}") from None
            if not isinstance(obj, dict):
                raise DataError("expected a JSON object per line", file=path, path=f"line {n}")
            rows.append({k: (None if v is None else str(v)) for k, v in obj.items()})
        names = list(rows[0]) if rows else []
        return pa.table({c: pa.array([r.get(c) for r in rows], pa.string()) for c in names})
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        try:
            return pq.read_table(p)
        except (pa.ArrowInvalid, OSError) as exc:
            raise DataError(f"not a Parquet file: {exc}", file=path) from None
    if suffix == ".csv":
        import csv

        import pyarrow.csv as pacsv

        try:
            with p.open(encoding="utf-8-sig") as fh:
                names = next(csv.reader([fh.readline()]), [])
        except UnicodeDecodeError:
            raise DataError("not UTF-8 text; batch results are written as UTF-8", file=path) from None
        try:
            return pacsv.read_csv(p, convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=True))
        except pa.ArrowInvalid as exc:
            raise DataError(f"cannot read the CSV: {exc}", file=path) from None
    raise ConfigError(f"cannot tell what {p.name!r} is; expected .json (a document), .toml (a config) or "
                      "batch results (" + ", ".join(BATCH_SUFFIXES) + ")", file=path)


def text_column(table, name: str) -> list[str | None]:
    import pyarrow as pa
    import pyarrow.compute as pc

    col = table.column(name)
    return (col if pa.types.is_string(col.type) else pc.cast(col, pa.string())).to_pylist()


def e4_column(table, name: str, *, file: str, place, what: str, nullable: bool = False):
    """A column of decimals as int64 ten-thousandths (and its validity mask when ``nullable``), read
    by Arrow; the first bad cell is refused at its row and column."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    col = table.column(name)
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if not (pa.types.is_string(arr.type) or pa.types.is_decimal(arr.type) or pa.types.is_integer(arr.type)):
        arr = pc.cast(arr, pa.string())
    try:
        dec = pc.cast(arr, pa.decimal128(38, 4))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # cell by cell: the first bad one is named
        values: list[int | None] = []
        for i, v in enumerate(arr.to_pylist()):
            if v is not None and str(v).strip() != "":
                values.append(to_e4(v, file=file, path=place(i, name)))
            elif not nullable:
                raise DataError(f"no {what}", file=file, path=place(i, name)) from None
            else:
                values.append(None)
        mask = np.array([v is not None for v in values], dtype=bool)
        out = np.array([0 if v is None else v for v in values], dtype=np.int64)
        return out, (None if mask.all() else mask)
    valid = None
    if dec.null_count:
        mask = np.asarray(dec.is_valid().to_numpy(zero_copy_only=False))
        if not nullable:
            raise DataError(f"no {what}", file=file, path=place(int(np.flatnonzero(~mask)[0]), name))
        valid = mask
    words = np.frombuffer(dec.buffers()[1], dtype=np.int64)[2 * dec.offset:2 * (dec.offset + len(dec))]
    low, high = words[0::2], words[1::2]
    if ((high != 0) & (high != -1)).any() or ((high == -1) != (low < 0)).any():
        i = int(np.flatnonzero((high != 0) & (high != -1) | ((high == -1) != (low < 0)))[0])
        raise DataError("the figure is too large for the archive", file=file, path=place(i, name))
    out = low.copy()
    if valid is not None:
        out[~valid] = 0
    return out, valid


def batch_evaluations(path: str, *, pack_name: str | None, kind: str | None, year: int | None,
                      disable: tuple[str, ...] = ()):
    """The evaluations of a ``jixiao batch`` results file, column by column (:class:`Evaluations`)."""
    import numpy as np

    from ..plugins import Registry
    from ..session import load_pack
    from .bulk import of_batch

    if pack_name is None:
        raise ConfigError("batch results do not name their pack", file=path, path="--pack",
                          hint="give --pack NAME (the pack the batch was run with)")
    if kind is None:
        raise ConfigError("batch results do not state the kind of evaluation", file=path, path="--kind",
                          hint="give --kind self|recheck|third-party")
    if year is None:
        raise ConfigError("batch results do not state the evaluated year", file=path, path="--year",
                          hint="give --year 2023")
    from ..batch.compile import output_places

    pack, _ = load_pack(pack_name, Registry(disabled=disable))
    places = output_places(pack.rule_set)  # the decimals batch results print their scores with
    leaves = pack_leaves(pack, file=pack_name)
    table = read_results_table(path)
    cols = table.column_names
    missing = [c for c in ("project_id", "total") if c not in cols]
    if missing:
        raise DataError(f"no column {missing[0]!r}: not the results of `jixiao batch`", file=path, path="header")
    absent = sorted(code for code, _, _ in leaves if code not in cols)
    if absent:
        raise DataError(f"no column for leaf {absent[0]!r} of pack {pack.name}: were these results written with "
                        "another pack?", file=path, path="header")
    suffix = Path(path).suffix.lower()
    first = {".csv": 2, ".jsonl": 1}.get(suffix, 1)
    where = "line" if suffix == ".jsonl" else "row"

    def place(i: int, column: str) -> str:
        return f"{where} {i + first}, column {column}"

    pid: list[str] = []
    for i, v in enumerate(text_column(table, "project_id")):
        if v is None or not v.strip():
            raise DataError("empty project_id", file=path, path=place(i, "project_id"))
        pid.append(v)
    total, _ = e4_column(table, "total", file=path, place=place, what="total")
    step = 10 ** (SCALE - places) if places <= SCALE else 1
    off = np.flatnonzero(total % step)
    if len(off):
        raise DataError(f"the total has more than the pack's {places} decimals", file=path,
                        path=place(int(off[0]), "total"))
    scores = np.empty((table.num_rows, len(leaves)), dtype=np.int64)
    for k, (code, _, _) in enumerate(leaves):
        scores[:, k], _ = e4_column(table, code, file=path, place=place, what=f"score for leaf {code}")
    ids: dict[str, list[str | None]] = {}
    for field, names in ID_COLUMNS.items():
        name = next((c for c in names if c in cols), None)
        if name is None:
            continue
        values = [v if v not in ("",) else None for v in text_column(table, name)]
        if field == "budget":
            e4_column(table, name, file=path, place=place, what="budget", nullable=True)
        ids[field] = values
    grade = text_column(table, "grade") if "grade" in cols else [None] * table.num_rows
    return of_batch(pack=pack.name, pack_version=pack.version, kind=kind, year=year, places=places, source=path,
                    project_id=pid, ids=ids, total_e4=total, grade=[g or None for g in grade], leaves=leaves,
                    scores_e4=scores, row_numbers=np.arange(first, first + table.num_rows), where=where)


def pack_leaves(pack, *, file: str | None) -> list[tuple[str, str | None, int | None]]:
    """(code, name, standard_e4) of every leaf of the pack."""
    return [(leaf.code, leaf.name, None if leaf.standard_score is None else
             to_e4(leaf.standard_score, file=file, path=f"{leaf.code}.standard_score")) for leaf in pack.leaves()]


def archive_result(result, config, url: str, kind: str | None) -> str:
    """``jixiao evaluate --archive URL``: store the evaluation just made; returns the note to print."""
    from ..document import build_document
    from .store import Archive

    doc = json.loads(json.dumps(build_document(result), ensure_ascii=False))
    record = records_of_document(doc, file=config.file, kind=kind, year=None,
                                 section=config_archive_section(config))
    archive = Archive(url)
    try:
        counts = archive.add([record])
    finally:
        archive.close()
    done = "already archived" if counts["unchanged"] else "archived"
    return f"{done} in {archive.where}"


def _template_facts(pack_or_config: str) -> tuple[dict[str, Any], dict[str, Any], str | None]:
    """([project], [archive]) of an evaluation config given to ``batch`` as a template (else empty)."""
    if not pack_or_config.endswith(".toml"):
        return {}, {}, None
    from ..tomlio import read_toml

    data = read_toml(Path(pack_or_config))
    project: dict[str, Any] = data["project"] if isinstance(data.get("project"), dict) else {}
    section: Any = data.get("archive", {})
    if not isinstance(section, dict):
        raise ConfigError("expected a table", file=pack_or_config, path="$.archive")
    unknown = sorted(set(section) - {"kind", "url"})
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]!r}; [archive] takes kind and url", file=pack_or_config,
                          path=f"$.archive.{unknown[0]}")
    return project, section, pack_or_config


class BatchArchiver:
    """``jixiao batch --archive``: opened (and the kind and year settled) before the batch runs, then
    called by :func:`jixiao.batch.run_batch` with the scored rows as columns."""

    def __init__(self, url: str | None, *, pack_or_config: str, portfolio: str, kind: str | None,
                 year: int | None, replace: bool) -> None:
        from .records import year_of
        from .store import Archive

        project, section, template = _template_facts(pack_or_config)
        if kind is None and "kind" in section:
            kind = norm_kind(section["kind"], file=template, path="$.archive.kind")
        if kind is None:
            raise ConfigError("the kind of evaluation is not stated", path="--kind",
                              hint="give --kind self|recheck|third-party (or [archive] kind in the template config)")
        if year is None and not (project.get("year") or project.get("period")):
            raise ConfigError("the evaluated year is not stated", path="--year",
                              hint="give --year 2023 (or year/period in the template config's [project])")
        self.year = year_of(project, year, file=template)
        self.kind, self.replace, self.portfolio = kind, replace, portfolio
        self.archive = Archive(url or section.get("url"))
        self.counts: dict[str, int] | None = None

    def __call__(self, *, pack, template, project_ids, kept, total, grades, leaves, texts, rows, scale,
                 row_numbers) -> None:
        import numpy as np

        from .bulk import of_batch

        if scale > SCALE:
            raise ConfigError(f"pack {pack.name} rounds scores to {scale} decimals; the archive keeps {SCALE}",
                              path="--archive")
        up = 10 ** (SCALE - scale)
        spec = pack_leaves(pack, file=pack.name)
        scores = np.empty((len(rows), len(spec)), dtype=np.int64)
        for j, (code, _, _) in enumerate(spec):
            scores[:, j] = np.asarray(leaves[code], dtype=np.int64) * up
            marks = texts.get(code)  # scores given as text (Marks: a code per scored row into its labels, −1: none)
            if marks is None:
                continue
            codes = np.asarray(marks.codes)[np.asarray(rows, dtype=np.int64)]
            used, first = np.unique(codes, return_index=True)
            for label, k in sorted(zip(used.tolist(), first.tolist()), key=lambda p: p[1]):  # by first row
                if label < 0:
                    continue
                text, where = marks.labels[label], f"row {int(row_numbers[k])}, column {code}"
                if text == "":
                    raise DataError(f"leaf {code} has no score; the archive keeps a score for every leaf",
                                    file=self.portfolio, path=where)
                scores[codes == label, j] = to_e4(text, file=self.portfolio, path=where)
        ids = {}
        for field, names in ID_COLUMNS.items():
            name = next((c for c in names if c in kept), None)
            if name is not None:
                ids[field] = [v if v not in (None, "") else None for v in kept[name]]
        if "budget" in ids:
            for k, v in enumerate(ids["budget"]):
                if v is not None:
                    to_e4(v, file=self.portfolio, path=f"row {int(row_numbers[k])}, column budget")
        ev = of_batch(pack=pack.name, pack_version=pack.version, kind=self.kind, year=self.year, places=scale,
                      source=self.portfolio, project_id=[str(p) for p in project_ids], ids=ids,
                      total_e4=np.asarray(total, dtype=np.int64) * up, grade=grades, leaves=spec, scores_e4=scores,
                      row_numbers=np.asarray(row_numbers))
        self.counts = self.archive.add(ev, replace=self.replace)

    def note(self) -> str:
        c = self.counts or {"added": 0, "replaced": 0, "unchanged": 0}
        return (f"{self.archive.where}: {c['added']} added, {c['replaced']} replaced, {c['unchanged']} already "
                "archived")

    def close(self) -> None:
        self.archive.close()


def archive_reviewed(archive, forms: list[tuple[Path, dict[str, Any]]], *, replace: bool) -> str:
    """``jixiao review --archive``: every re-scored form as a self-evaluation, with its discrepancies, in
    one transaction; a form whose levels' weights are wrong has no total and is not archived."""
    records, skipped = [], []
    for path, doc in forms:
        if "total" not in doc or doc.get("total") is None:
            skipped.append(path.name)
            continue
        records.append(from_document(doc, file=str(path), kind="self", source=str(path)))
    counts = archive.add(records, replace=replace)
    note = (f"{archive.where}: {counts['added']} added, {counts['replaced']} replaced, {counts['unchanged']} "
            "already archived")
    if skipped:
        note += f"; not archived (no total: the form's weights are wrong): {', '.join(skipped)}"
    return note
