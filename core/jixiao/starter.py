"""Starter files for ``jixiao init``: a commented evaluation config for any pack, and a starter
pack file with its config. Both validate and evaluate as written (placeholders are neutral values
the evaluator replaces)."""

from __future__ import annotations

import json
import re

from .model import Group, Indicator, Pack, iter_nodes
from .numbers import fmt_number
from .plugins import Registry

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def key(k: str) -> str:
    return k if _BARE.match(k) else json.dumps(k, ensure_ascii=False)


def s(v: str) -> str:
    return json.dumps(v, ensure_ascii=False)


def starter_config(pack: Pack, registry: Registry, *, pack_ref: str) -> str:
    """A commented evaluation config for ``pack``: every input, rating and open group, with placeholders."""
    from .engine import required_inputs

    lines = [
        "#:schema https://jixiao.readthedocs.io/schemas/evaluation.schema.json",
        f"# Starter evaluation config for pack {pack.name!r} ({pack.title}).",
        "# Replace every placeholder (1, \"100%\", \"（请填写…）\") with the evaluation's real data; nothing",
        "# computable is entered: rates, scores, totals and the grade come from jixiao.",
        "schema_version = 1",
        f"pack = {s(pack_ref)}",
        "",
        "[project]",
        'name = "（项目名称）"',
        'unit = "（项目单位）"',
        'evaluator = "（评价机构）"',
        'period = "（评价期间）"',
        "",
    ]
    scalars: list[str] = []
    tables: list[str] = []
    surveys: list[str] = []
    seen: set[str] = set()
    reqs = required_inputs(pack, registry)
    for leaf, req in reqs:
        if req.kind == "rating" or not req.name or req.name in seen or "." in req.name:
            continue
        seen.add(req.name)
        spec = pack.input(req.name)
        title = f"  # {spec.title}{'（' + spec.unit + '）' if spec.unit else ''}" if spec and spec.title else ""
        used = f"  # used by {leaf.code} {leaf.name}"
        if req.kind == "table":
            labels = spec.text_columns if spec else ()
            tables.append(f"# {leaf.code} {leaf.name}: one [[inputs.{key(req.name)}]] table per row "
                          f"(or {key(req.name)} = {{ csv = \"file.csv\" }})")
            tables.append(f"[[inputs.{key(req.name)}]]")
            for col in labels:
                tables.append(f"{key(col)} = \"（{col}）\"")
            for col in req.columns:
                tables.append(f"{key(col)} = 1")
            tables.append("")
        elif req.kind == "survey":
            chosen = list(leaf.source.params.get("chosen", ["是"]))
            surveys.append(f"# {leaf.code} {leaf.name}: questionnaire tallies (answers add up to responses)")
            surveys.append(f"[inputs.{key(req.name)}]")
            surveys.append('question = "（问卷题目）"')
            surveys.append(f"responses = {len(chosen) + 1}")
            answers = ", ".join(f"{s(c)} = 1" for c in chosen) + ', "（其他）" = 1'
            surveys.append(f"answers = {{ {answers} }}")
            surveys.append("")
        else:
            scalars.append(f"{key(req.name)} = 1{title or used}")
    if scalars or tables or surveys:
        lines.append("[inputs]")
        lines += scalars
        lines.append("")
        lines += tables + surveys
    open_groups = [n for n in iter_nodes(pack.tree) if isinstance(n, Group) and n.open]
    if open_groups:
        lines.append("# Your own indicators under the pack's open groups; their standard scores must add up to")
        lines.append("# each group's points. One placeholder per first-level group:")
        done_parents: set[str] = set()
        for top in pack.tree:
            if not isinstance(top, Group):
                continue
            firsts = [g for g in iter_nodes(top.children) if isinstance(g, Group) and g.open]
            if not firsts or top.standard_score is None or top.code in done_parents:
                continue
            done_parents.add(top.code)
            g = firsts[0]
            code = f"{g.code}1"
            lines += [f"[indicators.{key(code)}]", f"parent = {s(g.code)}", 'name = "（指标名称）"',
                      f"standard_score = {fmt_number(top.standard_score)}", 'target = "≥100%"',
                      'actual = "100%"', ""]
        lines.append("# Other open groups: " + ", ".join(f"{g.code} {g.name}" for g in open_groups))
        lines.append("")
    rated = [leaf for leaf, req in reqs if req.kind == "rating"]
    if rated:
        lines.append("# The evaluator's qualitative ratings, each with its written reason.")
        for leaf in rated:
            lines += [f"[ratings.{key(leaf.code)}]  # {leaf.name}", 'rating = "100%"',
                      'reason = "（请填写评价理由）"', ""]
    lines.append("# [overrides.CODE] score = …, reason = \"…\" replaces a computed score (the report shows both).")
    lines.append("# [notes] CODE = \"…\" adds the evaluator's note to an indicator's analysis.")
    return "\n".join(lines).rstrip() + "\n"


STARTER_PACK = '''#:schema https://jixiao.readthedocs.io/schemas/pack.schema.json
# A starter pack file: edit names, points, targets and methods; `jixiao validate pack.toml` checks it.
schema_version = 1

[pack]
name = "my-pack"
title = "（指标体系名称）"
version = "1"
api = 1
example = "evaluation.toml"

[rule_set]
name = "my-rules"
grading = "national-2020"          # or shanghai-2014, or an inline [rule_set.grading_scheme]
zero_division = "met"              # 0 ÷ 0 counts as met; "zero" or "error" otherwise
total_standard = 100

[rule_set.rounding]
value_places = 4                   # rates enter scoring rounded to 2 decimals of a percent
score_places = 2
mode = "half_up"                   # 四舍五入
leaves = "round_then_sum"          # or carry_unrounded

[inputs.planned]
kind = "count"
title = "计划完成数"

[inputs.done]
kind = "count"
title = "实际完成数"

[inputs.budget]
kind = "table"
title = "预算执行情况表（万元）"
columns = ["budget", "actual"]
text_columns = ["category", "item"]

[indicators.A]
name = "项目管理"
standard_score = 40

[indicators.A1]
parent = "A"
name = "预算执行率"
standard_score = 20
target = "≥100%"
value = { indicator = "budget_execution_rate", table = "budget" }
score = { method = "deduct_per_point", k = "3%" }

[indicators.A2]
parent = "A"
name = "管理制度健全性"
standard_score = 20
value = { indicator = "qualitative_rating" }
score = { method = "rating_times_standard" }

[indicators.B]
name = "项目产出"
standard_score = 60

[indicators.B1]
parent = "B"
name = "计划完成率"
standard_score = 60
target = "≥100%"
value = { formula = "done / planned" }
score = { method = "deduct_per_point", k = "3%" }
'''

STARTER_PACK_CONFIG = '''#:schema https://jixiao.readthedocs.io/schemas/evaluation.schema.json
schema_version = 1
pack = "pack.toml"

[project]
name = "（项目名称）"

[inputs]
planned = 120
done = 114

[[inputs.budget]]
category = "一、（类别）"
item = "（子项目）"
budget = 100
actual = 92.5

[ratings.A2]
rating = "80%"
reason = "（请填写评价理由）"
'''


def starter_pack_files() -> dict[str, str]:
    return {"pack.toml": STARTER_PACK, "evaluation.toml": STARTER_PACK_CONFIG}


__all__ = ["Indicator", "starter_config", "starter_pack_files"]
