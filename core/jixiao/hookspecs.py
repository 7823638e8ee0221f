"""The hooks a jixiao plugin implements (for pack and plugin authors). The reference is generated
from this module: ``docs/hooks.md``.

Every hook is a *registration* hook: it takes no arguments and returns an iterable of frozen
records from :mod:`jixiao.types` (or :class:`jixiao.model.Pack`). The core stamps each record
with the distribution that provided it and refuses a name two distributions register. Hooks evolve
only by adding arguments (pluggy passes an implementation only the arguments it declares), so a
plugin written for API 1 keeps working.

A plugin module is found through an entry point whose name is the record's name:

========================  ==========================================  ============================
entry-point group         the entry point's name                      hook the module implements
========================  ==========================================  ============================
``jixiao.packs``          the pack name                               :func:`jixiao_packs`
``jixiao.indicators``     the indicator plugin name                   :func:`jixiao_indicators`
``jixiao.methods``        the scoring method name                     :func:`jixiao_scoring_methods`
``jixiao.grading``        the grading scheme name                     :func:`jixiao_grading_schemes`
``jixiao.aggregators``    the aggregator name                         :func:`jixiao_aggregators`
``jixiao.renderers``      the output format                           :func:`jixiao_renderers`
========================  ==========================================  ============================

Only what a run uses is imported. A pack module may implement several hooks at once (a pack and
the indicator plugins only it uses).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from .model import Pack
    from .types import Aggregator, GradingSchemeRecord, IndicatorPlugin, Renderer, ScoringMethod

PROJECT = "jixiao"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def jixiao_packs() -> Iterable[Pack]:
    """Return the indicator packs this plugin provides.

    Called once when a configuration selects a pack whose entry point (group ``jixiao.packs``)
    resolves to this module. Each pack's ``name`` must equal the entry point's name and its
    ``api`` must be one this core supports (:data:`jixiao.SUPPORTED_APIS`).

    Example::

        from pathlib import Path

        from jixiao import hookimpl, load_pack_file

        @hookimpl
        def jixiao_packs():
            return [load_pack_file(Path(__file__).with_name("pack.toml"))]
    """


@hookspec
def jixiao_indicators() -> Iterable[IndicatorPlugin]:
    """Return indicator plugins: functions that compute an indicator's value from the inputs.

    Called when a pack's leaf names an indicator plugin (``source = {name = "handling_rate"}``)
    provided by this module, or when this module is a pack that ships its own indicators.

    Example::

        @hookimpl
        def jixiao_indicators():
            def measure(ctx):
                done = ctx.number("done", kind="count")
                return Measurement(value=done / 12, kind="rate", expression=f"{done}/12")
            return [IndicatorPlugin(name="monthly_reports", title="月报报送率", measure=measure)]
    """


@hookspec
def jixiao_scoring_methods() -> Iterable[ScoringMethod]:
    """Return scoring methods: rules that turn a value, a target and a standard score into a score.

    The method returns the unrounded score and the working's right-hand side
    (``5-(1-89.63%)*5*100*3%``); the core clamps to [0, standard score], rounds per the rule set
    and prefixes the rounded score (``3.44=``).

    Example::

        @hookimpl
        def jixiao_scoring_methods():
            def score(si):
                return ScoreOutcome(score=si.standard_score * si.value,
                                    expression=f"{si.standard_score}*{si.value}")
            return [ScoringMethod(name="times_value", title="标准分×值", score=score)]
    """


@hookspec
def jixiao_grading_schemes() -> Iterable[GradingSchemeRecord]:
    """Return grading schemes (ordered bands mapping a total to a grade).

    The core checks each scheme is gap-free and non-overlapping over its score range.

    Example::

        @hookimpl
        def jixiao_grading_schemes():
            bands = [GradeBand(label="达标", lower=60), GradeBand(label="不达标", upper=60)]
            return [GradingSchemeRecord(name="pass-fail",
                    scheme=GradingScheme(name="pass-fail", title="达标/不达标", bands=bands))]
    """


@hookspec
def jixiao_aggregators() -> Iterable[Aggregator]:
    """Return aggregators: how an inner node's score comes from its children's.

    ``sum`` is the default; ordinal packs use weakest-link or table look-ups; an aggregator may
    return no numeric score at all.

    Example::

        @hookimpl
        def jixiao_aggregators():
            def aggregate(ai):
                return AggregateOutcome(score=min(c.score for c in ai.children))
            return [Aggregator(name="minimum", title="最低分", aggregate=aggregate)]
    """


@hookspec
def jixiao_renderers() -> Iterable[Renderer]:
    """Return renderers: output formats that turn the one result object into a file's bytes.

    A renderer never recomputes a figure; it reads :class:`jixiao.model.EvaluationResult` (or the
    JSON document built from it).

    Example::

        @hookimpl
        def jixiao_renderers():
            return [Renderer(name="csv", title="CSV", suffixes=(".csv",),
                             render=lambda result, lang="zh": make_csv(result))]
    """
