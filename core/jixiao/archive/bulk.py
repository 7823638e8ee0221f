"""Evaluations to write, held column by column: what :meth:`Archive.add <jixiao.archive.store.Archive.add>`
takes, built from evaluation documents (a few rows, each with its own leaves) or from batch results
(up to millions of rows scoring the same leaves, kept as one integer matrix — no Python object per
leaf score).

A batch row has no evaluation document of its own: what it states is stored in the evaluation's
columns (project, identifying columns, total, grade) and its leaf scores in ``leaf_score``; its
``document`` is the compact ``{"file": FILE, "row": N}`` naming where it was read, and its
``doc_sha256`` is the sha256 of its pack, kind, year, project, identifying columns, total, grade and
leaf scores (so that the same row archived again is recognised, and a changed one is not).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .schema import SCALE

EVAL_COLUMNS = ["doc_sha256", "pack", "pack_version", "project_id", "project_name", "unit", "department", "region",
                "year", "period", "kind", "total", "total_e4", "score_places", "grade", "config_sha256", "source",
                "document", "budget"]
"""The evaluation table's columns other than ``id``, in the order rows are written."""

LeafKey = tuple[str, str, str | None, int | None]
"""(pack, code, name, standard_e4): one row of the ``leaf`` table."""


@dataclass
class Evaluations:
    columns: dict[str, list[Any]]
    """Every column of :data:`EVAL_COLUMNS`, one value per evaluation."""
    leaf_keys: list[LeafKey]
    scores: np.ndarray | None = None
    """(evaluations × leaf_keys) int64 scores in ten-thousandths: every row scores every leaf."""
    triples: list[tuple[int, int, int]] = field(default_factory=list)
    """(row, index into leaf_keys, score_e4), when rows score different leaves (documents)."""
    discrepancies: list[tuple[int, int, str | None, str]] = field(default_factory=list)
    """(row, seq, code, detail JSON)."""
    evidence: list[tuple[int, int, str | None, str]] = field(default_factory=list)
    locate: Callable[[int], tuple[str | None, str | None]] = lambda i: (None, None)
    """Row → (file, place) for messages."""
    keyed: bool = False
    """True when ``doc_sha256`` covers pack, year, kind and project (equal digests ⇒ the same key)."""

    @property
    def n(self) -> int:
        return len(self.columns["doc_sha256"])

    def take(self, rows: Sequence[int]) -> Evaluations:
        """The evaluations at these row positions (ascending), with their leaves and citations."""
        rows = list(rows)
        if len(rows) == self.n:
            return self
        new = {old: k for k, old in enumerate(rows)}
        locate = self.locate
        return Evaluations(
            columns={c: [v[i] for i in rows] for c, v in self.columns.items()}, leaf_keys=self.leaf_keys,
            scores=None if self.scores is None else self.scores[np.asarray(rows, dtype=np.int64)],
            triples=[(new[r], k, s) for r, k, s in self.triples if r in new],
            discrepancies=[(new[r], k, c, d) for r, k, c, d in self.discrepancies if r in new],
            evidence=[(new[r], k, c, d) for r, k, c, d in self.evidence if r in new],
            locate=lambda k: locate(rows[k]), keyed=self.keyed)


def of_records(records: Sequence[Mapping[str, Any]]) -> Evaluations:
    """Evaluations from archive records (:func:`jixiao.archive.records.from_document`)."""
    columns: dict[str, list[Any]] = {c: [r[c] for r in records] for c in EVAL_COLUMNS}
    keys: dict[LeafKey, int] = {}
    triples, disc, evid = [], [], []
    for i, r in enumerate(records):
        for code, name, std, score, _lost in r["leaves"]:
            k = keys.setdefault((r["pack"], code, name, std), len(keys))
            triples.append((i, k, score))
        disc += [(i, seq, code, detail) for seq, (code, detail) in enumerate(r["discrepancies"])]
        evid += [(i, seq, code, detail) for seq, (code, detail) in enumerate(r["evidence"])]
    sources = [r.get("source") for r in records]
    return Evaluations(columns=columns, leaf_keys=list(keys), triples=triples, discrepancies=disc, evidence=evid,
                       locate=lambda i: (sources[i], None))


IDENTIFYING = ("project_name", "unit", "department", "region", "budget")


def of_batch(*, pack: str, pack_version: str | None, kind: str, year: int, places: int, source: str,
             project_id: Sequence[str], ids: Mapping[str, Sequence[str | None]], total_e4: np.ndarray,
             grade: Sequence[str | None], leaves: Sequence[tuple[str, str | None, int | None]],
             scores_e4: np.ndarray, row_numbers: np.ndarray, where: str = "row") -> Evaluations:
    """Evaluations from batch results held as columns: ``total_e4`` and ``scores_e4`` (rows × leaves)
    integers of ten-thousandths, ``ids`` the identifying columns of :data:`IDENTIFYING` (None where absent)."""
    n = len(project_id)
    totals = _texts(total_e4, places)
    scores = np.ascontiguousarray(scores_e4, dtype=np.int64).reshape(n, len(leaves))
    blank = [None] * n
    cols = {f: list(ids.get(f) or blank) for f in IDENTIFYING}
    head = "\x1f".join([pack, pack_version or "", kind, str(year)]).encode("utf-8")
    sha = hashlib.sha256
    digests: list[str] = []
    raw = scores.tobytes()
    width = scores.shape[1] * 8
    name_, unit_, dept_, region_, budget_ = (cols[f] for f in IDENTIFYING)
    for i in range(n):
        text = "\x1f".join((project_id[i], name_[i] or "\x00", unit_[i] or "\x00", dept_[i] or "\x00",
                            region_[i] or "\x00", budget_[i] or "\x00", totals[i], grade[i] or "\x00"))
        digests.append(sha(head + text.encode("utf-8") + raw[i * width:(i + 1) * width]).hexdigest())
    src = json.dumps(source, ensure_ascii=False)
    rows = row_numbers.tolist()
    columns = {
        "doc_sha256": digests, "pack": [pack] * n, "pack_version": [pack_version] * n,
        "project_id": list(project_id), "project_name": name_, "unit": unit_, "department": dept_,
        "region": region_, "year": [year] * n, "period": blank, "kind": [kind] * n, "total": totals,
        "total_e4": total_e4.tolist(), "score_places": [places] * n, "grade": list(grade),
        "config_sha256": blank, "source": [source] * n,
        "document": [f'{{"file":{src},"row":{r}}}' for r in rows], "budget": budget_,
    }
    return Evaluations(columns=columns, leaf_keys=[(pack, c, name, std) for c, name, std in leaves], scores=scores,
                       locate=lambda i: (source, f"{where} {rows[i]}"), keyed=True)


def _texts(e4: np.ndarray, places: int) -> list[str]:
    """Integers of ten-thousandths as decimal text with ``places`` decimals (exact: they hold no more)."""
    div = 10 ** (SCALE - places)
    v = np.asarray(e4, dtype=np.int64) // div
    if places == 0:
        return [str(x) for x in v.tolist()]
    unit = 10 ** places
    neg = v < 0
    a = np.abs(v)
    whole, frac = (a // unit).tolist(), (a % unit).tolist()
    return [f"{'-' if s else ''}{w}.{f:0{places}d}" for s, w, f in zip(neg.tolist(), whole, frac, strict=True)]
