"""jixiao (绩效): performance evaluation of public spending programmes, with indicator packs as plugins.

The public API for pack and plugin authors is re-exported here; modules starting with ``_`` and
those not listed in ``__all__`` are internal.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .errors import ConfigError, DataError, FormulaError, JixiaoError, PluginError
from .helpers import method_error, read_amount, read_percent, show_number, show_percent, working
from .hookspecs import hookimpl
from .model import (
    BreakdownRow,
    EvaluationResult,
    GradeBand,
    GradingScheme,
    Group,
    Indicator,
    InputSpec,
    Measurement,
    OrdinalScale,
    Pack,
    PluginRef,
    RoundingPolicy,
    RuleSet,
    ScoreOutcome,
    Target,
)
from .plugins import PLUGIN_API, SUPPORTED_APIS, Registry
from .types import (
    AggregateInput,
    AggregateOutcome,
    Aggregator,
    Example,
    GradingSchemeRecord,
    IndicatorPlugin,
    InputRequirement,
    ParamSpec,
    Provenance,
    Renderer,
    ScoreInput,
    ScoringMethod,
)


def load_pack_file(path):
    """Load a declarative pack file (TOML) into a :class:`Pack`."""
    from .packfile import load_pack_file as _load

    return _load(path)


def evaluate_file(config, *, registry=None):
    """Evaluate an evaluation config file and return the :class:`EvaluationResult`."""
    from .session import evaluate_file as _eval

    return _eval(config, registry=registry)


__all__ = [
    "PLUGIN_API",
    "SUPPORTED_APIS",
    "AggregateInput",
    "AggregateOutcome",
    "Aggregator",
    "BreakdownRow",
    "ConfigError",
    "DataError",
    "EvaluationResult",
    "Example",
    "FormulaError",
    "GradeBand",
    "GradingScheme",
    "GradingSchemeRecord",
    "Group",
    "Indicator",
    "IndicatorPlugin",
    "InputRequirement",
    "InputSpec",
    "JixiaoError",
    "Measurement",
    "OrdinalScale",
    "Pack",
    "ParamSpec",
    "PluginError",
    "PluginRef",
    "Provenance",
    "Registry",
    "Renderer",
    "RoundingPolicy",
    "RuleSet",
    "ScoreInput",
    "ScoreOutcome",
    "ScoringMethod",
    "Target",
    "__version__",
    "evaluate_file",
    "hookimpl",
    "load_pack_file",
    "method_error",
    "read_amount",
    "read_percent",
    "show_number",
    "show_percent",
    "working",
]
