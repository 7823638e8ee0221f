"""Read a 项目支出绩效自评表 (财预〔2020〕10号 附件2) from xlsx (openpyxl) or docx (python-docx).

Both formats are turned into the same grid of cells (text and a reference: ``Sheet1!C7`` for Excel,
``table 1, row 7, column 3`` for Word). Merged cells carry their top-left value over the whole range
(Word repeats the merged cell object, which gives the same); blank 一级/二级 cells carry down. Every
block is located by its header words, never by fixed cells. A form that cannot be read is a
:class:`~jixiao.errors.DataError` (exit 3) naming the sheet or table, the row and the column.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from pathlib import Path

import attrs

from ..errors import DataError

FUND_ROWS = ("年度资金总额", "当年财政拨款", "上年结转资金", "其他资金")
FUND_COLUMNS = ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")
BUDGET_VARIANTS = {Decimal(10): "national-10", Decimal(20): "budget-20"}
"""Points of the 预算执行 block the reader recognises: the national form's 10 and the provincial 20."""
INDICATOR_COLUMNS = {"一级指标": "level1", "二级指标": "level2", "三级指标": "name", "年度指标值": "target",
                     "实际完成值": "actual", "分值": "points", "得分": "score", "偏差原因": "reason"}
REQUIRED_INDICATOR_COLUMNS = ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分")


@attrs.frozen
class Cell:
    text: str
    ref: str
    uncomputed: bool = False
    """A formula saved without its computed value (read as empty by openpyxl): an error where it is used."""


@attrs.frozen(kw_only=True)
class FormIndicator:
    level1: str
    level2: str
    name: str
    target: str
    actual: str
    points: Decimal
    score: Decimal | None
    reason: str
    ref: str
    """Reference of the row's 三级指标 cell."""
    refs: dict[str, str] = attrs.field(factory=dict)
    """Reference of each column's cell (``score``, ``actual`` …)."""


@attrs.frozen(kw_only=True)
class Form:
    file: str
    where: str
    """The sheet (xlsx) or table (docx) the form was read from."""
    title: str
    year: int | None
    project: str
    department: str
    unit: str
    funds: dict[str, dict[str, str]]
    """Row name (年度资金总额 …) → column (年初预算数 …) → text as written."""
    fund_refs: dict[str, dict[str, str]]
    budget_points: Decimal
    budget_variant: str
    goal_expected: str
    goal_actual: str
    indicators: tuple[FormIndicator, ...]
    total: Decimal | None
    total_ref: str
    grade: str
    grade_ref: str


def col_letter(n: int) -> str:
    s = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


_SPACE = re.compile(r"\s+")


@functools.lru_cache(maxsize=4096)
def squash(text: str) -> str:
    """The text without any whitespace (header words are found in 一 级 指 标 as in 一级指标)."""
    return _SPACE.sub("", text or "")


def _cell_text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        v = Decimal(repr(v))
        if v == v.to_integral_value():
            v = v.quantize(Decimal(1))
    return str(v).strip()


M = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PR = "{http://schemas.openxmlformats.org/package/2006/relationships}"
UNCOMPUTED = ("a formula without a computed value (the file was saved by a program that does not calculate "
              "formulas); open it in Excel or LibreOffice, save it, and read it again")


def _ref_index(ref: str) -> tuple[int, int]:
    """``"C7"`` → (6, 2), 0-based row and column."""
    m = re.match(r"([A-Z]+)(\d+)$", ref)
    if not m:
        raise ValueError(f"bad cell reference {ref!r}")
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def _part(z, name: str) -> str:
    """A relationship target as a zip member name."""
    return name.lstrip("/") if name.startswith("/") else name


def _si_text(si) -> str:
    """A shared or inline string: its text runs, without phonetic (rPh) runs, as openpyxl reads it."""
    parts = []
    for child in si:
        if child.tag == M + "t":
            parts.append(child.text or "")
        elif child.tag == M + "r":
            parts += [t.text or "" for t in child.iter(M + "t")]
    return "".join(parts)


class _Styles:
    """Which cell styles show a date (so a serial number is read as the date Excel shows), read lazily."""

    def __init__(self, z, name: str | None, epoch) -> None:
        self.z, self.name, self.epoch, self._dates = z, name, epoch, None

    def is_date(self, s: str | None) -> bool:
        if s is None or self.name is None:
            return False
        if self._dates is None:
            import xml.etree.ElementTree as ET

            from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

            root = ET.fromstring(self.z.read(self.name))
            custom = {int(n.get("numFmtId")): n.get("formatCode") or "" for n in root.iter(M + "numFmt")}
            xfs = root.find(M + "cellXfs")
            self._dates = []
            for xf in (xfs if xfs is not None else []):
                fid = int(xf.get("numFmtId") or 0)
                code = custom.get(fid, BUILTIN_FORMATS.get(fid, "General"))
                self._dates.append(is_date_format(code))
        i = int(s)
        return i < len(self._dates) and self._dates[i]


def _xlsx_value(c, strings: list[str], styles: _Styles) -> tuple[object, bool]:
    """(the value openpyxl would give with data_only=True, whether it is a formula with no computed value)."""
    t = c.get("t", "n")
    v = c.find(M + "v")
    text = v.text if v is not None else None
    if c.find(M + "f") is not None and not text and t not in ("str", "inlineStr"):
        return None, True
    if t == "inlineStr":
        is_ = c.find(M + "is")
        return (_si_text(is_) if is_ is not None else None), False
    if text is None:
        return None, False
    if t == "s":
        return strings[int(text)], False
    if t in ("str", "e"):
        return text, False
    if t == "b":
        return bool(int(text)), False
    if t == "d":
        from openpyxl.utils.datetime import from_ISO8601

        return from_ISO8601(text), False
    value = float(text) if any(ch in text for ch in ".Ee") else int(text)
    if styles.is_date(c.get("s")):
        from openpyxl.utils.datetime import from_excel

        return from_excel(value, styles.epoch), False
    return value, False


def xlsx_grids(path: Path) -> list[tuple[str, list[list[Cell]]]]:
    """Every worksheet as a grid, read from the workbook's XML directly (a tenth of openpyxl's time for
    a form): cell values as openpyxl reads them with ``data_only=True``, merged ranges carrying their
    top-left value, and formulas saved without a computed value marked (read as a located error)."""
    import xml.etree.ElementTree as ET
    import zipfile

    try:
        z = zipfile.ZipFile(path)
        rels = ET.fromstring(z.read("_rels/.rels"))
        book_name = next(_part(z, r.get("Target")) for r in rels.iter(PR + "Relationship")
                         if r.get("Type", "").endswith("/officeDocument"))
        book = ET.fromstring(z.read(book_name))
        folder = book_name.rsplit("/", 1)[0] + "/" if "/" in book_name else ""
        rels_name = f"{folder}_rels/{book_name.rsplit('/', 1)[-1]}.rels"
        book_rels = {r.get("Id"): (r.get("Type", ""), r.get("Target", ""))
                     for r in ET.fromstring(z.read(rels_name)).iter(PR + "Relationship")}

        def target(t: str) -> str:
            return _part(z, t) if t.startswith("/") else folder + t

        strings: list[str] = []
        styles_name = None
        for kind, t in book_rels.values():
            if kind.endswith("/sharedStrings"):
                strings = [_si_text(si) for si in ET.fromstring(z.read(target(t))).iter(M + "si")]
            elif kind.endswith("/styles"):
                styles_name = target(t)
        pr = book.find(M + "workbookPr")
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

        epoch = CALENDAR_MAC_1904 if pr is not None and pr.get("date1904") in ("1", "true") else CALENDAR_WINDOWS_1900
        styles = _Styles(z, styles_name, epoch)
        grids = []
        for sheet in book.iter(M + "sheet"):
            kind, t = book_rels.get(sheet.get(R + "id"), ("", ""))
            if not kind.endswith("/worksheet"):
                continue  # a chart sheet has no cells
            title = sheet.get("name") or ""
            root = ET.fromstring(z.read(target(t)))
            cells: dict[tuple[int, int], tuple[object, bool]] = {}
            row_at = -1
            for row in root.iter(M + "row"):  # r attributes are optional: count when they are missing
                row_at = int(row.get("r")) - 1 if row.get("r") else row_at + 1
                col_at = -1
                for c in row.iter(M + "c"):
                    if c.get("r"):
                        row_at, col_at = _ref_index(c.get("r"))
                    else:
                        col_at += 1
                    cells[(row_at, col_at)] = _xlsx_value(c, strings, styles)
            merges = []
            for m in root.iter(M + "mergeCell"):
                a, _, b = m.get("ref").partition(":")
                merges.append((_ref_index(a), _ref_index(b or a)))
            spots = list(cells) + [corner for pair in merges for corner in pair]
            nrows = max((r for r, _ in spots), default=-1) + 1
            ncols = max((c for _, c in spots), default=-1) + 1
            texts = [[_cell_text(cells.get((r, c), (None, False))[0]) for c in range(ncols)] for r in range(nrows)]
            marks = [[cells.get((r, c), (None, False))[1] for c in range(ncols)] for r in range(nrows)]
            for (r0, c0), (r1, c1) in merges:
                top, mark = texts[r0][c0], marks[r0][c0]
                for r in range(r0, r1 + 1):
                    for c in range(c0, c1 + 1):
                        texts[r][c], marks[r][c] = top, mark
            grid = [[Cell(texts[r][c], f"{title}!{col_letter(c)}{r + 1}", marks[r][c]) for c in range(ncols)]
                    for r in range(nrows)]
            grids.append((title, grid))
    except (zipfile.BadZipFile, KeyError, StopIteration, ET.ParseError, ValueError, IndexError, OSError) as e:
        raise DataError(f"cannot open the workbook: {e or type(e).__name__}", file=str(path)) from None
    return grids


def docx_grids(path: Path) -> list[tuple[str, list[list[Cell]]]]:
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as e:  # noqa: BLE001
        raise DataError(f"cannot open the Word document: {e}", file=str(path)) from None
    grids = []
    title = next((p.text.strip() for p in document.paragraphs if "自评表" in p.text), "")
    for t, table in enumerate(document.tables, 1):
        grid = [[Cell(c.text.strip(), f"table {t}, row {r}, column {k}") for k, c in enumerate(row.cells, 1)]
                for r, row in enumerate(table.rows, 1)]
        if title:
            grid.insert(0, [Cell(title, f"document title (before table {t})")])
        grids.append((f"table {t}", grid))
    return grids


def _find(grid: list[list[Cell]], word: str, start: int = 0) -> tuple[int, int] | None:
    for r in range(start, len(grid)):
        for c, cell in enumerate(grid[r]):
            if word in squash(cell.text):
                return r, c
    return None


HEADER_LABELS = ("项目名称", "主管部门", "实施单位")


def _value_right(row: list[Cell], c: int) -> Cell | None:
    """The first filled cell right of a label; none when the next thing to the right is another label
    (an empty 主管部门 followed by 实施单位 is empty, not "实施单位")."""
    label = row[c].text
    for cell in row[c + 1:]:
        if (not cell.text and not cell.uncomputed) or cell.text == label:
            continue
        if squash(cell.text).rstrip(":：") in HEADER_LABELS:
            return None
        return cell
    return None


def _need(cell: Cell, file: str) -> Cell:
    """The cell, or a located error when it is a formula saved without its computed value."""
    if cell.uncomputed:
        raise DataError(UNCOMPUTED, file=file, path=cell.ref)
    return cell


def _number(cell: Cell, what: str, file: str, *, required: bool = True) -> Decimal | None:
    from .. import reading

    text = _need(cell, file).text
    if not text:
        if required:
            raise DataError(f"{what} is empty; expected a number", file=file, path=cell.ref)
        return None
    try:
        q = reading.read_quantity(text)
    except reading.ReadError as e:
        raise DataError(f"{what} {text!r} cannot be read: {e}", file=file, path=cell.ref) from None
    return q.value * 100 if q.unit == "%" else q.value


def read_form(path: str | Path) -> Form:
    """Read the form in ``path`` (.xlsx or .docx); the first sheet/table holding an indicator table."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        grids = xlsx_grids(path)
    elif suffix == ".docx":
        grids = docx_grids(path)
    else:
        raise DataError(f"a self-evaluation form is an .xlsx or .docx file, not {suffix or 'no extension'!r}",
                        file=str(path))
    for where, grid in grids:
        if _find(grid, "三级指标") and _find(grid, "年度指标值"):
            return _parse(grid, where, str(path))
    raise DataError("no 项目支出绩效自评表 found: no sheet or table has the header 一级指标/二级指标/三级指标/"
                    "年度指标值/实际完成值", file=str(path))


def _header_columns(row: list[Cell], words, file: str, what: str) -> dict[str, int]:
    cols: dict[str, int] = {}
    for c, cell in enumerate(row):
        t = squash(cell.text)
        for word in words:
            if word in t and word not in cols:
                cols[word] = c
    return cols


def _parse(grid: list[list[Cell]], where: str, file: str) -> Form:
    title_at = _find(grid, "自评表")
    title = grid[title_at[0]][title_at[1]].text if title_at else ""
    m = re.search(r"(\d{4})\s*年", title)
    year = int(m.group(1)) if m else None

    def labelled(word: str) -> str:
        at = _find(grid, word)
        if not at:
            return ""
        cell = _value_right(grid[at[0]], at[1])
        return _need(cell, file).text if cell else ""

    project = labelled("项目名称")
    if not project:
        at = _find(grid, "项目名称")
        raise DataError("项目名称 is missing: expected the project's name to the right of the 项目名称 label",
                        file=file, path=grid[at[0]][at[1]].ref if at else where)
    department = labelled("主管部门")
    unit = labelled("实施单位")

    # 项目资金 block
    head = _find(grid, "全年执行数")
    if not head:
        raise DataError("the 项目资金 block is missing: no header row with 年初预算数/全年预算数/全年执行数",
                        file=file, path=where)
    hr = head[0]
    fcols = _header_columns(grid[hr], FUND_COLUMNS, file, "项目资金")
    missing = [w for w in ("全年预算数", "全年执行数", "分值", "得分") if w not in fcols]
    if missing:
        raise DataError(f"the 项目资金 header row lacks {'/'.join(missing)}", file=file, path=grid[hr][head[1]].ref)
    funds: dict[str, dict[str, str]] = {}
    fund_refs: dict[str, dict[str, str]] = {}
    goal_at = _find(grid, "年度总体目标", hr + 1)
    end = goal_at[0] if goal_at else min(hr + 6, len(grid))
    for r in range(hr + 1, end):
        row = grid[r]
        label = next((name for name in FUND_ROWS for cell in row[:min(fcols.values())] if name in squash(cell.text)),
                     None)
        if not label:
            continue
        funds[label] = {w: (_need(row[c], file).text if c < len(row) else "") for w, c in fcols.items()}
        fund_refs[label] = {w: (row[c].ref if c < len(row) else grid[r][0].ref) for w, c in fcols.items()}
    if "年度资金总额" not in funds:
        raise DataError("the 项目资金 block has no 年度资金总额 row", file=file, path=grid[hr][head[1]].ref)
    total_row = r_total = next(r for r in range(hr + 1, end) if any("年度资金总额" in squash(c.text) for c in grid[r]))
    pts_cell = grid[total_row][fcols["分值"]]
    points = _number(pts_cell, "the 预算执行 分值", file)
    if points not in BUDGET_VARIANTS:
        raise DataError(f"a 预算执行 block of {points} points is not a recognised form variant; recognised: "
                        "national-10 (10 points, 财预〔2020〕10号), budget-20 (20 points, provincial)",
                        file=file, path=pts_cell.ref)
    del r_total

    # 年度总体目标
    goal_expected = goal_actual = ""
    gh = _find(grid, "预期目标", hr + 1)
    if gh:
        row = grid[gh[0]]
        ac = next((c for c, cell in enumerate(row) if "实际完成情况" in squash(cell.text)), None)
        if gh[0] + 1 < len(grid):
            nxt = grid[gh[0] + 1]
            if gh[1] < len(nxt):
                goal_expected = _need(nxt[gh[1]], file).text
            if ac is not None and ac < len(nxt) and nxt[ac].text != goal_expected:
                goal_actual = nxt[ac].text

    # indicator table
    ih = _find(grid, "三级指标")
    ir = ih[0]
    icols = _header_columns(grid[ir], INDICATOR_COLUMNS, file, "绩效指标")
    missing = [w for w in REQUIRED_INDICATOR_COLUMNS if w not in icols]
    if missing:
        raise DataError(f"the indicator table's header lacks {'/'.join(missing)}", file=file, path=grid[ir][ih[1]].ref)
    total_at = _find(grid, "总分", ir + 1)
    stop = total_at[0] if total_at else len(grid)
    indicators: list[FormIndicator] = []
    l1 = l2 = ""
    for r in range(ir + 1, stop):
        row = grid[r]

        def get(word: str, row: list[Cell] = row, r: int = r) -> Cell:
            c = icols.get(word)
            return row[c] if c is not None and c < len(row) else Cell("", f"{where} row {r + 1}")

        if get("一级指标").text:
            l1 = get("一级指标").text
        if get("二级指标").text and get("二级指标").text != l1:
            l2 = get("二级指标").text
        name = get("三级指标")
        if not name.text or name.text in (l1, l2) or "三级指标" in squash(name.text):
            continue  # an empty 二级 group (e.g. 生态效益指标 with no 三级指标), or a repeated header
        if not l1:
            raise DataError("a 三级指标 row with no 一级指标 above it", file=file, path=get("一级指标").ref)
        if not l2:
            raise DataError("a 三级指标 row with no 二级指标 above it", file=file, path=get("二级指标").ref)
        score_cell = get("得分")
        for w in ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "偏差原因"):
            if w in icols:
                _need(get(w), file)
        indicators.append(FormIndicator(
            level1=l1, level2=l2, name=name.text, target=get("年度指标值").text, actual=get("实际完成值").text,
            points=_number(get("分值"), f"the 分值 of {name.text}", file),
            score=_number(score_cell, f"the 得分 of {name.text}", file, required=False),
            reason=get("偏差原因").text if "偏差原因" in icols else "", ref=name.ref,
            refs={INDICATOR_COLUMNS[w]: get(w).ref for w in icols}))
    if not indicators:
        raise DataError("the indicator table has no 三级指标 rows", file=file, path=grid[ir][ih[1]].ref)

    total = None
    total_ref = grade = grade_ref = ""
    if total_at:
        row = grid[total_at[0]]
        sc = icols["得分"]
        if sc < len(row):
            total_ref = row[sc].ref
            total = _number(row[sc], "the 总分 得分", file, required=False)
    gat = _find(grid, "自评等级")
    if gat:
        cell = grid[gat[0]][gat[1]]
        m = re.search(r"自评等级[:：]\s*(\S+)", squash(cell.text))
        if m:
            grade, grade_ref = m.group(1), cell.ref
        else:
            v = _value_right(grid[gat[0]], gat[1])
            if v:
                grade, grade_ref = _need(v, file).text, v.ref
    return Form(file=file, where=where, title=title, year=year, project=project, department=department, unit=unit,
                funds=funds, fund_refs=fund_refs, budget_points=points, budget_variant=BUDGET_VARIANTS[points],
                goal_expected=goal_expected, goal_actual=goal_actual, indicators=tuple(indicators),
                total=total, total_ref=total_ref, grade=grade, grade_ref=grade_ref)
