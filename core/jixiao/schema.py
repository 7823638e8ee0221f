"""The JSON Schemas of the evaluation config and the pack file, generated from this module.

``schemas/*.schema.json`` in the repository are written by ``jixiao schema --write`` and a test
keeps them equal to what this module generates. Editors (Taplo / Even Better TOML) use them through
a ``#:schema`` first line; ``jixiao validate`` uses them as its second stage.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from .evidence import KINDS as EVIDENCE_KINDS
from .model import ROUNDING_MODE_NAMES as ROUNDING_MODES
from .rounding import ROUNDING_SCHEMA

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
BASE_URL = "https://jixiao.readthedocs.io/schemas/"

NUMBER = {"type": "number"}
NUMBER_OR_TEXT = {"anyOf": [{"type": "number"}, {"type": "string"}]}
PERCENT = {"anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^\s*-?\d+(\.\d+)?\s*%\s*$"}],
           "description": "a percentage like \"80%\" or a fraction like 0.8"}
PLUGIN_PARAMS = {"additionalProperties": True}

TARGET = {
    "description": "\"≥90%\", \"≤30天\", \"=1\", a number, or a table",
    "anyOf": [
        {"type": "string"},
        {"type": "number"},
        {"type": "object", "additionalProperties": False, "properties": {
            "value": NUMBER_OR_TEXT, "comparator": {"enum": [">=", "<=", "=", ">", "<", "≥", "≤"]},
            "unit": {"type": "string"}, "text": {"type": "string"}}},
    ],
}
VALUE = {
    "description": "how the value is obtained: an indicator plugin, a formula, or a named input",
    "anyOf": [
        {"type": "string", "description": "a formula"},
        {"type": "object", "required": ["indicator"], "properties": {"indicator": {"type": "string"}},
         **PLUGIN_PARAMS},
        {"type": "object", "required": ["formula"], "properties": {"formula": {"type": "string"},
                                                                  "kind": {"type": "string"}}, **PLUGIN_PARAMS},
        {"type": "object", "required": ["input"], "properties": {"input": {"type": "string"},
                                                                "kind": {"type": "string"}}, **PLUGIN_PARAMS},
    ],
}
SCORE = {"type": "object", "required": ["method"], "properties": {"method": {"type": "string"}}, **PLUGIN_PARAMS,
         "description": "the scoring method and its parameters"}
AGGREGATOR = {"anyOf": [{"type": "string"}, {"type": "object", "required": ["name"],
                                              "properties": {"name": {"type": "string"}}, **PLUGIN_PARAMS}]}


WEIGHTS_SCHEMA: dict[str, Any] = {
    "type": "object", "additionalProperties": {**NUMBER, "exclusiveMinimum": 0},
    "description": "new standard scores of the template's nodes by code (the national form's B = 40, C = 30, "
                   "D = 20); the leaves beneath are scaled to match (docs/forms.md, Weights)"}

EVIDENCE_IDS = {"type": "array", "items": {"type": "string"}, "description": "ids of [evidence.ID] entries cited"}
EXTENSION_SECTIONS: dict[str, str] = {
    "stated": "the unit's stated self-evaluation (forms review)",
    "weights": "weights entered by the evaluation",
    "rounding": "the evaluation's rounding choices",
    "surveys": "questionnaire surveys ([surveys.NAME])",
    "panel": "the expert panel",
    "experts": "the experts' scores",
    "evidence": "the evidence register ([evidence.ID])",
    "archive": "archive metadata",
    "results_use": "how the results are used (整改, budget links)",
}
"""Config sections read by their own modules from ``EvaluationConfig.raw``; each module checks its own keys.
Adding a section is one line here (the unknown-key check, ``load_config`` and the JSON Schema read it)."""

CONFIG_LEAF_EXTRAS: dict[str, dict[str, Any]] = {
    "stated_score": {**NUMBER_OR_TEXT, "description": "the unit's own score (自评得分), checked against ours"},
    "stated_actual": {**NUMBER_OR_TEXT, "description": "the actual value the unit stated"},
    "deviation_reason": {"type": "string", "description": "偏差原因"},
    "evidence": {**EVIDENCE_IDS, "description": "evidence ids supporting the leaf and its stated figures"},
}
"""Per-leaf keys an evaluation config may add to its own ``[indicators.CODE]`` tables."""


def _node(*, config: bool) -> dict[str, Any]:
    props: dict[str, Any] = {
        "parent": {"type": "string", "description": "code of the parent node"},
        "name": {"type": "string", "minLength": 1},
        "name_en": {"type": "string"},
        "description": {"type": "string", "description": "指标解释"},
        "standard_score": {**NUMBER, "minimum": 0, "description": "标准分"},
        "target": TARGET,
        "value": VALUE,
        "score": SCORE,
        "scale": {"type": "string"},
        "notes": {"type": "string"},
    }
    if not config:
        props["require_citations"] = {"type": "boolean",
                                      "description": "this leaf's judgement must cite evidence (review finding)"}
    if config:
        props["actual"] = {**NUMBER_OR_TEXT, "description": "the actual value (实际完成值), e.g. 1180 or \"97.5%\""}
        props.update(CONFIG_LEAF_EXTRAS)
        return {"type": "object", "additionalProperties": False, "required": ["parent", "name"],
                "properties": props}
    props.update({
        "aggregator": AGGREGATOR,
        "open": {"type": "boolean", "description": "an evaluation may add leaves here"},
        "default_value": VALUE,
        "default_score": SCORE,
    })
    return {"type": "object", "additionalProperties": False, "required": ["name"], "properties": props}


def pack_schema() -> dict[str, Any]:
    band = {"type": "object", "additionalProperties": False, "required": ["label"], "properties": {
        "label": {"type": "string"}, "label_en": {"type": "string"}, "lower": NUMBER, "upper": NUMBER,
        "lower_inclusive": {"type": "boolean"}, "upper_inclusive": {"type": "boolean"}}}
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": BASE_URL + "pack.schema.json",
        "title": "jixiao pack file",
        "description": "A declarative indicator pack: metadata, rule set, inputs and the indicator tree.",
        "type": "object",
        "additionalProperties": False,
        "required": ["pack", "indicators"],
        "properties": {
            "schema_version": {"const": 1},
            "pack": {"type": "object", "additionalProperties": False, "required": ["name", "title"], "properties": {
                "name": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9._-]*$"},
                "title": {"type": "string", "minLength": 1}, "title_en": {"type": "string"},
                "version": {"type": "string"}, "api": {"type": "integer"}, "description": {"type": "string"},
                "example": {"type": "string"}}},
            "rule_set": {"type": "object", "additionalProperties": False, "properties": {
                "name": {"type": "string"}, "title": {"type": "string"},
                "grading": {"type": "string", "description": "a registered grading scheme, or \"none\""},
                "zero_division": {"enum": ["met", "zero", "error"]},
                "total_standard": {"anyOf": [NUMBER, {"const": "none"}]},
                "total_aggregator": {"type": "string"},
                "require_citations": {"type": "boolean",
                                      "description": "every qualitative leaf must cite evidence (review finding)"},
                "rounding": ROUNDING_SCHEMA,
                "grading_scheme": {"type": "object", "additionalProperties": False, "required": ["bands"],
                                   "properties": {"name": {"type": "string"}, "title": {"type": "string"},
                                                  "title_en": {"type": "string"}, "minimum": NUMBER,
                                                  "maximum": NUMBER,
                                                  "bands": {"type": "array", "minItems": 1, "items": band}}}}},
            "inputs": {"type": "object", "additionalProperties": {"anyOf": [
                {"enum": ["number", "count", "rate", "table", "text"]},
                {"type": "object", "additionalProperties": False, "properties": {
                    "kind": {"enum": ["number", "count", "rate", "table", "text"]}, "title": {"type": "string"},
                    "unit": {"type": "string"}, "columns": {"type": "array", "items": {"type": "string"}},
                    "text_columns": {"type": "array", "items": {"type": "string"}}, "minimum": NUMBER}}]}},
            "scales": {"type": "object", "additionalProperties": {
                "type": "object", "required": ["levels"], "additionalProperties": False, "properties": {
                    "levels": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                    "aliases": {"type": "object", "additionalProperties": {"type": "string"}},
                    "non_scores": {"type": "array", "items": {"type": "string"}}}}},
            "indicators": {"type": "object", "minProperties": 1, "additionalProperties": _node(config=False)},
            "data": {"type": "object"},
        },
    }


def config_schema() -> dict[str, Any]:
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": BASE_URL + "evaluation.schema.json",
        "title": "jixiao evaluation config",
        "description": "Selects a pack and carries one evaluation's data.",
        "type": "object",
        "additionalProperties": False,
        "required": ["pack"],
        "properties": {
            "schema_version": {"const": 1},
            "pack": {"anyOf": [
                {"type": "string", "description": "a registered pack name, or a path ending in .toml"},
                {"type": "object", "additionalProperties": False, "properties": {
                    "name": {"type": "string"}, "path": {"type": "string"},
                    "disable": {"type": "array", "items": {"type": "string"}}},
                 "oneOf": [{"required": ["name"]}, {"required": ["path"]}]}]},
            "project": {"type": "object", "description": "project facts printed on reports (name, unit, …)"},
            "inputs": {"type": "object", "additionalProperties": {"anyOf": [
                {"type": "number"},
                {"type": "string"},
                {"type": "array", "items": {"type": "object"}, "description": "table rows"},
                {"type": "object", "required": ["csv"], "additionalProperties": False,
                 "properties": {"csv": {"type": "string"}}},
                {"type": "object", "required": ["answers"], "additionalProperties": False, "properties": {
                    "question": {"type": "string"}, "responses": NUMBER, "single_choice": {"type": "boolean"},
                    "answers": {"type": "object", "additionalProperties": NUMBER}}},
            ]}},
            "ratings": {"type": "object", "additionalProperties": {
                "type": "object", "additionalProperties": False, "required": ["reason"], "properties": {
                    "rating": PERCENT, "mark": {"type": "string"}, "band": {"type": "string"},
                    "reason": {"type": "string", "minLength": 1}, "evidence": EVIDENCE_IDS}}},
            "overrides": {"type": "object", "additionalProperties": {
                "type": "object", "additionalProperties": False, "required": ["score", "reason"], "properties": {
                    "score": NUMBER, "reason": {"type": "string", "minLength": 1}, "evidence": EVIDENCE_IDS}}},
            "notes": {"type": "object", "additionalProperties": {"anyOf": [
                {"type": "string"},
                {"type": "object", "additionalProperties": False, "required": ["text"], "properties": {
                    "text": {"type": "string"}, "evidence": EVIDENCE_IDS}}],
                "description": "a note, or a table { text = \"…\", evidence = [\"E01\"] }"}},
            "indicators": {"type": "object", "additionalProperties": _node(config=True)},
            **{name: {"type": "object", "description": text} for name, text in EXTENSION_SECTIONS.items()},
            "rounding": {**ROUNDING_SCHEMA, "description": "the evaluation's rounding: keys of the pack's "
                                                           "[rule_set.rounding], each overriding the pack's"},
            "weights": WEIGHTS_SCHEMA,
            "panel": PANEL_SCHEMA,
            "experts": EXPERTS_SCHEMA,
            "evidence": EVIDENCE_SCHEMA,
        },
    }


SHARE = {"anyOf": [{"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*%\s*$"},
                   {"type": "number", "exclusiveMinimum": 0, "maximum": 1}],
         "description": "a share like \"30%\" or 0.3"}
PANEL_SCHEMA = {
    "type": "object", "additionalProperties": False, "description": "the expert panel's rule (docs/panels.md)",
    "properties": {
        "method": {"enum": ["mean", "median", "trimmed_mean"], "description": "default trimmed_mean"},
        "trim": {"type": "integer", "minimum": 1, "description": "trimmed_mean: scores dropped at each end"},
        "places": {"type": "integer", "minimum": 0, "maximum": 6},
        "rounding": {"enum": list(ROUNDING_MODES)},
        "spread_share": {**SHARE, "description": "max − min above this share of the standard score: 专家意见分歧较大"},
    }}
EXPERTS_SCHEMA = {
    "type": "object", "additionalProperties": False, "description": "the experts' scores (docs/panels.md)",
    "properties": {
        "file": {"type": "string", "description": "a long table (.csv/.xlsx) or an xlsx with one sheet per expert"},
        "encoding": {"type": "string", "description": "of a CSV file (default UTF-8)"},
        "members": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1,
                    "uniqueItems": True},
        "scores": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["expert", "code"], "properties": {
                "expert": {"type": "string"}, "code": {"type": "string"},
                "score": {**NUMBER_OR_TEXT, "description": "points of the standard score (or \"80%\")"},
                "rating": {**NUMBER_OR_TEXT, "description": "a share of the standard score, \"80%\""},
                "reason": {"type": "string"}, "evidence": EVIDENCE_IDS}}},
    }}
EVIDENCE_SCHEMA = {
    "type": "object", "description": "the evidence register ([evidence.ID]; docs/evidence.md)",
    "properties": {"require_citations": {"type": "boolean"}},
    "additionalProperties": {
        "type": "object", "additionalProperties": False, "required": ["title", "kind"], "properties": {
            "title": {"type": "string", "minLength": 1},
            "kind": {"enum": list(EVIDENCE_KINDS)},
            "file": {"type": "string", "description": "relative to the config's folder"},
            "page": {"anyOf": [{"type": "integer"}, {"type": "string"}]}, "location": {"type": "string"},
            "sha256": {"type": "string", "pattern": "^[0-9a-fA-F]{64}$", "description": "pins the file's version"}}}}


def document_schema() -> dict[str, Any]:
    """The JSON document ``jixiao evaluate -f json`` writes (docs/json-document.md).

    Stable: keys are only added, so every object allows more keys than it lists; the sections a config
    adds (evidence, surveys, panel, review) are described in detail and are optional, so documents
    written before they existed still validate.
    """
    text = {"type": "string"}
    opt_text = {"type": ["string", "null"]}
    decimal = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "description": "a decimal string"}
    opt_decimal = {"anyOf": [decimal, {"type": "null"}]}
    score = {"type": ["string", "null"], "description": "a decimal string, an ordinal mark, or null"}
    percent = {"type": "string", "pattern": r"^-?\d+(\.\d+)?%$"}
    ids = {"type": "array", "items": text, "description": "evidence ids ([evidence.ID])"}

    def obj(props: dict[str, Any], required: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
        return {"type": "object", "required": list(required or props), "properties": props, **extra}

    node = {"type": "object", "required": ["code", "name", "level", "standard_score", "score", "children"],
            "properties": {"code": text, "name": text, "name_en": opt_text, "level": {"type": "integer", "minimum": 1},
                           "standard_score": score, "score": score,
                           "score_rate": {"anyOf": [percent, {"type": "null"}]}, "aggregator": text,
                           "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}
    entry = obj({"id": text, "title": text, "kind": {"enum": list(EVIDENCE_KINDS)},
                 "file": opt_text, "location": opt_text,
                 "sha256": {"anyOf": [{"type": "string", "pattern": "^[0-9a-f]{64}$"}, {"type": "null"}]},
                 "size": {"type": ["integer", "null"], "minimum": 0}})
    interval = {"n": {"type": "integer", "minimum": 0}, "value": text, "margin": opt_decimal}
    leaf_survey = obj({
        "survey": text, "n": {"type": "integer", "minimum": 0}, "statistic": {"enum": ["proportion", "mean"]},
        "value": text, "low": opt_text, "high": opt_text, "margin": opt_decimal,
        "method": {"enum": ["wilson", "t"]}, "display": text,
        "subgroups": {"anyOf": [{"type": "null"}, obj({"column": text, "groups": {
            "type": "object", "additionalProperties": obj(interval, ("n", "value"))}})]},
        "population": {"type": ["integer", "null"]}, "required_margin": opt_decimal,
        "margin_met": {"type": ["boolean", "null"]}}, ("survey", "n", "statistic", "value", "margin", "display"))
    expert = obj({"expert": text, "score": decimal, "reason": text, "evidence": ids,
                  "ref": {"type": "string", "description": "the score's row or key path in its file"}},
                 ("expert", "score", "reason"))
    leaf_panel = obj({"method": {"enum": ["mean", "median", "trimmed_mean"]}, "score": decimal, "working": text,
                      "spread": decimal, "finding": opt_text,
                      "applies": {"enum": ["panel", "override"], "description": "which result the leaf's score is"},
                      "experts": {"type": "array", "minItems": 1, "items": expert}},
                     ("method", "score", "working", "applies", "experts"))
    indicator = {"type": "object",
                 "required": ["code", "name", "standard_score", "score", "path", "value", "value_kind",
                              "value_display", "trace", "points_lost", "status", "override"],
                 "properties": {
                     "code": text, "name": text, "name_en": opt_text, "standard_score": score, "score": score,
                     "score_rate": {"anyOf": [percent, {"type": "null"}]}, "path": {"type": "array", "items": text},
                     "value": opt_text, "value_kind": text, "value_display": text, "value_expression": opt_text,
                     "trace": opt_text, "points_lost": opt_decimal, "note": opt_text, "status": text,
                     "override": {"anyOf": [{"type": "null"}, obj({"score": score, "reason": text,
                                                                   "computed_score": score}, ("score", "reason"))]},
                     "evidence": ids, "survey": leaf_survey, "panel": leaf_panel}}
    finding = obj({"code": opt_text, "kind": text, "message": text}, ("kind", "message"))
    discrepancy = obj({"code": opt_text, "kind": text, "stated": {}, "computed": {}, "message": text,
                       "cell": opt_text}, ("kind", "message"))
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": BASE_URL + "document.schema.json",
        "title": "jixiao JSON document",
        "description": "One evaluation's result as `jixiao evaluate --format json` writes it (docs/json-document.md). "
                       "Keys are only ever added: every object may carry more keys than listed.",
        "type": "object",
        "required": ["schema_version", "pack", "rule_set", "project", "total", "total_standard", "grade", "tiers",
                     "indicators", "tables", "run"],
        "$defs": {"node": node},
        "properties": {
            "schema_version": {"const": 1},
            "pack": obj({"name": text, "title": text, "title_en": opt_text, "version": opt_text,
                         "distribution": opt_text}, ("name", "title")),
            "rule_set": obj({"name": text, "title": opt_text, "grading": opt_text, "rounding": obj({
                "value_places": {"type": ["integer", "null"]}, "score_places": {"type": "integer"},
                "mode": {"enum": list(ROUNDING_MODES)}, "leaves": text, "tiers": text,
                **{k: {"type": "integer"} for k in ("leaf_places", "tier_places", "total_places")},
                **{k: {"enum": list(ROUNDING_MODES)} for k in ("leaf_mode", "tier_mode", "total_mode")}},
                ("score_places", "mode")),
                "zero_division": text}, ("name", "rounding")),
            "project": {"type": "object"},
            "total": score, "total_standard": score,
            "total_trace": {"type": "string", "description": "how the total was reached, when the rule set "
                                                             "rounds levels on their own"},
            "score_rate": {"anyOf": [percent, {"type": "null"}]},
            "grade": opt_text, "grade_en": opt_text,
            "tiers": {"type": "array", "items": {"$ref": "#/$defs/node"}},
            "indicators": {"type": "array", "items": indicator},
            "tables": {"type": "object"},
            "losses": obj({"total_lost": opt_decimal, "ranked": {"type": "array"}}, ("ranked",)),
            "run": obj({"core_version": text, "pack": text, "pack_version": opt_text,
                        "plugins": {"type": "array", "items": text}, "config": text, "config_sha256": text},
                       ("core_version", "pack", "config_sha256")),
            "evidence": obj({"entries": {"type": "array", "items": entry}, "require_citations": {"type": "boolean"},
                             "stated": {**ids, "description": "what the [stated] block cites"}},
                            ("entries", "require_citations")),
            "surveys": {"type": "object", "additionalProperties": obj({
                "file": text, "input": text, "question_no": text, "question": text,
                "multiple_choice": {"type": "boolean"}, "rows": {"type": "integer", "minimum": 0},
                "valid": {"type": "integer", "minimum": 0},
                "excluded": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
                "population": {"type": ["integer", "null"]}}, ("file", "input", "question", "rows", "valid",
                                                                "excluded"))},
            "panel": obj({"method": {"enum": ["mean", "median", "trimmed_mean"]}, "method_text": text,
                          "trim": {"type": ["integer", "null"]}, "places": {"type": "integer"},
                          "rounding": {"enum": list(ROUNDING_MODES)}, "spread_share": opt_decimal,
                          "members": {"type": "array", "items": text}, "source": opt_text,
                          "codes": {"type": "array", "items": text}},
                         ("method", "places", "rounding", "members", "codes")),
            "review": {"type": "object", "properties": {
                "findings": {"type": "array", "items": finding},
                "discrepancies": {"type": "array", "items": discrepancy}}},
        },
    }


SCHEMAS = {"evaluation.schema.json": config_schema, "pack.schema.json": pack_schema,
           "document.schema.json": document_schema}


def schema_text(name: str) -> str:
    return json.dumps(SCHEMAS[name](), ensure_ascii=False, indent=2) + "\n"


def validator(schema: dict[str, Any]):
    """A Draft 2020-12 validator that counts Decimal (how TOML floats are read) as a number."""
    import jsonschema
    from jsonschema import validators

    base = jsonschema.Draft202012Validator
    checker = base.TYPE_CHECKER.redefine(
        "number", lambda checker, inst: isinstance(inst, (int, float, Decimal)) and not isinstance(inst, bool))
    cls = validators.extend(base, type_checker=checker)
    return cls(schema)


_VALIDATORS: dict[str, Any] = {}


def _validator_of(kind: str):
    """The validator of the pack or the config schema, built once per process (building one is most of
    the time of validating a small config; ``jixiao review`` validates one per form)."""
    if kind not in _VALIDATORS:
        _VALIDATORS[kind] = validator(pack_schema() if kind == "pack" else config_schema())
    return _VALIDATORS[kind]


def json_path(path) -> str:
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


_JSON_TYPES = {"object": dict, "string": str, "array": list, "boolean": bool}


def _type_name(v: object) -> str:
    return {bool: "a boolean", int: "an integer", Decimal: "a number", float: "a number", str: "a string",
            list: "an array", dict: "a table"}.get(type(v), type(v).__name__)


def _same_type_branches(err) -> list:
    """The sub-errors of an anyOf from the alternatives that take the value's type (a table's errors
    come from the table alternatives, not from "is not a string")."""
    inst = err.instance
    branches = err.schema.get("anyOf") or err.schema.get("oneOf") or []

    def takes(branch: dict[str, Any]) -> bool:
        t = branch.get("type")
        if t is None:
            if "enum" in branch:
                return any(type(x) is type(inst) for x in branch["enum"])
            return "const" not in branch or type(branch["const"]) is type(inst)
        if t in ("number", "integer"):
            return isinstance(inst, (int, Decimal, float)) and not isinstance(inst, bool)
        return isinstance(inst, _JSON_TYPES[t]) and (t == "boolean" or not isinstance(inst, bool))

    keep = {i for i, b in enumerate(branches) if isinstance(b, dict) and takes(b)}
    if isinstance(inst, dict) and len(keep) > 1:  # the table alternative sharing most keys with the value
        overlap = {i: len(set(inst) & set(branches[i].get("properties", {}))) for i in keep}
        best = max(overlap.values())
        keep = {i for i in keep if overlap[i] == best}
    if not branches:
        return list(err.context)
    return [e for e in err.context if e.relative_schema_path and e.relative_schema_path[0] in keep]


def schema_errors(data: dict[str, Any], kind: str, *, file: str):
    """Every schema violation as a located ConfigError (best match per location)."""
    from .errors import ConfigError

    schema = pack_schema() if kind == "pack" else config_schema()
    from .schema_fast import is_valid

    if is_valid(data, schema) is True:  # the usual case, answered without importing jsonschema
        return []
    errors = []
    seen = set()
    for err in sorted(_validator_of(kind).iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        # anyOf failures: report the most specific sub-error
        leaf = err
        if err.context:
            import jsonschema

            context = _same_type_branches(err)
            if not context:  # no alternative takes this type of value: say what is expected
                path = json_path(err.absolute_path)
                if path not in seen:
                    seen.add(path)
                    expected = err.schema.get("description") or "another type of value"
                    errors.append(ConfigError(f"expected {expected}, got {_type_name(err.instance)}",
                                              file=file, path=path))
                continue
            deepest = max(len(e.absolute_path) for e in context)
            candidates = [e for e in context if len(e.absolute_path) == deepest]
            misspelt = [e for e in candidates if e.validator == "additionalProperties"]  # often why a key is missing
            leaf = misspelt[0] if misspelt else jsonschema.exceptions.best_match(candidates) or err
        path = json_path(leaf.absolute_path)
        if path in seen:
            continue
        seen.add(path)
        if leaf.validator == "additionalProperties" and isinstance(leaf.instance, dict):
            allowed = list(leaf.schema.get("properties") or {})
            for key in leaf.instance:
                if key not in allowed:
                    errors.append(unknown_key(key, allowed, file=file, where=f"{path}.{key}"))
            continue
        errors.append(ConfigError(f"schema: {leaf.message}", file=file, path=path))
    return errors


def suggestion(key: str, allowed) -> str | None:
    """The allowed key a misspelt one was probably meant to be (``noets`` → ``notes``)."""
    import difflib

    allowed = [str(a) for a in allowed]
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if not close:  # transpositions and dropped letters in short keys
        lowered = {a.lower(): a for a in allowed}
        close = difflib.get_close_matches(key.lower(), list(lowered), n=1, cutoff=0.5)
        close = [lowered[c] for c in close]
    return close[0] if close else None


def unknown_key(key: str, allowed, *, file: str | None, where: str, what: str = ""):
    """The one message for a key that is not allowed: did-you-mean, then the keys that are."""
    from .errors import ConfigError

    allowed = sorted(str(a) for a in allowed)
    close = suggestion(key, allowed)
    msg = f"unknown key {key!r}{' ' + what if what else ''}"
    if close:
        msg += f"; did you mean {close!r}?"
    msg += f" (expected one of {', '.join(allowed)})" if allowed else " (no keys are allowed here)"
    return ConfigError(msg, file=file, path=where,
                       hint=f"rename it to {close!r}" if close else "remove it, or check the spelling")


def allowed_keys(*where: str, kind: str = "config") -> tuple[str, ...]:
    """The keys the schema allows at a place (``allowed_keys("ratings", "*")``): one source for the code."""
    node: dict[str, Any] = pack_schema() if kind == "pack" else config_schema()
    for part in where:
        if "anyOf" in node:
            node = next(a for a in node["anyOf"] if a.get("type") == "object")
        node = node["additionalProperties"] if part == "*" else node["properties"][part]
    if "anyOf" in node:
        node = next(a for a in node["anyOf"] if a.get("type") == "object")
    return tuple(node.get("properties", {}))
