"""The plugin reference: one entry per installed plugin, built from its registration record.

``jixiao plugins`` prints it (table, JSON or Markdown) and ``docs/plugins-reference.md`` is generated
from the same entries (``python -m jixiao.reference``; ``--check`` fails when the file is stale). Each
entry carries the distribution and version, a one-line description, the declared parameters
(:class:`jixiao.types.ParamSpec`), the formula or working the plugin produces and its example;
:func:`run_example` runs a record's :class:`jixiao.types.Example` through a real pack file and
evaluation config, as ``jixiao packs --check`` does.
"""

from __future__ import annotations

import itertools
import json
import re
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .types import Example, ParamSpec, params_declared

KIND_ORDER = ("indicator", "method", "aggregator", "grading", "scale", "renderer")
KIND_TITLES = {
    "indicator": "Indicator plugins (value sources)",
    "method": "Scoring methods",
    "aggregator": "Aggregators",
    "grading": "Grading schemes",
    "scale": "Ordinal scales",
    "renderer": "Renderers (output formats)",
}
DEFAULT_OUTPUT = Path(__file__).resolve().parents[2] / "docs" / "plugins-reference.md"
_counter = itertools.count(1)


# -- entries ---------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A parameter default as JSON/TOML shows it (Decimals as text, tuples as lists)."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def param_entry(p: ParamSpec) -> dict[str, Any]:
    return {"name": p.name, "type": p.type, "default": _plain(p.default), "required": p.required, "doc": p.doc,
            "choices": _plain(list(p.choices)), "aliases": list(p.aliases)}


def _examples(rec: Any) -> list[dict[str, str]]:
    return [{"indicators": ex.indicators.strip("\n"), "evaluation": ex.evaluation.strip("\n"), "expect": ex.expect,
             "code": ex.code} for ex in getattr(rec, "examples", ())]


def record_entry(kind: str, rec: Any) -> dict[str, Any]:
    """The reference entry of one registration record."""
    prov = getattr(rec, "provenance", None)
    entry: dict[str, Any] = {
        "kind": kind, "name": rec.name, "title": getattr(rec, "title", ""),
        "distribution": prov.distribution if prov else None, "version": prov.version if prov else None,
        "plugin": prov.plugin if prov else None,
        "description": "", "params": [], "params_declared": False, "formula": "", "example": "", "examples": [],
    }
    specs = getattr(rec, "params", None)
    if kind in ("indicator", "method", "aggregator"):
        entry["params"] = [param_entry(p) for p in specs or ()]
        entry["params_declared"] = params_declared(specs)
        entry["description"] = rec.description if kind != "method" else ""
        entry["example"] = rec.example
        entry["examples"] = _examples(rec)
    if kind == "indicator":
        entry["value_kind"] = rec.value_kind
        entry["formula"] = rec.description
    elif kind == "method":
        entry["description"] = rec.title
        entry["formula"] = rec.formula
        entry["ordinal"] = rec.ordinal
    elif kind == "aggregator":
        entry["numeric"] = rec.numeric
        entry["formula"] = rec.description
    elif kind == "grading":
        scheme = rec.scheme
        entry["title"] = scheme.title
        entry["description"] = scheme.title_en or scheme.title
        entry["formula"] = "; ".join(_band_text(b) for b in scheme.bands)
        entry["params_declared"] = True
        entry["example"] = _grade_example(scheme)
    elif kind == "renderer":
        entry["description"] = rec.title
        entry["suffixes"] = list(rec.suffixes)
        entry["binary"] = rec.binary
        entry["params_declared"] = True
        entry["formula"] = "--format " + rec.name + (" or -o FILE" + "/".join(rec.suffixes) if rec.suffixes else "")
        entry["example"] = f"jixiao evaluate evaluation.toml --format {rec.name}"
    return entry


def _band_text(b: Any) -> str:
    from .numbers import fmt_number

    lo = "" if b.lower is None else ("≥" if b.lower_inclusive else ">") + fmt_number(b.lower)
    hi = "" if b.upper is None else ("≤" if b.upper_inclusive else "<") + fmt_number(b.upper)
    return f"{b.label} {' and '.join(x for x in (lo, hi) if x) or 'any score'}"


def _grade_example(scheme: Any) -> str:
    from decimal import Decimal

    from .numbers import fmt_number

    scores = [b.lower for b in scheme.bands if b.lower is not None][:2] or [Decimal(0)]
    return "; ".join(f"{fmt_number(s)} → {scheme.grade(s).label}" for s in scores)


def scale_entry(scale: Any, pack_name: str, prov: Any) -> dict[str, Any]:
    text = " > ".join(scale.levels)
    extra = []
    if scale.non_scores:
        extra.append("not scores: " + ", ".join(scale.non_scores))
    if scale.aliases:
        extra.append("aliases: " + ", ".join(f"{k}={v}" for k, v in sorted(scale.aliases.items())))
    return {"kind": "scale", "name": scale.name, "title": "",
            "distribution": prov.distribution if prov else None, "version": prov.version if prov else None,
            "plugin": pack_name, "description": f"ordinal marks of pack {pack_name}", "params": [],
            "params_declared": True, "formula": text + ("; " + "; ".join(extra) if extra else ""),
            "example": f"[ratings.CODE] mark = \"{scale.levels[0]}\"", "examples": [], "pack": pack_name}


def entries(registry: Any = None, *, kinds: Iterable[str] = KIND_ORDER, builtin_only: bool = False) -> list[dict[str, Any]]:
    """Every installed plugin of ``kinds`` as a reference entry, sorted by kind then name.

    A plugin that fails to load gets an entry with ``error`` (the listing never crashes);
    ``builtin_only`` keeps jixiao's own distribution and its bundled packs (for the generated docs).
    """
    from .errors import JixiaoError
    from .plugins import Registry, installed, pack_provenance

    registry = registry if registry is not None else Registry()
    kinds = list(kinds)
    out: list[dict[str, Any]] = []
    for kind in KIND_ORDER:
        if kind not in kinds:
            continue
        if kind == "scale":
            for e in installed("pack"):
                if builtin_only and not _builtin(e.distribution):
                    continue
                try:
                    pack = registry.pack(e.name)
                except JixiaoError:
                    continue  # the pack's own error is reported by `jixiao packs --check`
                for sc in pack.scales:
                    out.append(scale_entry(sc, pack.name, pack_provenance(registry, e.name)))
            continue
        for e in installed(kind):
            if builtin_only and not _builtin(e.distribution):
                continue
            try:
                rec = registry._get(kind, e.name)
            except Exception as exc:  # noqa: BLE001 - a broken plugin is listed with its error
                out.append({"kind": kind, "name": e.name, "distribution": e.distribution, "version": e.version,
                            "error": exc.format() if hasattr(exc, "format") else f"{type(exc).__name__}: {exc}"})
                continue
            out.append(record_entry(kind, rec))
    out.sort(key=lambda x: (KIND_ORDER.index(x["kind"]), x["name"], x.get("distribution") or ""))
    return out


def _builtin(dist: str | None) -> bool:
    return dist == "jixiao"  # the core and its bundled packs are one distribution; jixiao-pack-* are third-party


# -- running examples ------------------------------------------------------------------------------


def run_example(example: Example, registry: Any = None) -> str:
    """Evaluate an :class:`Example` as a real pack file and evaluation config; return the working of
    node ``example.code`` (``3.44=5-(1-89.63%)*5*100*3%``). Raises what the evaluation raises."""
    from .plugins import Registry
    from .session import evaluate_file

    registry = registry if registry is not None else Registry()
    name = f"plugin-example-{next(_counter)}"
    with tempfile.TemporaryDirectory(prefix="jixiao-example-") as tmp:
        d = Path(tmp)
        (d / "pack.toml").write_text(
            "schema_version = 1\n\n[pack]\n"
            f"name = \"{name}\"\ntitle = \"example\"\napi = 1\n\n"
            "[rule_set]\ngrading = \"none\"\ntotal_standard = \"none\"\ntotal_aggregator = \"none\"\n\n" + example.indicators.strip() + "\n",
            encoding="utf-8")
        (d / "evaluation.toml").write_text(
            "schema_version = 1\npack = \"pack.toml\"\n\n[project]\nname = \"example\"\nperiod = \"2023年度\"\n\n"
            + example.evaluation.strip() + "\n", encoding="utf-8")
        result = evaluate_file(d / "evaluation.toml", registry=registry)
    from .model import _iter_results

    for node in _iter_results(result.tiers):
        if node.code == example.code:
            return node.working
    raise LookupError(f"the example has no indicator {example.code}")


def declaration_problems(kind: str, rec: Any) -> list[str]:
    """A sentence for each unsound parameter declaration: an unknown type, a default its own type
    refuses, a name given twice (an alias included)."""
    from .types import PARAM_TYPES

    out = []
    seen: set[str] = set()
    for p in getattr(rec, "params", None) or ():
        if not isinstance(p, ParamSpec):
            out.append(f"{kind} {rec.name!r}: params must be ParamSpec records, got {p!r}")
            continue
        for n in (p.name, *p.aliases):
            if n in seen:
                out.append(f"{kind} {rec.name!r}: parameter {n!r} is declared twice")
            seen.add(n)
        if p.type not in PARAM_TYPES:
            close = __import__("difflib").get_close_matches(p.type, PARAM_TYPES, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            out.append(f"{kind} {rec.name!r}: parameter {p.name!r} has type {p.type!r}{hint} "
                       f"(types: {', '.join(PARAM_TYPES)})")
        elif p.type == "choice" and not p.choices:
            out.append(f"{kind} {rec.name!r}: parameter {p.name!r} is a choice without choices")
        elif p.default is not None and p.declared and p.type != "list" and (why := p.problem(p.default)):
            out.append(f"{kind} {rec.name!r}: the default of parameter {p.name!r} {why}")
    return out


def plugin_problems(kind: str, rec: Any, registry: Any = None) -> list[str]:
    """What ``jixiao packs --check`` finds in a plugin record: its declaration, then its examples run."""
    return declaration_problems(kind, rec) + example_problems(kind, rec, registry)


def example_problems(kind: str, rec: Any, registry: Any = None) -> list[str]:
    """Run every example of a record: a sentence for each that crashes or shows another working."""
    from . import errors
    from .errors import JixiaoError

    bug = getattr(errors, "PluginBug", ())  # a plugin's exception, attributed by the engine
    problems = []
    label = f"{kind} {rec.name!r}"
    for i, ex in enumerate(getattr(rec, "examples", ()), 1):
        try:
            got = run_example(ex, registry)
        except JixiaoError as exc:
            text = re.sub(r"\S*jixiao-example-[^/\\]+[/\\]", "", exc.format())  # the example's own files
            what = "crashes" if isinstance(exc, bug) else "is refused"
            problems.append(f"{label}: example {i} {what}: {text}")
            continue
        except Exception as exc:  # noqa: BLE001 - the plugin's bug, found before an evaluation meets it
            problems.append(f"{label}: example {i} crashes: {type(exc).__name__}: {exc}")
            continue
        if got != ex.expect:
            problems.append(f"{label}: example {i} shows {got!r}, its record expects {ex.expect!r}")
    return problems


def used_plugin_problems(pack: Any, registry: Any) -> list[str]:
    """:func:`plugin_problems` of every indicator plugin, method and aggregator a pack names (once each)."""
    from .model import Group, iter_nodes

    used: dict[tuple[str, str], None] = {}
    for node in iter_nodes(pack.tree):
        if isinstance(node, Group):
            used[("aggregator", node.aggregator.name)] = None
        else:
            used[("indicator", node.source.name)] = None
            used[("method", node.method.name)] = None
    out: list[str] = []
    for kind, name in used:
        out += plugin_problems(kind, registry._get(kind, name), registry)
    return out


# -- rendering -------------------------------------------------------------------------------------


def _default_text(p: dict[str, Any]) -> str:
    if p["required"]:
        return "required"
    d = p["default"]
    if d is None:
        return "—"
    if isinstance(d, bool):
        return "true" if d else "false"
    if isinstance(d, str):
        return json.dumps(d, ensure_ascii=False)
    if isinstance(d, list):
        return "[" + ", ".join(_default_text({"required": False, "default": x}) for x in d) + "]"
    return str(d)


def _type_text(p: dict[str, Any]) -> str:
    if p["choices"]:
        return " | ".join(json.dumps(c, ensure_ascii=False) for c in p["choices"])
    return p["type"]


def _origin(e: dict[str, Any], *, versions: bool = True) -> str:
    dist = e.get("distribution") or "local"
    return f"{dist} {e['version']}" if versions and e.get("version") else dist


def render_table(items: list[dict[str, Any]], *, full: bool = False) -> str:
    """Plain text: one block per plugin (``full`` adds the examples)."""
    lines: list[str] = []
    kind = None
    for e in items:
        if e["kind"] != kind:
            kind = e["kind"]
            if lines:
                lines.append("")
            lines += [KIND_TITLES[kind], "=" * len(KIND_TITLES[kind])]
        lines.append("")
        lines.append(f"{e['name']}  ({_origin(e)})")
        if e.get("error"):
            lines.append(f"  ERROR: {e['error']}")
            continue
        if e.get("title") and e["title"] != e.get("description"):
            lines.append(f"  {e['title']}")
        if e.get("description"):
            lines.append(f"  {e['description']}")
        if e.get("formula") and e["formula"] != e.get("description"):
            lines.append(f"  formula: {e['formula']}")
        for p in e.get("params", []):
            alias = f" (also {', '.join(p['aliases'])})" if p["aliases"] else ""
            lines.append(f"  {p['name']}{alias}: {_type_text(p)} = {_default_text(p)}  {p['doc']}".rstrip())
        if e.get("kind") in ("indicator", "method", "aggregator") and not e.get("params_declared"):
            lines.append("  (parameters not declared)")
        if e.get("example"):
            lines.append(f"  example: {e['example']}")
        if full:
            for ex in e.get("examples", []):
                lines.append("  runnable example (pack file):")
                lines += ["    " + x for x in ex["indicators"].splitlines()]
                if ex["evaluation"]:
                    lines.append("  evaluation:")
                    lines += ["    " + x for x in ex["evaluation"].splitlines()]
                lines.append(f"  → {ex['code']}: {ex['expect']}")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(items: list[dict[str, Any]], *, versions: bool = True, heading: int = 2) -> str:
    h = "#" * heading
    out: list[str] = []
    kind = None
    for e in items:
        if e["kind"] != kind:
            kind = e["kind"]
            out += [f"{h} {KIND_TITLES[kind]}", ""]
        out += [f"{h}# `{e['name']}`", "", f"*{_origin(e, versions=versions)}*" + (f" — {e['title']}" if e.get("title") else ""), ""]
        if e.get("error"):
            out += [f"**Does not load:** {_md(e['error'])}", ""]
            continue
        if e.get("description") and e["description"] != e.get("title"):
            out += [e["description"], ""]
        if e.get("formula") and e["formula"] != e.get("description"):
            out += [f"Formula / working: `{e['formula']}`", ""]
        if e.get("params"):
            out += ["| parameter | type | default | meaning |", "|---|---|---|---|"]
            for p in e["params"]:
                name = f"`{p['name']}`" + "".join(f" (alias `{a}`)" for a in p["aliases"])
                out.append(f"| {name} | {_md(_type_text(p))} | {_md(_default_text(p))} | {_md(p['doc'])} |")
            out.append("")
        elif e["kind"] in ("indicator", "method", "aggregator"):
            out += ["No parameters." if e.get("params_declared") else "Parameters not declared.", ""]
        if e.get("example"):
            out += [f"Example: `{e['example']}`", ""]
        for ex in e.get("examples", []):
            out += ["Pack file:", "", "```toml", ex["indicators"], "```", ""]
            if ex["evaluation"]:
                out += ["Evaluation config:", "", "```toml", ex["evaluation"], "```", ""]
            out += [f"→ `{ex['code']}`: `{ex['expect']}`", ""]
    return "\n".join(out).rstrip("\n") + "\n"


HEADER = """<!-- Generated by `python -m jixiao.reference` from the plugins' registration records; do not edit.
     tests/test_plugins_reference.py fails when it is out of date. -->
# Plugin reference

Every built-in indicator plugin, scoring method, aggregator, grading scheme, ordinal scale and
renderer, with the parameters a pack file (or Python pack) gives it. `jixiao plugins` prints the
same entries for what is installed on your machine, third-party plugins included
(`jixiao plugins NAME`, `--kind method`, `--format json|markdown`). Unknown or mistyped parameters
are refused by `jixiao validate`, `jixiao packs --check` and `jixiao.testing.check_pack`, at the key
path where they are written, with a did-you-mean. Each runnable example below is evaluated by
`jixiao packs --check` and by the tests, and shows the working it produces.

"""


def generate(registry: Any = None) -> str:
    return HEADER + render_markdown(entries(registry, builtin_only=True), versions=False)


def main(argv: list[str] | None = None) -> int:
    from .gendoc import main as gendoc_main

    return gendoc_main(argv, module="jixiao.reference", doc=__doc__ or "", default=DEFAULT_OUTPUT, source="the records",
                       generate=generate)


if __name__ == "__main__":
    sys.exit(main())
