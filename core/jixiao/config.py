"""Evaluation configs: parse the TOML, check its structure, and hold what the evaluator entered.

An evaluation config selects a pack (by registered name or by file path) and carries the
evaluation's data: project facts, inputs (numbers, tables inline or in CSV files, questionnaire
tallies), the evaluator's qualitative ratings with reasons, overrides with reasons, and notes.
Nothing that can be computed is entered: rates come from their inputs, totals from leaves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from .errors import ConfigError, DataError, JixiaoError, raise_all
from .model import Override
from .numbers import NUMBER_ERRORS, to_decimal
from .schema import EXTENSION_SECTIONS, allowed_keys, schema_errors, unknown_key
from .tomlio import read_csv_table, read_toml

CONFIG_SCHEMA_VERSION = 1
EXTENSION_KEYS = frozenset(EXTENSION_SECTIONS)
"""Sections read by their own modules (forms review, surveys, expert panels, the evidence register,
the archive, results use) from :attr:`EvaluationConfig.raw`; each module checks its own keys.
Declared once, in :data:`jixiao.schema.EXTENSION_SECTIONS`."""
TOP_KEYS = frozenset(allowed_keys())
"""Every top-level key, taken from the JSON Schema (one place to add a section)."""
RATING_KEYS = allowed_keys("ratings", "*")
OVERRIDE_KEYS = allowed_keys("overrides", "*")


@attrs.frozen(kw_only=True)
class Rating:
    """The evaluator's qualitative judgement of one indicator."""

    value: Decimal | None = None
    """A fraction of the standard score (``0.8`` for 80%)."""
    mark: str | None = None
    """An ordinal mark (PEFA ``B``, PART ``Yes``), for ordinal scales."""
    band: str | None = None
    """A named band the value must lie in (the national three-band scale)."""
    reason: str = ""
    path: str = ""


@attrs.frozen(kw_only=True)
class EvaluationConfig:
    file: str
    base: Path
    pack_name: str | None
    pack_path: Path | None
    project: Mapping[str, Any]
    inputs: Mapping[str, Any]
    ratings: Mapping[str, Rating]
    overrides: Mapping[str, Override]
    notes: Mapping[str, str]
    sha256: str
    disable: tuple[str, ...] = ()
    indicators: Mapping[str, Any] = attrs.field(factory=dict)
    """Leaves the evaluation adds to the pack's open groups (the national form's own indicators)."""
    plain_rates: bool = False
    """Numbers without ``%`` for a percentage target are fractions (batch portfolios' documented column
    convention, ``0.975``); in a TOML config such a number is refused as ambiguous."""
    raw: Mapping[str, Any] = attrs.field(factory=dict)
    """The whole parsed TOML, for the sections in :data:`EXTENSION_KEYS` that their own modules read."""


def _type_name(v: object) -> str:
    return {bool: "a boolean", int: "an integer", Decimal: "a number", str: "a string", list: "an array",
            dict: "a table"}.get(type(v), type(v).__name__)


def _fraction(value: object, where: str, file: str) -> Decimal:
    """A rating as ``"80%"``, ``0.8`` or ``80`` (%)? Only the first two: 80 would be ambiguous."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        raise ConfigError(f"expected a percentage like \"80%\" or a fraction like 0.8, got {_type_name(value)}",
                          file=file, path=where)
    try:
        d = to_decimal(value)
    except NUMBER_ERRORS:
        raise ConfigError(f"expected a percentage like \"80%\", got {value!r}", file=file, path=where) from None
    if d < 0 or d > 1:
        raise DataError(f"a rating must lie between 0% and 100%, got {value}", file=file, path=where)
    return d


def _missing_file(path: Path, what: str) -> str | None:
    """Why a file a config names cannot be read, or None (the message names the file itself)."""
    if path.is_dir():
        return f"{what} {str(path)!r} is a directory, not a file"
    if not path.is_file():
        return f"{what} {str(path)!r} not found (paths are relative to the config's folder)"
    return None


def overlaps(path: str | None, errors: list[JixiaoError]) -> bool:
    """Whether an error at ``path`` says again what one of ``errors`` says (same place, or inside it)."""
    p = path or ""
    for e in errors:
        q = e.path or ""
        if p == q or p.startswith((q + ".", q + "[")) or q.startswith(p + "."):
            return True
    return False


def load_config(path: str | Path) -> EvaluationConfig:
    """Read and structurally check an evaluation config; every problem is reported, located."""
    p = Path(path)
    file = str(path)
    data = read_toml(p)
    errors: list[JixiaoError] = []

    def err(msg: str, where: str, cls: type[JixiaoError] = ConfigError) -> None:
        errors.append(cls(msg, file=file, path=where))

    for key in data:
        if key not in TOP_KEYS:
            errors.append(unknown_key(key, TOP_KEYS, file=file, where=f"$.{key}"))
    sv = data.get("schema_version", CONFIG_SCHEMA_VERSION)
    if sv != CONFIG_SCHEMA_VERSION:
        err(f"schema_version {sv!r} is not supported; expected {CONFIG_SCHEMA_VERSION}", "$.schema_version")

    pack_name: str | None = None
    pack_path: Path | None = None
    disable: tuple[str, ...] = ()
    pack = data.get("pack")
    if pack is None:
        err("missing key 'pack': name the pack (pack = \"name\") or its file (pack = { path = \"pack.toml\" })",
            "$.pack")
    elif isinstance(pack, str):
        if pack.endswith(".toml"):
            pack_path = (p.parent / pack)
        else:
            pack_name = pack
    elif isinstance(pack, dict):
        for key in pack:
            if key not in ("name", "path", "disable"):
                errors.append(unknown_key(key, allowed_keys("pack"), file=file, where=f"$.pack.{key}"))
        if ("name" in pack) == ("path" in pack):
            err("give exactly one of 'name' (a registered pack) or 'path' (a pack file)", "$.pack")
        elif "name" in pack:
            if not isinstance(pack["name"], str):
                err(f"expected a string, got {_type_name(pack['name'])}", "$.pack.name")
            else:
                pack_name = pack["name"]
        else:
            if not isinstance(pack["path"], str):
                err(f"expected a string, got {_type_name(pack['path'])}", "$.pack.path")
            else:
                pack_path = p.parent / pack["path"]
        dis = pack.get("disable", [])
        if not (isinstance(dis, list) and all(isinstance(x, str) for x in dis)):
            err("expected an array of plugin names", "$.pack.disable")
        else:
            disable = tuple(dis)
    else:
        err(f"expected a pack name (string) or a table, got {_type_name(pack)}", "$.pack")

    project = data.get("project", {})
    if not isinstance(project, dict):
        err(f"expected a table, got {_type_name(project)}", "$.project")
        project = {}

    inputs_raw = data.get("inputs", {})
    inputs: dict[str, Any] = {}
    if not isinstance(inputs_raw, dict):
        err(f"expected a table, got {_type_name(inputs_raw)}", "$.inputs")
        inputs_raw = {}
    for name, value in inputs_raw.items():
        where = f"$.inputs.{name}"
        if isinstance(value, dict) and "csv" in value:
            csv_name = value["csv"]
            if not isinstance(csv_name, str):
                err(f"expected a file name, got {_type_name(csv_name)}", where + ".csv")
                continue
            # Read lazily: the pack says which columns are numeric.
            inputs[name] = CsvRef(path=p.parent / csv_name, where=where)
            missing = _missing_file(p.parent / csv_name, "table file")
            if missing:
                err(missing, where + ".csv")
        else:
            inputs[name] = value

    ratings: dict[str, Rating] = {}
    ratings_raw = data.get("ratings", {})
    if not isinstance(ratings_raw, dict):
        err(f"expected a table of ratings keyed by indicator code, got {_type_name(ratings_raw)}", "$.ratings")
        ratings_raw = {}
    for code, entry in ratings_raw.items():
        where = f"$.ratings.{code}"
        if not isinstance(entry, dict):
            err("expected a table like { rating = \"80%\", reason = \"…\" }", where)
            continue
        for key in entry:
            if key not in RATING_KEYS:
                errors.append(unknown_key(key, RATING_KEYS, file=file, where=f"{where}.{key}"))
        reason = entry.get("reason", "")
        if not isinstance(reason, str) or not reason.strip():
            err("a rating needs a written reason (reason = \"…\")", f"{where}.reason")
            reason = ""
        value = None
        if "rating" in entry:
            try:
                value = _fraction(entry["rating"], f"{where}.rating", file)
            except JixiaoError as exc:
                errors.append(exc)
        mark = entry.get("mark")
        if mark is not None and not isinstance(mark, str):
            err(f"expected a string mark, got {_type_name(mark)}", f"{where}.mark")
            mark = None
        if value is None and mark is None and "rating" not in entry:
            err("expected 'rating' (a percentage) or 'mark' (an ordinal mark)", where)
        band = entry.get("band")
        ratings[code] = Rating(value=value, mark=mark, band=band, reason=reason, path=where)

    overrides: dict[str, Override] = {}
    ov_raw = data.get("overrides", {})
    if not isinstance(ov_raw, dict):
        err("expected a table of overrides keyed by indicator code", "$.overrides")
        ov_raw = {}
    for code, entry in ov_raw.items():
        where = f"$.overrides.{code}"
        if not isinstance(entry, dict):
            err("expected a table like { score = 4.5, reason = \"…\" }", where)
            continue
        for key in entry:
            if key not in OVERRIDE_KEYS:
                errors.append(unknown_key(key, OVERRIDE_KEYS, file=file, where=f"{where}.{key}"))
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            err("an override needs a written reason (reason = \"…\")", f"{where}.reason")
            continue
        score = entry.get("score")
        if isinstance(score, bool) or not isinstance(score, (int, Decimal)):
            err(f"expected a number, got {_type_name(score)}", f"{where}.score")
            continue
        overrides[code] = Override(score=score, reason=reason)

    notes_raw = data.get("notes", {})
    notes: dict[str, str] = {}
    if not isinstance(notes_raw, dict):
        err("expected a table of notes keyed by indicator code", "$.notes")
    else:
        for code, text in notes_raw.items():
            if isinstance(text, dict):  # [notes.CODE] text = "…", evidence = ["E01"] (checked by the register)
                for key in text:
                    if key not in ("text", "evidence"):
                        errors.append(unknown_key(key, ("text", "evidence"), file=file, where=f"$.notes.{code}.{key}"))
                body = text.get("text")
                if not isinstance(body, str):
                    err("a note table needs text = \"…\" (and evidence = [\"E01\"])", f"$.notes.{code}.text")
                else:
                    notes[code] = body
            elif not isinstance(text, str):
                err(f"expected a string, got {_type_name(text)}", f"$.notes.{code}")
            else:
                notes[code] = text

    indicators = data.get("indicators", {})
    if not isinstance(indicators, dict):
        err(f"expected a table of indicators keyed by code, got {_type_name(indicators)}", "$.indicators")
        indicators = {}
    for code, entry in indicators.items():
        if isinstance(entry, dict) and "actual" in entry:
            inputs[f"{code}.actual"] = entry["actual"]

    if "rounding" in data:  # checked here, with everything else; applied over the pack's in session.resolve_pack
        from .model import RoundingPolicy
        from .rounding import read_rounding

        read_rounding(data["rounding"], base=RoundingPolicy(), file=file, where="$.rounding", errors=errors)
    weights_raw = data.get("weights")
    if weights_raw is not None and not isinstance(weights_raw, dict):
        err(f"expected a table of code = standard score, got {_type_name(weights_raw)}", "$.weights")
    elif weights_raw:
        for code, w in weights_raw.items():
            if isinstance(w, bool) or not isinstance(w, (int, Decimal)):
                err(f"expected the new standard score of {code} (a number), got {_type_name(w)}", f"$.weights.{code}")
            elif isinstance(w, Decimal) and not w.is_finite():
                err(f"expected a finite number, got {w}", f"$.weights.{code}")
            elif w <= 0:
                err(f"a weight must be above 0, got {w}", f"$.weights.{code}")

    if pack_path is not None:
        missing = _missing_file(pack_path, "pack file")
        if missing:
            err(missing, "$.pack.path" if isinstance(pack, dict) else "$.pack")
    # The JSON Schema is the same stage `jixiao validate` runs; a place already reported above is not
    # reported twice.
    errors += [e for e in schema_errors(data, "config", file=file) if not overlaps(e.path, errors)]
    raise_all(errors)
    return EvaluationConfig(
        file=file,
        base=p.parent,
        pack_name=pack_name,
        pack_path=pack_path,
        project=project,
        inputs=inputs,
        ratings=ratings,
        overrides=overrides,
        notes=notes,
        sha256=hashlib.sha256(p.read_bytes()).hexdigest(),
        disable=disable,
        indicators=indicators,
        raw=data,
    )


@attrs.frozen
class CsvRef:
    """An input table kept in a CSV file, read when the pack says which columns are numeric."""

    path: Path
    where: str

    def read(self, numeric: tuple[str, ...], label: tuple[str, ...] = (), *,
             amounts: bool = False) -> list[dict[str, Any]]:
        return read_csv_table(self.path, numeric=numeric, label=label, amounts=amounts)
