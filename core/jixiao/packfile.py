"""Declarative packs: one TOML file defines a whole pack (tree, scores, targets, value sources,
scoring methods, grading, rounding); :func:`dump_pack` writes any pack back as such a file.

The tree is flat — ``[indicators.CODE]`` tables with ``parent = "…"`` — so every error has a short
key path (``$.indicators.B11.standard_score``) and deep trees stay readable. A node is a group when
another node names it as its parent, a leaf otherwise. See docs/pack-files.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from .errors import ConfigError, JixiaoError, raise_all
from .model import (
    GradeBand,
    GradingScheme,
    Group,
    Indicator,
    InputSpec,
    OrdinalScale,
    Pack,
    PluginRef,
    RoundingPolicy,
    RuleSet,
    Target,
)
from .numbers import NUMBER_ERRORS, fmt_number, to_decimal
from .schema import allowed_keys, schema_errors, unknown_key
from .tomlio import read_toml

PACK_SCHEMA_VERSION = 1
_COMPARATORS = {"≥": ">=", ">=": ">=", "≤": "<=", "<=": "<=", "=": "=", ">": ">", "<": "<", None: ">="}

_GROUP_ONLY = {"aggregator", "open", "default_value", "default_score"}
_LEAF_ONLY = {"target", "value", "score", "scale", "notes", "require_citations"}
LEAF_KEYS = frozenset(allowed_keys("indicators", "*")) | _LEAF_ONLY
"""Keys of a leaf: the pack's, plus what a config's own leaves carry (``actual``, ``stated_score`` …),
taken from the JSON Schema."""
GROUP_KEYS = (frozenset(allowed_keys("indicators", "*", kind="pack")) - _LEAF_ONLY) | _GROUP_ONLY
TOP_KEYS = frozenset(allowed_keys(kind="pack"))


def _type(v: object) -> str:
    return {bool: "a boolean", int: "an integer", Decimal: "a number", str: "a string", list: "an array",
            dict: "a table"}.get(type(v), type(v).__name__)


def parse_target(raw: Any, *, file: str | None, where: str) -> Target:
    """``"≥90%"``, ``"≧735人次"``, ``"98%以上"``, ``"90%-95%"``, ``"有效"``, ``735`` or
    ``{ value, comparator, unit, text }``, read by :func:`jixiao.reading.read_target`; anything it
    cannot read is a located error, never a default benchmark."""
    from .reading import ReadError, read_target

    if isinstance(raw, dict):
        unknown = set(raw) - {"value", "comparator", "unit", "text"}
        if unknown:
            raise ConfigError(f"unknown key(s) {', '.join(sorted(unknown))}; expected value, comparator, unit, text",
                              file=file, path=where)
        value = raw.get("value")
        unit = raw.get("unit", "%")
        try:
            dv = None if value is None else to_decimal(value)
        except NUMBER_ERRORS:
            raise ConfigError(f"expected a number, got {value!r}", file=file, path=where + ".value") from None
        if dv is not None and not dv.is_finite():
            raise ConfigError(f"expected a finite number, got {value!r}", file=file, path=where + ".value")
        comp = _COMPARATORS.get(raw.get("comparator"))
        if comp is None:
            raise ConfigError(f"unknown comparator {raw.get('comparator')!r}; expected >=, <=, =, >, <",
                              file=file, path=where + ".comparator")
        return Target(value=dv, comparator=comp, unit=unit, text=raw.get("text"),
                      kind="number" if dv is not None else "qualitative")
    if isinstance(raw, bool) or not isinstance(raw, (int, Decimal, str)):
        raise ConfigError(f"expected a target like \"≥90%\", got {_type(raw)}", file=file, path=where)
    try:
        r = read_target(raw)
    except ReadError as exc:
        raise ConfigError(str(exc), file=file, path=where) from None
    if r.kind in ("qualitative", "date"):
        return Target(value=None, text=r.text, kind=r.kind, unit="rating" if r.kind == "qualitative" else "date")
    unit = r.unit or "count"
    return Target(value=r.value, upper=r.upper, comparator=r.comparator, unit=unit, kind=r.kind)


def parse_plugin_ref(raw: Any, *, key: str, file: str | None, where: str) -> PluginRef:
    """``{ method = "deduct_per_point", k = "3%" }`` → PluginRef(name, params)."""
    if isinstance(raw, str):
        return PluginRef(name=raw)
    if not isinstance(raw, dict) or key not in raw or not isinstance(raw[key], str):
        raise ConfigError(f"expected a table with {key} = \"name\" and its parameters, got {_type(raw)}",
                          file=file, path=where)
    params = {k: v for k, v in raw.items() if k != key}
    return PluginRef(name=raw[key], params=params)


def parse_value(raw: Any, *, file: str | None, where: str) -> PluginRef:
    """A leaf's value source: an indicator plugin, a formula, or a named input."""
    if isinstance(raw, str):
        return PluginRef(name="formula", params={"expr": raw})
    if not isinstance(raw, dict):
        raise ConfigError(f"expected {{ indicator = \"…\" }}, {{ formula = \"…\" }} or {{ input = \"…\" }}, "
                          f"got {_type(raw)}", file=file, path=where)
    kinds = [k for k in ("indicator", "formula", "input") if k in raw]
    if len(kinds) != 1:
        raise ConfigError("give exactly one of indicator, formula or input", file=file, path=where)
    kind = kinds[0]
    rest = {k: v for k, v in raw.items() if k != kind}
    if not isinstance(raw[kind], str):
        raise ConfigError(f"expected a string, got {_type(raw[kind])}", file=file, path=f"{where}.{kind}")
    if kind == "indicator":
        return PluginRef(name=raw[kind], params=rest)
    if kind == "formula":
        return PluginRef(name="formula", params={"expr": raw[kind], **rest})
    return PluginRef(name="input_value", params={"input": raw[kind], **rest})


def _opt_number(raw: Any, *, file: str | None, where: str) -> Decimal | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, (int, Decimal, str)):
        raise ConfigError(f"expected a number, got {_type(raw)}", file=file, path=where)
    try:
        return to_decimal(raw)
    except NUMBER_ERRORS:
        raise ConfigError(f"expected a number, got {raw!r}", file=file, path=where) from None


def build_tree(entries: Mapping[str, Any], *, file: str | None, errors: list[JixiaoError],
               base: tuple = (), section: str = "indicators") -> tuple:
    """Turn flat ``[indicators.CODE]`` tables into the nested tree, in the order they are written."""
    parents: dict[str, str | None] = {}
    already = len(errors)
    for code, spec in entries.items():
        where = f"$.{section}.{code}"
        if not isinstance(spec, dict):
            errors.append(ConfigError(f"expected a table, got {_type(spec)}", file=file, path=where))
            continue
        parent = spec.get("parent")
        if parent is not None and not isinstance(parent, str):
            errors.append(ConfigError(f"expected a code, got {_type(parent)}", file=file, path=where + ".parent"))
            parent = None
        parents[code] = parent
    for code, parent in parents.items():
        if parent is not None and parent not in parents:
            errors.append(ConfigError(f"parent {parent!r} is not an indicator of this pack", file=file,
                                      path=f"$.{section}.{code}.parent"))
    # cycles
    for code in parents:
        seen: set[str] = set()
        cur: str | None = code
        while cur is not None and cur in parents:
            if cur in seen:
                errors.append(ConfigError(f"indicator {code!r} is its own ancestor", file=file,
                                          path=f"$.{section}.{code}.parent"))
                break
            seen.add(cur)
            cur = parents[cur]
    if len(errors) > already:
        return ()
    children: dict[str | None, list[str]] = {}
    for code, parent in parents.items():
        children.setdefault(parent, []).append(code)

    def make(code: str):
        spec = entries[code]
        where = f"$.{section}.{code}"
        name = spec.get("name")
        if not isinstance(name, str) or not name:
            errors.append(ConfigError("missing name (name = \"…\")", file=file, path=where + ".name"))
            name = code
        common = {"code": code, "name": name, "name_en": spec.get("name_en"), "description": spec.get("description", "")}
        try:
            std = _opt_number(spec.get("standard_score"), file=file, where=where + ".standard_score")
        except JixiaoError as exc:
            errors.append(exc)
            std = None
        if code in children:
            for key in spec:
                if key not in GROUP_KEYS:
                    errors.append(unknown_key(key, GROUP_KEYS, file=file, where=f"{where}.{key}", what="for a group"))
            kids = tuple(make(c) for c in children[code])
            agg = PluginRef(name="sum")
            dsrc = dmeth = None
            try:
                if "aggregator" in spec:
                    agg = parse_plugin_ref(spec["aggregator"], key="name", file=file, where=where + ".aggregator")
                if "default_value" in spec:
                    dsrc = parse_value(spec["default_value"], file=file, where=where + ".default_value")
                if "default_score" in spec:
                    dmeth = parse_plugin_ref(spec["default_score"], key="method", file=file,
                                             where=where + ".default_score")
            except JixiaoError as exc:
                errors.append(exc)
            return Group(**common, standard_score=std, children=kids, aggregator=agg,
                         open=bool(spec.get("open", False)), default_source=dsrc, default_method=dmeth)
        if spec.get("open"):
            return Group(**common, standard_score=std, children=(), open=True,
                         default_source=_maybe(parse_value, spec, "default_value", file, where, errors),
                         default_method=_maybe(lambda r, **kw: parse_plugin_ref(r, key="method", **kw), spec,
                                               "default_score", file, where, errors),
                         aggregator=_maybe(lambda r, **kw: parse_plugin_ref(r, key="name", **kw), spec,
                                           "aggregator", file, where, errors) or PluginRef(name="sum"))
        return make_leaf(code, spec, common, std, where)

    def make_leaf(code, spec, common, std, where):
        for key in spec:
            if key not in LEAF_KEYS:
                errors.append(unknown_key(key, LEAF_KEYS, file=file, where=f"{where}.{key}", what="for an indicator"))
        target = source = method = None
        try:
            if "target" in spec:
                target = parse_target(spec["target"], file=file, where=where + ".target")
        except JixiaoError as exc:
            errors.append(exc)
        try:
            if "value" in spec:
                source = parse_value(spec["value"], file=file, where=where + ".value")
            elif "actual" not in spec:
                errors.append(ConfigError("a leaf needs value = { indicator | formula | input = \"…\" }",
                                          file=file, path=where + ".value"))
        except JixiaoError as exc:
            errors.append(exc)
        try:
            if "score" in spec:
                method = parse_plugin_ref(spec["score"], key="method", file=file, where=where + ".score")
        except JixiaoError as exc:
            errors.append(exc)
        if method is None and section == "indicators" and not base:
            errors.append(ConfigError("a leaf needs score = { method = \"…\" }", file=file, path=where + ".score"))
        return Indicator(**common, standard_score=std, target=target,
                         source=source or PluginRef(name="input_value", params={"input": f"{code}.actual"}),
                         method=method or PluginRef(name="__group_default__"), scale=spec.get("scale"),
                         notes=spec.get("notes", ""), require_citations=spec.get("require_citations") is True)

    return tuple(make(c) for c in children.get(None, []))


def _maybe(fn, spec, key, file, where, errors):
    if key not in spec:
        return None
    try:
        return fn(spec[key], file=file, where=f"{where}.{key}")
    except JixiaoError as exc:
        errors.append(exc)
        return None


def _grading_scheme(raw: Any, *, file: str | None, where: str) -> GradingScheme:
    if not isinstance(raw, dict):
        raise ConfigError(f"expected a table, got {_type(raw)}", file=file, path=where)
    bands = raw.get("bands")
    if not isinstance(bands, list) or not bands:
        raise ConfigError("expected bands = [ { label = \"优\", lower = 90 }, … ]", file=file, path=where + ".bands")
    out = []
    for i, b in enumerate(bands):
        w = f"{where}.bands[{i}]"
        if not isinstance(b, dict) or not isinstance(b.get("label"), str):
            raise ConfigError("expected a table with label, lower and/or upper", file=file, path=w)
        unknown = set(b) - {"label", "label_en", "lower", "upper", "lower_inclusive", "upper_inclusive"}
        if unknown:
            raise ConfigError(f"unknown key(s) {', '.join(sorted(unknown))}", file=file, path=w)
        out.append(GradeBand(label=b["label"], label_en=b.get("label_en"),
                             lower=_opt_number(b.get("lower"), file=file, where=w + ".lower"),
                             upper=_opt_number(b.get("upper"), file=file, where=w + ".upper"),
                             lower_inclusive=b.get("lower_inclusive", True),
                             upper_inclusive=b.get("upper_inclusive", False)))
    return GradingScheme(name=str(raw.get("name", "custom")), title=str(raw.get("title", "")), bands=out,
                         title_en=raw.get("title_en"),
                         minimum=raw.get("minimum", 0), maximum=raw.get("maximum", 100))


def parse_pack(data: Mapping[str, Any], *, file: str | None = None, base: Path | None = None,
               collect: list[JixiaoError] | None = None) -> Pack:
    """Build a :class:`Pack` from a parsed pack file; every problem is collected and located.

    Raises them (grouped) — or, when ``collect`` is given, appends them there and still returns the
    best pack it can build, so that ``jixiao validate`` can go on to the semantic checks.
    """
    errors: list[JixiaoError] = []
    for key in data:
        if key not in TOP_KEYS:
            errors.append(unknown_key(key, TOP_KEYS, file=file, where=f"$.{key}"))
    sv = data.get("schema_version", PACK_SCHEMA_VERSION)
    if sv != PACK_SCHEMA_VERSION:
        errors.append(ConfigError(f"schema_version {sv!r} is not supported; expected {PACK_SCHEMA_VERSION}",
                                  file=file, path="$.schema_version"))
    meta = data.get("pack")
    if not isinstance(meta, dict):
        errors.append(ConfigError("missing [pack] table with name and title", file=file, path="$.pack"))
        meta = {}
    for key in ("name", "title"):
        if not isinstance(meta.get(key), str) or not meta.get(key):
            errors.append(ConfigError(f"missing {key} (a string)", file=file, path=f"$.pack.{key}"))
    api = meta.get("api", 1)
    if not isinstance(api, int) or isinstance(api, bool):
        errors.append(ConfigError(f"expected an integer, got {_type(api)}", file=file, path="$.pack.api"))
        api = 1

    rs_raw = data.get("rule_set", {})
    if not isinstance(rs_raw, dict):
        errors.append(ConfigError(f"expected a table, got {_type(rs_raw)}", file=file, path="$.rule_set"))
        rs_raw = {}
    from .rounding import read_rounding

    rounding = read_rounding(rs_raw.get("rounding"), base=RoundingPolicy(), file=file, where="$.rule_set.rounding",
                             errors=errors)
    scheme = None
    if "grading_scheme" in rs_raw:
        try:
            scheme = _grading_scheme(rs_raw["grading_scheme"], file=file, where="$.rule_set.grading_scheme")
        except JixiaoError as exc:
            errors.append(exc)
    if scheme is not None and rs_raw.get("grading") not in (None, False, "none"):
        errors.append(ConfigError(f"give either grading = {rs_raw['grading']!r} (a registered scheme) or "
                                  "[rule_set.grading_scheme], not both", file=file, path="$.rule_set.grading"))
    grading = rs_raw.get("grading", None if scheme else "shanghai-2014")
    if grading is False or grading == "none":
        grading = None
    zero_division = rs_raw.get("zero_division", "met")
    if zero_division not in ("met", "zero", "error"):
        errors.append(ConfigError(f"expected met, zero or error, got {zero_division!r}", file=file,
                                  path="$.rule_set.zero_division"))
        zero_division = "met"
    total_standard = rs_raw.get("total_standard", Decimal(100))
    if total_standard is False or total_standard == "none":
        total_standard = None
    total_agg = rs_raw.get("total_aggregator", "sum")
    if total_agg is False or total_agg == "none":
        total_agg = None
    require_citations = rs_raw.get("require_citations", False)
    if not isinstance(require_citations, bool):
        errors.append(ConfigError(f"expected true or false, got {_type(require_citations)}", file=file,
                                  path="$.rule_set.require_citations"))
        require_citations = False
    rule_set = RuleSet(name=str(rs_raw.get("name", meta.get("name", "custom"))), title=str(rs_raw.get("title", "")),
                       grading=grading, grading_scheme=scheme, rounding=rounding, zero_division=zero_division,
                       total_standard=total_standard, total_aggregator=total_agg,
                       require_citations=require_citations)

    inputs = []
    in_raw = data.get("inputs", {})
    if not isinstance(in_raw, dict):
        errors.append(ConfigError(f"expected a table of inputs, got {_type(in_raw)}", file=file, path="$.inputs"))
        in_raw = {}
    for name, spec in in_raw.items():
        where = f"$.inputs.{name}"
        if isinstance(spec, str):
            spec = {"kind": spec}
        if not isinstance(spec, dict):
            errors.append(ConfigError(f"expected a table like {{ kind = \"count\" }}, got {_type(spec)}", file=file,
                                      path=where))
            continue
        kinds = ("number", "count", "rate", "table", "text")
        if spec.get("kind", "number") not in kinds:
            errors.append(ConfigError(f"kind must be one of {', '.join(kinds)}, got {spec.get('kind')!r}",
                                      file=file, path=where + ".kind"))
            continue
        try:
            inputs.append(InputSpec(name=name, kind=spec.get("kind", "number"), title=spec.get("title", ""),
                                    unit=spec.get("unit", ""), columns=spec.get("columns", ()),
                                    text_columns=spec.get("text_columns", ()),
                                    minimum=spec.get("minimum", Decimal(0))))
        except (TypeError, ValueError) as exc:
            errors.append(ConfigError(f"invalid input: {exc}", file=file, path=where))

    scales = []
    for name, spec in (data.get("scales") or {}).items():
        where = f"$.scales.{name}"
        if not isinstance(spec, dict) or not isinstance(spec.get("levels"), list):
            errors.append(ConfigError("expected levels = [\"A\", …]", file=file, path=where))
            continue
        scales.append(OrdinalScale(name=name, levels=spec["levels"], aliases=spec.get("aliases", {}),
                                   non_scores=spec.get("non_scores", ())))

    ind_raw = data.get("indicators")
    tree: tuple = ()
    if not isinstance(ind_raw, dict) or not ind_raw:
        errors.append(ConfigError("missing [indicators.CODE] tables: the pack has no indicators", file=file,
                                  path="$.indicators"))
    else:
        tree = build_tree(ind_raw, file=file, errors=errors)
    if collect is not None:
        collect.extend(errors)
    else:
        raise_all(errors)

    example = meta.get("example")
    if example and base is not None:
        example = str((base / example).resolve())
    return Pack(name=str(meta.get("name") or "invalid"), title=str(meta.get("title") or ""),
                title_en=meta.get("title_en"),
                version=str(meta.get("version", "1")), api=api, description=meta.get("description", ""),
                rule_set=rule_set, inputs=inputs, tree=tree, scales=scales, example=example, source=file,
                data=data.get("data", {}))


def read_pack_data(data: Mapping[str, Any], *, file: str, base: Path | None) -> tuple[Pack | None, list[JixiaoError]]:
    """A pack file's pack and every schema and structure problem: the one reading that ``validate`` and
    ``evaluate`` share (each problem once, at its key path; the schema's where the build repeats it)."""
    errors = schema_errors(dict(data), "pack", file=file)
    structural: list[JixiaoError] = []
    try:
        pack = parse_pack(data, file=file, base=base, collect=structural)
    except Exception as exc:  # noqa: BLE001 - a shape the lenient build cannot survive; the schema errors say why
        if errors:
            return None, errors
        return None, [ConfigError(f"cannot read the pack: {type(exc).__name__}: {exc}", file=file)]
    schema_paths = [e.path or "" for e in errors]

    def overlaps(path: str | None) -> bool:
        p = path or ""
        return any(p == q or p.startswith(q + ".") or q.startswith(p + ".") for q in schema_paths)

    return pack, errors + [e for e in structural if not overlaps(e.path)]


def load_pack_file(path: str | Path) -> Pack:
    """Read and build a pack file: syntax, schema and structure errors name the file and key path."""
    p = Path(path)
    pack, errors = read_pack_data(read_toml(p), file=str(path), base=p.parent)
    raise_all(errors)
    assert pack is not None
    return pack


# ------------------------------------------------------------------------------------------------
# Export
# ------------------------------------------------------------------------------------------------


def _params(ref: PluginRef) -> dict[str, Any]:
    return {k: _clean(v) for k, v in ref.params.items()}


def _clean(v: Any) -> Any:
    if isinstance(v, Decimal):
        return f"{v.normalize():f}" if v == v.to_integral_value() else v
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if isinstance(v, Mapping):
        return {str(k): _clean(x) for k, x in v.items()}
    return v


def _num(d: Decimal) -> Any:
    return int(d) if d == d.to_integral_value() else d


def _target(t: Target) -> Any:
    """A target as the short string pack authors write (``≥90%``), or a table when text is needed."""
    if t.value is None:
        return {"text": t.text} if t.text else {}
    if t.comparator == "between":
        return t.display()
    sign = {">=": "≥", "<=": "≤", "=": "=", ">": ">", "<": "<"}[t.comparator]
    if t.text is None:
        from .numbers import fmt_percent_short

        if t.unit == "%":
            return f"{sign}{fmt_percent_short(t.value)}"
        if t.unit not in ("%",) and not any(ch.isdigit() for ch in t.unit):
            return f"{sign}{fmt_number(t.value)}{'' if t.unit == 'count' else t.unit}"
    return {"value": _num(t.value), "comparator": t.comparator, "unit": t.unit, "text": t.text}


def pack_to_data(pack: Pack) -> dict[str, Any]:
    """A pack as pack-file data (the inverse of :func:`parse_pack`)."""
    meta: dict[str, Any] = {"name": pack.name, "title": pack.title}
    if pack.title_en:
        meta["title_en"] = pack.title_en
    meta.update({"version": pack.version, "api": pack.api})
    if pack.description:
        meta["description"] = pack.description
    rs = pack.rule_set
    rule_set: dict[str, Any] = {"name": rs.name}
    if rs.title:
        rule_set["title"] = rs.title
    rule_set["grading"] = rs.grading if rs.grading is not None else "none"
    rule_set["zero_division"] = rs.zero_division
    rule_set["total_standard"] = _num(rs.total_standard) if rs.total_standard is not None else "none"
    rule_set["total_aggregator"] = rs.total_aggregator if rs.total_aggregator is not None else "none"
    rule_set["rounding"] = {"score_places": rs.rounding.score_places, "mode": rs.rounding.mode,
                            "leaves": rs.rounding.leaves}
    rule_set["rounding"]["value_places"] = "none" if rs.rounding.value_places is None else rs.rounding.value_places
    rule_set["rounding"].update(rs.rounding.explicit)
    if rs.require_citations:
        rule_set["require_citations"] = True
    if rs.grading_scheme is not None:
        sch = rs.grading_scheme
        rule_set["grading_scheme"] = {"name": sch.name, "title": sch.title, "minimum": _num(sch.minimum),
                                      "maximum": _num(sch.maximum), "bands": [
            {k: v for k, v in {"label": b.label, "label_en": b.label_en,
                               "lower": None if b.lower is None else _num(b.lower),
                               "upper": None if b.upper is None else _num(b.upper),
                               "lower_inclusive": b.lower_inclusive, "upper_inclusive": b.upper_inclusive}.items()
             if v is not None} for b in sch.bands]}
    data: dict[str, Any] = {"schema_version": PACK_SCHEMA_VERSION, "pack": meta, "rule_set": rule_set}
    if pack.inputs:
        data["inputs"] = {}
        for spec in pack.inputs:
            d: dict[str, Any] = {"kind": spec.kind}
            if spec.title:
                d["title"] = spec.title
            if spec.unit:
                d["unit"] = spec.unit
            if spec.columns:
                d["columns"] = list(spec.columns)
            if spec.text_columns:
                d["text_columns"] = list(spec.text_columns)
            data["inputs"][spec.name] = d
    if pack.scales:
        data["scales"] = {s.name: {"levels": list(s.levels), "aliases": dict(s.aliases),
                                   "non_scores": list(s.non_scores)} for s in pack.scales}
    indicators: dict[str, Any] = {}

    def walk(nodes, parent):
        for n in nodes:
            d: dict[str, Any] = {}
            if parent:
                d["parent"] = parent
            d["name"] = n.name
            if n.name_en:
                d["name_en"] = n.name_en
            if n.description:
                d["description"] = n.description
            if n.standard_score is not None:
                d["standard_score"] = _num(n.standard_score)
            if isinstance(n, Group):
                if n.aggregator.name != "sum" or n.aggregator.params:
                    d["aggregator"] = {"name": n.aggregator.name, **_params(n.aggregator)}
                if n.open:
                    d["open"] = True
                if n.default_source is not None:
                    d["default_value"] = _value(n.default_source)
                if n.default_method is not None:
                    d["default_score"] = {"method": n.default_method.name, **_params(n.default_method)}
                indicators[n.code] = d
                walk(n.children, n.code)
            else:
                if n.target is not None:
                    d["target"] = _target(n.target)
                d["value"] = _value(n.source)
                d["score"] = {"method": n.method.name, **_params(n.method)}
                if n.scale:
                    d["scale"] = n.scale
                if n.notes:
                    d["notes"] = n.notes
                if n.require_citations:
                    d["require_citations"] = True
                indicators[n.code] = d

    walk(pack.tree, None)
    data["indicators"] = indicators
    if pack.data:
        data["data"] = _clean(dict(pack.data))
    return data


def _value(ref: PluginRef) -> dict[str, Any]:
    params = _params(ref)
    if ref.name == "formula":
        expr = params.pop("expr") if "expr" in params else params.pop("formula")  # formula: expr's alias
        return {"formula": expr, **params}
    if ref.name == "input_value":
        return {"input": params.pop("input"), **params}
    return {"indicator": ref.name, **params}


def dump_pack(pack: Pack) -> str:
    """Any pack, Python or TOML, as a declarative pack file that evaluates identically."""
    import tomli_w

    header = (f"#:schema https://jixiao.readthedocs.io/schemas/pack.schema.json\n"
              f"# Exported from pack {pack.name!r} (version {pack.version}) by `jixiao show --format toml`.\n")
    return header + tomli_w.dumps(pack_to_data(pack), multiline_strings=False)


__all__ = ["dump_pack", "fmt_number", "load_pack_file", "pack_to_data", "parse_pack", "parse_target"]
