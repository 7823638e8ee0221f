"""Built-in indicator plugins: values computed from the evaluation's inputs.

Each is reusable by any pack with its own standard score, target and scoring method; the
parameters name the inputs it reads, so two packs can feed the same plugin different tables.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import attrs

from ..errors import ConfigError, DataError
from ..hookspecs import hookimpl
from ..model import BreakdownRow, Measurement, quick_init
from ..numbers import ZERO, fmt_number
from ..types import Example, IndicatorPlugin, InputRequirement, ParamSpec

_figure = quick_init(Measurement, "value", "kind", "inputs", "note", "zero_division")
"""A figure form's Measurement (no expression, no breakdown), made as :func:`jixiao.model.quick_init`
makes it: ``inputs`` a MappingProxyType of a fresh dict (what the field's converter would make)."""


def _n(d: Decimal) -> str:
    return fmt_number(d)


@functools.cache
def _numbers() -> Any:
    """``jixiao.engine``'s (check_number, plain_number), imported at the first use (the engine imports this
    module's callers), looked up once."""
    from ..engine import check_number, plain_number

    return check_number, plain_number


def _req(params: Mapping[str, Any], param: str, kind: str, columns: tuple[str, ...] = ()) -> list[InputRequirement]:
    name = params.get(param)
    return [InputRequirement(name=name, kind=kind, columns=columns, param=param)] if isinstance(name, str) else []


# -- budget execution rate ---------------------------------------------------------------------


def budget_execution_rate(ctx) -> Measurement:
    """Σ actual ÷ Σ budget over a table of categories and sub-items, keeping the breakdown."""
    return _budget_execution_rate(ctx, written=True)


def budget_execution_rate_figure(ctx) -> Measurement:
    """:func:`budget_execution_rate` without its expression and breakdown (the record's figure form).

    A table every row of which :meth:`jixiao.engine.Measure.plain_table` reads is summed from its
    cells as they are, category by category in the same order (the same Decimal arithmetic); any
    other table, and any table :func:`budget_execution_rate` would refuse, takes its path."""
    cols = (ctx.params.get("budget_column", "budget"), ctx.params.get("actual_column", "actual"))
    plain = getattr(ctx, "plain_table", None)
    rows = plain("table", cols, ("category", "item")) if plain is not None else None
    if not rows:
        return _budget_execution_rate(ctx, written=False)
    categories: dict[str, list[tuple[Decimal, ...]]] = {}
    for (category, item), nums in rows:
        categories.setdefault(category or item, []).append(nums)
    total_b = total_a = ZERO
    for items in categories.values():
        total_b += sum((r[0] for r in items), ZERO)
        total_a += sum((r[1] for r in items), ZERO)
    if total_b == 0:
        return _budget_execution_rate(ctx, written=False)  # refused there, in its words
    value, _ = ctx.ratio(total_a, total_b, what="budget execution rate")
    return _figure(value, "rate", MappingProxyType({"actual": total_a, "budget": total_b}), "", False)


def _budget_execution_rate(ctx, *, written: bool) -> Measurement:
    cols = (ctx.params.get("budget_column", "budget"), ctx.params.get("actual_column", "actual"))
    bcol, acol = cols
    rows = ctx.table("table", cols, labels=("category", "item"))
    name = ctx.params["table"]
    if not rows:
        raise DataError("the budget table has no rows", file=ctx.file, path=f"$.inputs.{name}")
    categories: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        categories.setdefault(row.get("category", "") or row.get("item", ""), []).append(row)
    breakdown: list[BreakdownRow] = []
    total_b = total_a = ZERO
    for cat, items in categories.items():
        cb = sum((r[bcol] for r in items), ZERO)
        ca = sum((r[acol] for r in items), ZERO)
        total_b += cb
        total_a += ca
        if not written:
            continue
        breakdown.append(BreakdownRow(label=cat, level=0, numerator=ca, denominator=cb,
                                      rate=(ca / cb if cb else None), ref=items[0]["_ref"]))
        for r in items:
            if r.get("item") and r.get("item") != cat:
                breakdown.append(BreakdownRow(label=r["item"], level=1, numerator=r[acol], denominator=r[bcol],
                                              rate=(r[acol] / r[bcol] if r[bcol] else None), ref=r["_ref"]))
    if total_b == 0:
        raise DataError("the total budget is 0; the budget execution rate needs a budget above 0",
                        file=ctx.file, path=f"$.inputs.{name}")
    value, _ = ctx.ratio(total_a, total_b, what="budget execution rate")
    if not written:
        return _figure(value, "rate", MappingProxyType({"actual": total_a, "budget": total_b}), "", False)
    breakdown.append(BreakdownRow(label="合计", level=-1, numerator=total_a, denominator=total_b, rate=value))
    return Measurement(value=value, kind="rate", expression=f"{_n(total_a)}/{_n(total_b)}",
                       inputs={"actual": total_a, "budget": total_b}, breakdown=breakdown,
                       breakdown_title="预算执行情况表", numerator_label="实际支出", denominator_label="预算")


# -- ratios of two counts ----------------------------------------------------------------------


def _ratio_plugin(num_param: str, den_param: str, *, cap_numerator: bool, what: str):
    def measure(ctx, written: bool = True) -> Measurement:
        num = ctx.number(num_param, kind=ctx.params.get("kind", "count"))
        den = ctx.number(den_param, kind=ctx.params.get("kind", "count"))
        if cap_numerator and num > den:
            raise DataError(
                f"{what}: {ctx.params[num_param]} ({_n(num)}) is more than {ctx.params[den_param]} ({_n(den)})",
                file=ctx.file, path=f"$.inputs.{ctx.params[num_param]}")
        value, zero = ctx.ratio(num, den, what=what, where=f"$.inputs.{ctx.params[den_param]}")
        note = "0/0：无此类事项，按规则视为达成 (0 ÷ 0 counted as met)" if zero else ""
        if not written:
            return _figure(value, "rate", MappingProxyType({ctx.params[num_param]: num, ctx.params[den_param]: den}),
                           note, zero)
        return Measurement(value=value, kind="rate", expression=f"{_n(num)}/{_n(den)}",
                           inputs={ctx.params[num_param]: num, ctx.params[den_param]: den},
                           note=note, zero_division=zero)

    def requires(params):
        kind = params.get("kind", "count")
        return _req(params, num_param, kind) + _req(params, den_param, kind)

    def figure(ctx) -> Measurement:
        return measure(ctx, False)

    return measure, requires, figure


completion_measure, completion_requires, completion_figure = _ratio_plugin(
    "done", "planned", cap_numerator=False, what="completion rate")
recovery_measure, recovery_requires, recovery_figure = _ratio_plugin(
    "recovered", "total", cap_numerator=True, what="recovery rate")
handled_measure, handled_requires, handled_figure = _ratio_plugin(
    "handled", "cases", cap_numerator=True, what="handling rate")


def handling_rate(ctx) -> Measurement:
    """Σ handled ÷ Σ received over channels (a table), or over two counts (``handled``/``cases``)."""
    return _handling_rate(ctx, written=True)


def handling_rate_figure(ctx) -> Measurement:
    """:func:`handling_rate` without its expression and breakdown (the record's figure form); a table
    :meth:`jixiao.engine.Measure.plain_table` reads is summed from its cells as they are (as
    :func:`budget_execution_rate_figure`), any other and any row it would refuse take its path."""
    params = ctx.params
    if "table" not in params:
        return handled_measure(ctx, False)
    plain = getattr(ctx, "plain_table", None)
    rows = plain("table", (params.get("received_column", "received"), params.get("handled_column", "handled"))) \
        if plain is not None else None
    if rows is None:
        return _handling_rate(ctx, written=False)
    for _, (r, h) in rows:
        if h > r:
            return _handling_rate(ctx, written=False)  # refused there, at the row
    received = sum((nums[0] for _, nums in rows), ZERO)
    handled = sum((nums[1] for _, nums in rows), ZERO)
    value, zero = ctx.ratio(handled, received, what="handling rate", where=f"$.inputs.{params['table']}")
    note = "0/0：无此类事项，按规则视为达成 (0 ÷ 0 counted as met)" if zero else ""
    return _figure(value, "rate", MappingProxyType({"handled": handled, "received": received}), note, zero)


def _handling_rate(ctx, *, written: bool) -> Measurement:
    if "table" not in ctx.params:
        return handled_measure(ctx, written)
    rcol = ctx.params.get("received_column", "received")
    hcol = ctx.params.get("handled_column", "handled")
    rows = ctx.table("table", (rcol, hcol), labels=())
    name = ctx.params["table"]
    for row in rows:
        if row[hcol] > row[rcol]:
            raise DataError(f"more handled ({_n(row[hcol])}) than received ({_n(row[rcol])})",
                            file=ctx.file, path=f"{row['_ref']}.{hcol}" if row["_ref"].startswith("$") else row["_ref"])
    received = sum((r[rcol] for r in rows), ZERO)
    handled = sum((r[hcol] for r in rows), ZERO)
    value, zero = ctx.ratio(handled, received, what="handling rate", where=f"$.inputs.{name}")
    note = "0/0：无此类事项，按规则视为达成 (0 ÷ 0 counted as met)" if zero else ""
    if not written:
        return _figure(value, "rate", MappingProxyType({"handled": handled, "received": received}), note, zero)
    label = ctx.params.get("label_column", "channel")
    breakdown = [BreakdownRow(label=str(r.get(label, "")), numerator=r[hcol], denominator=r[rcol],
                              rate=(r[hcol] / r[rcol] if r[rcol] else None), ref=r["_ref"]) for r in rows]
    breakdown.append(BreakdownRow(label="合计", level=-1, numerator=handled, denominator=received, rate=value))
    hs = "+".join(_n(r[hcol]) for r in rows)
    rs = "+".join(_n(r[rcol]) for r in rows)
    expr = f"({hs})/({rs})" if len(rows) > 1 else f"{hs}/{rs}"
    return Measurement(value=value, kind="rate", expression=expr, inputs={"handled": handled, "received": received},
                       breakdown=breakdown, breakdown_title="处理情况", numerator_label="处理",
                       denominator_label="受理", note=note, zero_division=zero)


def handling_requires(params):
    if "table" in params:
        return _req(params, "table", "table", (params.get("received_column", "received"),
                                                params.get("handled_column", "handled")))
    return handled_requires(params)


# -- questionnaire ------------------------------------------------------------------------------


def survey_rate(ctx) -> Measurement:
    """Share of respondents who chose the given answers: Σ chosen ÷ responses."""
    return _survey_rate(ctx, written=True)


def survey_rate_figure(ctx) -> Measurement:
    """:func:`survey_rate` without its expression and breakdown (the record's figure form).

    A questionnaire written in the config whose counts :func:`jixiao.engine.plain_number` reads and
    which :func:`survey_rate` would accept with a denominator above 0 is computed here without the
    locations its messages would name; anything else takes its path (and its words)."""
    params = ctx.params
    name, chosen, config = params.get("survey"), params.get("chosen"), getattr(ctx, "config", None)
    survey = config.inputs.get(name) if config is not None and type(name) is str else None
    answers = survey.get("answers") if type(survey) is dict else None
    if type(answers) is not dict or not answers or type(chosen) not in (list, tuple) or not chosen:
        return _survey_rate(ctx, written=False)
    plain_number = _numbers()[1]
    counts = {}
    for k, v in answers.items():
        d = plain_number(v, "count")
        if d is None:
            return _survey_rate(ctx, written=False)
        counts[k] = d
    for c in chosen:
        if c not in counts:
            return _survey_rate(ctx, written=False)
    total = sum(counts.values(), ZERO)
    if "responses" in survey:
        responses = plain_number(survey["responses"], "count")
        if responses is None or (survey.get("single_choice", True) and responses != total):
            return _survey_rate(ctx, written=False)
    elif not survey.get("single_choice", True):
        return _survey_rate(ctx, written=False)
    else:
        responses = total
    if responses <= 0:
        return _survey_rate(ctx, written=False)  # 0 ÷ 0 as the rule set says, or its error
    picked = sum((counts[c] for c in chosen), ZERO)
    value, _ = ctx.ratio(picked, responses, what="survey rate")
    return _figure(value, "rate", MappingProxyType({"chosen": picked, "responses": responses}), "", False)


def _survey_rate(ctx, *, written: bool) -> Measurement:
    name, survey = ctx.mapping("survey")
    where = f"$.inputs.{name}"
    answers = survey.get("answers")
    if not isinstance(answers, dict) or not answers:
        raise ConfigError("expected answers = { \"answer\" = count, … }", file=ctx.file, path=f"{where}.answers")
    check_number, plain_number = _numbers()
    counts = {k: d if (d := plain_number(v, "count")) is not None
              else check_number(v, kind="count", file=ctx.file, where=f"{where}.answers.{k}")
              for k, v in answers.items()}
    chosen = ctx.params.get("chosen")
    if not isinstance(chosen, (list, tuple)) or not chosen:
        raise ConfigError(f"indicator {ctx.indicator.code}: survey_rate needs chosen = [answers…]",
                          file=ctx.pack.source, path=f"$.indicators.{ctx.indicator.code}.source.chosen")
    for c in chosen:
        if c not in counts:
            raise ConfigError(f"answer {c!r} (chosen by indicator {ctx.indicator.code}) is not among the answers: "
                              + ", ".join(counts), file=ctx.file, path=f"{where}.answers")
    total = sum(counts.values(), ZERO)
    single = survey.get("single_choice", True)
    if "responses" in survey:
        responses = check_number(survey["responses"], kind="count", file=ctx.file, where=f"{where}.responses")
        if single and responses != total:
            raise DataError(f"the answers add up to {_n(total)} but responses = {_n(responses)} "
                            "(a single-choice question's answers must add up to the responses)",
                            file=ctx.file, path=f"{where}.responses")
    else:
        if not single:
            raise ConfigError("a multiple-choice question needs responses = N", file=ctx.file, path=where)
        responses = total
    picked = sum((counts[c] for c in chosen), ZERO)
    value, _ = ctx.ratio(picked, responses, what="survey rate", where=f"{where}.responses")
    if not written:
        return _figure(value, "rate", MappingProxyType({"chosen": picked, "responses": responses}), "", False)
    num = "+".join(_n(counts[c]) for c in chosen)
    expr = f"({num})/{_n(responses)}" if len(chosen) > 1 else f"{num}/{_n(responses)}"
    breakdown = [BreakdownRow(label=k, numerator=v, denominator=responses, rate=v / responses if responses else None,
                              ref=f"{where}.answers.{k}") for k, v in counts.items()]
    return Measurement(value=value, kind="rate", expression=expr, inputs={"chosen": picked, "responses": responses},
                       breakdown=breakdown, breakdown_title=str(survey.get("question", name)),
                       numerator_label="人数", denominator_label="回收问卷")


def survey_requires(params):
    return _req(params, "survey", "survey")


# -- counts, ratings, plain inputs, formulas ----------------------------------------------------


def incident_count(ctx) -> Measurement:
    n = ctx.number("count", kind="count")
    return Measurement(value=n, kind="count", expression=_n(n), inputs={ctx.params["count"]: n})


def incident_count_figure(ctx) -> Measurement:
    """:func:`incident_count` without its expression (the record's figure form)."""
    n = ctx.number("count", kind="count")
    return _figure(n, "count", MappingProxyType({ctx.params["count"]: n}), "", False)


def qualitative_rating(ctx) -> Measurement:
    r = ctx.rating()
    if r.value is None:
        raise ConfigError(f"indicator {ctx.indicator.code} needs a percentage rating (rating = \"80%\")",
                          file=ctx.file, path=f"$.ratings.{ctx.indicator.code}")
    return Measurement(value=r.value, kind="rating", expression="评价人评定 rating", note=r.reason,
                       inputs={"rating": r.value, "band": r.band or ""})


def input_value(ctx, written: bool = True) -> Measurement:
    """The input itself (a unit's actual value, ``B11.actual``), read against the leaf's target's unit.

    A text value is read by :func:`jixiao.reading.read_quantity` (``"97.5%"``, ``"1,100人"``); its unit must
    be the target's (a plain number takes the target's unit, except for a percentage target, where
    ``93.2`` could be 93.2% or 9320% and is refused); 万元 and 元 are converted, nothing else.
    """
    from ..engine import check_number
    from ..reading import ReadError, convert, read_quantity

    kind = ctx.params.get("kind", "number")
    name, raw = ctx.raw("input")
    code = ctx.indicator.code
    where = f"$.indicators.{code}.actual" if name == f"{code}.actual" else f"$.inputs.{name}"
    target = ctx.indicator.target
    if target is not None and target.kind == "date":
        return _days_late(ctx, name, raw, where, target)
    wanted = None if target is None or target.value is None else ("" if target.unit == "count" else target.unit)
    if wanted is not None and not isinstance(raw, bool) and isinstance(raw, (str, int, Decimal)):
        try:
            q = read_quantity(raw)
            if wanted == "%" and q.unit == "" and getattr(ctx.config, "plain_rates", False):
                if q.value > 1:  # 97.5 for ≥98%: 97.5% with the sign forgotten, or 9750%? Never guessed
                    v, h = f"{q.value.normalize():f}", f"{(q.value * 100).normalize():f}"
                    raise ReadError(f"{v} has no unit and is above 1, so it could be {v}% or {h}%; write the "
                                    f"percent sign (\"{v}%\" or \"{h}%\")")
                q = convert(q.__class__(value=q.value, unit="%"), "%")
            q = convert(q, wanted)
        except ReadError as exc:
            raise ConfigError(f"indicator {code} ({ctx.indicator.name}), target {target.display()}: {exc}",
                              file=ctx.file, path=where) from None
        raw = q.value
    v = check_number(raw, kind=kind, file=ctx.file, where=where)
    if not written:
        return _figure(v, kind, MappingProxyType({name: v}), "", False)
    return Measurement(value=v, kind=kind, expression=_n(v), inputs={name: v})


def input_value_figure(ctx) -> Measurement:
    """:func:`input_value` without its expression (the record's figure form; a deadline's days late in full)."""
    return input_value(ctx, False)


def _days_late(ctx, name: str, raw: Any, where: str, target: Any) -> Measurement:
    """A deadline target (``12月底前``): the value is the days between the deadline and the completion
    date, positive when late (``value_kind = "days_late"``), for the ``deadline`` method."""
    from ..reading import ReadError, deadline_of, read_date, year_of

    year = year_of(ctx.config.project)
    code = ctx.indicator.code
    try:
        due = deadline_of(target.text or "", year)
    except ReadError as exc:
        raise ConfigError(f"indicator {code} ({ctx.indicator.name}): {exc}", file=ctx.file,
                          path=f"$.indicators.{code}.target") from None
    try:
        done = read_date(raw, year)
    except ReadError as exc:
        raise ConfigError(f"indicator {code} ({ctx.indicator.name}), deadline {target.text}: {exc}",
                          file=ctx.file, path=where) from None
    late = Decimal((done - due).days)
    return Measurement(value=late, kind="days_late", expression=f"{done.isoformat()}−{due.isoformat()}",
                       inputs={name: done.isoformat(), "deadline": due.isoformat()})


_COMPILED: dict[tuple[str, str | None, str], Any] = {}
_WITH_KINDS: dict[tuple[str, str | None, str], tuple[Any, ...]] = {}
"""(the pack's input specs, the formula compiled with their kinds, kinds, units) by _COMPILED's key: what
every evaluation of the formula with one pack works out alike, worked out once (only read afterwards)."""
"""(formula, pack source, key path) → its :class:`jixiao.formula.CompiledFormula` (immutable): the formulas
:func:`formula_value` has compiled without an error."""


def formula_value(ctx) -> Measurement:
    """A value computed by a formula over named inputs and table columns (see docs/formulas.md)."""
    import attrs

    from ..engine import check_number, read_table
    from ..formula import compile_formula

    expr = ctx.params.get("expr", ctx.params.get("formula"))  # formula = is the documented alias of expr
    where = f"$.indicators.{ctx.indicator.code}.source.expr"
    if not isinstance(expr, str):
        raise ConfigError("the formula indicator needs expr = \"…\"", file=ctx.pack.source, path=where)
    key = (expr, ctx.pack.source, where)
    specs = ctx.pack.inputs
    held = _WITH_KINDS.get(key)
    if held is not None and held[0] is specs:  # the same pack's inputs (held[0] keeps them alive)
        compiled, kinds, units = held[1:]
    else:
        compiled = _COMPILED.get(key)
        if compiled is None:  # parsed once per formula, not once per evaluation (a batch row each)
            compiled = compile_formula(expr, file=ctx.pack.source, where=where)
            if len(_COMPILED) < 4096:
                _COMPILED[key] = compiled
        # Declared kinds decide how inputs are read (a count must be whole) and shown (a rate as 85%);
        # whether every name is declared is jixiao validate's question, asked before anything runs.
        kinds = {spec.name: spec.kind for spec in specs}
        units = {spec.name: spec.unit for spec in specs if spec.unit and spec.unit != "%"}
        compiled = attrs.evolve(compiled, kinds={n: kinds[n] for n in compiled.names if n in kinds})
        if len(_WITH_KINDS) < 4096:
            _WITH_KINDS[key] = (specs, compiled, kinds, units)

    def raw(name: str, use: str):
        if name not in ctx.config.inputs:
            raise ConfigError(f"missing input {name!r}, needed by indicator {ctx.indicator.code} "
                              f"(formula {expr!r}, {use})", file=ctx.file, path=f"$.inputs.{name}")
        return ctx.config.inputs[name]

    values: dict[str, Any] = {}

    def scalar(name: str) -> Decimal:
        kind = kinds.get(name, "number")
        given = raw(name, "a number")
        if name in units and isinstance(given, str):  # "432万元" read, "95%" in a 万元 cell refused
            from ..reading import ReadError, convert, read_quantity

            try:
                given = convert(read_quantity(given), units[name], what=f"input {name!r}").value
            except ReadError as exc:
                raise ConfigError(str(exc), file=ctx.file,
                                  path=f"$.inputs.{name}") from None
        v = check_number(given, kind=kind if kind in ("count", "rate", "amount") else "number",
                         file=ctx.file, where=f"$.inputs.{name}")
        values[name] = v
        return v

    tables: dict[str, list[dict[str, Any]]] = {}

    def column(table: str, col: str) -> list[Decimal]:
        if table not in tables:
            cols = tuple(c for t, c in compiled.columns if t == table)
            tables[table] = read_table(raw(table, "a table"), columns=cols, labels=(), file=ctx.file,
                                       where=f"$.inputs.{table}", name=table)
        out = [row[col] for row in tables[table]]
        values[f"sum({table}.{col})"] = sum(out, ZERO)
        return out

    notes: list[str] = []
    value, shown = compiled.evaluate(scalar, column, zero_division=ctx.rule_set.zero_division, file=ctx.pack.source,
                                     where=where, notes=notes)
    kind = ctx.params.get("kind", "rate")
    if kind in ("rate", "count", "amount") and value < 0:
        raise DataError(f"indicator {ctx.indicator.code}: the formula gives {_n(value)} ({shown}), "
                        f"but a {kind} cannot be negative", file=ctx.file, path=where)
    zero = bool(notes)
    note = ""
    if zero:
        note = ("0/0：无此类事项，按规则视为达成 (0 ÷ 0 counted as met)" if ctx.rule_set.zero_division == "met"
                else "0/0：无此类事项，按规则计为0 (0 ÷ 0 counted as 0)")
    return Measurement(value=value, kind=kind, expression=shown, inputs=values, zero_division=zero, note=note)


def formula_requires(params):
    """The inputs a formula reads (none when it does not compile: validation reports that, located)."""
    from ..errors import FormulaError
    from ..formula import compile_formula

    expr = params.get("expr", params.get("formula"))
    if not isinstance(expr, str):
        return []
    try:
        compiled = compile_formula(expr)
    except FormulaError:
        return []
    reqs = [InputRequirement(name=n, kind="number", param="expr") for n in compiled.names]
    for table in compiled.tables:
        cols = tuple(c for t, c in compiled.columns if t == table)
        reqs.append(InputRequirement(name=table, kind="table", columns=cols, param="expr"))
    return reqs


_KINDS = ("rate", "count", "amount", "number")
_KIND_COUNT = ParamSpec(name="kind", type="choice", default="count", choices=_KINDS, doc="how the two inputs are read")
EXAMPLES = {
    # name: runnable examples (a leaf as a pack file writes it, the evaluation's entries, the working)
    "budget_execution_rate": (Example.leaf(
        value='{ indicator = "budget_execution_rate", table = "budget" }', score='{ method = "rate_times_standard" }',
        evaluation='[[inputs.budget]]\ncategory = "设备购置"\nitem = "检测设备"\nbudget = 120\nactual = 110\n\n'
                   '[[inputs.budget]]\ncategory = "人员经费"\nitem = "劳务费"\nbudget = 80\nactual = 80',
        expect="9.50=10*95.00%"),),
    "completion_rate": (Example.leaf(
        value='{ indicator = "completion_rate", done = "done", planned = "planned" }',
        score='{ method = "proportional" }', target="≥100%", evaluation="[inputs]\nplanned = 2736\ndone = 2600",
        expect="9.50=95.03%*10"),),
    "handling_rate": (Example.leaf(
        value='{ indicator = "handling_rate", table = "complaints" }', score='{ method = "deduct_per_point", k = "3%" }',
        standard=5, target="≥100%",
        evaluation='[[inputs.complaints]]\nchannel = "12315"\nreceived = 300\nhandled = 294\n\n'
                   '[[inputs.complaints]]\nchannel = "12345"\nreceived = 100\nhandled = 100',
        expect="4.78=5-(1-98.50%)*5*100*3%"),),
    "survey_rate": (Example.leaf(
        value='{ indicator = "survey_rate", survey = "survey", chosen = ["满意", "基本满意"] }',
        score='{ method = "proportional" }', target="≥90%",
        evaluation='[inputs.survey]\nquestion = "您对本项目是否满意？"\n'
                   'answers = { "满意" = 90, "基本满意" = 20, "不满意" = 10 }',
        expect="10.00=10（91.67%≥90%）"),),
    "recovery_rate": (Example.leaf(
        value='{ indicator = "recovery_rate", recovered = "recovered", total = "claimed" }',
        score='{ method = "proportional" }', target="≥95%", evaluation="[inputs]\nclaimed = 6785\nrecovered = 6500",
        expect="10.00=10（95.80%≥95%）"),),
    "incident_count": (Example.leaf(
        value='{ indicator = "incident_count", count = "incidents" }', score='{ method = "zero_incidence" }',
        standard=5, target="=0起", evaluation="[inputs]\nincidents = 0", expect="5.00=5（0起）"),),
    "qualitative_rating": (Example.leaf(
        value='{ indicator = "qualitative_rating" }', score='{ method = "rating_times_standard" }', standard=2,
        evaluation='[ratings.X1]\nrating = "80%"\nreason = "制度基本健全"', expect="1.60=2*80%"),),
    "input_value": (Example.leaf(
        value='{ input = "cost", kind = "amount" }', score='{ method = "proportional" }', target="≤400万元",
        evaluation='[inputs]\ncost = "432万元"', expect="9.26=400/432*10"),),
    "formula": (Example.leaf(
        value='{ formula = "done / planned" }', score='{ method = "deduct_per_point", k = "2%" }', target="≥100%",
        evaluation="[inputs]\nplanned = 50\ndone = 48", expect="9.20=10-(1-96.00%)*10*100*2%"),),
}


# ------------------------------------------------------------------------------------------------
# Columnar forms for jixiao batch (registered in each record's ``vectorized`` field; see
# docs/plugin-guide.md "Fast path"): each indicator's value over all rows as exact int64 fixed-point
# columns (jixiao.batch.fixed), rows they cannot read exactly marked for the per-row forms above.
# ------------------------------------------------------------------------------------------------


def budget_execution_rate_columnar(vm: Any) -> Any:
    from ..batch.compile import VecValue

    bcol = vm.params.get("budget_column", "budget")
    acol = vm.params.get("actual_column", "actual")
    rows = vm.table("table", (bcol, acol))
    f = vm.frame
    total_b = f.sum([vals[bcol] for _, vals in rows])
    total_a = f.sum([vals[acol] for _, vals in rows])
    f.mark(total_b.v == 0)  # the engine refuses a zero budget (a located data error)
    return VecValue(kind="rate", ratio=(total_a, total_b))


def _ratio_columnar(num_param: str, den_param: str, cap: bool) -> Any:
    def form(vm: Any) -> Any:
        from ..batch.compile import VecValue

        kind = vm.params.get("kind", "count")
        num = vm.number(num_param, kind=kind)
        den = vm.number(den_param, kind=kind)
        if cap:
            num_, den_ = vm.frame.align(num, den)
            vm.frame.mark(num_.v > den_.v)
        return VecValue(kind="rate", ratio=(num, den))

    return form


completion_columnar = _ratio_columnar("done", "planned", cap=False)
recovery_columnar = _ratio_columnar("recovered", "total", cap=True)
_handled_columnar = _ratio_columnar("handled", "cases", cap=True)


def handling_rate_columnar(vm: Any) -> Any:
    from ..batch.compile import VecValue

    if "table" not in vm.params:
        return _handled_columnar(vm)
    rcol = vm.params.get("received_column", "received")
    hcol = vm.params.get("handled_column", "handled")
    rows = vm.table("table", (rcol, hcol))
    f = vm.frame
    for present, vals in rows:
        f.mark(present & (vals[hcol].v > vals[rcol].v))
    received = f.sum([vals[rcol] for _, vals in rows])
    handled = f.sum([vals[hcol] for _, vals in rows])
    return VecValue(kind="rate", ratio=(handled, received))


def survey_rate_columnar(vm: Any) -> Any:
    import numpy as np

    from ..batch.compile import VecValue

    f = vm.frame
    answers, responses = vm.survey("survey")
    chosen = vm.params.get("chosen")
    if not answers or not isinstance(chosen, (list, tuple)) or not chosen or any(c not in answers for c in chosen):
        f.mark(np.ones(f.n, dtype=bool))
        return VecValue(kind="rate", value=f.full(0))
    for c in chosen:
        f.mark(~answers[c][0])  # a chosen answer missing from the row: the engine names it
    total = f.sum([v for _, v in answers.values()])
    picked = f.sum([answers[c][1] for c in chosen])
    if responses is None:
        responses = total
    else:
        f.mark(responses.v != total.v)
    return VecValue(kind="rate", ratio=(picked, responses))


def incident_count_columnar(vm: Any) -> Any:
    from ..batch.compile import VecValue

    return VecValue(kind="count", value=vm.number("count", kind="count"))


def qualitative_rating_columnar(vm: Any) -> Any:
    from ..batch.compile import VecValue

    return VecValue(kind="rating", value=vm.rating(), inputs={"band": vm.band()})


_VALUE_KINDS = ("count", "amount", "rate", "number")


def input_value_columnar(vm: Any) -> Any:
    """input_value: the input itself (``B11.actual``), read as its kind says (a rate as 97.5% or 0.975)."""
    import numpy as np

    from ..batch.compile import VecValue

    target = vm.indicator.target
    if target is not None and target.kind == "date":
        return _days_late_columnar(vm, target)
    kind = vm.params.get("kind", "number")
    if kind not in _VALUE_KINDS:
        vm.frame.mark(np.ones(vm.frame.n, dtype=bool))
        return VecValue(kind=str(kind), value=vm.frame.full(0))
    value = vm.number("input", kind=kind)
    col = vm.layout.scalars.get(vm._name("input") or "")
    if kind == "rate" and col is not None:  # a plain number above 1 is ambiguous (97.5 or 97.5%?): the engine refuses
        vm.frame.mark(~vm.portfolio.percent(col) & (value.v > 10**value.scale))
    return VecValue(kind=kind, value=value)


def _days_late_columnar(vm: Any, target: Any) -> Any:
    """:func:`_days_late` over all rows: the deadline read once, each distinct cell of the date column
    read once by the engine's own :func:`jixiao.reading.read_date` (so every written form it accepts
    is accepted alike) and the days late mapped back to the rows. A cell it cannot read, a blank or a
    deadline that cannot be read: the rows go to the engine, which words the problem."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..batch.compile import VecValue
    from ..batch.fixed import Fixed
    from ..reading import ReadError, deadline_of, read_date, year_of

    f = vm.frame
    everything = np.ones(f.n, dtype=bool)
    # A batch row's evaluation has no [project] year (rowwise.row_config gives it only its id).
    year = year_of({})
    col = vm.layout.scalars.get(vm._name("input") or "")
    try:
        due = deadline_of(target.text or "", year)
    except ReadError:
        due = None
    if due is None or col is None:
        f.mark(everything)
        return VecValue(kind="days_late", value=f.full(0))
    arr = vm.portfolio.columns[col]
    uniq = pc.unique(arr)
    days = []
    for v in uniq.to_pylist():
        if v is None or (isinstance(v, str) and not v.strip()):
            days.append(None)  # blank: the template's value or a missing input — the engine's call
            continue
        try:
            days.append((read_date(repr(v) if isinstance(v, float) else v, year) - due).days)
        except ReadError:
            days.append(None)
    idx = np.asarray(pc.index_in(arr, value_set=uniq).fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
    table = np.array([d if d is not None else 0 for d in days] + [0], dtype=np.int64)
    bad = np.array([d is None for d in days] + [True], dtype=bool)
    f.mark(bad[idx])
    if not pa.types.is_null(arr.type):
        f.mark(~vm.portfolio.present(col))
    return VecValue(kind="days_late", value=Fixed(table[idx], 0))


def formula_columnar(vm: Any) -> Any:
    """formula: every operator of the language as column operations, exactly.

    + − ×, ``min``/``max``/``sum`` (of inputs, numbers and table columns), comparisons and ``if`` are
    exact in int64 (the engine computes them exactly in 34 digits too). A division is columnar where
    its quotient is what is rounded: on top (``a/b``), times a division-free factor (``a/b*100``),
    negated, or as a branch of a top-level ``if`` (``if(b=0,0,a/b)``); the engine's 34-digit quotient
    rounds to the same digits (see :meth:`Frame.ratio`). Other shapes (a quotient inside a sum, a
    comparison or a function) are refused when the pack is compiled (``formula_shape``) and then
    evaluated by the engine.
    """
    import numpy as np

    from ..batch.compile import VecValue
    from ..batch.fixed import Fixed
    from ..formula import Binary, Call, Column, Compare, Name, Num, Paren, Unary

    f = vm.frame
    tree = _formula_tree(vm.params)
    assert tree is not None  # compile_pack only plans formulas whose shape is supported
    kinds = {spec.name: spec.kind for spec in vm.pack.inputs} if vm.pack is not None else {}
    names: dict[str, Any] = {}
    tables: dict[str, list[Any]] = {}
    used = _formula_columns(tree)

    def name(n: str) -> Any:
        if n not in names:
            kind = kinds.get(n, "number")
            names[n] = vm.scalar(n, kind=kind if kind in ("count", "rate", "amount") else "number")
        return names[n]

    def column(node: Any) -> list[Any]:
        if node.table not in tables:
            tables[node.table] = vm.table_named(node.table, used[node.table])
        return [(present, vals[node.column]) for present, vals in tables[node.table]]

    def poly(node: Any) -> Any:
        if isinstance(node, Num):
            return f.full(node.value)
        if isinstance(node, Name):
            return name(node.name)
        if isinstance(node, Paren):
            return poly(node.inner)
        if isinstance(node, Unary):
            x = poly(node.operand)
            return f.neg(x) if node.op == "-" else x
        if isinstance(node, Call) and node.func == "if":
            cond = test(node.args[0])
            return f.where(cond, poly(node.args[1]), poly(node.args[2]))
        if isinstance(node, Call):
            return call(node)
        assert isinstance(node, Binary)
        a, b = poly(node.left), poly(node.right)
        if node.op == "+":
            return f.add(a, b)
        if node.op == "-":
            return f.sub(a, b)
        return f.mul(a, b)

    def call(node: Any) -> Any:
        parts: list[Any] = []
        for arg in node.args:
            if isinstance(arg, Column):
                parts += column(arg)
            else:
                parts.append((None, poly(arg)))
        if node.func == "sum":
            return f.sum([x for _, x in parts])
        cols = f.align(*[x for _, x in parts])
        pick = np.minimum if node.func == "min" else np.maximum
        out: Any = None
        seen = np.zeros(f.n, dtype=bool)
        for (present, _), x in zip(parts, cols, strict=True):
            has = np.ones(f.n, dtype=bool) if present is None else present
            out = x.v.copy() if out is None else np.where(has & seen, pick(out, x.v), np.where(has, x.v, out))
            seen |= has
        f.mark(~seen)  # min/max of an empty column: the engine names it
        assert out is not None
        return Fixed(out, cols[0].scale)

    def test(node: Any) -> Any:
        node = _strip(node)
        assert isinstance(node, Compare)
        a, b = f.align(poly(node.left), poly(node.right))
        return {"<": a.v < b.v, "<=": a.v <= b.v, ">": a.v > b.v, ">=": a.v >= b.v, "=": a.v == b.v,
                "!=": a.v != b.v}[node.op]

    def ratio(node: Any) -> tuple[Any, Any]:
        """(numerator, denominator) of a quotient-shaped node; (value, None) for a division-free one."""
        node = _strip(node)
        if _formula_kind(node) == "poly":
            return poly(node), None
        if isinstance(node, Binary) and node.op == "/":
            return poly(node.left), poly(node.right)
        if isinstance(node, Unary):
            num, den = settled(*ratio(node.operand))
            return (f.neg(num) if node.op == "-" else num), den
        if isinstance(node, Binary):  # a quotient times a division-free factor
            q, p = (node.left, node.right) if _formula_kind(_strip(node.left)) == "ratio" else (node.right, node.left)
            num, den = settled(*ratio(q))
            return f.mul(num, poly(p)), den
        assert isinstance(node, Call) and node.func == "if"
        cond = test(node.args[0])
        (n1, d1), (n2, d2) = ratio(node.args[1]), ratio(node.args[2])
        one = f.full(1)
        return f.where(cond, n1, n2), f.where(cond, d1 or one, d2 or one)

    def settled(num: Any, den: Any) -> tuple[Any, Any]:
        """A quotient about to be transformed, with 0 ÷ 0 already replaced by the rule set's value
        (1 or 0, as the engine's division returns it); n ÷ 0 and 0 ÷ 0 under ``error`` stay for the engine."""
        assert den is not None
        policy = vm.rule_set.zero_division
        if policy not in ("met", "zero"):
            return num, den
        num, den = f.align(num, den)
        zero = (den.v == 0) & (num.v == 0)
        if max(num.scale, den.scale) > 18:
            f.mark(zero)
            return num, den
        value = 10**num.scale if policy == "met" else 0
        return Fixed(np.where(zero, value, num.v), num.scale), Fixed(np.where(zero, 10**den.scale, den.v), den.scale)

    kind = vm.params.get("kind", "rate")
    num, den = ratio(tree)
    if kind in ("rate", "count", "amount"):
        f.mark(num.v < 0)  # a negative value (den < 0 rows fall back in any case): the engine refuses it
    if den is None:
        return VecValue(kind=kind, value=num)
    return VecValue(kind=kind, ratio=(num, den))


def _strip(node: Any) -> Any:
    from ..formula import Paren

    while isinstance(node, Paren):
        node = node.inner
    return node


def _formula_columns(tree: Any) -> dict[str, tuple[str, ...]]:
    """table → the columns a formula reads from it (in order of appearance)."""
    from ..formula import Column

    out: dict[str, dict[str, None]] = {}
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Column):
            out.setdefault(node.table, {})[node.column] = None
        for child in attrs.astuple(node, recurse=False):
            if hasattr(child, "start"):
                stack.append(child)
            elif isinstance(child, tuple):
                stack.extend(c for c in child if hasattr(c, "start"))
    return {t: tuple(cols) for t, cols in out.items()}


def _formula_kind(node: Any) -> str | None:
    """What a formula node is to the columnar form: ``poly`` (exact, division-free), ``ratio`` (a
    quotient rounded once), ``cond`` (a comparison of polys), ``column`` (a table column, an argument
    of sum/min/max) — or None when it has no columnar form."""
    from ..formula import Binary, Call, Column, Compare, Name, Num, Paren, Unary

    if isinstance(node, (Num, Name)):
        return "poly"
    if isinstance(node, Column):
        return "column"
    if isinstance(node, Paren):
        inner = _formula_kind(node.inner)
        return inner if inner != "column" else None
    if isinstance(node, Unary):
        k = _formula_kind(node.operand)
        return k if k in ("poly", "ratio") else None
    if isinstance(node, Compare):
        return "cond" if _formula_kind(node.left) == _formula_kind(node.right) == "poly" else None
    if isinstance(node, Binary):
        a, b = _formula_kind(node.left), _formula_kind(node.right)
        if node.op in "+-":
            return "poly" if a == b == "poly" else None
        if node.op == "*":
            if a == b == "poly":
                return "poly"
            return "ratio" if {a, b} == {"poly", "ratio"} else None
        return "ratio" if a == b == "poly" else None
    if isinstance(node, Call):
        kinds = [_formula_kind(a) for a in node.args]
        if node.func == "if":
            if len(kinds) != 3 or _formula_kind(_strip(node.args[0])) != "cond":
                return None
            if kinds[1] == kinds[2] == "poly":
                return "poly"
            return "ratio" if {kinds[1], kinds[2]} <= {"poly", "ratio"} else None
        return "poly" if kinds and all(k in ("poly", "column") for k in kinds) else None
    return None


def _formula_tree(params: Mapping[str, Any]) -> Any:
    from ..errors import FormulaError
    from ..formula import compile_formula

    expr = params.get("expr", params.get("formula"))  # formula = is expr's documented alias
    if not isinstance(expr, str):
        return None
    try:
        return compile_formula(expr).tree
    except FormulaError:
        return None


def formula_shape(params: Mapping[str, Any], rule_set: Any) -> str | None:
    """Why a formula has no columnar form (None when it has one)."""
    tree = _formula_tree(params)
    if tree is None:
        return "the formula does not compile (the engine reports it)"
    kind = _formula_kind(_strip(tree))
    if kind == "poly":
        return None
    if kind == "ratio":
        if params.get("kind", "rate") not in ("rate", "rating") or rule_set.rounding.value_places is None:
            return "a quotient that is not a rate rounded to value_places is not a finite decimal"
        return None
    return ("a quotient inside a sum, a comparison or a function is not a finite decimal: only a quotient "
            "on top, times a factor or as a branch of if is columnar")



@hookimpl
def jixiao_indicators():
    import attrs

    return [attrs.evolve(p, examples=EXAMPLES.get(p.name, ())) for p in _indicators()]


def _indicators():
    return [
        IndicatorPlugin(name="budget_execution_rate", vectorized=budget_execution_rate_columnar,
                        title="预算执行率 budget execution rate",
                        measure=budget_execution_rate, figure=budget_execution_rate_figure,
                        requires=lambda p: _req(p, "table", "table", ("budget", "actual")),
                        params=(ParamSpec(name="table", type="input", required=True,
                                          doc="input table with columns category, item, budget, actual"),
                                ParamSpec(name="budget_column", type="string", default="budget",
                                          doc="the table's budget column"),
                                ParamSpec(name="actual_column", type="string", default="actual",
                                          doc="the table's actual-spending column")),
                        description="Σ actual ÷ Σ budget, with per-category and per-item breakdown"),
        IndicatorPlugin(name="completion_rate", vectorized=completion_columnar,
                        title="计划完成率 plan completion rate", measure=completion_measure, figure=completion_figure,
                        requires=completion_requires,
                        params=(ParamSpec(name="done", type="input", required=True, doc="the input counting what was done"),
                                ParamSpec(name="planned", type="input", required=True, doc="the input counting what was planned"),
                                _KIND_COUNT),
                        description="done ÷ planned (may exceed 100%)"),
        IndicatorPlugin(name="handling_rate", vectorized=handling_rate_columnar,
                        title="处理率 handling rate", measure=handling_rate, figure=handling_rate_figure,
                        requires=handling_requires,
                        params=(ParamSpec(name="table", type="input", doc="channels table with received, handled columns"),
                                ParamSpec(name="received_column", type="string", default="received",
                                          doc="the table's received column"),
                                ParamSpec(name="handled_column", type="string", default="handled",
                                          doc="the table's handled column"),
                                ParamSpec(name="label_column", type="string", default="channel",
                                          doc="the table's column naming each row in the breakdown"),
                                ParamSpec(name="handled", type="input", doc="instead of table: the input counting cases handled"),
                                ParamSpec(name="cases", type="input", doc="instead of table: the input counting cases received"),
                                _KIND_COUNT),
                        description="Σ handled ÷ Σ received; more handled than received is a data error"),
        IndicatorPlugin(name="survey_rate", vectorized=survey_rate_columnar,
                        title="问卷比率 survey rate", measure=survey_rate, figure=survey_rate_figure,
                        requires=survey_requires,
                        params=(ParamSpec(name="survey", type="input", required=True,
                                          doc="questionnaire input { question, answers = { answer = count }, responses }"),
                                ParamSpec(name="chosen", type="list", required=True, doc="the answers that count")),
                        description="Σ chosen answers ÷ responses"),
        IndicatorPlugin(name="recovery_rate", vectorized=recovery_columnar,
                        title="挽回率 recovery rate", measure=recovery_measure, figure=recovery_figure,
                        requires=recovery_requires,
                        params=(ParamSpec(name="recovered", type="input", required=True, doc="the input: amount recovered"),
                                ParamSpec(name="total", type="input", required=True, doc="the input: amount lost"),
                                _KIND_COUNT),
                        description="recovered ÷ total"),
        IndicatorPlugin(name="incident_count", vectorized=incident_count_columnar,
                        title="事件数 incident count", measure=incident_count, figure=incident_count_figure,
                        requires=lambda p: _req(p, "count", "count"),
                        params=(ParamSpec(name="count", type="input", required=True, doc="the input counting incidents"),),
                        value_kind="count", description="a count of incidents (zero-incidence indicators)"),
        IndicatorPlugin(name="qualitative_rating", vectorized=qualitative_rating_columnar,
                        title="定性评价 qualitative rating", measure=qualitative_rating,
                        requires=lambda p: [InputRequirement(name="", kind="rating")], value_kind="rating", params=(),
                        description="the evaluator's rating (a percentage) with a written reason"),
        IndicatorPlugin(name="input_value", vectorized=input_value_columnar,
                        title="直接取值 input value", measure=input_value, figure=input_value_figure,
                        requires=lambda p: _req(p, "input", p.get("kind", "number")),
                        params=(ParamSpec(name="input", type="input", required=True,
                                          doc="the input (written value = { input = \"name\" } in pack files)"),
                                ParamSpec(name="kind", type="choice", default="number", choices=_KINDS,
                                          doc="how the input is read")),
                        value_kind="number", description="the value of one input as entered"),
        IndicatorPlugin(name="formula", vectorized=formula_columnar,
                        title="公式 formula", measure=formula_value, requires=formula_requires,
                        params=(ParamSpec(name="expr", type="string", required=True, aliases=("formula",),
                                          doc="formula over named inputs and table columns (docs/formulas.md); "
                                              "pack files write value = { formula = \"…\" }"),
                                ParamSpec(name="kind", type="choice", default="rate", choices=_KINDS,
                                          doc="what the result is")),
                        description="a formula in jixiao's expression language"),
    ]
