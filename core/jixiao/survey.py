"""Raw questionnaires: survey-platform exports (问卷星/腾讯问卷 style) read into the tallies indicators measure.

A ``[surveys.NAME]`` section names an export (xlsx or csv, one row per respondent), the question
(by number ``5`` or header text) and the input it fills (``input = "satisfaction_survey"``, the same
input a hand-typed tally would fill: ``{question, responses, answers}``). Validity rules exclude
responses (a required question left blank, 所用时间 below ``min_seconds``, a repeated ``key``), each
counted by reason. The report gets the value's n and 95% margin of error (Wilson for proportions,
t for means, finite-population correction with ``population``); a margin wider than ``margin`` is a
review finding. Personal columns (IP, phone, name, ID numbers) are read only as far as the
duplicate key needs and never reach the result.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from .errors import ConfigError, DataError, JixiaoError, raise_all
from .numbers import CONTEXT, NUMBER_ERRORS, fmt_fixed, quantize, to_decimal

KEYS = ("file", "encoding", "sheet", "input", "question", "required", "min_seconds", "key", "population",
        "margin", "subgroup", "points", "satisfied")
HEADER = re.compile(r"^\s*(\d+)\s*[、.．]\s*(.*?)\s*$")
OPTION = re.compile(r"^(.*?)[(（]([^()（）]+)[)）]\s*$")
TIME_COLUMN = "所用时间"
TIME = re.compile(r"^\s*(?:(\d+)\s*小时)?\s*(?:(\d+)\s*分(?:钟)?)?\s*(?:(\d+)\s*秒)?\s*$")
REASONS = {"blank": "空白答卷", "required": "必答题未作答", "speeder": "答题时间过短", "duplicate": "重复提交"}


@attrs.frozen(kw_only=True)
class Survey:
    name: str
    input: str
    file: str
    question_no: str
    question: str
    multi: bool
    answers: tuple[Any, ...]
    """Per valid response: the option text (single choice) or a frozenset of options (multiple choice)."""
    options: tuple[str, ...]
    groups: tuple[str, ...]
    """Per valid response, its subgroup value ('' without a subgroup column)."""
    excluded: Mapping[str, int]
    total_rows: int
    population: int | None
    margin: Decimal | None
    subgroup: str | None
    points: Mapping[str, Decimal] | None
    satisfied: tuple[str, ...] | None = None
    """Option texts counting as satisfied: the input becomes the rate of valid responses choosing one."""

    def satisfied_count(self, idx: list[int] | None = None) -> int:
        """Valid responses (respondents) choosing an option of the satisfied set."""
        sat = set(self.satisfied or ())
        answers = self.answers if idx is None else [self.answers[i] for i in idx]
        if self.multi:
            return sum(1 for a in answers if a & sat)
        return sum(1 for a in answers if a in sat)

    def tally(self) -> dict[str, Any]:
        counts: dict[str, int] = {o: 0 for o in self.options}
        for a in self.answers:
            for o in (a if self.multi else (a,)):
                if o is not None:
                    counts[o] += 1
        return {"question": self.question, "responses": len(self.answers), "single_choice": not self.multi,
                "answers": counts}


def _seconds(text: Any) -> int | None:
    if text is None or str(text).strip() == "":
        return None
    s = str(text).strip()
    if re.fullmatch(r"\d+(\.0+)?", s):
        return int(Decimal(s))
    m = TIME.match(s)
    if not m or not any(m.groups()):
        return None
    h, mi, se = (int(x) if x else 0 for x in m.groups())
    return h * 3600 + mi * 60 + se


def read_rows(path: Path, *, encoding: str | None, sheet: str | None, file: str, where: str) -> list[list[Any]]:
    """The export's rows (first row the header) as cell values."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the user's file
            raise DataError(f"cannot read the workbook: {exc}", file=str(path)) from None
        if sheet is not None and sheet not in wb.sheetnames:
            raise ConfigError(f"no sheet {sheet!r} in {path.name} (it has {', '.join(wb.sheetnames)})",
                              file=file, path=f"{where}.sheet")
        ws = wb[sheet] if sheet else wb.worksheets[0]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        wb.close()
        return rows
    if path.suffix.lower() != ".csv":
        raise ConfigError(f"expected an .xlsx or .csv export, got {path.name!r}", file=file, path=f"{where}.file")
    enc = encoding or "utf-8-sig"
    try:
        text = path.read_bytes().decode(enc)
    except UnicodeDecodeError as exc:
        raise DataError(f"the file is not {enc} (byte {exc.start}); give encoding = \"gbk\" (or the file's encoding)",
                        file=str(path), hint=f"set {where}.encoding") from None
    except LookupError:
        raise ConfigError(f"unknown encoding {enc!r}", file=file, path=f"{where}.encoding") from None
    return [row for row in csv.reader(text.lstrip("\ufeff").splitlines())]


def _blank(v: Any) -> bool:
    return v is None or str(v).strip() in ("", "(跳过)", "(空)", "-3", "(未作答)")


def _chosen_flag(v: Any, option: str) -> bool:
    s = "" if v is None else str(v).strip()
    return s not in ("", "0", "0.0", "(跳过)", "(空)", "-3") and s != "否"


def load_survey(name: str, spec: Any, *, base: Path, file: str) -> Survey:
    where = f"$.surveys.{name}"
    errors: list[JixiaoError] = []
    if not isinstance(spec, dict):
        raise ConfigError("expected a table like { file = \"export.xlsx\", input = \"…\", question = 5 }",
                          file=file, path=where)
    for k in spec:
        if k not in KEYS:
            errors.append(ConfigError(f"unknown key {k!r}; expected one of {', '.join(KEYS)}", file=file,
                                      path=f"{where}.{k}"))
    for k in ("file", "input"):
        if not isinstance(spec.get(k), str) or not spec[k].strip():
            errors.append(ConfigError(f"missing {k} (a string)", file=file, path=f"{where}.{k}"))
    q = spec.get("question")
    if isinstance(q, bool) or not isinstance(q, (int, str)):
        errors.append(ConfigError("expected question = N (its number) or its header text", file=file,
                                  path=f"{where}.question"))
    for k in ("min_seconds", "population"):
        v = spec.get(k)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
            errors.append(ConfigError("expected a whole number ≥ 0", file=file, path=f"{where}.{k}"))
    margin = None
    if "margin" in spec:
        try:
            margin = to_decimal(spec["margin"])
            if not 0 < margin < 1:
                raise ValueError
        except (*NUMBER_ERRORS, ValueError):
            errors.append(ConfigError("expected a margin like \"5%\"", file=file, path=f"{where}.margin"))
    points = None
    if "points" in spec and "satisfied" in spec:
        errors.append(ConfigError("give points (a mean score) or satisfied (a rate), not both", file=file,
                                  path=f"{where}.points"))
    if "points" in spec:
        if not isinstance(spec["points"], dict) or not spec["points"]:
            errors.append(ConfigError("expected points = { \"非常满意\" = 100, … }", file=file, path=f"{where}.points"))
        else:
            points = {}
            for k, v in spec["points"].items():
                if isinstance(v, bool) or not isinstance(v, (int, Decimal)):
                    errors.append(ConfigError("expected a number", file=file, path=f"{where}.points.{k}"))
                else:
                    points[k] = Decimal(v)
    raise_all(errors)
    path = base / spec["file"]
    if not path.is_file():
        raise DataError(f"survey export {spec['file']!r} not found (paths are relative to the config's folder)",
                        file=file, path=f"{where}.file")
    rows = read_rows(path, encoding=spec.get("encoding"), sheet=spec.get("sheet"), file=file, where=where)
    if not rows:
        raise DataError("the export is empty (no header row)", file=str(path))
    header = ["" if h is None else str(h).strip() for h in rows[0]]
    fname = str(path)

    def col(label: str, key: str) -> int:
        if label not in header:
            raise ConfigError(f"no column {label!r} in {path.name} (columns: {', '.join(h for h in header if h)})",
                              file=file, path=f"{where}.{key}")
        return header.index(label)

    numbered: dict[str, list[tuple[int, str]]] = {}
    for i, h in enumerate(header):
        m = HEADER.match(h)
        if m:
            numbered.setdefault(m.group(1), []).append((i, m.group(2)))

    def question_columns(ref: Any, key: str) -> tuple[str, list[tuple[int, str]]]:
        if isinstance(ref, int):
            qn = str(ref)
        else:
            hit = [n for n, cols in numbered.items() if any(t == ref or f"{n}、{t}" == ref for _, t in cols)]
            hit += [n for n, cols in numbered.items() if n not in hit and any(
                (OPTION.match(t) and OPTION.match(t).group(1) == ref) for _, t in cols)]  # type: ignore[union-attr]
            if not hit:
                raise ConfigError(f"no question headed {ref!r} in {path.name}", file=file, path=f"{where}.{key}")
            qn = hit[0]
        if qn not in numbered:
            raise ConfigError(f"no question {qn} in {path.name} (questions: {', '.join(numbered)})",
                              file=file, path=f"{where}.{key}")
        return qn, numbered[qn]

    qn, qcols = question_columns(q, "question")
    multi = len(qcols) > 1
    if multi:
        opts = []
        for _, t in qcols:
            m = OPTION.match(t)
            opts.append(m.group(2).strip() if m else t)
        qtext = (OPTION.match(qcols[0][1]).group(1) if OPTION.match(qcols[0][1]) else "").strip()  # type: ignore[union-attr]
        qtext = qtext or f"第{qn}题"
    else:
        opts = []
        qtext = qcols[0][1]
    required = spec.get("required", [qn] if not multi else [])
    if not isinstance(required, list):
        raise ConfigError("expected an array of question numbers or header texts", file=file, path=f"{where}.required")
    req_cols = []
    for j, r in enumerate(required):
        req_cols.append(question_columns(int(r) if isinstance(r, str) and r.isdigit() else r,
                                         f"required[{j}]")[1])
    tcol = col(TIME_COLUMN, "min_seconds") if spec.get("min_seconds") else None
    kcol = col(spec["key"], "key") if isinstance(spec.get("key"), str) else None
    if "key" in spec and not isinstance(spec.get("key"), str):
        raise ConfigError("expected the name of the column identifying a respondent", file=file, path=f"{where}.key")
    gcol = col(spec["subgroup"], "subgroup") if isinstance(spec.get("subgroup"), str) else None
    points_map = points

    excluded = {k: 0 for k in REASONS}
    seen: set[str] = set()
    answers: list[Any] = []
    groups: list[str] = []
    option_order: dict[str, None] = {o: None for o in (opts if multi else (points_map or {}))}
    data_errors: list[JixiaoError] = []
    total = 0
    for rno, row in enumerate(rows[1:], start=2):
        row = list(row) + [None] * (len(header) - len(row))
        if all(_blank(v) for v in row):
            continue  # a trailing empty line of the export, not a response
        total += 1
        answered = [v for i, v in enumerate(row) if HEADER.match(header[i]) and not _blank(v)]
        if not answered:
            excluded["blank"] += 1
            continue
        if any(all(_blank(row[i]) for i, _ in cols) for cols in req_cols):
            excluded["required"] += 1
            continue
        if tcol is not None:
            secs = _seconds(row[tcol])
            if secs is None:
                data_errors.append(DataError(f"所用时间 {row[tcol]!r} is not a duration like \"125秒\"", file=fname,
                                             path=f"row {rno}, column {TIME_COLUMN}"))
                continue
            if secs < spec["min_seconds"]:
                excluded["speeder"] += 1
                continue
        if kcol is not None:
            k = "" if row[kcol] is None else str(row[kcol]).strip()
            if k and k in seen:
                excluded["duplicate"] += 1
                continue
            seen.add(k)
        if multi:
            ans: Any = frozenset(o for (i, _), o in zip(qcols, opts) if _chosen_flag(row[i], o))
        else:
            v = row[qcols[0][0]]
            ans = None if _blank(v) else str(v).strip()
            if ans is not None:
                if points_map is not None and ans not in points_map:
                    data_errors.append(DataError(
                        f"answer {ans!r} has no points (points has {', '.join(points_map)})", file=fname,
                        path=f"row {rno}, column {header[qcols[0][0]]}"))
                    continue
                option_order.setdefault(ans, None)
            else:
                excluded["required"] += 1  # the mapped question itself unanswered
                continue
        answers.append(ans)
        groups.append("" if gcol is None or row[gcol] is None else str(row[gcol]).strip())
        if len(data_errors) >= 20:
            break
    raise_all(data_errors)
    satisfied = None
    if "satisfied" in spec:
        sat = spec["satisfied"]
        if not isinstance(sat, list) or not sat or not all(isinstance(x, str) for x in sat):
            raise ConfigError("expected satisfied = [\"非常满意\", \"满意\"]", file=file, path=f"{where}.satisfied")
        seen = list(option_order)
        for i, opt in enumerate(sat):
            if opt not in seen:  # a typo would silently lower the rate
                raise ConfigError(f"no valid response chose {opt!r}; the answers are {', '.join(seen) or 'none'}",
                                  file=file, path=f"{where}.satisfied[{i}]",
                                  hint="write the option text exactly as the export has it")
        satisfied = tuple(dict.fromkeys(sat))
    return Survey(name=name, input=spec["input"], file=spec["file"], question_no=qn, question=qtext, multi=multi,
                  answers=tuple(answers), options=tuple(option_order), groups=tuple(groups),
                  excluded={k: v for k, v in excluded.items()}, total_rows=total, population=spec.get("population"),
                  margin=margin, subgroup=spec.get("subgroup"), points=points_map, satisfied=satisfied)


def load_surveys(config: Any) -> dict[str, Survey]:
    section = config.raw.get("surveys", {})
    if not isinstance(section, dict):
        raise ConfigError("expected [surveys.NAME] tables", file=config.file, path="$.surveys")
    out: dict[str, Survey] = {}
    errors: list[JixiaoError] = []
    for name, spec in section.items():
        try:
            s = load_survey(name, spec, base=config.base, file=config.file)
        except JixiaoError as exc:
            errors.append(exc)
            continue
        if s.input in (config.raw.get("inputs") or {}):
            errors.append(ConfigError(f"input {s.input!r} is both typed in [inputs] and read from survey {name}; "
                                      "keep one", file=config.file, path=f"$.surveys.{name}.input"))
        out[name] = s
    raise_all(errors)
    return out


def apply_surveys(config: Any) -> tuple[Any, dict[str, Survey]]:
    """The config with each survey's tally (or mean) in the input it names, and the surveys read."""
    if not config.raw.get("surveys"):
        return config, {}
    surveys = load_surveys(config)
    inputs = dict(config.inputs)
    for s in surveys.values():
        if s.points is not None:
            inputs[s.input] = f"{fmt_fixed(mean_of(s)[0], 2)}"
        elif s.satisfied is not None:  # a rate: satisfied responses ÷ valid responses, exact
            if not s.answers:
                raise DataError(f"survey {s.name}: no valid responses", file=config.file, path=f"$.surveys.{s.name}")
            # 12 decimals of a percent: far finer than any rule set's value precision, and no k/n of a
            # real survey lies that close to a rounding boundary
            pct = quantize(CONTEXT.divide(Decimal(s.satisfied_count() * 100), Decimal(len(s.answers))), 12)
            inputs[s.input] = f"{pct.normalize():f}%"
        else:
            inputs[s.input] = s.tally()
    return attrs.evolve(config, inputs=inputs), surveys


# -- statistics -----------------------------------------------------------------------------------


def _fpc(n: int, population: int | None) -> Decimal:
    if not population or population <= 1 or n >= population:
        return Decimal(1) if not population or n < population else Decimal(0)
    return CONTEXT.divide(Decimal(population - n), Decimal(population - 1)).sqrt(CONTEXT)


def wilson(k: int, n: int, population: int | None = None) -> tuple[Decimal, Decimal, Decimal]:
    """(low, high, half-width) of the 95% Wilson interval for k of n, with the finite-population correction."""
    from scipy.stats import norm

    z = Decimal(repr(float(norm.ppf(0.975))))
    N, K = Decimal(n), Decimal(k)
    p = K / N
    f = _fpc(n, population)
    z2 = z * z
    denom = 1 + z2 / N
    centre = (p + z2 / (2 * N)) / denom
    half = z * f * (p * (1 - p) / N + z2 / (4 * N * N)).sqrt(CONTEXT) / denom
    return centre - half, centre + half, half


def mean_of(s: Survey) -> tuple[Decimal, Decimal | None]:
    """(mean points, 95% t half-width) of the valid responses."""
    assert s.points is not None
    xs = [s.points[a] for a in s.answers]
    n = len(xs)
    if n == 0:
        raise DataError(f"survey {s.name}: no valid responses", path=f"$.surveys.{s.name}")
    mean = sum(xs, Decimal(0)) / n
    if n < 2:
        return mean, None
    from scipy.stats import t

    var = sum(((x - mean) ** 2 for x in xs), Decimal(0)) / (n - 1)
    tq = Decimal(repr(float(t.ppf(0.975, n - 1))))
    return mean, tq * (var / n).sqrt(CONTEXT) * _fpc(n, s.population)


def _chosen_count(s: Survey, chosen: set[str], idx: list[int] | None = None) -> int:
    answers = s.answers if idx is None else [s.answers[i] for i in idx]
    if s.multi:
        return sum(len(a & chosen) for a in answers)
    return sum(1 for a in answers if a in chosen)


def leaf_stats(s: Survey, chosen: list[str] | None) -> dict[str, Any]:
    """n, value and margin for one indicator reading the survey; subgroups when a column is named."""
    n = len(s.answers)
    out: dict[str, Any] = {"survey": s.name, "n": n}
    if s.points is not None:
        mean, half = mean_of(s)
        out.update({"statistic": "mean", "value": fmt_fixed(quantize(mean, 2), 2),
                    "margin": None if half is None else fmt_fixed(quantize(half, 1), 1), "method": "t"})
        out["display"] = f"(n = {n}, ±{out['margin']})" if half is not None else f"(n = {n})"
        half_share = None if half is None else half / 100
    else:
        chosen_set = set(s.satisfied if s.satisfied is not None else (chosen or []))
        k = s.satisfied_count() if s.satisfied is not None else _chosen_count(s, chosen_set)
        if n == 0:
            raise DataError(f"survey {s.name}: no valid responses", path=f"$.surveys.{s.name}")
        lo, hi, half = wilson(min(k, n), n, s.population)
        pp = half * 100
        out.update({"statistic": "proportion", "value": fmt_fixed(quantize(Decimal(k) / n * 100, 1), 1) + "%",
                    "low": fmt_fixed(quantize(lo * 100, 1), 1) + "%", "high": fmt_fixed(quantize(hi * 100, 1), 1) + "%",
                    "margin": fmt_fixed(quantize(pp, 1), 1), "method": "wilson"})
        out["display"] = f"(n = {n}, ±{out['margin']})"
        half_share = half
        if s.subgroup:
            subs = {}
            for g in dict.fromkeys(s.groups):
                idx = [i for i, x in enumerate(s.groups) if x == g]
                kg = s.satisfied_count(idx) if s.satisfied is not None else _chosen_count(s, chosen_set, idx)
                _, _, hg = wilson(min(kg, len(idx)), len(idx), None)
                subs[g or "（空）"] = {"n": len(idx), "value": fmt_fixed(quantize(Decimal(kg) / len(idx) * 100, 1), 1)
                                      + "%", "margin": fmt_fixed(quantize(hg * 100, 1), 1)}
            out["subgroups"] = {"column": s.subgroup, "groups": subs}
    out["population"] = s.population
    if s.margin is not None:
        out["required_margin"] = fmt_fixed(quantize(s.margin * 100, 1), 1)
        out["margin_met"] = half_share is not None and quantize(half_share * 100, 1) <= quantize(s.margin * 100, 1)
    return out


def document_sections(surveys: Mapping[str, Survey], pack: Any) -> tuple[dict[str, Any], dict[str, Any], list]:
    """(the document's ``surveys`` section, per-leaf stats keyed by code, review findings)."""
    section: dict[str, Any] = {}
    per_leaf: dict[str, Any] = {}
    found: list[dict[str, Any]] = []
    by_input = {s.input: s for s in surveys.values()}
    for s in surveys.values():
        section[s.name] = {"file": s.file, "input": s.input, "question_no": s.question_no, "question": s.question,
                           "multiple_choice": s.multi, "rows": s.total_rows, "valid": len(s.answers),
                           "excluded": {REASONS[k]: v for k, v in s.excluded.items() if v},
                           "population": s.population}
    for leaf in pack.leaves():
        params = leaf.source.params
        name = next((v for k, v in params.items() if isinstance(v, str) and v in by_input), None)
        if name is None:
            continue
        s = by_input[name]
        st = leaf_stats(s, list(params.get("chosen") or []))
        per_leaf[leaf.code] = st
        if st.get("margin_met") is False:
            found.append({"code": leaf.code, "kind": "survey_margin",
                          "message": f"{leaf.code} {leaf.name}：问卷样本量不足，误差 ±{st['margin']} 超过要求的 "
                                     f"±{st['required_margin']}（n = {st['n']}）"})
    return section, per_leaf, found
