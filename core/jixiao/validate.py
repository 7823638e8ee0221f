"""Semantic checks of a pack: unique codes, standard scores that add up, known plugins with valid
parameters, sound grading bands. Every problem is collected and located by key path."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING

from .errors import ConfigError, ErrorGroup, JixiaoError, raise_all
from .model import Group, Indicator, Pack, iter_nodes
from .numbers import ZERO, fmt_number
from .plugins import Registry

if TYPE_CHECKING:
    from .config import EvaluationConfig


def _node_path(path: list[str]) -> str:
    return "$.tree" + "".join(f"[{p}]" for p in path)


def check_pack_semantics(pack: Pack, registry: Registry, *, raise_errors: bool = False,
                         config: EvaluationConfig | None = None) -> list[JixiaoError]:
    """Return (or raise, grouped) every semantic problem of a pack: the checks ``validate`` and
    ``evaluate`` share. With the evaluation's ``config``, a problem of a leaf the config defines
    (``[indicators.CODE]``) is located in the config, and its inputs are checked by name."""
    errors: list[JixiaoError] = []
    own = set(config.indicators) if config is not None else set()

    def file_of(code: str | None) -> str | None:
        return config.file if config is not None and code in own else pack.source

    def err(msg: str, where: str) -> None:
        code = where.split(".")[2] if where.startswith("$.indicators.") else None
        errors.append(ConfigError(msg, file=file_of(code), path=where))

    seen: dict[str, str] = {}

    def walk(nodes, trail: list[str]) -> None:
        for node in nodes:
            where = f"$.indicators.{node.code}"
            if node.code in seen:
                err(f"indicator code {node.code!r} is used twice in pack {pack.name!r}", where)
            seen[node.code] = where
            if isinstance(node, Group):
                if not node.children and not node.open:
                    err(f"group {node.code} has no children", where)
                walk(node.children, trail + [node.code])
                if not registry.has("aggregator", node.aggregator.name):
                    err(f"unknown aggregator {node.aggregator.name!r}", where + ".aggregator")
                    continue
                try:
                    agg = registry.aggregator(node.aggregator.name)
                except JixiaoError as exc:
                    errors.append(_locate(exc, file_of(node.code), where + ".aggregator"))
                    continue
                declared = _param_errors(agg, node.aggregator.params, where + ".aggregator")
                for problem in agg.check(node, pack) if not declared else ():
                    blamed = [c.code for c in node.children if c.code in own
                              and re.search(rf"(?<![\w.]){re.escape(c.code)}(?![\w.])", problem)]
                    if blamed and config is not None:  # e.g. "no weight for child B2": the config's leaf
                        errors.append(ConfigError(f"{problem} (an indicator this evaluation adds under {node.code}"
                                                  f" of pack {pack.name!r})", file=config.file,
                                                  path=f"$.indicators.{blamed[0]}"))
                    else:
                        err(problem, where)
                if agg.numeric and node.standard_score is not None:
                    child_std = [effective_standard(c) for c in node.children]
                    if node.children and all(s is not None for s in child_std):
                        total = sum((c for c in child_std if c is not None), ZERO)
                        mine = [n.code for n in iter_nodes(node.children) if n.code in own]
                        if total != node.standard_score and mine:
                            errors.append(ConfigError(
                                f"the children of {node.code} add up to {fmt_number(total)}, but {node.code} has "
                                f"standard score {fmt_number(node.standard_score)} in pack {pack.name!r}; the "
                                f"indicators this evaluation adds under it: {', '.join(mine)}",
                                file=config.file if config else None,
                                path=f"$.indicators.{mine[0]}.standard_score"))
                        elif total != node.standard_score:
                            err(f"the children of {node.code} add up to {fmt_number(total)}, but {node.code} "
                                f"has standard score {fmt_number(node.standard_score)}", where + ".standard_score")
            else:
                check_leaf(node, where)

    def check_leaf(leaf: Indicator, where: str) -> None:
        if not registry.has("indicator", leaf.source.name):
            err(f"unknown indicator plugin {leaf.source.name!r}", where + ".value")
        else:
            try:
                plugin = registry.indicator(leaf.source.name)
            except JixiaoError as exc:
                errors.append(_locate(exc, file_of(leaf.code), where + ".value"))
            else:
                _param_errors(plugin, leaf.source.params, where + ".value")
        if not registry.has("method", leaf.method.name):
            err(f"unknown scoring method {leaf.method.name!r}", where + ".score")
            return
        try:
            method = registry.method(leaf.method.name)
        except JixiaoError as exc:
            errors.append(_locate(exc, file_of(leaf.code), where + ".score"))
            return
        declared = _param_errors(method, leaf.method.params, where + ".score")
        for problem in method.check_params(leaf.method.params) if not declared else ():
            err(f"{leaf.method.name}: {problem}", where + ".score")
        if leaf.scale is not None and pack.scale(leaf.scale) is None:
            err(f"indicator {leaf.code} names scale {leaf.scale!r}, which the pack does not define "
                f"(scales: {', '.join(sc.name for sc in pack.scales) or 'none'})", where + ".scale")
        if not method.ordinal and leaf.standard_score is None:
            err(f"indicator {leaf.code} has no standard score", where + ".standard_score")
        if leaf.standard_score is not None and leaf.standard_score < 0:
            err("a standard score cannot be negative", where + ".standard_score")

    def _param_errors(rec, given, at: str) -> int:
        """Unknown, mistyped and missing parameters against the record's declared ``params``."""
        from .types import param_problems

        found = param_problems(getattr(rec, "params", None), given)
        for key, msg in found:
            err(f"{rec.name}: {msg}", f"{at}.{key}" if key else at)
        return len(found)

    walk(pack.tree, [])
    rs = pack.rule_set
    if rs.total_standard is not None and rs.total_aggregator == "sum":
        stds = [effective_standard(n) for n in pack.tree]
        if all(s is not None for s in stds):
            total = sum((c for c in stds if c is not None), ZERO)
            if total != rs.total_standard:
                err(f"the first-level standard scores add up to {fmt_number(total)}, expected "
                    f"{fmt_number(rs.total_standard)}", "$.rule_set.total_standard")
    scheme = rs.grading_scheme
    if scheme is None and rs.grading is not None:
        if not registry.has("grading", rs.grading):
            err(f"unknown grading scheme {rs.grading!r}", "$.rule_set.grading")
        else:
            try:
                scheme = registry.grading(rs.grading)
            except JixiaoError as exc:
                errors.append(exc)
    if scheme is not None:
        for problem in scheme.problems():
            err(f"grading scheme {scheme.name!r}: {problem}", "$.rule_set.grading")
    errors += check_formulas(pack, pack.source, own=own, config_file=config.file if config else None)
    if config is not None:
        errors += check_input_names(pack, config, registry)
    if raise_errors:
        raise_all(errors)
    return errors


def _flatten(exc: JixiaoError) -> list[JixiaoError]:
    return list(exc.errors) if isinstance(exc, ErrorGroup) else [exc]


def check_formulas(pack: Pack, file: str | None, *, own: set[str] | frozenset[str] = frozenset(),
                   config_file: str | None = None) -> list[JixiaoError]:
    """Every formula compiles, and names only declared inputs (packs that declare inputs).

    A formula is blamed on the file that wrote it: the pack file, or the config for its own leaves."""
    errors: list[JixiaoError] = []
    declared = {spec.name: spec.kind for spec in pack.inputs}

    for node in iter_nodes(pack.tree):
        refs = []
        if isinstance(node, Indicator):
            refs.append((node.source, f"$.indicators.{node.code}.value"))
        elif isinstance(node, Group) and node.default_source is not None:
            refs.append((node.default_source, f"$.indicators.{node.code}.default_value"))
        where_file = config_file if node.code in own and config_file else file
        for ref, where in refs:
            if ref.name != "formula":
                continue
            # the parser (lark) only for a pack that has formulas
            from .formula import compile_formula

            try:
                compile_formula(str(ref.params.get("expr", ref.params.get("formula", ""))), file=where_file, where=where + ".formula",
                                declared=declared if declared else None)
            except JixiaoError as exc:
                for e in _flatten(exc):
                    if where_file and e.file != where_file and (e.path or "").startswith(where):
                        e.file = where_file
                    errors.append(e)
    return errors


def check_input_names(pack: Pack, config: EvaluationConfig, registry: Registry) -> list[JixiaoError]:
    """An input the pack neither declares nor asks for is a misspelling until shown otherwise
    (``spot_chek_done`` → did you mean ``spot_check_done``?)."""
    from .engine import required_inputs
    from .schema import unknown_key

    known = {spec.name for spec in pack.inputs}
    try:
        known |= {req.name for _, req in required_inputs(pack, registry) if req.kind != "rating"}
    except JixiaoError:
        return []  # the unknown plugin is reported by the checks above
    known |= {f"{leaf.code}.actual" for leaf in pack.leaves()}
    errors: list[JixiaoError] = []
    for name in config.inputs:
        if name in known or name.endswith(".actual"):
            continue
        errors.append(unknown_key(name, sorted(known - {n for n in known if n.endswith(".actual")}),
                                  file=config.file, where=f"$.inputs.{name}",
                                  what=f"(pack {pack.name!r} has no such input)"))
    return errors


def _locate(exc: JixiaoError, file: str | None, where: str) -> JixiaoError:
    if exc.file is None and exc.path is None:
        exc.file, exc.path = file, where
    return exc


def effective_standard(node) -> Decimal | None:
    """A node's standard score: declared, or the sum of its children's (None if any is unknown)."""
    if node.standard_score is not None or not isinstance(node, Group):
        return node.standard_score
    kids = [effective_standard(c) for c in node.children]
    if not kids or any(k is None for k in kids):
        return None
    return sum((c for c in kids if c is not None), ZERO)


__all__ = ["check_formulas", "check_input_names", "check_pack_semantics", "iter_nodes"]
