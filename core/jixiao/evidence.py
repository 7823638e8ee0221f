"""The evidence register: ``[evidence.E01]`` entries, their files' hashes, and the citations that use them.

Every qualitative judgement rests on documents (有理有据). An entry names a document (title, kind,
optionally a file relative to the config and a page or location); jixiao records each file's sha256
and size at evaluation time, refuses a missing file and, when the entry pins ``sha256``, a changed
one. Ratings and overrides cite entries (``evidence = ["E01"]``); an unknown id is refused at its key
path. With ``require_citations = true`` in ``[evidence]`` a qualitative leaf that cites nothing is a
review finding in the JSON document's ``review.findings``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from .errors import ConfigError, DataError, JixiaoError, raise_all

KINDS = ("文件", "合同", "凭证", "现场照片", "访谈记录", "问卷", "其他")
ENTRY_KEYS = ("title", "kind", "file", "page", "location", "sha256")
SECTION_KEYS = ("require_citations",)
CITING_SECTIONS = ("ratings", "overrides", "notes", "indicators")
"""Config sections whose ``[SECTION.CODE]`` tables may cite evidence (a note as ``{ text, evidence }``; a leaf
the config defines, for its stated figures)."""
STATED = "stated"
"""The citations of the ``[stated]`` block (the unit's self-evaluation figures), kept under this key."""


@attrs.frozen(kw_only=True)
class Entry:
    id: str
    title: str
    kind: str
    file: str | None = None
    location: str | None = None
    sha256: str | None = None
    size: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "kind": self.kind, "file": self.file,
                "location": self.location, "sha256": self.sha256, "size": self.size}


@attrs.frozen(kw_only=True)
class Register:
    entries: Mapping[str, Entry]
    citations: Mapping[str, tuple[str, ...]]
    """Leaf code → the ids its rating, override, note, stated figures or expert scores cite, in order,
    without repeats."""
    require_citations: bool = False
    stated: tuple[str, ...] = ()
    """The ids the ``[stated]`` block cites (the self-evaluation form the stated total and grade come from)."""


def _sha256(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def cited_ids(value: Any, where: str, file: str, known: Iterable[str], errors: list[JixiaoError]) -> list[str]:
    """The ids an ``evidence = [...]`` value cites; wrong shapes and unknown ids appended to ``errors``."""
    known = set(known)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        errors.append(ConfigError(f"expected an array of evidence ids like [\"E01\"], got {type(value).__name__}",
                                  file=file, path=where))
        return []
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, str):
            errors.append(ConfigError(f"expected an evidence id (a string), got {type(item).__name__}",
                                      file=file, path=f"{where}[{i}]"))
        elif item not in known:
            have = ", ".join(sorted(known)) or "none: add [evidence.ID] entries"
            errors.append(ConfigError(f"unknown evidence id {item!r} (the register has {have})",
                                      file=file, path=f"{where}[{i}]"))
        elif item not in out:
            out.append(item)
    return out


def load_register(raw: Mapping[str, Any], *, base: Path, file: str,
                  extra_citations: Mapping[str, list[tuple[str, Any]]] | None = None) -> Register:
    """Read ``[evidence]`` and every citation in ``raw`` (the whole parsed config); all problems at once.

    ``extra_citations`` maps a leaf code to ``(key path, evidence value)`` pairs cited elsewhere (expert
    scores in a panel file).
    """
    errors: list[JixiaoError] = []
    section = raw.get("evidence", {})
    if not isinstance(section, dict):
        raise ConfigError("expected a table of [evidence.ID] entries", file=file, path="$.evidence")
    require = section.get("require_citations", False)
    if not isinstance(require, bool):
        errors.append(ConfigError("expected true or false", file=file, path="$.evidence.require_citations"))
        require = False
    entries: dict[str, Entry] = {}
    for eid, spec in section.items():
        if eid in SECTION_KEYS:
            continue
        where = f"$.evidence.{eid}"
        if not isinstance(spec, dict):
            errors.append(ConfigError("expected a table like { title = \"…\", kind = \"文件\", file = \"…\" }",
                                      file=file, path=where))
            continue
        bad = [k for k in spec if k not in ENTRY_KEYS]
        for k in bad:
            errors.append(ConfigError(f"unknown key {k!r}; expected one of {', '.join(ENTRY_KEYS)}",
                                      file=file, path=f"{where}.{k}"))
        title = spec.get("title")
        if not isinstance(title, str) or not title.strip():
            errors.append(ConfigError("an evidence entry needs a title (title = \"…\")", file=file,
                                      path=f"{where}.title"))
            title = ""
        kind = spec.get("kind")
        if kind not in KINDS:
            errors.append(ConfigError(f"expected kind to be one of {', '.join(KINDS)}, got {kind!r}",
                                      file=file, path=f"{where}.kind"))
            kind = "其他"
        loc_parts = []
        for key in ("page", "location"):
            v = spec.get(key)
            if v is None:
                continue
            if isinstance(v, bool) or not isinstance(v, (str, int)):
                errors.append(ConfigError("expected a string or a page number", file=file, path=f"{where}.{key}"))
            else:
                loc_parts.append(f"第{v}页" if key == "page" and isinstance(v, int) else str(v))
        pinned = spec.get("sha256")
        if pinned is not None and (not isinstance(pinned, str) or len(pinned) != 64
                                   or any(c not in "0123456789abcdefABCDEF" for c in pinned)):
            errors.append(ConfigError("expected sha256 to be 64 hexadecimal digits", file=file, path=f"{where}.sha256"))
            pinned = None
        if pinned is not None and "file" not in spec:
            errors.append(ConfigError("sha256 pins a file: give file = \"…\" too", file=file, path=f"{where}.sha256"))
        rel = spec.get("file")
        digest = size = None
        if rel is not None:
            if not isinstance(rel, str) or not rel.strip():
                errors.append(ConfigError("expected a file path relative to the config", file=file,
                                          path=f"{where}.file"))
                rel = None
            else:
                target = base / rel
                if not target.is_file():
                    errors.append(DataError(
                        f"evidence {eid} ({title}): file {rel!r} not found"
                        f"{' (it is a directory)' if target.is_dir() else ''}; paths are relative to the config's folder",
                        file=file, path=f"{where}.file"))
                else:
                    digest, size = _sha256(target)
                    if pinned is not None and pinned.lower() != digest:
                        errors.append(DataError(
                            f"evidence {eid} ({title}): file {rel!r} has changed: sha256 is {digest}, "
                            f"the register pins {pinned.lower()}", file=file, path=f"{where}.sha256",
                            hint="check the document; if the new version is the right one, update sha256"))
        entries[eid] = Entry(id=eid, title=title, kind=kind, file=rel, location="，".join(loc_parts) or None,
                             sha256=digest, size=size)

    citations: dict[str, list[str]] = {}
    for sec in CITING_SECTIONS:
        table = raw.get(sec, {})
        if not isinstance(table, dict):
            continue
        for code, spec in table.items():
            if isinstance(spec, dict) and "evidence" in spec:
                ids = cited_ids(spec["evidence"], f"$.{sec}.{code}.evidence", file, entries, errors)
                lst = citations.setdefault(code, [])
                lst += [i for i in ids if i not in lst]
    for code, items in (extra_citations or {}).items():
        for where, value in items:
            ids = cited_ids(value, where, file, entries, errors)
            lst = citations.setdefault(code, [])
            lst += [i for i in ids if i not in lst]
    stated: list[str] = []
    block = raw.get(STATED)
    if isinstance(block, dict) and "evidence" in block:
        stated = cited_ids(block["evidence"], "$.stated.evidence", file, entries, errors)
    raise_all(errors)
    return Register(entries=entries, citations={k: tuple(v) for k, v in citations.items()},
                    require_citations=require, stated=tuple(stated))


def with_citations(register: Register, items: Mapping[str, list[tuple[str | None, str, Any]]]) -> Register:
    """The register with citations made outside the config (expert scores in a panel file: each item is
    (file, row or key path, evidence value)); an unknown id is an error at its row."""
    if not items:
        return register
    errors: list[JixiaoError] = []
    citations = {k: list(v) for k, v in register.citations.items()}
    for code, cites in items.items():
        for file, where, value in cites:
            ids = cited_ids(value, where, file or "", register.entries, errors)
            lst = citations.setdefault(code, [])
            lst += [i for i in ids if i not in lst]
    raise_all(errors)
    return attrs.evolve(register, citations={k: tuple(v) for k, v in citations.items()})


def register_of(config: Any, *, pack_requires: bool = False) -> Register:
    reg = load_register(config.raw, base=config.base, file=config.file)
    return attrs.evolve(reg, require_citations=True) if pack_requires and not reg.require_citations else reg


def findings(register: Register, qualitative: Iterable[tuple[str, str]], *,
             required: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Review findings: qualitative leaves (code, name) that cite nothing, when citations are required
    (by the config's or the pack's ``require_citations``, or per leaf in ``required``)."""
    required = set(required)
    return [{"code": code, "kind": "missing_citation",
             "message": f"{code} {name}：定性指标未引用证据（require_citations = true）"}
            for code, name in qualitative
            if (register.require_citations or code in required) and not register.citations.get(code)]


def document_sections(register: Register) -> dict[str, Any]:
    """The JSON document's ``evidence`` section: every entry in the register's order."""
    out: dict[str, Any] = {"entries": [e.to_dict() for e in register.entries.values()],
                           "require_citations": register.require_citations}
    if register.stated:
        out["stated"] = list(register.stated)
    return out


def appendix_rows(doc: Mapping[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """证据清单 rows (id, title, kind, location, sha256 prefix) from a JSON document."""
    ev = doc.get("evidence") or {}
    rows = []
    for e in ev.get("entries", []):
        loc = "；".join(x for x in (e.get("file"), e.get("location")) if x) or "—"
        rows.append((e["id"], e["title"], e["kind"], loc, (e.get("sha256") or "")[:12] or "—"))
    return rows


def citation_text(ind: Mapping[str, Any]) -> str:
    """``证据：E01、E03`` for an indicator of the JSON document, or empty."""
    ids = ind.get("evidence") or []
    return ("证据：" + "、".join(ids)) if ids else ""


def markdown_lines(doc: Mapping[str, Any], escape: Any) -> list[str]:
    """The 证据清单 appendix and the review findings as Markdown (nothing when the document has neither)."""
    out: list[str] = []
    rows = appendix_rows(doc)
    if rows:
        out += ["## 证据清单", "", "| 编号 | 名称 | 类别 | 位置 | sha256 |", "|---|---|---|---|---|"]
        out += [f"| {escape(r[0])} | {escape(r[1])} | {escape(r[2])} | {escape(r[3])} | `{r[4]}` |" for r in rows]
        out.append("")
    found = (doc.get("review") or {}).get("findings") or []
    if found:
        out += ["## 复核发现", ""] + [f"{i}. {escape(f['message'])}" for i, f in enumerate(found, 1)] + [""]
    return out


def text_lines(doc: Mapping[str, Any]) -> list[str]:
    """The same appendix for the terminal summary."""
    from .builtin.renderers import text_table

    out: list[str] = []
    rows = appendix_rows(doc)
    if rows:
        out += ["", "证据清单:"] + ["  " + line for line in text_table(
            ["编号", "名称", "类别", "位置", "sha256"], [list(r) for r in rows])]
    found = (doc.get("review") or {}).get("findings") or []
    if found:
        out += ["", "复核发现:"] + [f"  {i}. {f['message']}" for i, f in enumerate(found, 1)]
    return out


def cited_by(doc: Mapping[str, Any]) -> dict[str, list[str]]:
    """Evidence id → the indicator codes citing it (the workpaper's cross-reference)."""
    out: dict[str, list[str]] = {}
    for ind in doc.get("indicators", []):
        for eid in ind.get("evidence") or []:
            out.setdefault(eid, []).append(ind["code"])
    for eid in (doc.get("evidence") or {}).get("stated") or []:
        out.setdefault(eid, []).append("自评表 [stated]")
    return out


def xlsx_sheet(wb: Any, doc: Mapping[str, Any], sheet_cls: Any) -> None:
    """The workpaper's 证据清单 sheet: one row per entry, with the scores citing it."""
    rows = appendix_rows(doc)
    if not rows:
        return
    sheet = sheet_cls(wb.create_sheet(SHEET))
    refs = cited_by(doc)
    e = {x["id"]: x for x in doc["evidence"]["entries"]}
    sheet.header(1, ["编号", "名称", "类别", "位置", "sha256", "大小（字节）", "引用指标"])
    for r, row in enumerate(rows, start=2):
        for c, v in enumerate(row, start=1):
            sheet.text(r, c, v if c != 5 else (e[row[0]].get("sha256") or "—"))
        size = e[row[0]].get("size")
        sheet.text(r, 6, "—" if size is None else str(size))
        sheet.text(r, 7, "、".join(refs.get(row[0], [])) or "—")
    sheet.widths([8, 36, 10, 30, 66, 12, 24])


SHEET = "证据清单"
PANEL_SHEET = "专家评分"


def xlsx_cross_references(sheet: Any, doc: Mapping[str, Any], col: int) -> None:
    """The workpaper's indicator sheet: a 证据 column beside each score, linked to the evidence sheet's row,
    and a 专家评分 column linked to the leaf's rows on the expert sheet."""
    rows = {r[0]: i for i, r in enumerate(appendix_rows(doc), start=2)}
    sheet.text(1, col, "证据", bold=True)
    sheet.text(1, col + 1, "专家评分", bold=True)
    panel_rows = panel_first_rows(doc)
    for r, ind in enumerate(doc["indicators"], start=2):
        ids = ind.get("evidence") or []
        if ids:
            cell = sheet.text(r, col, "、".join(ids))
            if ids[0] in rows:
                cell.hyperlink = f"#'{SHEET}'!A{rows[ids[0]]}"
        if ind["code"] in panel_rows:
            p = ind["panel"]
            cell = sheet.text(r, col + 1, f"{p['working']}（{'评价组调整' if p['applies'] == 'override' else '专家组'}）")
            cell.hyperlink = f"#'{PANEL_SHEET}'!A{panel_rows[ind['code']]}"


def panel_first_rows(doc: Mapping[str, Any]) -> dict[str, int]:
    """Leaf code → its first row on the 专家评分 sheet (one row per expert and leaf, header in row 1)."""
    out: dict[str, int] = {}
    r = 2
    for ind in doc.get("indicators", []):
        p = ind.get("panel")
        if p:
            out[ind["code"]] = r
            r += len(p["experts"])
    return out
