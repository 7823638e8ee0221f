"""One evaluation run: read the config, load the selected pack (and nothing else), evaluate."""

from __future__ import annotations

from pathlib import Path

from .config import EvaluationConfig, load_config
from .engine import evaluate
from .model import EvaluationResult, Pack
from .plugins import Registry
from .types import Provenance


def resolve_pack(config: EvaluationConfig, registry: Registry) -> tuple[Pack, Provenance | None]:
    """The pack a config selects: a registered name (entry point) or a pack file path."""
    if config.pack_path is not None:
        from .packfile import load_pack_file

        pack = load_pack_file(config.pack_path)
        registry.add_pack(pack, source=str(config.pack_path))
        return pack, None
    assert config.pack_name is not None
    rec = registry.pack_record(config.pack_name)
    return rec.pack, rec.provenance


def load_pack(name_or_path: str, registry: Registry) -> tuple[Pack, Provenance | None]:
    """A pack by registered name, or by path when the argument names a ``.toml`` file."""
    if name_or_path.endswith(".toml"):
        from .packfile import load_pack_file

        pack = load_pack_file(Path(name_or_path))
        registry.add_pack(pack, source=name_or_path)
        return pack, None
    rec = registry.pack_record(name_or_path)
    return rec.pack, rec.provenance


def evaluate_file(config_path: str | Path, *, registry: Registry | None = None,
                  disabled: tuple[str, ...] = ()) -> EvaluationResult:
    config = load_config(config_path)
    registry = registry or Registry(disabled=(*disabled, *config.disable))
    pack, prov = resolve_pack(config, registry)
    from .validate import check_pack_semantics

    check_pack_semantics(pack, registry, raise_errors=True)
    return evaluate(pack, config, registry, provenance=prov)
