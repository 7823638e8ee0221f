"""Expert panels: several experts score the same qualitative leaves; one combined score per leaf.

Input: one long table (CSV, or ``[[experts.scores]]`` rows: expert, code, score, reason) or an xlsx
workbook with one sheet per expert (columns code, score, reason). Combination: ``mean``,
``median`` or ``trimmed_mean`` (去掉一个最高分和一个最低分), rounded half-up to ``places``. The
working lists every score: ``8.67=(8+9+9+10+7-10-7)/3``. A spread (max − min) above
``spread_share`` of the standard score is a review finding (专家意见分歧较大); an expert without a
score for a code is an error naming both.

In an evaluation config: ``[panel]`` (method, trim, places, rounding, spread_share) and ``[experts]``
(``file`` = a long CSV/xlsx table or an xlsx workbook with one sheet per expert, or inline
``[[experts.scores]]`` rows). :func:`load_panel` reads both; the engine scores each leaf the panel
covers from its combined score (an evaluator's ``[overrides.CODE]`` still wins, and says so).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from .errors import ConfigError, DataError, JixiaoError, raise_all
from .numbers import NUMBER_ERRORS, ROUNDING_MODES, fmt_fixed, fmt_number, quantize, to_decimal

METHODS = ("mean", "median", "trimmed_mean")


ROUNDING = tuple(ROUNDING_MODES)
"""half_up (四舍五入), half_even, down (舍去), up (进一)."""
PANEL_KEYS = ("method", "trim", "places", "rounding", "spread_share")
EXPERT_KEYS = ("file", "encoding", "members", "scores")
ROW_KEYS = ("expert", "code", "score", "rating", "reason", "evidence")
HEADER_ALIASES = {"专家": "expert", "专家姓名": "expert", "评审专家": "expert", "指标": "code", "指标编码": "code",
                  "指标代码": "code", "编码": "code", "代码": "code", "得分": "score", "评分": "score", "分数": "score",
                  "评定": "rating", "评级": "rating", "理由": "reason", "评分理由": "reason", "意见": "reason",
                  "证据": "evidence", "证据编号": "evidence"}
"""Chinese column headers a panel's score table may use for the machine names."""
METHOD_TEXT = {"mean": "算术平均", "median": "中位数", "trimmed_mean": "去掉最高分和最低分后平均"}


@attrs.frozen(kw_only=True)
class ExpertScore:
    expert: str
    code: str
    score: Decimal
    reason: str
    ref: str
    rating: bool = False
    """``score`` is a fraction of the standard score (``rating = "80%"``), not points."""
    evidence: Any = None
    """The row's ``evidence`` value as written (checked against the register by the engine)."""
    file: str | None = None


@attrs.frozen(kw_only=True)
class Combined:
    code: str
    score: Decimal
    working: str
    scores: tuple[ExpertScore, ...]
    spread: Decimal
    finding: str | None


def _header(cells: Sequence[Any]) -> list[str]:
    out = []
    for h in cells:
        t = "" if h is None else str(h).strip().lstrip("\ufeff")
        out.append(HEADER_ALIASES.get(t, t.lower()))
    return out


def _check_header(head: Sequence[str], need: Sequence[str], file: str, where: str) -> None:
    missing = [c for c in need if c not in head]
    if "score" in missing and "rating" in head:
        missing.remove("score")
    if missing:
        raise DataError(f"missing column(s) {', '.join(missing)}; expected {', '.join(need)}, score or rating, "
                        "reason (evidence optional); 专家/指标编码/得分/评定/理由/证据 are read too",
                        file=file, path=where)


def read_long_csv(path: Path, *, encoding: str = "utf-8-sig") -> list[ExpertScore]:
    try:
        text = path.read_bytes().decode(encoding)
    except UnicodeDecodeError as exc:
        raise DataError(f"the file is not {encoding} (byte {exc.start}); give encoding = \"gbk\" "
                        "(or the file's encoding) in [experts]", file=str(path)) from None
    rows = list(csv.reader(text.lstrip("\ufeff").splitlines()))
    if not rows:
        raise DataError("the file is empty; expected a header row expert, code, score, reason", file=str(path))
    head = _header(rows[0])
    _check_header(head, ("expert", "code"), str(path), "row 1")
    out = []
    for i, r in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in r):
            continue
        out.append(_row(dict(zip(head, r)), str(path), f"row {i}"))
    return out


def read_table_xlsx(path: Path) -> list[ExpertScore]:
    """An xlsx panel file: a long table (a sheet with an expert column) or one sheet per expert."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the user's file
        raise DataError(f"cannot read the workbook: {exc}", file=str(path)) from None
    first = next(iter(wb.worksheets[0].iter_rows(values_only=True, max_row=1)), ())
    wb.close()
    if "expert" in _header(first):
        return _read_long_sheet(path)
    return read_sheets(path)


def _read_long_sheet(path: Path) -> list[ExpertScore]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    wb.close()
    head = _header(rows[0])
    _check_header(head, ("expert", "code"), str(path), f"{ws.title}!row 1")
    return [_row(dict(zip(head, r)), str(path), f"{ws.title}!row {i}")
            for i, r in enumerate(rows[1:], start=2) if not all(v is None or str(v).strip() == "" for v in r)]


def read_sheets(path: Path) -> list[ExpertScore]:
    """One sheet per expert (the sheet's name is the expert); columns code, score, reason."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    out = []
    for ws in wb.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        if not rows:
            continue
        head = _header(rows[0])
        try:
            _check_header(head, ("code",), str(path), f"{ws.title}!row 1")
        except DataError as exc:
            exc.message = f"sheet {ws.title!r} (expert {ws.title}): {exc.message}"
            raise
        for i, r in enumerate(rows[1:], start=2):
            rec = {h: v for h, v in zip(head, r)}
            if all(v is None or str(v).strip() == "" for v in r):
                continue
            rec["expert"] = ws.title
            out.append(_row(rec, str(path), f"{ws.title}!row {i}"))
    wb.close()
    return out


def _row(r: Mapping[str, Any], file: str | None, ref: str, *, col: str = ", column ") -> ExpertScore:
    """One expert's score for one code; ``score`` in points, or ``rating`` (or a score written ``80%``)
    as a fraction of the standard score."""
    expert = str(r.get("expert") or "").strip()
    code = str(r.get("code") or "").strip()
    for key, v in (("expert", expert), ("code", code)):
        if not v:
            raise DataError(f"expected {'the expert' if key == 'expert' else 'an indicator code'}, the cell is blank",
                            file=file, path=f"{ref}{col}{key}")
    has_score = r.get("score") is not None and str(r.get("score")).strip() != ""
    has_rating = r.get("rating") is not None and str(r.get("rating")).strip() != ""
    if has_score and has_rating:
        raise DataError(f"expert {expert}, {code}: give score (points) or rating (a percentage), not both",
                        file=file, path=f"{ref}{col}rating")
    if not has_score and not has_rating:
        raise DataError(f"expert {expert} has no score for {code} (the cell is blank)", file=file,
                        path=f"{ref}{col}score")
    key = "score" if has_score else "rating"
    value = r.get(key)
    is_rating = key == "rating" or (isinstance(value, str) and value.strip().endswith(("%", "％")))
    if isinstance(value, str):
        value = value.strip().replace("％", "%")
    try:
        score = to_decimal(value)
        if not score.is_finite():
            raise ValueError
    except (*NUMBER_ERRORS, TypeError, ValueError):
        want = "a percentage like \"80%\"" if key == "rating" else "a score in points like 8.5 (or a percentage)"
        raise DataError(f"expert {expert}, {code}: expected {want}, got {r.get(key)!r}", file=file,
                        path=f"{ref}{col}{key}") from None
    if is_rating and not 0 <= score <= 1:
        raise DataError(f"expert {expert}, {code}: a rating must lie between 0% and 100%, got {r.get(key)}",
                        file=file, path=f"{ref}{col}{key}")
    ev = r.get("evidence")
    if isinstance(ev, str):
        ev = [x for x in re.split(r"[;；,，、\s]+", ev) if x] if ev.strip() else None
    return ExpertScore(expert=expert, code=code, score=score, reason=str(r.get("reason") or "").strip(), ref=ref,
                       rating=is_rating, evidence=ev, file=file)


def combine(code: str, scores: Sequence[ExpertScore], *, method: str, places: int, standard: Decimal,
            spread_share: Decimal | None, trim: int = 1, rounding: str = "half_up") -> Combined:
    """One leaf's combined score; ``scores`` in points (ratings already converted)."""
    xs = [s.score for s in scores]
    terms = "+".join(fmt_number(x) for x in xs)
    if method == "mean":
        raw = sum(xs, Decimal(0)) / len(xs)
        expr = f"({terms})/{len(xs)}"
    elif method == "median":
        ys = sorted(xs)
        m = len(ys) // 2
        raw = ys[m] if len(ys) % 2 else (ys[m - 1] + ys[m]) / 2
        expr = f"median({terms})"
    else:
        if len(xs) < 2 * trim + 1:
            raise DataError(f"{code}: a trimmed mean dropping {trim} score(s) at each end needs at least "
                            f"{2 * trim + 1} experts, got {len(xs)}", file=scores[0].file if scores else None)
        ys = sorted(xs)
        dropped = ys[len(ys) - trim:][::-1] + ys[:trim]  # ties: only `trim` of the equal scores are dropped
        raw = (sum(xs, Decimal(0)) - sum(dropped, Decimal(0))) / (len(xs) - 2 * trim)
        expr = f"({terms}{''.join('-' + fmt_number(d) for d in dropped)})/{len(xs) - 2 * trim}"
    score = quantize(raw, places, rounding)
    spread = max(xs) - min(xs)
    finding = None
    if spread_share is not None and spread > standard * spread_share:
        finding = (f"{code}：专家意见分歧较大（最高 {fmt_number(max(xs))}，最低 {fmt_number(min(xs))}，"
                   f"差 {fmt_number(spread)} 分，超过标准分的 {fmt_number(spread_share * 100)}%）")
    return Combined(code=code, score=score, working=f"{fmt_fixed(score, places)}={expr}", scores=tuple(scores),
                    spread=spread, finding=finding)


def combine_all(scores: Sequence[ExpertScore], standards: Mapping[str, Decimal], *, method: str = "trimmed_mean",
                places: int = 2, spread_share: Decimal | None = None, file: str | None = None,
                experts: Sequence[str] | None = None, trim: int = 1, rounding: str = "half_up",
                members_path: str | None = None) -> dict[str, Combined]:
    """Every code's combined score; an unknown code, or an expert missing a code, is an error."""
    if method not in METHODS:
        raise ConfigError(f"expected method to be one of {', '.join(METHODS)}, got {method!r}", file=file,
                          path="$.panel.method")
    errors: list[JixiaoError] = []
    panel = list(experts) if experts else list(dict.fromkeys(s.expert for s in scores))
    by_code: dict[str, list[ExpertScore]] = {}
    for s in scores:
        where = {"file": s.file or file, "path": s.ref}
        if s.code not in standards:
            errors.append(DataError(f"no qualitative indicator {s.code!r} (expert {s.expert}); the panel scores "
                                    f"{', '.join(standards) or 'no leaf'}", **where))
            continue
        if experts and s.expert not in experts:
            errors.append(DataError(f"expert {s.expert!r} is not a member of the panel ({', '.join(experts)})",
                                    **where))
            continue
        if s.rating:
            s = attrs.evolve(s, score=s.score * standards[s.code])
        if not 0 <= s.score <= standards[s.code]:
            errors.append(DataError(f"expert {s.expert}: score {fmt_number(s.score)} for {s.code} lies outside "
                                    f"0–{fmt_number(standards[s.code])}", **where))
            continue
        by_code.setdefault(s.code, []).append(s)
    anywhere = {s.expert for s in scores}
    for e in panel:
        if e not in anywhere:  # a member of the panel with no scores at all: where the panel is declared
            errors.append(DataError(f"expert {e} is a member of the panel but has no scores", file=file,
                                    path=members_path, hint=f"add {e}'s scores, or remove {e} from members"))
    for code, items in by_code.items():
        have = [s.expert for s in items]
        for e in panel:
            if e not in have and e in anywhere:
                errors.append(DataError(f"expert {e} has no score for {code} (the other experts scored it: "
                                        f"{', '.join(dict.fromkeys(have))})", file=items[0].file or file,
                                        hint=f"add a row {e}, {code}, score, reason"))
        for e in dict.fromkeys(have):
            if have.count(e) > 1:
                refs = ", ".join(s.ref for s in items if s.expert == e)
                errors.append(DataError(f"expert {e} scored {code} {have.count(e)} times ({refs})",
                                        file=items[0].file or file))
    raise_all(errors)
    out = {}
    for code, items in by_code.items():
        try:
            out[code] = combine(code, items, method=method, places=places, standard=standards[code],
                                spread_share=spread_share, trim=trim, rounding=rounding)
        except JixiaoError as exc:
            errors.append(exc)
    raise_all(errors)
    return out


# -- the evaluation config: [panel] and [experts] ---------------------------------------------------


@attrs.frozen(kw_only=True)
class Panel:
    method: str
    trim: int
    places: int
    rounding: str
    spread_share: Decimal | None
    members: tuple[str, ...]
    combined: Mapping[str, Combined]
    source: str | None
    """The scores' file relative to the config, or None for inline rows."""

    def citations(self) -> dict[str, list[tuple[str | None, str, Any]]]:
        """Leaf code → (file, key path/row, evidence value) of each expert score that cites evidence."""
        out: dict[str, list[tuple[str | None, str, Any]]] = {}
        for code, c in self.combined.items():
            for s in c.scores:
                if s.evidence is not None:
                    out.setdefault(code, []).append((s.file, s.ref + (".evidence" if s.ref.startswith("$")
                                                                      else ", column evidence"), s.evidence))
        return out

    def method_text(self) -> str:
        if self.method == "trimmed_mean" and self.trim == 1:
            return "去掉一个最高分和一个最低分后平均"
        if self.method == "trimmed_mean":
            return f"去掉{self.trim}个最高分和{self.trim}个最低分后平均"
        return METHOD_TEXT[self.method]


def _int(v: Any, where: str, file: str, lo: int, hi: int, errors: list[JixiaoError]) -> int | None:
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        errors.append(ConfigError(f"expected a whole number from {lo} to {hi}, got {v!r}", file=file, path=where))
        return None
    return v


def load_panel(config: Any, standards: Mapping[str, Decimal], *, score_places: int,
               score_rounding: str = "half_up") -> Panel | None:
    """The panel a config declares (``[panel]`` and ``[experts]``), combined per leaf; None without one.

    ``standards`` are the qualitative leaves' standard scores (the codes a panel may score).
    """
    from .schema import unknown_key

    raw = config.raw
    file = config.file
    if "panel" not in raw and "experts" not in raw:
        return None
    errors: list[JixiaoError] = []
    panel = raw.get("panel", {})
    experts = raw.get("experts")
    if not isinstance(panel, dict):
        raise ConfigError("expected a table: [panel] method = \"trimmed_mean\"", file=file, path="$.panel")
    if not isinstance(experts, dict):
        raise ConfigError("[panel] needs the experts' scores: [experts] file = \"experts.csv\" (or .xlsx), or "
                          "[[experts.scores]] rows" if experts is None else "expected a table", file=file,
                          path="$.experts")
    for k in panel:
        if k not in PANEL_KEYS:
            errors.append(unknown_key(k, PANEL_KEYS, file=file, where=f"$.panel.{k}"))
    for k in experts:
        if k not in EXPERT_KEYS:
            errors.append(unknown_key(k, EXPERT_KEYS, file=file, where=f"$.experts.{k}"))
    method = panel.get("method", "trimmed_mean")
    if method not in METHODS:
        errors.append(ConfigError(f"expected method to be one of {', '.join(METHODS)}, got {method!r}", file=file,
                                  path="$.panel.method"))
    trim = 1
    if "trim" in panel:
        trim = _int(panel["trim"], "$.panel.trim", file, 1, 100, errors) or 1
        if method != "trimmed_mean":
            errors.append(ConfigError(f"trim applies to method = \"trimmed_mean\", not {method!r}", file=file,
                                      path="$.panel.trim"))
    places = score_places
    if "places" in panel:
        places = _int(panel["places"], "$.panel.places", file, 0, 6, errors)
        places = score_places if places is None else places
    rounding = panel.get("rounding", score_rounding)
    if rounding not in ROUNDING:
        errors.append(ConfigError(f"expected rounding to be one of {', '.join(ROUNDING)}, got {rounding!r}",
                                  file=file, path="$.panel.rounding"))
    share = None
    if "spread_share" in panel:
        v = panel["spread_share"]
        try:
            if isinstance(v, bool) or not isinstance(v, (str, Decimal)) or (isinstance(v, str) and "%" not in v):
                raise ValueError
            share = to_decimal(v)
            if not 0 < share <= 1:
                raise ValueError
        except (*NUMBER_ERRORS, ValueError, TypeError):
            errors.append(ConfigError(f"expected a share of the standard score like \"30%\" or 0.3, got {v!r}",
                                      file=file, path="$.panel.spread_share"))
    members: tuple[str, ...] = ()
    if "members" in experts:
        m = experts["members"]
        if not (isinstance(m, list) and m and all(isinstance(x, str) and x.strip() for x in m)):
            errors.append(ConfigError("expected the experts' names, like members = [\"张\", \"李\", \"王\"]",
                                      file=file, path="$.experts.members"))
        elif len(set(m)) != len(m):
            errors.append(ConfigError("a name appears twice in members", file=file, path="$.experts.members"))
        else:
            members = tuple(x.strip() for x in m)
    raise_all(errors)

    source = None
    if ("file" in experts) == ("scores" in experts):
        raise ConfigError("give the experts' scores once: file = \"experts.csv\" (or .xlsx) or [[experts.scores]] "
                          "rows", file=file, path="$.experts")
    if "file" in experts:
        rel = experts["file"]
        if not isinstance(rel, str) or not rel.strip():
            raise ConfigError("expected a file path relative to the config", file=file, path="$.experts.file")
        path = config.base / rel
        if not path.is_file():
            raise DataError(f"expert score file {rel!r} not found"
                            f"{' (it is a directory)' if path.is_dir() else ''}; paths are relative to the "
                            "config's folder", file=file, path="$.experts.file")
        source = rel
        suffix = path.suffix.lower()
        if suffix in (".xlsx", ".xlsm"):
            rows = read_table_xlsx(path)
        elif suffix == ".csv":
            enc = experts.get("encoding", "utf-8-sig")
            if not isinstance(enc, str):
                raise ConfigError("expected an encoding name like \"gbk\"", file=file, path="$.experts.encoding")
            try:
                "".encode(enc)
            except LookupError:
                raise ConfigError(f"unknown encoding {enc!r}", file=file, path="$.experts.encoding") from None
            rows = read_long_csv(path, encoding=enc)
        else:
            raise ConfigError(f"expected an .xlsx or .csv file, got {rel!r}", file=file, path="$.experts.file")
    else:
        table = experts["scores"]
        if not isinstance(table, list) or not all(isinstance(r, dict) for r in table):
            raise ConfigError("expected [[experts.scores]] rows: expert, code, score (or rating), reason",
                              file=file, path="$.experts.scores")
        rows = []
        for i, r in enumerate(table):
            where = f"$.experts.scores[{i}]"
            for k in r:
                if k not in ROW_KEYS:
                    errors.append(unknown_key(k, ROW_KEYS, file=file, where=f"{where}.{k}"))
            for k in ("expert", "code", "reason"):
                if k in r and not isinstance(r[k], str):
                    errors.append(ConfigError("expected a string", file=file, path=f"{where}.{k}"))
            if errors:
                continue
            try:
                rows.append(_row(r, file, where, col="."))
            except JixiaoError as exc:
                errors.append(exc)
        raise_all(errors)
    if not rows:
        raise DataError("the panel has no scores", file=str(config.base / source) if source else file,
                        path=None if source else "$.experts.scores")
    combined = combine_all(rows, standards, method=method, places=places, spread_share=share, file=file,
                           experts=members or None, trim=trim, rounding=rounding, members_path="$.experts.members")
    return Panel(method=method, trim=trim, places=places, rounding=rounding, spread_share=share,
                 members=members or tuple(dict.fromkeys(s.expert for s in rows)), combined=combined, source=source)


def leaf_section(panel: Panel, c: Combined, *, override: Any = None, places: int) -> dict[str, Any]:
    """An indicator's ``panel`` entry in the JSON document."""
    return {
        "method": panel.method,
        "score": fmt_fixed(c.score, panel.places),
        "working": c.working,
        "spread": fmt_number(c.spread),
        "finding": c.finding,
        "applies": "override" if override is not None else "panel",
        "experts": [{"expert": s.expert, "score": fmt_number(s.score), "reason": s.reason,
                     "evidence": list(s.evidence or []), "ref": s.ref} for s in c.scores],
    }


def document_section(panel: Panel) -> dict[str, Any]:
    """The JSON document's top-level ``panel`` section: the rule and its members."""
    return {"method": panel.method, "method_text": panel.method_text(),
            "trim": panel.trim if panel.method == "trimmed_mean" else None, "places": panel.places,
            "rounding": panel.rounding,
            "spread_share": None if panel.spread_share is None else fmt_number(panel.spread_share),
            "members": list(panel.members), "source": panel.source, "codes": list(panel.combined)}


def discrepancies(panel: Panel) -> list[dict[str, Any]]:
    """专家意见分歧较大: one review discrepancy per leaf whose spread exceeds the threshold."""
    out = []
    for code, c in panel.combined.items():
        if c.finding:
            xs = [s.score for s in c.scores]
            out.append({"code": code, "kind": "panel_spread", "stated": f"{fmt_number(min(xs))}–{fmt_number(max(xs))}",
                        "computed": c.working, "message": c.finding})
    return out


def xlsx_sheet(wb: Any, doc: Mapping[str, Any], sheet_cls: Any) -> None:
    """The workpaper's 专家评分 sheet: one row per leaf and expert (score, reason, evidence), the combined
    score and which result applies; evidence ids link to the 证据清单 sheet."""
    from .evidence import PANEL_SHEET, SHEET, appendix_rows

    leaves = [ind for ind in doc.get("indicators", []) if ind.get("panel")]
    if not leaves:
        return
    sheet = sheet_cls(wb.create_sheet(PANEL_SHEET))
    ev_rows = {r[0]: i for i, r in enumerate(appendix_rows(doc), start=2)}
    sheet.header(1, ["编码", "指标", "专家", "评分", "评分理由", "证据", "位置", "专家组得分", "计算过程",
                     "采用", "分歧"])
    r = 2
    panel = doc.get("panel") or {}
    for ind in leaves:
        p = ind["panel"]
        for e in p["experts"]:
            sheet.text(r, 1, ind["code"])
            sheet.text(r, 2, ind["name"])
            sheet.text(r, 3, e["expert"])
            sheet.number(r, 4, e["score"], "0.##")
            sheet.text(r, 5, e["reason"], wrap=True)
            if e["evidence"]:
                cell = sheet.text(r, 6, "、".join(e["evidence"]))
                if e["evidence"][0] in ev_rows:
                    cell.hyperlink = f"#'{SHEET}'!A{ev_rows[e['evidence'][0]]}"
            sheet.text(r, 7, f"{panel.get('source') or '[[experts.scores]]'} {e['ref']}")
            sheet.number(r, 8, p["score"], "0." + "0" * len(p["score"].split(".")[1]) if "." in p["score"] else "0")
            sheet.text(r, 9, p["working"])
            sheet.text(r, 10, f"评价组调整 {ind['override']['score']}：{ind['override']['reason']}"
                       if p["applies"] == "override" and ind.get("override") else "专家组")
            sheet.text(r, 11, p["finding"] or "")
            r += 1
    sheet.ws.freeze_panes = "D2"
    sheet.widths([8, 24, 10, 8, 36, 10, 22, 10, 32, 30, 40])
