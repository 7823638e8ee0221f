"""Test helpers for pack and plugin authors: pytest fixtures and the pack conformance check.

Loaded in every pytest run through the ``pytest11`` entry point, so it imports nothing from jixiao
until a fixture or :func:`check_pack` is used, and nothing here is autouse: it never changes an
unrelated test suite. :func:`check_pack` is a plain function too (no pytest needed)::

    from jixiao.testing import check_pack

    def test_my_pack_conforms():
        check_pack("my-pack")          # raises PackConformanceError listing every problem

Fixtures:

``jixiao_registry``
    A fresh :class:`jixiao.Registry` (nothing loaded; installed plugins load on first use).
``register_plugin``
    ``register_plugin(obj)`` registers a module or object with hook implementations on that
    registry for this test only, and unregisters it afterwards.
``jixiao_evaluate``
    ``jixiao_evaluate(path)`` evaluates an evaluation config in-process with that registry and
    returns the :class:`jixiao.EvaluationResult`; ``jixiao_evaluate.document(path)`` returns the
    JSON document (as ``jixiao evaluate --format json`` prints it, parsed).
``jixiao_check_pack``
    :func:`check_pack` bound to that registry, for packs registered with ``register_plugin``.
``jixiao_score``
    :func:`score` bound to that registry: one method scores one value in isolation and the working
    comes back as a report prints it (``"3.44=5-(1-89.63%)*5*100*3%"``).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

try:  # pytest is a test dependency; check_pack works without it
    import pytest
except ImportError:  # pragma: no cover - exercised only where pytest is absent
    pytest = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from .model import EvaluationResult, Indicator, Pack
    from .plugins import Registry
    from .types import ScoringMethod


class PackConformanceError(AssertionError):
    """A pack failed :func:`check_pack`; ``problems`` lists every finding, located."""

    def __init__(self, pack: str, problems: list[str]) -> None:
        self.pack = pack
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"pack {pack!r} does not conform ({len(problems)} problem(s)):\n{lines}")


# ----------------------------------------------------------------------------------------------
# The conformance check
# ----------------------------------------------------------------------------------------------


def check_pack(pack: str | Pack, *, registry: Registry | None = None, example: bool = True,
               raise_errors: bool = True) -> list[str]:
    """Check that a pack is sound and every part of it works; return (or raise) the problems.

    Checks, each problem named by indicator code:

    - the pack loads (by entry-point name, through the same path ``jixiao evaluate`` uses) and
      targets a supported plugin API;
    - indicator codes are unique, children's standard scores add up to their group's and the
      first level to the rule set's total, every plugin it names is installed, every scoring
      method accepts its parameters, the grading scheme is gap-free
      (:func:`jixiao.validate.check_pack_semantics`);
    - every leaf's scoring method scores representative values (at the target, short of it, and
      zero; each level of an ordinal scale) without crashing and with a working string, and a
      value at the target never scores less than one short of it (a method may refuse a value
      with a located :class:`jixiao.JixiaoError`: that is input validation, not a fault);
    - the pack's example evaluation (``Pack.example``) evaluates with this pack, and every leaf
      of it has a working string.

    Args:
        pack: a pack name (looked up in ``registry``) or a :class:`jixiao.Pack`.
        registry: where plugins come from; a fresh :class:`jixiao.Registry` by default.
        example: also evaluate the pack's example.
        raise_errors: raise :class:`PackConformanceError` when there are problems (else return them).
    """
    from .errors import JixiaoError
    from .plugins import Registry
    from .validate import check_pack_semantics

    registry = registry if registry is not None else Registry()
    name = pack if isinstance(pack, str) else pack.name
    problems: list[str] = []
    if isinstance(pack, str):
        try:
            pack = registry.pack(pack)
        except JixiaoError as exc:
            problems.append(f"the pack does not load: {exc.format()}")
    if not isinstance(pack, str):
        problems.extend(_semantics(pack, registry, check_pack_semantics))
        if not problems:  # scoring needs known plugins with valid parameters
            for leaf in pack.leaves():
                problems.extend(_score_leaf(pack, leaf, registry))
            from .reference import used_plugin_problems

            problems.extend(used_plugin_problems(pack, registry))
        if example:
            problems.extend(_example(pack, registry))
    if problems and raise_errors:
        raise PackConformanceError(name, problems)
    return problems


def _semantics(pack: Pack, registry: Registry, check: Callable[..., list[Any]]) -> list[str]:
    out = []
    if not pack.title:
        out.append("the pack has no title")
    for err in check(pack, registry):
        text = err.format() if hasattr(err, "format") else str(err)
        out.append(text)
    return out


def _sample_values(pack: Pack, leaf: Indicator, value_kind: str) -> list[tuple[str, Any]]:
    """(label, value) pairs a scoring method must handle: at the target, short of it, and zero."""
    scale = pack.scale(leaf.scale) if leaf.scale else None
    if value_kind == "ordinal" or (scale is not None and value_kind not in ("rate", "rating", "count")):
        levels = list(scale.levels) if scale is not None else []
        return [(f"mark {m!r}", m) for m in levels]
    one = Decimal(1)
    target = leaf.target
    if target is not None and target.value is not None:
        at = target.value
        lower_better = target.comparator in ("<=", "<")
        step = at / 10 if at else one
        if value_kind in ("count",):
            step = max(one, step.to_integral_value())
        short = at + step if lower_better else at - step
        if short < 0:
            short = Decimal(0)
        samples = [("at the target", at), ("short of the target", short)]
    else:
        samples = [("at full marks", one), ("short of full marks", Decimal("0.8"))]
    if all(v != 0 for _, v in samples):
        samples.append(("zero", Decimal(0)))
    return samples


def _score_leaf(pack: Pack, leaf: Indicator, registry: Registry) -> list[str]:
    from .engine import finish_score
    from .errors import JixiaoError
    from .model import Measurement, ScoreOutcome
    from .types import ScoreInput

    where = f"indicator {leaf.code}"
    try:
        plugin = registry.indicator(leaf.source.name)
        method: ScoringMethod = registry.method(leaf.method.name)
    except JixiaoError as exc:
        return [f"{where}: {exc.format()}"]
    kind = plugin.value_kind
    if kind == "number" and leaf.target is not None and leaf.target.unit == "%":
        kind = "rate"
    out: list[str] = []
    standard = leaf.standard_score if leaf.standard_score is not None else Decimal(0)
    scores: dict[str, Decimal] = {}
    for label, value in _sample_values(pack, leaf, kind):
        si = ScoreInput(value=value, value_kind=kind, standard_score=standard, target=leaf.target,
                        params=leaf.method.params, rule_set=pack.rule_set, indicator=leaf,
                        measurement=Measurement(value=value, kind=kind, expression=str(value)))
        try:
            outcome = method.score(si)
        except JixiaoError:
            # A located refusal (a rating off the method's levels, no band entered) is the method
            # validating its input; the example evaluation exercises it with real entries.
            continue
        except Exception as exc:  # noqa: BLE001 - the method's bug, reported with the value that triggers it
            out.append(f"{where}: scoring method {method.name!r} fails {label} (value {value}): "
                       f"{type(exc).__name__}: {exc}")
            continue
        if not isinstance(outcome, ScoreOutcome):
            out.append(f"{where}: scoring method {method.name!r} returned {type(outcome).__name__}, "
                       "expected a ScoreOutcome")
            continue
        if method.ordinal or not isinstance(outcome.score, Decimal):
            if not method.ordinal:
                out.append(f"{where}: scoring method {method.name!r} gives {outcome.score!r} {label} "
                           f"(value {value}), expected a Decimal score (or mark the method ordinal=True)")
            elif outcome.score is None and not outcome.expression:
                out.append(f"{where}: scoring method {method.name!r} gives neither a mark nor a working {label}")
            continue
        if not outcome.expression.strip():
            out.append(f"{where}: scoring method {method.name!r} gives no working {label} (value {value})")
            continue
        try:
            entering, _, working = finish_score(outcome, standard, pack.rule_set)
        except Exception as exc:  # noqa: BLE001 - e.g. a score that is not a number
            out.append(f"{where}: the score {label} cannot be finished: {type(exc).__name__}: {exc}")
            continue
        if "=" not in working or not working.split("=", 1)[1]:
            out.append(f"{where}: working {working!r} {label} is not 'score=working'")
        scores[label] = entering
    at = scores.get("at the target", scores.get("at full marks"))
    short = scores.get("short of the target", scores.get("short of full marks"))
    if at is not None and short is not None and at < short:
        out.append(f"{where}: scoring method {method.name!r} scores a value at the target ({at}) lower than "
                   f"one short of it ({short})")
    return out


def example_path(pack: Pack) -> Path | None:
    """The pack's example evaluation: ``Pack.example``, absolute or relative to where the pack is defined."""
    if not pack.example:
        return None
    path = Path(pack.example)
    if path.is_absolute():
        return path
    if pack.source:
        src = Path(pack.source)
        if src.suffix == ".toml":
            return src.parent / path
        try:
            spec = importlib.util.find_spec(pack.source)
        except (ImportError, ValueError):
            spec = None
        if spec is not None and spec.origin:
            return Path(spec.origin).parent / path
    return path


def _example(pack: Pack, registry: Registry) -> list[str]:
    from .config import load_config
    from .errors import JixiaoError
    from .session import evaluate_file

    path = example_path(pack)
    if path is None:
        return ["the pack declares no example evaluation (Pack.example)"]
    if not path.is_file():
        return [f"the pack's example {str(path)!r} does not exist"]
    try:
        cfg = load_config(path)
        if cfg.pack_name is not None and cfg.pack_name != pack.name:
            return [f"the pack's example {str(path)!r} selects pack {cfg.pack_name!r}, not {pack.name!r}"]
        result = evaluate_file(path, registry=registry)
    except JixiaoError as exc:
        return [f"the pack's example does not evaluate: {exc.format()}"]
    except Exception as exc:  # noqa: BLE001 - a plugin bug surfaces here; report it, do not crash the check
        return [f"the pack's example does not evaluate: {type(exc).__name__}: {exc}"]
    return [f"indicator {leaf.code}: the example's score {leaf.score!r} has no working"
            for leaf in result.leaves() if not str(leaf.working).strip()]


# ----------------------------------------------------------------------------------------------
# Registration for one test
# ----------------------------------------------------------------------------------------------


def _distribution_of(obj: object) -> tuple[str | None, str | None]:
    """The distribution whose entry point names this module, so an installed pack registered by
    hand is not mistaken for a second distribution claiming its names."""
    from .plugins import distribution_of_module

    module = getattr(obj, "__name__", None)
    if not isinstance(module, str):
        return None, None
    return distribution_of_module(module)


def register(registry: Registry, obj: object, *, name: str | None = None,
             distribution: str | None = None, version: str | None = None) -> Registry:
    """Register a plugin object on a registry, as an installed plugin would be (see ``register_plugin``)."""
    if distribution is None:
        distribution, found_version = _distribution_of(obj)
        version = version or found_version
    registry.register(obj, name=name, distribution=distribution, version=version)
    return registry


def score(method: str | ScoringMethod, value: Any, *, standard: Any, target: Any = None,
          params: dict[str, Any] | None = None, kind: str = "rate", registry: Registry | None = None) -> str:
    """Score one value with a scoring method in isolation and return the working as a report prints it.

    ``score("deduct_per_point", "89.63%", standard=5, target="≥100%", params={"k": "3%"})`` →
    ``"3.44=5-(1-89.63%)*5*100*3%"``. ``method`` is a name (looked up in ``registry``) or a
    :class:`jixiao.ScoringMethod` record not yet registered; ``value`` a Decimal or text
    (``"89.63%"``, read as targets are); ``target`` text as a pack file writes it (``"≥100%"``) or a
    :class:`jixiao.Target`. Parameters are checked against the method's declaration first (an
    unknown or mistyped one raises :class:`jixiao.ConfigError`), then the method scores and the
    core clamps, rounds (default rule set: 2 places, half-up) and writes ``score=working``.
    """
    from .engine import finish_score
    from .errors import ConfigError, raise_all
    from .model import Measurement, RuleSet, Target
    from .plugins import Registry
    from .reading import read_quantity
    from .types import ScoreInput, param_problems

    if isinstance(method, str):
        method = (registry if registry is not None else Registry()).method(method)
    params = dict(params or {})
    raise_all([ConfigError(f"{method.name}: {msg}", path=f"params.{key}" if key else "params")
               for key, msg in param_problems(method.params, params)])
    if isinstance(target, str):
        from .packfile import parse_target

        target = parse_target(target, file=None, where="target")
    std = read_quantity(standard).value if not isinstance(standard, Decimal) else standard
    v = read_quantity(value).value if isinstance(value, (str, int)) and not isinstance(value, bool) else value
    rule_set = RuleSet(name="score", grading=None)
    si = ScoreInput(value=v, value_kind=kind, standard_score=std, target=target if isinstance(target, Target) else None,
                    params=params, rule_set=rule_set, measurement=Measurement(value=v, kind=kind, expression=str(v)))
    outcome = method.score(si)
    if method.ordinal or not isinstance(outcome.score, Decimal):
        return str(outcome.score)
    return finish_score(outcome, std, rule_set)[2]


def evaluate(path: str | Path, registry: Registry | None = None) -> EvaluationResult:
    """Evaluate an evaluation config in-process (``jixiao evaluate`` without the CLI)."""
    from .session import evaluate_file

    return evaluate_file(path, registry=registry)


def document(path: str | Path, registry: Registry | None = None) -> dict[str, Any]:
    """The JSON document of an evaluation, parsed (what ``--format json`` prints)."""
    import json

    from .document import build_document, dumps

    return json.loads(dumps(build_document(evaluate(path, registry))))


class _Evaluator:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def __call__(self, path: str | Path) -> EvaluationResult:
        return evaluate(path, self.registry)

    def document(self, path: str | Path) -> dict[str, Any]:
        return document(path, self.registry)


if pytest is not None:

    @pytest.fixture
    def jixiao_registry() -> Registry:
        """A fresh, isolated :class:`jixiao.Registry`: nothing loaded until a test asks for it."""
        from .plugins import Registry

        return Registry()

    @pytest.fixture
    def register_plugin(jixiao_registry: Registry) -> Iterator[Callable[..., Registry]]:
        """``register_plugin(obj, name=None, distribution=None)``: register for this test only."""
        added: list[object] = []

        def _register(obj: object, *, name: str | None = None, distribution: str | None = None,
                      version: str | None = None) -> Registry:
            register(jixiao_registry, obj, name=name, distribution=distribution, version=version)
            added.append(obj)
            return jixiao_registry

        yield _register
        for obj in reversed(added):
            jixiao_registry.unregister(obj)

    @pytest.fixture
    def jixiao_evaluate(jixiao_registry: Registry) -> _Evaluator:
        """``jixiao_evaluate(path)`` → EvaluationResult; ``jixiao_evaluate.document(path)`` → JSON dict."""
        return _Evaluator(jixiao_registry)

    @pytest.fixture
    def jixiao_score(jixiao_registry: Registry) -> Callable[..., str]:
        """:func:`score` on the test's registry: ``jixiao_score("my_method", "88%", standard=5, …)``."""

        def _score(method: Any, value: Any, **kwargs: Any) -> str:
            return score(method, value, registry=jixiao_registry, **kwargs)

        return _score

    @pytest.fixture
    def jixiao_check_pack(jixiao_registry: Registry) -> Callable[..., list[str]]:
        """:func:`check_pack` on the test's registry (sees plugins added with ``register_plugin``)."""

        def _check(pack: Any, **kwargs: Any) -> list[str]:
            return check_pack(pack, registry=jixiao_registry, **kwargs)

        return _check


__all__ = ["PackConformanceError", "check_pack", "document", "evaluate", "example_path", "register", "score"]
