"""``jixiao validate``: check evaluation configs and pack files in stages, reporting every problem.

parse (line, column) → JSON Schema (key paths) → references (pack, codes, inputs, plugins) →
semantics (standard scores add up, unique codes, gap-free bands, formulas compile, a dry run of
the evaluation for data problems). Exit 0 when clean, 2 when anything in the configuration or
pack is wrong, 3 when only input values are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import ConfigError, DataError, JixiaoError
from .plugins import Registry
from .tomlio import read_toml
from .validate import _flatten, check_formulas  # noqa: F401 - check_formulas kept importable from here

TOO_DEEP = ("the file nests arrays or tables too deeply to read (hundreds of levels); "
            "an evaluation config or pack file needs a few")


def file_kind(data: dict[str, Any]) -> str:
    """A pack file has a [pack] table with a title; an evaluation config names its pack."""
    pack = data.get("pack")
    if isinstance(pack, dict) and ("title" in pack or "indicators" in data and "name" in pack and "path" not in pack
                                   and "inputs" not in data and "ratings" not in data):
        return "pack"
    return "config"


def validate_pack_file(path: Path, registry: Registry, data: dict[str, Any]) -> list[JixiaoError]:
    from .packfile import read_pack_data
    from .validate import check_pack_semantics

    file = str(path)
    pack, errors = read_pack_data(data, file=file, base=path.parent)
    if pack is None:
        return errors
    covered = {e.path for e in errors}
    errors += [e for e in check_pack_semantics(pack, registry) if e.path not in covered or e.path is None]
    return errors


def validate_config_file(path: Path, registry: Registry, data: dict[str, Any]) -> list[JixiaoError]:
    """The checks ``evaluate`` makes, in the same order, collecting instead of stopping at the first stage."""
    from .config import load_config
    from .engine import check_inputs, evaluate, panel_of
    from .session import resolve_pack
    from .validate import check_pack_semantics

    try:
        cfg = load_config(path)  # parse, JSON Schema, the config's own keys and files
    except JixiaoError as exc:
        return _flatten(exc)
    if cfg.disable:
        registry = Registry(disabled=(*registry.disabled, *cfg.disable))
    try:
        pack, prov = resolve_pack(cfg, registry)
    except JixiaoError as exc:
        return _flatten(exc)
    errors = check_pack_semantics(pack, registry, config=cfg)
    if errors:  # the inputs a plugin asks for are known only when every plugin loads
        return errors
    try:  # surveys fill the inputs their tallies would; the leaves an expert panel scores need no rating
        from .survey import apply_surveys

        filled, _ = apply_surveys(cfg)
        panel = panel_of(pack, filled, registry)
    except JixiaoError as exc:
        return _flatten(exc)
    errors += check_inputs(pack, filled, registry, tuple(panel.combined) if panel else ())
    if errors:
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
        kind = "file"
        try:
            data = read_toml(path)
            kind = file_kind(data)
            errs = (validate_pack_file if kind == "pack" else validate_config_file)(path, registry, data)
        except JixiaoError as exc:
            errs = _flatten(exc)
        except RecursionError:  # tomllib and the walkers recurse: 1,000-deep arrays/tables end here, as in evaluate
            errs = [ConfigError(TOO_DEEP, file=raw, path="$")]
        out.append((raw, kind, errs))
    return out


def exit_code(results) -> int:
    errs = [e for _, _, es in results for e in es]
    if not errs:
        return 0
    return 3 if all(isinstance(e, DataError) for e in errs) else 2


__all__ = ["ConfigError", "exit_code", "file_kind", "validate_paths"]
