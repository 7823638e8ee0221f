"""What the archive stores, read from an evaluation's JSON document or a batch result row.

Every field is read from what the evaluation states; a field that is needed and absent (the year,
the kind of evaluation) is refused with the place it was looked for, never guessed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from ..errors import ConfigError, DataError
from .schema import SCALE

KINDS = {"self": "self", "自评": "self", "self-evaluation": "self",
         "recheck": "recheck", "re-check": "recheck", "复核": "recheck", "再评价": "recheck",
         "third-party": "third-party", "third_party": "third-party", "第三方": "third-party", "第三方评价": "third-party"}
KIND_NAMES = ("self", "recheck", "third-party")


def canonical_json(doc: Any) -> bytes:
    """The document as sorted, compact UTF-8 JSON: what its sha256 is taken of."""
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def document_sha256(doc: Mapping[str, Any]) -> str:
    """The document's identity: sha256 of its canonical JSON, leaving out the renderer that printed it
    (``run.plugins`` lists ``renderer json`` after ``--format json``, ``renderer table`` otherwise; the
    evaluation is the same)."""
    run = doc.get("run")
    if isinstance(run, dict) and isinstance(run.get("plugins"), list):
        plugins = [p for p in run["plugins"] if not (isinstance(p, str) and p.startswith("renderer "))]
        doc = {**doc, "run": {**run, "plugins": plugins}}
    return sha256(canonical_json(doc))


def to_e4(text: Any, *, file: str | None, path: str) -> int:
    """An exact decimal (text) as an integer of ten-thousandths; refuses anything finer or not a number."""
    try:
        d = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        raise DataError(f"expected a decimal number, got {text!r}", file=file, path=path) from None
    if not d.is_finite():
        raise DataError(f"expected a finite number, got {text!r}", file=file, path=path)
    scaled = d.scaleb(SCALE)
    if scaled != scaled.to_integral_value():
        raise DataError(f"{text!r} has more than {SCALE} decimals; the archive keeps {SCALE}", file=file, path=path)
    return int(scaled)


def from_e4(value: int | None, places: int) -> str | None:
    if value is None:
        return None
    return f"{Decimal(value).scaleb(-SCALE).quantize(Decimal(1).scaleb(-places)):f}"


def norm_kind(value: Any, *, file: str | None, path: str) -> str:
    if isinstance(value, str) and value.strip().lower() in KINDS:
        return KINDS[value.strip().lower()]
    raise ConfigError(f"unknown kind of evaluation {value!r}; expected one of {', '.join(KIND_NAMES)} "
                      "(自评, 复核, 第三方)", file=file, path=path)


_YEAR_IN_PERIOD = re.compile(r"^\s*(\d{4})\s*(年|$|[-/.])")


def year_of(project: Mapping[str, Any], override: int | None, *, file: str | None) -> int:
    """The evaluated year: --year, else ``project.year``, else the leading ``2018年`` of ``project.period``."""
    if override is not None:
        return override
    y = project.get("year")
    if y is not None:
        if isinstance(y, int) and not isinstance(y, bool) or isinstance(y, str) and y.strip().isdigit():
            return int(y)
        raise ConfigError(f"expected a year such as 2023, got {y!r}", file=file, path="$.project.year")
    period = project.get("period")
    if isinstance(period, str):
        m = _YEAR_IN_PERIOD.match(period)
        if m:
            return int(m.group(1))
    raise ConfigError("the evaluated year is not stated: the document has no project.year and its period "
                      f"({period!r}) does not start with a year", file=file, path="$.project.year",
                      hint="add `year = 2023` to [project], or give --year")


def _text(v: Any) -> str | None:
    if v is None:
        return None
    return str(v)


def _list_of(section: Any, *, file: str | None, path: str) -> list[tuple[str | None, str]]:
    """Entries of a list (or a table keyed by indicator code) as (code, JSON text)."""
    if section is None:
        return []
    out: list[tuple[str | None, str]] = []
    if isinstance(section, list):
        for item in section:
            code = item.get("code") if isinstance(item, dict) else None
            out.append((_text(code), canonical_json(item).decode()))
    elif isinstance(section, dict):
        for key in sorted(section):
            items = section[key] if isinstance(section[key], list) else [section[key]]
            for item in items:
                code = item.get("code", key) if isinstance(item, dict) else key
                out.append((_text(code), canonical_json(item).decode()))
    else:
        raise DataError(f"expected a list or a table, got {type(section).__name__}", file=file, path=path)
    return out


def _citations(doc: Mapping[str, Any], *, file: str | None) -> list[tuple[str | None, str]]:
    """Evidence rows: one per citation an indicator makes (its code, the cited register entry as JSON),
    then the register's entries no indicator cites (no code). ``evidence`` in a document is the register
    ``{entries, require_citations}`` that ``jixiao evaluate`` writes, with citations under each indicator's
    ``evidence``; a plain list (a hand-made document) is taken one row per item."""
    section = doc.get("evidence")
    if section is None or isinstance(section, list):
        return _list_of(section, file=file, path="$.evidence")
    if not isinstance(section, dict) or not isinstance(section.get("entries", []), list):
        raise DataError("expected the evidence register {entries = [...]}", file=file, path="$.evidence")
    entries = [e for e in section.get("entries", []) if isinstance(e, dict)]
    by_id = {str(e.get("id")): e for e in entries}
    out: list[tuple[str | None, str]] = []
    cited: set[str] = set()
    for i, ind in enumerate(doc.get("indicators") or []):
        ids = (ind.get("evidence") or []) if isinstance(ind, dict) else []
        if not isinstance(ids, list):
            raise DataError("expected a list of evidence ids", file=file, path=f"$.indicators[{i}].evidence")
        for eid in ids:
            cited.add(str(eid))
            out.append((_text(ind.get("code")), canonical_json({"id": str(eid), **by_id.get(str(eid), {})}).decode()))
    out += [(None, canonical_json(e).decode()) for e in entries if str(e.get("id")) not in cited]
    return out


def from_document(doc: Any, *, file: str | None, kind: str | None = None, year: int | None = None,
                  source: str | None = None, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The archive record of one evaluation's JSON document (``jixiao evaluate --format json``)."""
    if not isinstance(doc, dict) or "pack" not in doc or "indicators" not in doc or "total" not in doc:
        raise DataError("not a jixiao evaluation document (expected the keys pack, indicators, total — "
                        "the output of `jixiao evaluate --format json`)", file=file, path="$")
    project = dict(doc.get("project") or {})
    project.update({k: v for k, v in (overrides or {}).items() if v is not None})
    pack = doc["pack"] if isinstance(doc["pack"], dict) else {}
    if not pack.get("name"):
        raise DataError("the document names no pack", file=file, path="$.pack.name")
    if kind is None:
        stated = project.get("kind", (doc.get("archive") or {}).get("kind") if isinstance(doc.get("archive"), dict)
                             else None)
        if stated is None:
            raise ConfigError("the kind of evaluation is not stated", file=file, path="$.project.kind",
                              hint="give --kind self|recheck|third-party, or `kind = \"self\"` in [project]")
        kind = norm_kind(stated, file=file, path="$.project.kind")
    pid = project.get("id", project.get("project_id"))
    if pid is None:
        pid = project.get("name")
    if pid is None or str(pid).strip() == "":
        raise ConfigError("the project has neither an id nor a name", file=file, path="$.project.id",
                          hint="add `id = \"…\"` (or name) to [project]")
    try:
        places = int(doc["rule_set"]["rounding"]["score_places"])
    except (KeyError, TypeError, ValueError):
        raise DataError("the document has no rule_set.rounding.score_places", file=file,
                        path="$.rule_set.rounding.score_places") from None
    leaves = []
    for i, ind in enumerate(doc["indicators"]):
        where = f"$.indicators[{i}]"
        if not isinstance(ind, dict) or "code" not in ind or ind.get("score") is None:
            raise DataError("expected an indicator with code and score", file=file, path=where)
        leaves.append((str(ind["code"]), _text(ind.get("name")),
                       to_e4(ind["standard_score"], file=file, path=where + ".standard_score")
                       if ind.get("standard_score") is not None else None,
                       to_e4(ind["score"], file=file, path=where + ".score"),
                       to_e4(ind["points_lost"], file=file, path=where + ".points_lost")
                       if ind.get("points_lost") not in (None, "") else None))
    review = doc.get("review")
    budget = project.get("budget")
    if budget is not None:
        to_e4(budget, file=file, path="$.project.budget")
    return {
        "doc_sha256": document_sha256(doc),
        "pack": str(pack["name"]), "pack_version": _text(pack.get("version")),
        "project_id": str(pid), "project_name": _text(project.get("name")), "unit": _text(project.get("unit")),
        "department": _text(project.get("department")), "region": _text(project.get("region")),
        "year": year_of(project, year, file=file), "period": _text(project.get("period")), "kind": kind,
        "total": str(doc["total"]), "total_e4": to_e4(doc["total"], file=file, path="$.total"),
        "score_places": places, "grade": _text(doc.get("grade")),
        "config_sha256": _text((doc.get("run") or {}).get("config_sha256")), "source": source,
        "document": canonical_json(doc).decode(), "budget": _text(budget),
        "leaves": leaves,
        "discrepancies": _list_of(review.get("discrepancies") if isinstance(review, dict) else None,
                                  file=file, path="$.review.discrepancies"),
        "evidence": _citations(doc, file=file),
    }
