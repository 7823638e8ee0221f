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

from .types import RENDER_EXAMPLE, Example, ParamSpec, params_declared

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


def examples_of(kind: str, rec: Any) -> tuple[Example, ...]:
    """The examples a record is checked with: its own; a renderer without any gets
    :data:`jixiao.types.RENDER_EXAMPLE`; an ordinal scale gets :func:`scale_example`."""
    if kind == "scale":
        return (scale_example(rec),)
    own = tuple(getattr(rec, "examples", ()) or ())
    if kind == "renderer" and not own:
        return (RENDER_EXAMPLE,)
    return own


def _examples(rec: Any, examples: Iterable[Example] | None = None) -> list[dict[str, str]]:
    out = []
    for ex in getattr(rec, "examples", ()) if examples is None else examples:
        e = {"indicators": ex.indicators.strip("\n"), "evaluation": ex.evaluation.strip("\n"), "expect": ex.expect,
             "code": ex.code}
        if ex.rule_set:
            e["rule_set"] = ex.rule_set.strip("\n")
        if ex.grade:
            e["grade"] = ex.grade
        out.append(e)
    return out


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
        entry["examples"] = _examples(rec)
    elif kind == "renderer":
        entry["description"] = rec.title
        entry["suffixes"] = list(rec.suffixes)
        entry["binary"] = rec.binary
        entry["params_declared"] = True
        entry["formula"] = "--format " + rec.name + (" or -o FILE" + "/".join(rec.suffixes) if rec.suffixes else "")
        entry["example"] = f"jixiao evaluate evaluation.toml --format {rec.name}"
        if rec.binary:  # a binary format is written to a file
            entry["example"] += f" -o report{rec.suffixes[0] if rec.suffixes else '.xlsx'}"
        entry["examples"] = [dict(e, format=rec.name) for e in _examples(rec, examples_of("renderer", rec))]
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
            "example": f"[ratings.CODE] mark = \"{scale.levels[0]}\"", "examples": _examples(None, [scale_example(scale)]),
            "pack": pack_name}


def _toml_str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a TOML basic string


def scale_example(scale: Any) -> Example:
    """An ordinal scale's example: one leaf per level marks that level, one per alias marks the alias
    (``D*``), and ``ordinal_counts`` over them must count each level once plus its aliases — so the
    scale's levels, order and aliases are read as declared."""
    levels = list(scale.levels)
    aliases = [(a, t) for a, t in sorted(scale.aliases.items()) if t in levels]
    marks = levels + [a for a, _ in aliases]
    lines = [f"[scales.{_toml_str(scale.name)}]", "levels = [" + ", ".join(_toml_str(x) for x in levels) + "]"]
    if scale.aliases:
        lines.append("aliases = { " + ", ".join(f"{_toml_str(a)} = {_toml_str(t)}"
                                                 for a, t in sorted(scale.aliases.items())) + " }")
    if scale.non_scores:
        lines.append("non_scores = [" + ", ".join(_toml_str(x) for x in scale.non_scores) + "]")
    lines += ["", "[indicators.X]", 'name = "示例分组"',
              f"aggregator = {{ name = \"ordinal_counts\", scale = {_toml_str(scale.name)} }}"]
    evaluation = []
    for i, mark in enumerate(marks, 1):
        lines += ["", f"[indicators.X{i}]", 'parent = "X"', f'name = "等级{i}"', f"scale = {_toml_str(scale.name)}",
                  'value = { indicator = "ordinal_rating" }', 'score = { method = "ordinal_mark" }']
        evaluation += [f"[ratings.X{i}]", f"mark = {_toml_str(mark)}", 'reason = "示例"', ""]
    counts = {lv: 1 + sum(1 for _, t in aliases if t == lv) for lv in levels}
    return Example(indicators="\n".join(lines), evaluation="\n".join(evaluation).strip(), code="X",
                   expect=", ".join(f"{k} {v}" for k, v in counts.items()))


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


RULE_SET_DEFAULTS = {"grading": '"none"', "total_standard": '"none"', "total_aggregator": '"none"'}


def evaluate_example(example: Example, registry: Any = None) -> Any:
    """Evaluate an :class:`Example` as a real pack file and evaluation config (in a temporary
    folder); return the :class:`jixiao.model.EvaluationResult`. Raises what the evaluation raises."""
    import tomllib

    from .plugins import Registry
    from .session import evaluate_file

    registry = registry if registry is not None else Registry()
    name = f"plugin-example-{next(_counter)}"
    given = tomllib.loads(example.rule_set) if example.rule_set.strip() else {}
    rule_set = "\n".join([example.rule_set.strip()] * bool(given)
                         + [f"{k} = {v}" for k, v in RULE_SET_DEFAULTS.items() if k not in given])
    with tempfile.TemporaryDirectory(prefix="jixiao-example-") as tmp:
        d = Path(tmp)
        (d / "pack.toml").write_text(
            "schema_version = 1\n\n[pack]\n"
            f"name = \"{name}\"\ntitle = \"example\"\napi = 1\n\n"
            f"[rule_set]\n{rule_set}\n\n" + example.indicators.strip() + "\n",
            encoding="utf-8")
        (d / "evaluation.toml").write_text(
            "schema_version = 1\npack = \"pack.toml\"\n\n[project]\nname = \"example\"\nperiod = \"2023年度\"\n\n"
            + example.evaluation.strip() + "\n", encoding="utf-8")
        return evaluate_file(d / "evaluation.toml", registry=registry)


def working_of(result: Any, code: str) -> str:
    """The working node ``code`` shows in an evaluation result."""
    from .model import _iter_results

    for node in _iter_results(result.tiers):
        if node.code == code:
            return node.working
    raise LookupError(f"the example has no indicator {code}")


def run_example(example: Example, registry: Any = None) -> str:
    """Evaluate an :class:`Example` as a real pack file and evaluation config; return the working of
    node ``example.code`` (``3.44=5-(1-89.63%)*5*100*3%``). Raises what the evaluation raises."""
    return working_of(evaluate_example(example, registry), example.code)


# -- well-formed output ------------------------------------------------------------------------------

_VOID = frozenset(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
                   "track", "wbr"])


def _html_text(text: str) -> str:
    """The text of an HTML document whose every element is closed in order (raises ValueError)."""
    from html.parser import HTMLParser

    class Strict(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.stack: list[tuple[str, int]] = []
            self.text: list[str] = []
            self.seen_html = False

        def handle_starttag(self, tag: str, attrs: Any) -> None:
            self.seen_html = self.seen_html or tag == "html"
            if tag not in _VOID:
                self.stack.append((tag, self.getpos()[0]))

        def handle_endtag(self, tag: str) -> None:
            if tag in _VOID:
                return
            if not self.stack:
                raise ValueError(f"line {self.getpos()[0]}: </{tag}> closes nothing")
            top, line = self.stack.pop()
            if top != tag:
                raise ValueError(f"line {self.getpos()[0]}: </{tag}> closes <{top}> opened on line {line}")

        def handle_data(self, data: str) -> None:
            self.text.append(data)

    p = Strict()
    p.feed(text)
    p.close()
    if not p.seen_html:
        raise ValueError("no <html> element")
    if p.stack:
        tag, line = p.stack[-1]
        raise ValueError(f"<{tag}> opened on line {line} is never closed")
    return "".join(p.text)


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def output_format(rec: Any) -> str:
    """What a renderer's output is checked as: ``json``, ``docx``, ``xlsx``, ``html``, ``markdown``,
    ``text`` or ``binary`` (from its suffixes, else its name)."""
    names = [s.lower().lstrip(".") for s in rec.suffixes] + [rec.name.lower()]
    for n in names:
        for fmt, keys in (("json", ("json",)), ("docx", ("docx",)), ("xlsx", ("xlsx",)), ("html", ("html", "htm")),
                          ("markdown", ("md", "markdown"))):
            if n in keys:
                return fmt
    return "binary" if rec.binary else "text"


def output_text(fmt: str, data: bytes) -> str | None:
    """The text a rendered file shows, read as its format (raises when it is not well-formed);
    None for an unknown binary format."""
    import io

    if fmt == "binary":
        return None
    if fmt == "docx":
        import docx

        d = docx.Document(io.BytesIO(data))
        parts = [p.text for p in d.paragraphs]
        for t in d.tables:
            parts += [c.text for row in t.rows for c in row.cells]
        return "\n".join(parts)
    if fmt == "xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(io.BytesIO(data))
        return "\n".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
                         if c.value is not None)
    text = data.decode("utf-8")
    if fmt == "json":
        return "\n".join(_strings(json.loads(text)))
    if fmt == "html":
        return _html_text(text)
    if fmt == "markdown":
        return re.sub(r"\\(.)", r"\1", text)  # md_escape's backslashes
    return text


def output_problem(rec: Any, data: Any, expect: str) -> str | None:
    """Why a renderer's output for an example is not acceptable, or None."""
    if not isinstance(data, (bytes, bytearray)):
        return f"returns {type(data).__name__}, expected bytes"
    if not data:
        return "returns an empty file"
    fmt = output_format(rec)
    try:
        text = output_text(fmt, bytes(data))
    except Exception as exc:  # noqa: BLE001 - any reader failure means the file is not well-formed
        return f"returns a file that is not well-formed {fmt}: {type(exc).__name__}: {exc}"
    if text is not None and expect not in text:
        return f"returns {fmt} that does not show the example's working {expect!r}"
    return None


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


def _label(kind: str, rec: Any) -> str:
    prov = getattr(rec, "provenance", None)
    where = f" ({prov.distribution} {prov.version})" if prov is not None and prov.distribution else ""
    return f"{'grading scheme' if kind == 'grading' else kind} {rec.name!r}{where}"


def example_problems(kind: str, rec: Any, registry: Any = None, *, label: str | None = None) -> list[str]:
    """Run every example of a record (:func:`examples_of`): a sentence for each that crashes, shows
    another working, gives another grade or, for a renderer, renders a file that is not well-formed
    or does not show the working. Each sentence names the plugin and its distribution."""
    from . import errors
    from .errors import JixiaoError

    bug = getattr(errors, "PluginBug", ())  # a plugin's exception, attributed by the engine
    problems = []
    label = label or _label(kind, rec)
    for i, ex in enumerate(examples_of(kind, rec), 1):
        try:
            result = evaluate_example(ex, registry)
            got = working_of(result, ex.code)
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
        if ex.grade:
            grade = result.grade.label if result.grade is not None else None
            if grade != ex.grade:
                total = result.total if result.total is not None else "no total"
                problems.append(f"{label}: example {i} grades {total} as {grade!r}, its record expects {ex.grade!r}")
        if kind == "renderer":
            try:
                data = rec.render(result, lang="zh")
            except Exception as exc:  # noqa: BLE001 - the renderer's bug, found before a report needs it
                problems.append(f"{label}: example {i} crashes when rendered: {type(exc).__name__}: {exc}")
                continue
            why = output_problem(rec, data, ex.expect)
            if why:
                problems.append(f"{label}: example {i} {why}")
    return problems


def scale_problems(pack: Any, registry: Any, prov: Any = None) -> list[str]:
    """The examples of every ordinal scale a pack declares (:func:`scale_example`)."""
    where = f" ({prov.distribution} {prov.version})" if prov is not None and prov.distribution else ""
    out: list[str] = []
    for sc in pack.scales:
        out += example_problems("scale", sc, registry, label=f"scale {sc.name!r} of pack {pack.name!r}{where}")
    return out


def used_plugin_problems(pack: Any, registry: Any) -> list[str]:
    """:func:`plugin_problems` of every indicator plugin, method and aggregator a pack names (once
    each), of its grading scheme, and the examples of its ordinal scales."""
    from .model import Group, iter_nodes

    used: dict[tuple[str, str], None] = {}
    for node in iter_nodes(pack.tree):
        if isinstance(node, Group):
            used[("aggregator", node.aggregator.name)] = None
        else:
            used[("indicator", node.source.name)] = None
            used[("method", node.method.name)] = None
    if pack.rule_set.grading is not None and registry.has("grading", pack.rule_set.grading):
        used[("grading", pack.rule_set.grading)] = None
    out: list[str] = []
    for kind, name in used:
        out += plugin_problems(kind, registry._get(kind, name), registry)
    from .plugins import pack_provenance

    return out + scale_problems(pack, registry, pack_provenance(registry, pack.name))


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
                lines += ["    " + x for x in _pack_text(ex).splitlines()]
                if ex["evaluation"]:
                    lines.append("  evaluation:")
                    lines += ["    " + x for x in ex["evaluation"].splitlines()]
                lines.append(f"  → {_outcome(ex)}")
    return "\n".join(lines) + "\n"


def _pack_text(ex: dict[str, Any]) -> str:
    return (f"[rule_set]\n{ex['rule_set']}\n\n" if ex.get("rule_set") else "") + ex["indicators"]


def _outcome(ex: dict[str, Any], code: str = "") -> str:
    """``X1: 3.44=…`` and what else the example checks (the grade; a renderer's well-formed file)."""
    q = lambda t: f"{code}{t}{code}"
    text = f"{q(ex['code'])}: {q(ex['expect'])}"
    if ex.get("grade"):
        text += f"; grade {q(ex['grade'])}"
    if ex.get("format"):
        text += f"; rendered with --format {q(ex['format'])}, a well-formed file showing that working"
    return text


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
            out += ["Pack file:", "", "```toml", _pack_text(ex), "```", ""]
            if ex["evaluation"]:
                out += ["Evaluation config:", "", "```toml", ex["evaluation"], "```", ""]
            out += ["→ " + _outcome(ex, code="`"), ""]
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
