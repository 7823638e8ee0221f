"""``jixiao validate``: check evaluation configs and pack files in stages, reporting every problem.

parse (line, column) → JSON Schema (key paths) → references (pack, codes, inputs, plugins) →
semantics (standard scores add up, unique codes, gap-free bands, formulas compile, a dry run of
the evaluation for data problems). Exit 0 when clean, 2 when anything in the configuration or
pack is wrong, 3 when only input values are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import ConfigError, DataError, ErrorGroup, JixiaoError
from .model import Group, Indicator, iter_nodes
from .plugins import Registry
from .schema import schema_errors
from .tomlio import read_toml


def file_kind(data: dict[str, Any]) -> str:
    """A pack file has a [pack] table with a title; an evaluation config names its pack."""
    pack = data.get("pack")
    if isinstance(pack, dict) and ("title" in pack or "indicators" in data and "name" in pack and "path" not in pack
                                   and "inputs" not in data and "ratings" not in data):
        return "pack"
    return "config"


def _flatten(exc: JixiaoError) -> list[JixiaoError]:
    return list(exc.errors) if isinstance(exc, ErrorGroup) else [exc]


def check_formulas(pack, file: str | None) -> list[JixiaoError]:
    """Every formula compiles, and names only declared inputs (packs that declare inputs)."""
    errors: list[JixiaoError] = []
    declared = {spec.name: spec.kind for spec in pack.inputs}
    try:
        from .formula import compile_formula
    except ImportError:  # pragma: no cover - the formula module ships with the core
        return errors
    for node in iter_nodes(pack.tree):
        refs = []
        if isinstance(node, Indicator):
            refs.append((node.source, f"$.indicators.{node.code}.value"))
        elif isinstance(node, Group) and node.default_source is not None:
            refs.append((node.default_source, f"$.indicators.{node.code}.default_value"))
        for ref, where in refs:
            if ref.name != "formula":
                continue
            try:
                compile_formula(str(ref.params.get("expr", "")), file=file, where=where + ".formula",
                                declared=declared if declared else None)
            except JixiaoError as exc:
                errors.extend(_flatten(exc))
    return errors


def validate_pack_file(path: Path, registry: Registry, data: dict[str, Any]) -> list[JixiaoError]:
    from .packfile import parse_pack
    from .validate import check_pack_semantics

    file = str(path)
    errors = schema_errors(data, "pack", file=file)
    structural: list[JixiaoError] = []
    try:
        pack = parse_pack(data, file=file, base=path.parent, collect=structural)
    except Exception as exc:  # noqa: BLE001 - a shape the lenient build cannot survive; the schema errors say why
        if errors:
            return errors
        raise ConfigError(f"cannot read the pack: {exc}", file=file) from None
    schema_paths = [e.path or "" for e in errors]

    def overlaps(path: str | None) -> bool:
        p = path or ""
        return any(p == q or p.startswith(q + ".") or q.startswith(p + ".") for q in schema_paths)

    errors += [e for e in structural if not overlaps(e.path)]
    covered = {e.path for e in errors}
    errors += [e for e in check_pack_semantics(pack, registry) + check_formulas(pack, file)
               if e.path not in covered or e.path is None]
    return errors


def validate_config_file(path: Path, registry: Registry, data: dict[str, Any]) -> list[JixiaoError]:
    from .config import load_config
    from .engine import check_inputs, evaluate
    from .session import resolve_pack
    from .validate import check_pack_semantics

    file = str(path)
    errors = schema_errors(data, "config", file=file)
    try:
        cfg = load_config(path)
    except JixiaoError as exc:
        covered = {e.path for e in errors}
        return errors + [e for e in _flatten(exc) if e.path not in covered]
    try:
        pack, prov = resolve_pack(cfg, registry)
    except JixiaoError as exc:
        return errors + _flatten(exc)
    semantic = check_pack_semantics(pack, registry) + check_formulas(pack, pack.source)
    refs = check_inputs(pack, cfg, registry)
    errors += semantic + refs
    if semantic or refs or errors:
        return errors
    try:  # a dry run finds the values that cannot be right
        evaluate(pack, cfg, registry, provenance=prov)
    except JixiaoError as exc:
        errors += _flatten(exc)
    return errors


def validate_paths(paths: list[str]) -> list[tuple[str, str, list[JixiaoError]]]:
    out = []
    for raw in paths:
        path = Path(raw)
        registry = Registry()
        try:
            data = read_toml(path)
        except JixiaoError as exc:
            out.append((raw, "file", [exc]))
            continue
        kind = file_kind(data)
        try:
            errs = (validate_pack_file if kind == "pack" else validate_config_file)(path, registry, data)
        except JixiaoError as exc:
            errs = _flatten(exc)
        out.append((raw, kind, errs))
    return out


def exit_code(results) -> int:
    errs = [e for _, _, es in results for e in es]
    if not errs:
        return 0
    return 3 if all(isinstance(e, DataError) for e in errs) else 2


__all__ = ["ConfigError", "exit_code", "file_kind", "validate_paths"]
