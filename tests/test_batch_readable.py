"""Batch results people can read (issue 13 §6): identifying columns carried, --keep, --group-by,
results.xlsx with Chinese column names, widths, frozen header and filters; summaries by indicator name."""

from __future__ import annotations

import csv
import json

import openpyxl
import pyarrow.parquet as pq
from openpyxl.utils import get_column_letter

from conftest import run_cli
from test_batch import PACK, read_csv, seed_row, write_rows

PROJECTS = [("p1", "消费者权益保护宣传", "市市场监管局", "浦东新区", "A"),
            ("p2", "=HYPERLINK(\"x\")", "市市场监管局", "黄浦区", "B"),
            ("p3", "投诉举报处理", "区财政局", "浦东新区", "A")]


def rows(worse: str = "p3") -> list[dict[str, str]]:
    out = []
    for pid, name, dept, region, batch in PROJECTS:
        r = dict(seed_row(), project_id=pid, 项目名称=name, 主管部门=dept, region=region, 批次=batch)
        if pid == worse:
            r["spot_check_done"] = "100"  # fewer spot checks: a lower total
        out.append(r)
    return out


def test_identifying_and_kept_columns_reach_csv_parquet_jsonl_in_row_order(tmp_path):
    portfolio = write_rows(tmp_path / "p.csv", rows())
    for suffix in (".csv", ".parquet", ".jsonl"):
        out = tmp_path / f"r{suffix}"
        r = run_cli("batch", PACK, portfolio, "-o", out, "--keep", "批次", "--quiet")
        assert r.code == 0, r
        if suffix == ".csv":
            got = read_csv(out)
        elif suffix == ".parquet":
            got = pq.read_table(out).to_pylist()
        else:
            got = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert list(got[0])[:6] == ["project_id", "项目名称", "主管部门", "region", "批次", "row"]
        assert [(g["project_id"], g["主管部门"], g["region"], g["批次"]) for g in got] == \
            [(p, d, rg, b) for p, _, d, rg, b in PROJECTS]
        names = [g["项目名称"] for g in got]
        assert names[0] == "消费者权益保护宣传"
        assert names[1] == ("'=HYPERLINK(\"x\")" if suffix == ".csv" else "=HYPERLINK(\"x\")")


def test_without_keep_an_unknown_text_column_is_still_refused(tmp_path):
    portfolio = write_rows(tmp_path / "p.csv", rows())
    r = run_cli("batch", PACK, portfolio, "-o", tmp_path / "r.csv")
    assert r.code == 2, r
    assert "批次" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "r.csv").exists()


def test_keep_naming_a_missing_column_is_exit_2_with_did_you_mean(tmp_path):
    portfolio = write_rows(tmp_path / "p.csv", rows())
    r = run_cli("batch", PACK, portfolio, "-o", tmp_path / "r.csv", "--keep", "批次号")
    assert r.code == 2, r
    assert "--keep" in r.stderr and "did you mean '批次'" in r.stderr and "p.csv" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "r.csv").exists()
    r = run_cli("batch", PACK, portfolio, "-o", tmp_path / "r.csv", "--group-by", "regon")
    assert r.code == 2, r
    assert "--group-by" in r.stderr and "did you mean 'region'" in r.stderr


def test_group_by_summary_json_and_markdown(tmp_path):
    portfolio = write_rows(tmp_path / "p.csv", rows())
    r = run_cli("batch", PACK, portfolio, "-o", tmp_path / "r.csv", "--keep", "批次", "--group-by", "region",
                "--summary", tmp_path / "s.json", "--quiet")
    assert r.code == 0, r
    results = {g["project_id"]: g for g in read_csv(tmp_path / "r.csv")}
    s = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert s["group_by"] == "region" and list(s["groups"]) == sorted(["浦东新区", "黄浦区"])
    pudong = s["groups"]["浦东新区"]
    assert pudong["count"] == 2
    t1, t3 = results["p1"]["total"], results["p3"]["total"]
    assert t1 == "88.64" and t3 != t1
    from decimal import Decimal
    assert Decimal(pudong["total_mean"]) == (Decimal(t1) + Decimal(t3)) / 2
    assert Decimal(pudong["total_median"]) == (Decimal(t1) + Decimal(t3)) / 2
    assert sum(pudong["grades"].values()) == 2 and pudong["grades"][results["p1"]["grade"]] >= 1
    assert s["groups"]["黄浦区"] == {"count": 1, "grades": {**{g: 0 for g in s["grades"]}, results["p2"]["grade"]: 1},
                                  "total_mean": "88.6400", "total_median": "88.64"}
    assert [(e["project_id"], e["name"]) for e in s["bottom"]][-1] == ("p3", "投诉举报处理")  # lowest, named
    assert s["indicators"]["B11"]["name"] and s["indicators"]["B11"]["name"] != "B11"
    r = run_cli("batch", PACK, portfolio, "-o", tmp_path / "r2.csv", "--keep", "批次", "--group-by", "主管部门",
                "--summary", tmp_path / "s.md", "--quiet")
    assert r.code == 0, r
    md = (tmp_path / "s.md").read_text(encoding="utf-8")
    assert "## 分组汇总 By 主管部门" in md
    assert "| 区财政局 | 1 |" in md and "| 市市场监管局 | 2 |" in md
    assert "| p3 投诉举报处理 |" in md
    assert f"| {s['indicators']['B11']['name']}（B11） |" in md  # indicators by name, code in brackets


def test_results_xlsx_chinese_headers_widths_freeze_filter_from_an_xlsx_portfolio(tmp_path):
    data = rows()
    header = list(data[0])
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for r in data:
        ws.append([r[h] for h in header])
    for row in ws.iter_rows(min_row=2):
        for c in row:
            c.data_type = "s"  # the crafted name is text in the portfolio, not a formula
    ws.merge_cells(start_row=1, start_column=len(header) + 2, end_row=1, end_column=len(header) + 3)
    wb.save(tmp_path / "p.xlsx")
    r = run_cli("batch", PACK, tmp_path / "p.xlsx", "-o", tmp_path / "r.xlsx", "--keep", "批次", "--quiet")
    assert r.code == 0, r
    out = openpyxl.load_workbook(tmp_path / "r.xlsx")
    ws = out.active
    zh = [c.value for c in ws[1]]
    machine = [c.value for c in ws[2]]
    assert zh[:10] == ["项目编号", "项目名称", "主管部门", "地区", "批次", "行号", "总分", "等级", "名次", zh[9]]
    assert machine[:6] == ["project_id", "项目名称", "主管部门", "region", "批次", "row"]
    b11 = machine.index("B11")
    assert zh[b11].endswith("（B11）") and len(zh[b11]) > len("（B11）")
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == f"A2:{get_column_letter(len(machine))}5"
    assert [ws.cell(row=i, column=1).value for i in (3, 4, 5)] == ["p1", "p2", "p3"]
    assert ws.cell(row=4, column=2).value == "'=HYPERLINK(\"x\")" and ws.cell(row=4, column=2).data_type == "s"
    widths = {get_column_letter(j + 1): ws.column_dimensions[get_column_letter(j + 1)].width
              for j in range(len(machine))}
    assert widths["B"] >= 2 * len("消费者权益保护宣传")  # CJK counted double
    assert widths["A"] < widths["B"] and all(w <= 60 for w in widths.values())
    assert ws.cell(row=3, column=machine.index("total") + 1).value == 88.64


def test_gbk_csv_portfolio_keeps_its_names(tmp_path):
    data = rows()
    header = list(data[0])
    with (tmp_path / "p.csv").open("w", newline="", encoding="gbk") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        w.writerows(data)
    r = run_cli("batch", PACK, tmp_path / "p.csv", "-o", tmp_path / "r.csv", "--keep", "批次", "--quiet")
    assert r.code == 0, r
    assert [g["项目名称"] for g in read_csv(tmp_path / "r.csv")][::2] == ["消费者权益保护宣传", "投诉举报处理"]


def test_summary_workbook_with_charts_groups_and_named_indicators(tmp_path):
    portfolio = write_rows(tmp_path / "p.csv", rows())
    r = run_cli("batch", PACK, portfolio, "-o", tmp_path / "r.csv", "--keep", "批次", "--group-by", "主管部门",
                "--summary", tmp_path / "s.xlsx", "--quiet")
    assert r.code == 0, r
    wb = openpyxl.load_workbook(tmp_path / "s.xlsx")
    assert wb.sheetnames == ["等级分布", "指标得分", "分组汇总"]
    grades = wb["等级分布"]
    assert [(c.value, n.value) for c, n in grades.iter_rows(min_row=2, max_col=2)] == \
        [("优", 0), ("良", 3), ("合格", 0), ("不合格", 0)]
    assert len(grades._charts) == 1
    ind = wb["指标得分"]
    b11 = next(row for row in ind.iter_rows(min_row=2, values_only=True) if row[1] == "B11")
    assert b11[0].endswith("（B11）") and b11[0] != "（B11）" and b11[3] == 3.44
    groups = wb["分组汇总"]
    assert [c.value for c in groups[1]][:3] == ["分组 主管部门", "项目数 count", "优"]
    got = {row[0]: row[1] for row in groups.iter_rows(min_row=2, values_only=True)}
    assert got == {"区财政局": 1, "市市场监管局": 2}
    assert groups.freeze_panes == "A2" and len(groups._charts) == 1
