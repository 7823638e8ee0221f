"""Expert panels: several experts score the same qualitative leaves; one combined score per leaf.

Input: one long table (CSV, or ``[[experts.scores]]`` rows: expert, code, score, reason) or an xlsx
workbook with one sheet per expert (columns code, score, reason). Combination: ``mean``,
``median`` or ``trimmed_mean`` (去掉一个最高分和一个最低分), rounded half-up to ``places``. The
working lists every score: ``8.67=(8+9+9+10+7-10-7)/3``. A spread (max − min) above
``spread_share`` of the standard score is a review finding (专家意见分歧较大); an expert without a
score for a code is an error naming both.

Not yet wired into the evaluation pipeline: :func:`combine_all` is the tested core.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from .errors import ConfigError, DataError, JixiaoError, raise_all
from .numbers import NUMBER_ERRORS, fmt_fixed, fmt_number, quantize, to_decimal

METHODS = ("mean", "median", "trimmed_mean")


@attrs.frozen(kw_only=True)
class ExpertScore:
    expert: str
    code: str
    score: Decimal
    reason: str
    ref: str


@attrs.frozen(kw_only=True)
class Combined:
    code: str
    score: Decimal
    working: str
    scores: tuple[ExpertScore, ...]
    spread: Decimal
    finding: str | None


def read_long_csv(path: Path, *, encoding: str = "utf-8-sig") -> list[ExpertScore]:
    text = path.read_bytes().decode(encoding)
    reader = csv.DictReader(text.splitlines())
    need = ("expert", "code", "score")
    missing = [c for c in need if c not in (reader.fieldnames or [])]
    if missing:
        raise DataError(f"missing column(s) {', '.join(missing)}; expected expert, code, score, reason",
                        file=str(path), path="row 1")
    return [_row(r, str(path), f"row {i}") for i, r in enumerate(reader, start=2)]


def read_sheets(path: Path) -> list[ExpertScore]:
    """One sheet per expert (the sheet's name is the expert); columns code, score, reason."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    out = []
    for ws in wb.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        if not rows:
            continue
        head = [str(h).strip() if h is not None else "" for h in rows[0]]
        for c in ("code", "score"):
            if c not in head:
                raise DataError(f"sheet {ws.title!r}: missing column {c!r}", file=str(path), path=f"{ws.title}!1")
        for i, r in enumerate(rows[1:], start=2):
            rec = {h: v for h, v in zip(head, r)}
            if all(v is None for v in r):
                continue
            rec["expert"] = ws.title
            out.append(_row(rec, str(path), f"{ws.title}!row {i}"))
    wb.close()
    return out


def _row(r: Mapping[str, Any], file: str, ref: str) -> ExpertScore:
    try:
        score = to_decimal(r.get("score"))
    except (*NUMBER_ERRORS, TypeError):
        raise DataError(f"expected a score, got {r.get('score')!r}", file=file, path=f"{ref}, column score") from None
    return ExpertScore(expert=str(r.get("expert") or "").strip(), code=str(r.get("code") or "").strip(),
                       score=score, reason=str(r.get("reason") or ""), ref=ref)


def combine(code: str, scores: Sequence[ExpertScore], *, method: str, places: int, standard: Decimal,
            spread_share: Decimal | None) -> Combined:
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
        if len(xs) < 3:
            raise DataError(f"{code}: a trimmed mean needs at least 3 experts, got {len(xs)}")
        hi, lo = max(xs), min(xs)
        raw = (sum(xs, Decimal(0)) - hi - lo) / (len(xs) - 2)
        expr = f"({terms}-{fmt_number(hi)}-{fmt_number(lo)})/{len(xs) - 2}"
    score = quantize(raw, places)
    spread = max(xs) - min(xs)
    finding = None
    if spread_share is not None and spread > standard * spread_share:
        finding = (f"{code}：专家意见分歧较大（最高 {fmt_number(max(xs))}，最低 {fmt_number(min(xs))}，"
                   f"差 {fmt_number(spread)} 分，超过标准分的 {fmt_number(spread_share * 100)}%）")
    return Combined(code=code, score=score, working=f"{fmt_fixed(score, places)}={expr}", scores=tuple(scores),
                    spread=spread, finding=finding)


def combine_all(scores: Sequence[ExpertScore], standards: Mapping[str, Decimal], *, method: str = "trimmed_mean",
                places: int = 2, spread_share: Decimal | None = None, file: str | None = None,
                experts: Sequence[str] | None = None) -> dict[str, Combined]:
    """Every code's combined score; an unknown code, or an expert missing a code, is an error."""
    if method not in METHODS:
        raise ConfigError(f"expected method to be one of {', '.join(METHODS)}, got {method!r}", file=file,
                          path="$.panel.method")
    errors: list[JixiaoError] = []
    panel = list(experts) if experts else list(dict.fromkeys(s.expert for s in scores))
    by_code: dict[str, list[ExpertScore]] = {}
    for s in scores:
        if s.code not in standards:
            errors.append(DataError(f"no qualitative indicator {s.code!r} (expert {s.expert})", file=file, path=s.ref))
            continue
        if not 0 <= s.score <= standards[s.code]:
            errors.append(DataError(f"expert {s.expert}: score {fmt_number(s.score)} for {s.code} lies outside "
                                    f"0–{fmt_number(standards[s.code])}", file=file, path=s.ref))
            continue
        by_code.setdefault(s.code, []).append(s)
    for code, items in by_code.items():
        have = [s.expert for s in items]
        for e in panel:
            if e not in have:
                errors.append(DataError(f"expert {e} has no score for {code}", file=file))
        for e in set(have):
            if have.count(e) > 1:
                errors.append(DataError(f"expert {e} scored {code} {have.count(e)} times", file=file))
    raise_all(errors)
    return {code: combine(code, items, method=method, places=places, standard=standards[code],
                          spread_share=spread_share) for code, items in by_code.items()}
