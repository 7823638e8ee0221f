"""One evaluation run: read the config, load the selected pack (and nothing else), evaluate."""

from __future__ import annotations

from pathlib import Path

from .config import EvaluationConfig, load_config
from .engine import evaluate
from .model import EvaluationResult, Pack
from .plugins import Registry
from .types import Provenance


def resolve_pack(config: EvaluationConfig, registry: Registry) -> tuple[Pack, Provenance | None]:
    """The pack a config selects (a registered name or a pack file), with the config's own leaves."""
    if config.pack_path is not None:
        from .packfile import load_pack_file

        pack = load_pack_file(config.pack_path)
        registry.add_pack(pack, source=str(config.pack_path))
        prov = None
    else:
        assert config.pack_name is not None
        from .errors import PackNotFoundError

        try:
            rec = registry.pack_record(config.pack_name)
        except PackNotFoundError as exc:  # the config names it: say where
            exc.file = exc.file or config.file
            exc.path = exc.path or ("$.pack.name" if isinstance(config.raw.get("pack"), dict) else "$.pack")
            raise
        pack, prov = rec.pack, rec.provenance
    return apply_config_rules(merge_config_indicators(pack, config), config), prov


def apply_config_rules(pack: Pack, config: EvaluationConfig) -> Pack:
    """The evaluation's own ``[weights]`` (the template's adjustable standard scores) and ``[rounding]``
    (keys over the pack's ``[rule_set.rounding]``), applied to the pack it runs on."""
    from .rounding import apply_config_rounding
    from .weights import apply_weights

    return apply_config_rounding(apply_weights(pack, config), config)


def merge_config_indicators(pack: Pack, config: EvaluationConfig) -> Pack:
    """Add the leaves an evaluation defines to the pack's open groups; drop open groups left empty.

    The national self-evaluation form fixes the first and second levels and their points; the unit
    defines its own third-level indicators, targets and actual values in the evaluation file.
    """
    import attrs

    from .errors import ConfigError, JixiaoError, raise_all
    from .model import Group, iter_nodes
    from .packfile import build_tree

    entries = dict(config.indicators)
    groups = {n.code: n for n in iter_nodes(pack.tree) if isinstance(n, Group)}
    codes = {n.code for n in iter_nodes(pack.tree)}
    errors: list[JixiaoError] = []
    by_parent: dict[str, list] = {}
    if entries:
        local: dict[str, dict] = {}
        attach: dict[str, str] = {}
        for code, spec in entries.items():
            where = f"$.indicators.{code}"
            if code in codes:
                errors.append(ConfigError(f"indicator {code!r} already exists in pack {pack.name!r}",
                                          file=config.file, path=where))
                continue
            if not isinstance(spec, dict):
                errors.append(ConfigError("expected a table", file=config.file, path=where))
                continue
            parent = spec.get("parent")
            if parent in groups:
                if not groups[parent].open:
                    errors.append(ConfigError(
                        f"group {parent} of pack {pack.name!r} does not take indicators from an evaluation; open "
                        "groups: " + (", ".join(c for c, g in groups.items() if g.open) or "none"),
                        file=config.file, path=where + ".parent"))
                    continue
                attach[code] = parent
                spec = {k: v for k, v in spec.items() if k != "parent"}
            elif parent not in entries:
                errors.append(ConfigError(
                    f"parent {parent!r} is neither an open group of pack {pack.name!r} nor an indicator here",
                    file=config.file, path=where + ".parent"))
                continue
            local[code] = spec
        if not errors:
            nodes = build_tree(local, file=config.file, errors=errors, base=("config",))
            for node in nodes:
                group = groups[attach[node.code]]
                by_parent.setdefault(group.code, []).append(_with_defaults(node, group, config.file, errors))
    raise_all(errors)

    def rebuild(nodes):
        out = []
        for n in nodes:
            if isinstance(n, Group):
                kids = rebuild(n.children) + by_parent.get(n.code, [])
                if not kids and n.open:
                    continue
                out.append(attrs.evolve(n, children=tuple(kids)))
            else:
                out.append(n)
        return out

    if not entries and not any(g.open for g in groups.values()):
        return pack
    return attrs.evolve(pack, tree=tuple(rebuild(pack.tree)))


def _with_defaults(node, group, file, errors):
    """Fill a config-defined leaf's scoring method and value source from its open group."""
    import attrs

    from .errors import ConfigError
    from .model import Group, PluginRef

    if isinstance(node, Group):
        return attrs.evolve(node, children=tuple(_with_defaults(c, group, file, errors) for c in node.children))
    changes = {}
    if node.method.name == "__group_default__" and node.target is not None and node.target.kind == "date":
        changes["method"] = PluginRef(name="deadline")  # a deadline target is scored for timeliness
    elif node.method.name == "__group_default__":
        if group.default_method is None:
            errors.append(ConfigError(f"indicator {node.code} needs score = {{ method = \"…\" }} (group "
                                      f"{group.code} has no default)", file=file, path=f"$.indicators.{node.code}.score"))
        else:
            changes["method"] = group.default_method
    if node.source.name == "input_value" and node.source.params.get("input") == f"{node.code}.actual":
        kind = "rate" if node.target is not None and node.target.unit == "%" else "number"
        changes["source"] = PluginRef(name="input_value", params={"input": f"{node.code}.actual", "kind": kind})
    return attrs.evolve(node, **changes) if changes else node


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

    check_pack_semantics(pack, registry, raise_errors=True, config=config)
    return evaluate(pack, config, registry, provenance=prov)
