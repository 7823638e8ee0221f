"""Reading a rounding policy from TOML: a pack's ``[rule_set.rounding]`` and an evaluation's ``[rounding]``.

Both take the same keys (see docs/configuration.md, "Rounding"); the evaluation's keys override the
pack's one by one. Every problem is a located :class:`~jixiao.errors.ConfigError` (exit 2) naming the
key path, with did-you-mean for a misspelt key or mode.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from .errors import ConfigError, JixiaoError
from .model import CARRY_UNROUNDED, MAX_PLACES, ROUND_THEN_SUM, ROUNDING_MODE_NAMES, RoundingPolicy

PLACES_KEYS = ("value_places", "score_places", "leaf_places", "tier_places", "total_places")
MODE_KEYS = ("mode", "leaf_mode", "tier_mode", "total_mode")
SUM_KEYS = ("leaves", "tiers")
KEYS = ("value_places", "score_places", "mode", "leaves", "tiers", "leaf_places", "leaf_mode",
        "tier_places", "tier_mode", "total_places", "total_mode")
"""Every rounding key, in the order the docs list them."""

ROUNDING_SCHEMA: dict[str, Any] = {
    "type": "object", "additionalProperties": False,
    "description": "where scores are rounded and how (docs/configuration.md, Rounding)",
    "properties": {
        **{k: {"type": "integer", "minimum": 0, "maximum": MAX_PLACES} for k in PLACES_KEYS},
        "value_places": {"anyOf": [{"type": "integer", "minimum": 0, "maximum": MAX_PLACES}, {"const": "none"}],
                         "description": "decimals of a rate (as a fraction) entering scoring; \"none\": unrounded"},
        **{k: {"enum": list(ROUNDING_MODE_NAMES)} for k in MODE_KEYS},
        **{k: {"enum": [ROUND_THEN_SUM, CARRY_UNROUNDED]} for k in SUM_KEYS},
    },
}


def _type_name(v: object) -> str:
    return {bool: "a boolean", int: "an integer", str: "a string", list: "an array", dict: "a table"}.get(
        type(v), type(v).__name__)


def read_rounding(raw: Any, *, base: RoundingPolicy, file: str | None, where: str,
                  errors: list[JixiaoError]) -> RoundingPolicy:
    """``base`` with the keys of ``raw`` applied; problems are appended to ``errors`` (``base`` is then kept)."""
    from .schema import suggestion, unknown_key

    if raw is None:
        return base
    if not isinstance(raw, Mapping):
        errors.append(ConfigError(f"expected a table of rounding settings, got {_type_name(raw)}", file=file,
                                  path=where))
        return base
    changes: dict[str, Any] = {}
    found: list[JixiaoError] = []

    def bad(key: str, msg: str, hint: str | None = None) -> None:
        found.append(ConfigError(msg, file=file, path=f"{where}.{key}", hint=hint))

    for key, value in raw.items():
        if key not in KEYS:
            found.append(unknown_key(key, KEYS, file=file, where=f"{where}.{key}"))
        elif key in PLACES_KEYS:
            if value == "none" and key == "value_places":
                changes[key] = None  # rates enter scoring unrounded
            elif isinstance(value, bool) or not isinstance(value, int):
                bad(key, f"expected a whole number of decimals from 0 to {MAX_PLACES}, got {_type_name(value)} "
                         f"{value!r}")
            elif not 0 <= value <= MAX_PLACES:
                bad(key, f"{key} = {value} is out of bounds: decimals from 0 to {MAX_PLACES}")
            else:
                changes[key] = value
        else:
            allowed = ROUNDING_MODE_NAMES if key in MODE_KEYS else (ROUND_THEN_SUM, CARRY_UNROUNDED)
            if value not in allowed:
                close = suggestion(str(value), list(allowed)) if isinstance(value, str) else None
                bad(key, f"expected one of {', '.join(allowed)}, got {value!r}"
                         + (f"; did you mean {close!r}?" if close else ""),
                    hint=f"write {key} = \"{close}\"" if close else None)
            else:
                changes[key] = value
    if found:
        errors.extend(found)
        return base
    return attrs.evolve(base, **changes)


def apply_config_rounding(pack: Any, config: Any) -> Any:
    """The pack with the evaluation's ``[rounding]`` keys applied over its rule set's (unchanged without one)."""
    from .errors import raise_all

    raw = config.raw.get("rounding")
    if raw is None:
        return pack
    errors: list[JixiaoError] = []
    policy = read_rounding(raw, base=pack.rule_set.rounding, file=config.file, where="$.rounding", errors=errors)
    raise_all(errors)
    return attrs.evolve(pack, rule_set=attrs.evolve(pack.rule_set, rounding=policy))
