"""A quick yes/no answer to "does this document satisfy the schema?", without importing jsonschema.

``jsonschema`` (with ``referencing`` and its format checkers) costs about a fifth of a second to
import, on every ``jixiao evaluate``. Nearly every config a user runs is valid, and a valid one
needs no messages, so :func:`is_valid` checks the keywords jixiao's own schemas use (Draft 2020-12
semantics, TOML's Decimal counted as a number as :func:`jixiao.schema.validator` does). It answers
``True`` only when it checked everything; ``False`` (invalid) or ``None`` (a keyword it does not
know) send the caller to jsonschema, which locates every problem as before. The tests hold it to
jsonschema's answer on the bundled examples and on the strictness corpus.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

ANNOTATIONS = frozenset({"$schema", "$id", "title", "description", "default", "examples", "$comment"})
"""Keywords that never make a document invalid."""


class _Unknown(Exception):
    """The schema uses a keyword this checker does not implement."""


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, Decimal)) and not isinstance(v, bool)


def _is_integer(v: Any) -> bool:
    # jsonschema's own "integer": an int, or a float with an integral value (a Decimal is not one)
    if isinstance(v, bool):
        return False
    if isinstance(v, float):
        return v.is_integer()
    return isinstance(v, int)


_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": _is_number,
    "integer": _is_integer,
}


def _equal(a: Any, b: Any) -> bool:
    """JSON Schema equality: ``true`` is not ``1``, arrays and objects compare member by member."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    if isinstance(a, list) or isinstance(b, list):
        return isinstance(a, list) and isinstance(b, list) and len(a) == len(b) and all(
            _equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) or isinstance(b, dict):
        return isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys() and all(
            _equal(a[k], b[k]) for k in a)
    if _is_number(a) and _is_number(b):
        return a == b
    return a is None and b is None


def _valid(v: Any, s: Any) -> bool:
    if s is True:
        return True
    if s is False:
        return False
    if not isinstance(s, dict):
        raise _Unknown(repr(s))
    for key, arg in s.items():
        if key in ANNOTATIONS:
            continue
        if key == "type":
            names = arg if isinstance(arg, list) else [arg]
            if not any(_TYPES[n](v) for n in names):
                return False
        elif key == "properties":
            if isinstance(v, dict) and not all(_valid(v[k], sub) for k, sub in arg.items() if k in v):
                return False
        elif key == "additionalProperties":
            if isinstance(v, dict):
                known = s.get("properties", {})
                if "patternProperties" in s:
                    raise _Unknown("patternProperties")
                if not all(_valid(v[k], arg) for k in v if k not in known):
                    return False
        elif key == "required":
            if isinstance(v, dict) and not all(k in v for k in arg):
                return False
        elif key == "items":
            if isinstance(v, list) and not all(_valid(x, arg) for x in v):
                return False
        elif key == "anyOf":
            if not any(_valid(v, sub) for sub in arg):
                return False
        elif key == "oneOf":
            if sum(1 for sub in arg if _valid(v, sub)) != 1:
                return False
        elif key == "enum":
            if not any(_equal(v, e) for e in arg):
                return False
        elif key == "const":
            if not _equal(v, arg):
                return False
        elif key == "minLength":
            if isinstance(v, str) and len(v) < arg:
                return False
        elif key == "pattern":
            if isinstance(v, str) and not re.search(arg, v):
                return False
        elif key == "minimum":
            if _is_number(v) and v < arg:
                return False
        elif key == "maximum":
            if _is_number(v) and v > arg:
                return False
        elif key == "exclusiveMinimum":
            if _is_number(v) and v <= arg:
                return False
        elif key == "exclusiveMaximum":
            if _is_number(v) and v >= arg:
                return False
        elif key == "minItems":
            if isinstance(v, list) and len(v) < arg:
                return False
        elif key == "uniqueItems":
            if arg and isinstance(v, list) and any(_equal(v[i], v[j]) for i in range(len(v))
                                                   for j in range(i + 1, len(v))):
                return False
        elif key == "minProperties":
            if isinstance(v, dict) and len(v) < arg:
                return False
        else:
            raise _Unknown(key)
    return True


def is_valid(instance: Any, schema: dict[str, Any]) -> bool | None:
    """True when ``instance`` satisfies ``schema``; False when it does not; None when the schema
    uses a keyword this checker does not know (ask jsonschema)."""
    try:
        return _valid(instance, schema)
    except (_Unknown, KeyError, TypeError):  # an unknown type name or an unorderable minimum: not ours to decide
        return None
