"""Ordinal scales beside numeric ones: reading an assessor's mark, checking it is on the leaf's scale,
and the two plugins every ordinal pack needs (``ordinal_rating`` reads the mark, ``ordinal_mark``
keeps it as the score).

A mark is kept exactly as entered (``D*`` shows as ``D*``); aggregators ask :func:`level` for what
it counts as (``D``) and :func:`non_score` whether it drops out (``NA``) or reports non-use (``NU``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .errors import ConfigError
from .hookspecs import hookimpl
from .model import LeafResult, Measurement, OrdinalScale, Pack, ScoreOutcome
from .types import Example, IndicatorPlugin, InputRequirement, ScoreInput, ScoringMethod


def allowed_marks(scale: OrdinalScale) -> list[str]:
    """Every mark an assessor may enter on a scale, best level first, then aliases, then non-scores."""
    out = list(scale.levels)
    out += [a for a in scale.aliases if a not in out]
    out += [n for n in scale.non_scores if n not in out]
    return out


def canonical(scale: OrdinalScale, mark: str) -> str:
    """What a mark counts as: its alias target (``D*`` → ``D``), else the mark itself."""
    return scale.aliases.get(mark, mark)


def non_score(scale: OrdinalScale | None, mark: Any) -> str | None:
    """``NA``/``NU`` (the canonical non-score) when a mark is not a score, else ``None``."""
    if not isinstance(mark, str):
        return None
    if scale is None:
        return mark if mark in ("NA", "NU") else None
    c = canonical(scale, mark)
    return c if c in scale.non_scores else None


def level(scale: OrdinalScale, mark: str) -> str:
    """The level a scored mark counts as; a mark that is not on the scale is a configuration error."""
    c = canonical(scale, mark)
    if c not in scale.levels:
        raise ConfigError(f"mark {mark!r} is not a level of scale {scale.name!r} "
                          f"({', '.join(allowed_marks(scale))})")
    return c


def rank(scale: OrdinalScale, mark: str) -> int:
    """Position on the scale, 0 for the best level (``A``)."""
    return scale.levels.index(level(scale, mark))


def leaf_scale(pack: Pack, leaf: LeafResult) -> OrdinalScale | None:
    name = leaf.indicator.scale
    return pack.scale(name) if name else None


def status_of(scale: OrdinalScale | None, mark: Any) -> str:
    """A leaf's status: the canonical non-score (``NA``/``NU``) or ``scored``."""
    return non_score(scale, mark) or "scored"


def mark_problem(scale: OrdinalScale, mark: Any) -> str | None:
    """Why an entered mark cannot be used on a scale (``None`` when it can)."""
    if not isinstance(mark, str):
        return f"expected a mark on scale {scale.name!r} ({', '.join(allowed_marks(scale))})"
    if mark not in allowed_marks(scale):
        return (f"mark {mark!r} is not on scale {scale.name!r}; expected one of "
                f"{', '.join(allowed_marks(scale))}")
    return None


def count_marks(marks: Iterable[str], order: Iterable[str]) -> dict[str, int]:
    """How many of each mark, keyed in ``order`` (every key present), marks outside it appended."""
    out = {m: 0 for m in order}
    for m in marks:
        out[m] = out.get(m, 0) + 1
    return out


# ----------------------------------------------------------------------------------------------
# Plugins: the assessor's mark as a leaf's value, and as its score
# ----------------------------------------------------------------------------------------------


def ordinal_rating(ctx) -> Measurement:
    """The mark the assessor entered (``[ratings."PI-2.1"] mark = "B"``) with the evidence note."""
    r = ctx.rating()
    code = ctx.indicator.code
    if r.mark is None:
        raise ConfigError(f"indicator {code} is scored on an ordinal scale: enter mark = \"…\", not a percentage",
                          file=ctx.file, path=f"$.ratings.{code}")
    scale = ctx.pack.scale(ctx.indicator.scale) if ctx.indicator.scale else None
    if scale is not None:
        problem = mark_problem(scale, r.mark)
        if problem:
            raise ConfigError(problem, file=ctx.file, path=f"$.ratings.{code}.mark")
    return Measurement(value=r.mark, kind="ordinal", expression="", note=r.reason, inputs={"mark": r.mark})


def ordinal_mark_score(si: ScoreInput) -> ScoreOutcome:
    """The value is the score: an entered mark needs no arithmetic."""
    return ScoreOutcome(score=si.value, expression="", reason="")


def ordinal_rating_columnar(vm: Any) -> Any:
    """ordinal_rating over all rows (the batch engine's form): each row's ``mark.CODE`` cell, else the
    template's mark, as a code into the scale's allowed marks (kept as entered: ``D*`` stays ``D*``).
    A mark off the scale, a missing one, or a numeric ``rating.CODE`` cell beside it: the row goes to
    :func:`ordinal_rating`, which reports it in its own words."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from .batch.compile import VecValue
    from .batch.fixed import Marks

    frame, code = vm.frame, vm.indicator.code
    scale = vm.pack.scale(vm.indicator.scale) if vm.pack is not None and vm.indicator.scale else None
    if scale is None:
        frame.mark(np.ones(frame.n, dtype=bool))
        return VecValue(kind="ordinal", inputs={"marks": Marks.of(frame.n, ())})
    labels = allowed_marks(scale)
    tmpl = vm.defaults.ratings.get(code) if vm.defaults is not None else None
    default = labels.index(tmpl.mark) if tmpl is not None and tmpl.mark in labels else None
    rating_col = vm.layout.per_code.get("rating", {}).get(code)
    if rating_col is not None:
        frame.mark(vm.portfolio.present(rating_col))
    col = vm.layout.per_code.get("mark", {}).get(code)
    present = vm.portfolio.present(col) if col is not None else np.zeros(frame.n, dtype=bool)
    codes = np.full(frame.n, -1 if default is None else default, dtype=np.int16)
    if col is not None and present.any():
        arr = vm.portfolio.columns[col]
        if pa.types.is_large_string(arr.type):
            arr = arr.cast(pa.string())
        if not pa.types.is_string(arr.type):
            frame.mark(present)  # a number where a mark belongs: the engine words the problem
        else:
            idx = pc.index_in(arr, value_set=pa.array(labels, pa.string()))
            got = np.asarray(idx.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int16)
            frame.mark(present & (got < 0))
            codes = np.where(present, got, codes).astype(np.int16)
    if default is None:
        frame.mark(~present)
    return VecValue(kind="ordinal", inputs={"marks": Marks(codes, tuple(labels))})


def ordinal_mark_columnar(vs: Any) -> Any:
    """ordinal_mark over all rows: the marks read by the leaf's indicator form are the scores."""
    import numpy as np

    from .batch.fixed import Marks

    marks = vs.inputs.get("marks")
    if not isinstance(marks, Marks):
        vs.frame.mark(np.ones(vs.frame.n, dtype=bool))
        return Marks.of(vs.frame.n, ())
    return marks


def _no_params(params: Mapping[str, Any]) -> list[str]:
    return [f"unexpected parameter {k!r}" for k in params]


EXAMPLE = Example(
    indicators='[scales.abcd]\nlevels = ["A", "B", "C", "D"]\n\n[indicators.X1]\nname = "示例维度"\nscale = "abcd"\n'
               'value = { indicator = "ordinal_rating" }\nscore = { method = "ordinal_mark" }',
    evaluation='[ratings.X1]\nmark = "B"\nreason = "制度已建立，执行有缺口"', expect="B")


@hookimpl
def jixiao_indicators():
    return [IndicatorPlugin(
        name="ordinal_rating", title="等级评定 ordinal mark entered by the assessor", measure=ordinal_rating,
        vectorized=ordinal_rating_columnar,
        requires=lambda p: [InputRequirement(name="", kind="rating")], value_kind="ordinal", params=(),
        example="[ratings.PI-2.1] mark = \"B\", reason = \"…\" → B", examples=(EXAMPLE,),
        description="the assessor's mark on the leaf's ordinal scale (mark = \"B\") with the evidence note "
                    "(reason = \"…\"); the mark must be on the scale")]


@hookimpl
def jixiao_scoring_methods():
    return [ScoringMethod(
        name="ordinal_mark", title="等级即得分 the mark is the score", score=ordinal_mark_score, ordinal=True,
        vectorized=ordinal_mark_columnar,
        check_params=_no_params, params=(), examples=(EXAMPLE,), formula="score = the entered mark, shown as entered (D* stays D*)",
        example="PI-2.1: B")]
