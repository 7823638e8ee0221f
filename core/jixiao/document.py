"""The JSON document: the one machine-readable form of a result (stable; see docs/json-document.md).

Numeric scores are decimal strings at the rule set's precision; values are decimal strings too
(a rate as a fraction ``"0.8963"``, a rating ``"0.80"``, a count ``"0"``); ordinal scores are their
marks (``"B+"``). Every renderer may read this document instead of the result object; none
recomputes a figure.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from .model import EvaluationResult, GradeBand, LeafResult, NodeResult, Target
from .numbers import fmt_fixed, fmt_number, fmt_percent, quantize

DOCUMENT_VERSION = 1


def _level(v: Any, rounding: Any, which: str, *, entered: bool = False) -> str | None:
    """A score (or a standard score, ``entered``) printed at its level's places and mode."""
    if v is None:
        return None
    if isinstance(v, Decimal):
        return rounding.figure(v, which, entered=entered)
    return str(v)


def _score(v: Any, places: int, mode: str) -> str | None:
    if v is None:
        return None
    if isinstance(v, Decimal):
        return f"{quantize(v, places, mode):f}"
    return str(v)


def value_string(value: Any, kind: str, value_places: int | None) -> str | None:
    """The JSON form of a value: rates at the value precision, ratings at ≥ 2 decimals, counts plain."""
    if value is None:
        return None
    if not isinstance(value, Decimal):
        return str(value)
    if kind == "rating":
        q = quantize(value, 2)
        return f"{q:f}" if q == value else f"{value.normalize():f}"
    if kind == "rate" and value_places is not None:
        return f"{quantize(value, value_places):f}"
    if kind == "rate":
        return f"{value.normalize():f}"
    return fmt_number(value)


def value_display(value: Any, kind: str, value_places: int | None) -> str:
    """The value as a report prints it: ``89.63%``, ``80%`` for a rating, ``0`` for a count."""
    if value is None:
        return "—"
    if not isinstance(value, Decimal):
        return str(value)
    if kind == "rate":
        return fmt_percent(value, 2 if value_places is None else max(value_places - 2, 0))
    if kind == "rating":
        from .numbers import fmt_percent_short

        return fmt_percent_short(value)
    return fmt_number(value)


def _unit_of(ind: Any, kind: str, value: Any) -> str:
    """The target's unit after a plain number (``1100人``), so a report never drops what was counted."""
    t = ind.target
    if kind != "number" or not isinstance(value, Decimal) or t is None or t.value is None:
        return ""
    return "" if t.unit in ("%", "count", "rating", "date", "") else t.unit


def score_rate(score: Any, standard: Decimal | None) -> str | None:
    if not isinstance(score, Decimal) or not standard:
        return None
    return fmt_percent(score / standard, 2)


def target_dict(t: Target | None) -> dict[str, Any] | None:
    if t is None:
        return None
    return {
        "value": None if t.value is None else f"{t.value.normalize():f}",
        "comparator": t.comparator,
        "unit": t.unit,
        "display": t.display(),
    }


def _plain(v: Any) -> Any:
    if isinstance(v, Decimal):
        return fmt_number(v)
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    return v


def build_document(result: EvaluationResult) -> dict[str, Any]:
    """The result as plain JSON-able data, in the tree's order (deterministic)."""
    rs = result.pack.rule_set
    places, mode, vp = rs.rounding.score_places, rs.rounding.mode, rs.rounding.value_places
    rounding = rs.rounding

    def leaf_score(leaf: LeafResult) -> str | None:
        # An override is printed as entered; a computed score as its level rounds it.
        return _level(leaf.score, rounding, "leaf", entered=leaf.override is not None)

    def leaf_base(leaf: LeafResult) -> dict[str, Any]:
        ind = leaf.indicator
        return {
            "code": ind.code,
            "name": ind.name,
            "name_en": ind.name_en,
            "standard_score": _level(ind.standard_score, rounding, "leaf", entered=True),
            "score": leaf_score(leaf),
            "score_rate": score_rate(leaf.score, ind.standard_score),
        }

    def node(item: NodeResult | LeafResult, level: int) -> dict[str, Any]:
        if isinstance(item, LeafResult):
            d = leaf_base(item)
            d["level"] = level
            d["children"] = []
            return d
        g = item.group
        d = {
            "code": g.code,
            "name": g.name,
            "name_en": g.name_en,
            "level": level,
            "standard_score": _level(item.standard_score, rounding, "tier", entered=True),
            "score": _level(item.score, rounding, "tier"),
            "score_rate": score_rate(item.score, item.standard_score),
            "aggregator": g.aggregator.name,
        }
        if item.counts:
            d["counts"] = dict(item.counts)
        if g.aggregator.name != "sum" and item.working:
            # A sum's working is its children's scores; any other aggregator's explains a result
            # that cannot be read off the children (M1/M2, a weighted mean, a rating override).
            d["trace"] = item.working
        d["children"] = [node(c, level + 1) for c in item.children]
        return d

    paths: dict[str, list[str]] = {}

    def collect(items, trail):
        for it in items:
            if isinstance(it, LeafResult):
                paths[it.code] = trail
            else:
                collect(it.children, trail + [it.group.code])

    collect(result.tiers, [])

    indicators = []
    for leaf in result.leaves():
        ind, m = leaf.indicator, leaf.measurement
        d = leaf_base(leaf)
        lost = None
        if isinstance(leaf.score, Decimal) and ind.standard_score is not None:
            # What the printed score lost: standard − the score as shown (9 shown of 10 lost 1, not 0.09).
            shown = leaf.score if leaf.override is not None else rounding.shown(leaf.score, "leaf")
            lost = _level(ind.standard_score - shown, rounding, "leaf", entered=True)
        d.update({
            "path": paths.get(ind.code, []),
            "description": ind.description,
            "value": value_string(leaf.value, m.kind, vp),
            "value_kind": m.kind,
            "value_display": value_display(leaf.value, m.kind, vp) + _unit_of(ind, m.kind, leaf.value),
            "value_expression": m.expression,
            "target": target_dict(ind.target),
            "source": _plain(ind.source.to_dict()),
            "method": _plain(ind.method.to_dict()),
            "trace": leaf.working,
            "benchmark": value_string(leaf.outcome.benchmark, m.kind if m.kind != "rating" else "rate", vp),
            "shortfall": value_string(leaf.outcome.gap, m.kind if m.kind != "rating" else "rate", vp),
            "loss_reason": leaf.outcome.reason,
            "points_lost": lost,
            "inputs": _plain(dict(m.inputs)),
            "note": leaf.note or m.note,
            "status": leaf.status,
            "override": None if leaf.override is None else {
                "score": _level(leaf.override.score, rounding, "leaf", entered=True),
                "reason": leaf.override.reason,
                "computed_score": _level(leaf.computed_score, rounding, "leaf"),
            },
        })
        indicators.append(d)

    tables = {}
    for code, m in result.tables.items():
        figures = [x for r in m.breakdown for x in (r.numerator, r.denominator) if x is not None]
        # Amounts (万元) print with two decimals; tables of counts print as whole numbers.
        tplaces = 0 if all(x == x.to_integral_value() for x in figures) else 2
        tables[code] = {
            "title": m.breakdown_title,
            "numerator": m.numerator_label,
            "denominator": m.denominator_label,
            "rows": [{
                "label": r.label,
                "level": r.level,
                "numerator": None if r.numerator is None else fmt_fixed(r.numerator, tplaces),
                "denominator": None if r.denominator is None else fmt_fixed(r.denominator, tplaces),
                "rate": None if r.rate is None else fmt_percent(r.rate, 2),
                "ref": r.ref,
            } for r in m.breakdown],
        }

    grade: GradeBand | None = result.grade
    doc: dict[str, Any] = {
        "schema_version": DOCUMENT_VERSION,
        "pack": {
            "name": result.pack.name,
            "title": result.pack.title,
            "title_en": result.pack.title_en,
            "version": result.pack.version,
            "distribution": result.run.pack_distribution,
        },
        "rule_set": {
            "name": rs.name,
            "title": rs.title,
            "grading": result.grading_scheme.name if result.grading_scheme else None,
            "rounding": {
                "value_places": vp,
                "score_places": places,
                "mode": mode,
                "leaves": rs.rounding.leaves,
                **rounding.explicit,
            },
            "zero_division": rs.zero_division,
        },
        "project": _plain(dict(result.project)),
        "total": _level(result.total, rounding, "total"),
        # Packs that round their levels alike print no total working (their documents stay as they were).
        **({"total_trace": result.total_working}
           if result.total_working and (rounding.explicit or rounding.mode in ("down", "up")) else {}),
        "total_standard": _level(result.total_standard, rounding, "total", entered=True),
        "score_rate": score_rate(result.total, result.total_standard),
        "grade": grade.label if grade else None,
        "grade_en": grade.label_en if grade else None,
        "tiers": [node(t, 1) for t in result.tiers],
        "indicators": indicators,
        "tables": tables,
        "run": {
            "core_version": result.run.core_version,
            "pack": result.run.pack,
            "pack_version": result.run.pack_version,
            "plugins": list(result.run.plugins),
            "config": result.run.config,
            "config_sha256": result.run.config_sha256,
        },
    }
    _add_extras(doc, result.extras)
    try:
        from .losses import analyse_losses

        doc["losses"] = analyse_losses(doc)
    except ImportError:  # pragma: no cover - the analysis module ships with the core
        pass
    return doc


def _add_extras(doc: dict[str, Any], extras: Any) -> None:
    """Sections other modules computed (the evidence register, surveys, panels, review findings)."""
    extras = dict(extras or {})
    citations = extras.pop("citations", {})
    stats = extras.pop("survey_stats", {})
    panel = extras.pop("panel_leaves", {})
    for ind in doc["indicators"]:
        if ind["code"] in citations:
            ind["evidence"] = list(citations[ind["code"]])
        if ind["code"] in panel:  # scored by the expert panel: each expert's score and reason
            ind["panel"] = panel[ind["code"]]
        if ind["code"] in stats:  # a value read from raw responses: its n and margin of error
            ind["survey"] = stats[ind["code"]]
            ind["value_display"] += " " + stats[ind["code"]]["display"]
    review = extras.pop("review", None)
    stated = extras.pop("stated_review", None)
    extras.pop("form_inputs", None)  # read by the form renderer only
    doc.update(extras)
    if review:
        target = doc.setdefault("review", {})
        for key, items in review.items():
            target.setdefault(key, []).extend(items)
    if stated:
        from .forms.review import add_review

        add_review(doc, stated)


def dumps(doc: dict[str, Any]) -> str:
    """Deterministic JSON text: same document, same bytes."""
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
