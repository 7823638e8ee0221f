"""Plugin discovery and the registry: entry points in, validated records stamped with provenance out.

Only what a run uses is imported: a pack, indicator plugin, scoring method, grading scheme,
aggregator or renderer is looked up by name in its entry-point group (metadata only) and its
module imported on first use, inside its own ``try`` so that a broken plugin is reported with its
name and distribution and never breaks ``--help`` or listing. The installed distributions' entry
points are read once per process (:func:`entry_point_scans` counts it) and grouped in memory,
whatever the number of look-ups. A fresh :class:`Registry` is made per run; nothing is loaded at
import time.
"""

from __future__ import annotations

import difflib
import importlib.metadata as md
import os
import sys
from collections.abc import Iterable, Mapping
from typing import Any, cast

import attrs
import pluggy

from . import hookspecs
from .errors import PackNotFoundError, PluginError
from .model import GradingScheme, Pack
from .types import (
    Aggregator,
    GradingSchemeRecord,
    IndicatorPlugin,
    PackRecord,
    Provenance,
    Renderer,
    ScoringMethod,
)

PLUGIN_API = 1
"""The plugin API this core implements. A pack declares the API it targets in ``Pack.api``."""
SUPPORTED_APIS = frozenset({1})

SUFFIX_ALIASES = {"md": "markdown", "markdown": "markdown", "txt": "table", "htm": "html", "jsonl": "json"}

DISABLE_ENV = "JIXIAO_DISABLE"
"""Comma-separated plugin names (packs, indicator plugins, …) to skip without importing them."""


@attrs.frozen
class Kind:
    key: str
    group: str
    hook: str
    record: type
    label: str


KINDS: dict[str, Kind] = {
    k.key: k
    for k in (
        Kind("pack", "jixiao.packs", "jixiao_packs", Pack, "pack"),
        Kind("indicator", "jixiao.indicators", "jixiao_indicators", IndicatorPlugin, "indicator plugin"),
        Kind("method", "jixiao.methods", "jixiao_scoring_methods", ScoringMethod, "scoring method"),
        Kind("grading", "jixiao.grading", "jixiao_grading_schemes", GradingSchemeRecord, "grading scheme"),
        Kind("aggregator", "jixiao.aggregators", "jixiao_aggregators", Aggregator, "aggregator"),
        Kind("renderer", "jixiao.renderers", "jixiao_renderers", Renderer, "renderer"),
    )
}


@attrs.frozen(kw_only=True)
class EntryPointInfo:
    """An installed plugin as its distribution's metadata declares it (nothing imported)."""

    kind: str
    name: str
    value: str
    distribution: str | None
    version: str | None

    def describe(self) -> str:
        dist = f"{self.distribution} {self.version}" if self.distribution else "unknown distribution"
        return f"{self.name} ({dist})"


def disabled_from_env() -> frozenset[str]:
    raw = os.environ.get(DISABLE_ENV, "")
    return frozenset(part.strip() for part in raw.split(",") if part.strip())


_scan_cache: dict[tuple[Any, ...], dict[str, list[tuple[Any, str | None, str | None]]]] = {}
_scans = 0


def entry_point_scans() -> int:
    """How many times this process has read the installed distributions' entry points (one
    ``importlib.metadata.entry_points()`` call each); the tests hold a run to one."""
    return _scans


def _path_key() -> tuple[Any, ...]:
    """``sys.path`` with each entry's modification time: a distribution installed into (or removed
    from) a folder changes it, as it does for importlib.metadata's own cache."""
    key: list[Any] = []
    for entry in sys.path:
        try:
            key.append((entry, os.stat(entry or ".").st_mtime_ns))
        except OSError:
            key.append((entry, None))
    return tuple(key)


def _scan() -> dict[str, list[tuple[Any, str | None, str | None]]]:
    """Every jixiao entry point, grouped by entry-point group, from ONE scan of the installed
    distributions' metadata: ``(entry point, distribution name, version)``. A distribution's
    METADATA is parsed only when it declares a jixiao entry point (once, whatever its count)."""
    global _scans
    key = _path_key()
    cached = _scan_cache.get(key)
    if cached is not None:
        return cached
    _scans += 1
    groups = {k.group: k.key for k in KINDS.values()}
    out: dict[str, list[tuple[Any, str | None, str | None]]] = {g: [] for g in groups}
    dists: dict[int, tuple[str | None, str | None]] = {}
    every = md.entry_points()  # the one scan; .select() below filters it in memory (3.11 and 3.12+)
    for ep in (ep for group in out for ep in every.select(group=group)):
        d = ep.dist
        if d is None:
            name, version = None, None
        else:
            if id(d) not in dists:
                meta = d.metadata  # one parse per distribution
                dists[id(d)] = (meta["Name"], meta["Version"])
            name, version = dists[id(d)]
        out[ep.group].append((ep, name, version))
    _scan_cache.clear()
    _scan_cache[key] = out
    return out


def _group_entries(kind: str) -> list[tuple[Any, str | None, str | None]]:
    return _scan()[KINDS[kind].group]


def installed(kind: str) -> list[EntryPointInfo]:
    """Every entry point of a kind, from metadata only, sorted by name then distribution."""
    seen: set[tuple[str, str | None, str]] = set()
    out: list[EntryPointInfo] = []
    for ep, dist, version in _group_entries(kind):
        key = (ep.name, dist, ep.value)
        if key in seen:  # the same distribution visible twice on sys.path
            continue
        seen.add(key)
        out.append(EntryPointInfo(kind=kind, name=ep.name, value=ep.value, distribution=dist, version=version))
    out.sort(key=lambda e: (e.name, e.distribution or ""))
    return out


def _entry_points(kind: str, name: str) -> list[Any]:
    found: dict[tuple[str | None, str], Any] = {}
    for ep, dist, version in _group_entries(kind):
        if ep.name == name:
            found.setdefault((dist, ep.value), _Found(ep, dist, version))
    return list(found.values())


@attrs.frozen
class _Found:
    """An entry point with its distribution's name and version read once (from the scan)."""

    ep: Any
    dist_name: str | None
    dist_version: str | None

    @property
    def value(self) -> str:
        return self.ep.value

    def load(self) -> Any:
        return self.ep.load()


def _dist_of(ep: Any) -> tuple[str | None, str | None]:
    if isinstance(ep, _Found):
        return ep.dist_name, ep.dist_version
    if ep.dist is None:
        return None, None
    return ep.dist.name, ep.dist.version


def distribution_of_module(module: str) -> tuple[str | None, str | None]:
    """The distribution whose jixiao entry point names ``module`` (``None, None`` if none does)."""
    for entries in _scan().values():
        for ep, dist, version in entries:
            if ep.value == module and dist is not None:
                return dist, version
    return None, None


class Registry:
    """The records a run can use, loaded on demand from entry points (fresh per run).

    Args:
        disabled: plugin names to skip without importing (``--disable``; ``JIXIAO_DISABLE``).
    """

    def __init__(self, *, disabled: Iterable[str] = ()) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.disabled = frozenset(disabled) | disabled_from_env()
        self._records: dict[str, dict[str, Any]] = {k: {} for k in KINDS}
        self._provenance: dict[int, Provenance] = {}
        self._used: set[tuple[str, str]] = set()

    # -- public look-ups -------------------------------------------------------------------

    def pack(self, name: str) -> Pack:
        return self._get("pack", name).pack

    def indicator(self, name: str) -> IndicatorPlugin:
        return self._get("indicator", name)

    def method(self, name: str) -> ScoringMethod:
        return self._get("method", name)

    def grading(self, name: str) -> GradingScheme:
        return self._get("grading", name).scheme

    def aggregator(self, name: str) -> Aggregator:
        return self._get("aggregator", name)

    def renderer(self, name: str) -> Renderer:
        return self._get("renderer", name)

    def pack_record(self, name: str) -> PackRecord:
        return self._get("pack", name)

    def records(self, kind: str) -> dict[str, Any]:
        """What is loaded so far of a kind (name → record)."""
        return dict(self._records[kind])

    def used_plugins(self) -> list[str]:
        """``name (distribution version)`` of every record a look-up asked for, sorted (run header).

        Records a module registered but the run never asked for are left out, so the list (and the
        JSON document) does not change when a built-in module gains another plugin.
        """
        out = set()
        for kind, recs in self._records.items():
            for name, rec in recs.items():
                if (kind, name) not in self._used:
                    continue
                prov = getattr(rec, "provenance", None)
                dist = f"{prov.distribution} {prov.version}" if prov and prov.distribution else "local"
                out.add(f"{KINDS[kind].label} {name} ({dist})")
        return sorted(out)

    def has(self, kind: str, name: str) -> bool:
        return name in self._records[kind] or bool(_entry_points(kind, name))

    def renderer_for_suffix(self, suffix: str) -> Renderer | None:
        """The renderer for a file suffix, importing as few renderers as possible.

        The entry point named like the suffix (``.docx`` → ``docx``) is tried first, then common
        aliases, then the other installed renderers (a broken one is skipped here; asking for it
        by ``--format`` reports its error).
        """
        suffix = suffix.lower()
        bare = suffix.lstrip(".")
        candidates = [bare, SUFFIX_ALIASES.get(bare, bare)] + [e.name for e in installed("renderer")]
        for name in dict.fromkeys(candidates):
            if not self.has("renderer", name):
                continue
            try:
                rec = self.renderer(name)
            except PluginError:
                if name in (bare, SUFFIX_ALIASES.get(bare)):
                    raise
                continue
            if suffix in rec.suffixes:
                return rec
        return None

    # -- registration ----------------------------------------------------------------------

    def register(self, plugin: object, *, distribution: str | None = None, version: str | None = None,
                 name: str | None = None) -> None:
        """Register a plugin object (a module or any object with hook implementations) directly.

        Used for packs defined in files and by :mod:`jixiao.testing`; entry points go through the
        same path, so a record registered here is checked exactly like an installed one.
        """
        plugin_name = name or getattr(plugin, "__name__", None) or repr(plugin)
        prov = Provenance(plugin=plugin_name, distribution=distribution, version=version)
        self._register(plugin, prov)

    def unregister(self, plugin: object) -> None:
        """Undo :meth:`register`: drop the plugin and every record it provided (``jixiao.testing``)."""
        if not self.pm.is_registered(plugin):
            return
        plugin_name = self.pm.get_name(plugin)
        self.pm.unregister(plugin)
        for recs in self._records.values():
            for name in [n for n, r in recs.items() if r.provenance and r.provenance.plugin == plugin_name]:
                del recs[name]

    def add_pack(self, pack: Pack, *, source: str) -> None:
        """Add a pack that is not a plugin (a TOML file named by path)."""
        prov = Provenance(plugin=source)
        self._check_pack(pack, prov, expected_name=None)
        self._add("pack", pack.name, PackRecord(name=pack.name, pack=pack, provenance=prov), prov)

    def _get(self, kind: str, name: str) -> Any:
        recs = self._records[kind]
        if name in self.disabled:  # also a record another module of the same distribution registered
            self._load(kind, name)  # raises the "is disabled" error
        self._used.add((kind, name))
        if name in recs:
            return recs[name]
        self._load(kind, name)
        if name not in recs:
            eps = _entry_points(kind, name)
            dist = _dist_of(eps[0])[0] if eps else None
            raise PluginError(
                f"{KINDS[kind].label} {name!r}: the entry point in distribution {dist!r} "
                f"did not register a {KINDS[kind].label} of that name",
                plugin=name,
                distribution=dist,
            )
        return recs[name]

    def _load(self, kind: str, name: str) -> None:
        k = KINDS[kind]
        if name in self.disabled:
            raise PluginError(
                f"{k.label} {name!r} is disabled (--disable or {DISABLE_ENV})",
                plugin=name,
                hint=f"remove it from --disable / {DISABLE_ENV} to use it",
            )
        eps = _entry_points(kind, name)
        if not eps:
            available = [e.name for e in installed(kind)]
            close = difflib.get_close_matches(name, available, n=1)
            hint = f"did you mean {close[0]!r}?" if close else None
            listing = ", ".join(e.describe() for e in installed(kind)) or "none"
            cls = PackNotFoundError if kind == "pack" else PluginError
            raise cls(f"unknown {k.label} {name!r}; installed: {listing}", plugin=name, hint=hint)
        dists = sorted({str(_dist_of(ep)[0]) for ep in eps})
        if len(eps) > 1:
            raise PluginError(
                f"{k.label} name {name!r} is registered by more than one distribution: "
                + ", ".join(f"{_dist_of(ep)[0]} {_dist_of(ep)[1]} ({ep.value})" for ep in eps),
                plugin=name,
                distribution=", ".join(dists),
                hint="uninstall one of them, or disable one with --disable / " + DISABLE_ENV,
            )
        ep = eps[0]
        dist, version = _dist_of(ep)
        try:
            obj = ep.load()
        except (Exception, SystemExit) as exc:  # any failure inside third-party code is that plugin's, not ours
            # (a module calling sys.exit() on import is a refused plugin, never a silent exit)
            raise PluginError(
                f"{k.label} {name!r} from distribution {dist} {version} failed to import "
                f"({ep.value}): {type(exc).__name__}: {exc}",
                plugin=name,
                distribution=dist,
                hint=f"run 'jixiao packs --check'; reinstall or uninstall {dist}",
            ) from exc
        prov = Provenance(plugin=ep.value, distribution=dist, version=version, entry_point=f"{k.group}:{name}")
        self._register(obj, prov, expected=(kind, name))

    def _register(self, obj: object, prov: Provenance, expected: tuple[str, str] | None = None) -> None:
        if self.pm.is_registered(obj):
            return
        try:
            self.pm.register(obj, name=prov.plugin)
            self.pm.check_pending()
        except (pluggy.PluginValidationError, ValueError) as exc:
            if self.pm.is_registered(obj):
                self.pm.unregister(obj)
            raise PluginError(
                f"plugin {prov.plugin} from distribution {prov.distribution} {prov.version} "
                f"does not fit jixiao's hooks: {exc}",
                plugin=prov.plugin,
                distribution=prov.distribution,
            ) from exc
        for kind, k in KINDS.items():
            caller = getattr(self.pm.hook, k.hook)
            for impl in caller.get_hookimpls():
                if impl.plugin is not obj:
                    continue
                try:
                    returned = impl.function()
                    records = list(returned or ())
                except (Exception, SystemExit) as exc:
                    raise PluginError(
                        f"{k.hook}() of plugin {prov.plugin} (distribution {prov.distribution} "
                        f"{prov.version}) failed: {type(exc).__name__}: {exc}",
                        plugin=prov.plugin,
                        distribution=prov.distribution,
                    ) from exc
                for rec in records:
                    self._accept(kind, rec, prov, expected)

    def _accept(self, kind: str, rec: Any, prov: Provenance, expected: tuple[str, str] | None) -> None:
        k = KINDS[kind]
        if not isinstance(rec, k.record):
            raise PluginError(
                f"{k.hook}() of plugin {prov.plugin} (distribution {prov.distribution}) returned "
                f"{type(rec).__name__}, expected {k.record.__name__}; please report this to the plugin's author",
                plugin=prov.plugin,
                distribution=prov.distribution,
            )
        rec = cast(Any, rec)  # checked against the kind's record type just above
        if kind == "pack":
            self._check_pack(rec, prov, expected_name=expected[1] if expected and expected[0] == "pack" else None)
            rec = PackRecord(name=rec.name, pack=rec, provenance=prov)
        else:
            rec = attrs.evolve(rec, provenance=prov)
        # A name another distribution declares for the same kind is a conflict even if not loaded.
        for ep in _entry_points(kind, rec.name):
            other = _dist_of(ep)[0]
            if other != prov.distribution:
                raise PluginError(
                    f"{k.label} name {rec.name!r} is registered twice: by {prov.describe()} and by "
                    f"{ep.value} ({other} {_dist_of(ep)[1]})",
                    plugin=prov.plugin,
                    distribution=prov.distribution,
                    hint="rename one of them; names are unique across installed distributions",
                )
        self._add(kind, rec.name, rec, prov)

    def _add(self, kind: str, name: str, rec: Any, prov: Provenance) -> None:
        recs = self._records[kind]
        if name in recs:
            old = recs[name].provenance
            if old.plugin != prov.plugin or old.distribution != prov.distribution:
                raise PluginError(
                    f"{KINDS[kind].label} name {name!r} is registered twice: by {old.describe()} "
                    f"and by {prov.describe()}",
                    plugin=prov.plugin,
                    distribution=prov.distribution,
                )
            return
        recs[name] = rec

    def _check_pack(self, pack: Pack, prov: Provenance, expected_name: str | None) -> None:
        if pack.api not in SUPPORTED_APIS:
            raise PluginError(
                f"pack {pack.name!r} from {_from(prov)} targets "
                f"plugin API {pack.api}, but this jixiao supports API "
                + ", ".join(str(a) for a in sorted(SUPPORTED_APIS)),
                plugin=pack.name,
                distribution=prov.distribution,
                hint="install a version of the pack made for this jixiao, or a jixiao the pack supports",
            )
        if expected_name is not None and pack.name != expected_name:
            # A module may provide several packs; only a mismatch with *every* one is an error,
            # which _get reports ("did not register a pack of that name").
            return


def _from(prov: Provenance) -> str:
    if prov.distribution:
        return f"distribution {prov.distribution} {prov.version}"
    return f"{prov.plugin} (no distribution)"


def pack_provenance(registry: Registry, name: str) -> Provenance | None:
    rec = registry.records("pack").get(name)
    return rec.provenance if rec else None


def iter_installed(kinds: Iterable[str] = KINDS) -> Mapping[str, list[EntryPointInfo]]:
    return {k: installed(k) for k in kinds}
