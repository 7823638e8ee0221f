"""Build 项目支出绩效自评表 files in the official 附件2 layout (openpyxl / python-docx), as units fill them."""

from __future__ import annotations

from pathlib import Path

# (一级, 二级, 三级, 年度指标值, 实际完成值, 分值, 得分, 偏差原因)
ROWS = [
    ("产出指标", "数量指标", "补助学生人数", "≥1200人", "1100人", "20", "18.33", "部分学生转学，人数减少"),
    ("产出指标", "数量指标", "覆盖学校数", "≥35所", "33", 10, 9.43, "两所学校撤并"),
    ("产出指标", "质量指标", "资助对象认定准确率", "≥98%", "97.5%", 10, 9.95, "个别认定材料不全"),
    ("产出指标", "时效指标", "补助资金发放及时率", "=100%", "100%", 5, 5, ""),
    ("产出指标", "成本指标", "人均补助成本", "≤1250元", "1300元", 5, 4.81, "物价上涨"),
    ("效益指标", "社会效益指标", "保障家庭经济困难学生顺利完成学业", "有效保障", "基本保障", 20, 14,
     "个别学校资助对象动态调整不及时"),
    ("效益指标", "生态效益指标", "", "", "", "", "", ""),
    ("效益指标", "可持续影响指标", "资助政策知晓率", "≥90%", "80%", 10, 8.89, "宣传不够"),
    ("满意度指标", "服务对象满意度指标", "学生及家长满意度", "≥90%", "92%", 10, 10, ""),
]
FUNDS = [
    ("年度资金总额", 500, 480, "432", 10, "90%", 9),
    ("其中：当年财政拨款", 500, 480, 432, "—", "90%", "—"),
    ("上年结转资金", "", "", "", "—", "", "—"),
    ("其他资金", "", "", "", "—", "", "—"),
]
HEADER = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]


def form_rows(*, rows=None, funds=None, total="89", grade="良", year=2023):
    """The form as a grid of 9 columns (A–I), with the merges the official layout has."""
    rows = ROWS if rows is None else rows
    funds = FUNDS if funds is None else funds
    grid: list[list] = []
    merges: list[tuple[int, int, int, int]] = []  # (row0, col0, row1, col1), 1-based inclusive

    def add(cells):
        grid.append(list(cells) + [""] * (9 - len(cells)))
        return len(grid)

    r = add([f"项目支出绩效自评表\n（{year}年度）"])
    merges.append((r, 1, r, 9))
    r = add(["项目名称", "2023年义务教育阶段家庭经济困难学生生活补助"])
    merges.append((r, 2, r, 9))
    r = add(["主管部门", "某县教育局", "", "", "实施单位", "某县教育局（示例）"])
    merges += [(r, 2, r, 4), (r, 6, r, 9)]
    first = add(["项目资金（万元）", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"])
    for f in funds:
        add(["", *f])
    merges.append((first, 1, first + len(funds), 1))
    g = add(["年度总体目标", "预期目标", "", "", "", "实际完成情况"])
    merges += [(g, 2, g, 5), (g, 6, g, 9)]
    r = add(["", "为家庭经济困难学生发放生活补助1200人。", "", "", "", "发放1100人，覆盖33所学校。"])
    merges += [(r, 2, r, 5), (r, 6, r, 9), (g, 1, r, 1)]
    h = add(["绩效指标", *HEADER])
    prev1 = prev2 = None
    level1_spans: list[list[int]] = []
    for row in rows:
        l1, l2, *rest = row
        # a unit leaves repeated 一级/二级 cells blank (or merges them)
        cells = ["", "" if l1 == prev1 else l1, "" if (l1, l2) == prev2 else l2, *rest]
        r = add(cells)
        if l1 != prev1:
            level1_spans.append([r, r])
        level1_spans[-1][1] = r
        prev1, prev2 = l1, (l1, l2)
    merges.append((h, 1, len(grid), 1))
    r = add(["总分", "", "", "", "", "", "100", total, f"自评等级：{grade}"])
    merges.append((r, 1, r, 6))
    return grid, merges, level1_spans


def write_xlsx(path: Path, *, merge_level1: bool = True, **kw) -> Path:
    import openpyxl

    grid, merges, level1_spans = form_rows(**kw)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "附件2"
    for r, row in enumerate(grid, 1):
        for c, v in enumerate(row, 1):
            if v != "":
                cell = ws.cell(r, c, v)
                if isinstance(v, str) and v.startswith("="):
                    cell.data_type = "s"  # typed as text, as a unit types =100%
    for r0, c0, r1, c1 in merges:
        ws.merge_cells(start_row=r0, start_column=c0, end_row=r1, end_column=c1)
    if merge_level1:
        # 一级指标 merged over its rows, as most forms do (the top-left keeps the value); 二级 left blank
        for r0, r1 in level1_spans:
            if r1 > r0:
                ws.merge_cells(start_row=r0, start_column=2, end_row=r1, end_column=2)
    wb.save(path)
    return path


def write_docx(path: Path, **kw) -> Path:
    import docx

    grid, merges, _ = form_rows(**kw)
    d = docx.Document()
    d.add_paragraph(grid[0][0].replace("\n", ""))
    body = grid[1:]
    t = d.add_table(rows=len(body), cols=9)
    for r, row in enumerate(body):
        for c, v in enumerate(row):
            if v != "":
                t.cell(r, c).text = str(v)
    for r0, c0, r1, c1 in merges:
        if r0 == 1:
            continue
        a = t.cell(r0 - 2, c0 - 1)
        text = a.text
        a.merge(t.cell(r1 - 2, c1 - 1))
        a.text = text
    d.save(str(path))
    return path
