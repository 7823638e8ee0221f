"""Reading what ``jixiao archive add`` is given: evaluation documents (.json), evaluation configs
(.toml, evaluated here) and ``jixiao batch`` results (.parquet, .csv, .jsonl)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import ConfigError, DataError
from .records import from_batch_row, from_document, norm_kind, to_e4

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


def batch_rows(path: str) -> tuple[list[str], list[dict[str, Any]]]:
    """The columns and rows of a batch results file, every cell as text (exact decimals)."""
    p = Path(path)
    if not p.exists():
        raise ConfigError("no such file", file=path)
    suffix = p.suffix.lower()
    if suffix == ".jsonl":
        rows = []
        cols: list[str] = []
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"not JSON: {exc.msg}", file=path, path=f"line {n}") from None
            if not isinstance(obj, dict):
                raise DataError("expected a JSON object per line", file=path, path=f"line {n}")
            cols = cols or list(obj)
            rows.append({k: (None if v is None else str(v)) for k, v in obj.items()})
        return cols, rows
    import pyarrow as pa

    if suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(p)
    elif suffix == ".csv":
        import pyarrow.csv as pacsv

        try:
            head = p.open(encoding="utf-8-sig").readline()
        except UnicodeDecodeError:
            raise DataError("not UTF-8 text; batch results are written as UTF-8", file=path) from None
        names: list[str] = next(iter(__import__("csv").reader([head])), [])
        table = pacsv.read_csv(p, convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, strings_can_be_null=True))
    else:
        raise ConfigError(f"cannot tell what {p.name!r} is; expected .json (a document), .toml (a config) or "
                          "batch results (" + ", ".join(BATCH_SUFFIXES) + ")", file=path)
    cols = table.column_names
    text_cols = {}
    import pyarrow.compute as pc

    for c in cols:
        col = table.column(c)
        text_cols[c] = (col if pa.types.is_string(col.type) else pc.cast(col, pa.string())).to_pylist()
    n = table.num_rows
    return cols, [{c: text_cols[c][i] for c in cols} for i in range(n)]


def records_of_batch(path: str, *, pack_name: str | None, kind: str | None, year: int | None,
                     disable: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    from ..plugins import Registry
    from ..session import load_pack

    if pack_name is None:
        raise ConfigError("batch results do not name their pack", file=path, path="--pack",
                          hint="give --pack NAME (the pack the batch was run with)")
    if kind is None:
        raise ConfigError("batch results do not state the kind of evaluation", file=path, path="--kind",
                          hint="give --kind self|recheck|third-party")
    if year is None:
        raise ConfigError("batch results do not state the evaluated year", file=path, path="--year",
                          hint="give --year 2023")
    pack, _ = load_pack(pack_name, Registry(disabled=disable))
    places = pack.rule_set.rounding.score_places
    leaves = [(leaf.code, leaf.name, None if leaf.standard_score is None else
               to_e4(leaf.standard_score, file=pack_name, path=f"{leaf.code}.standard_score"))
              for leaf in pack.leaves()]
    cols, rows = batch_rows(path)
    missing = [c for c in ("project_id", "total") if c not in cols]
    if missing:
        raise DataError(f"no column {missing[0]!r}: not the results of `jixiao batch`", file=path,
                        path="header")
    # Leaves a template defines (national forms) are not in the pack: take any score column present.
    codes = {leaf[0] for leaf in leaves}
    absent = [c for c in codes if c not in cols]
    if absent:
        raise DataError(f"no column for leaf {min(absent)!r} of pack {pack.name}: were these results "
                        "written with another pack?", file=path, path="header")
    header_row = 1 if Path(path).suffix.lower() == ".csv" else 0
    return [from_batch_row(r, pack=pack.name, pack_version=pack.version, leaves=leaves, kind=kind, year=year,
                           places=places, file=path, line=i + 1 + header_row, source=path)
            for i, r in enumerate(rows)]


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
