"""Expert panels from real files: a long CSV and one xlsx sheet per expert."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jixiao.errors import JixiaoError
from jixiao.panel import combine_all, read_long_csv, read_sheets

CSV = """expert,code,score,reason
张,A11,8,依据充分
李,A11,9,基本充分
王,A11,9,基本充分
赵,A11,10,完全充分
钱,A11,7,部分依据缺失
张,A12,2,
李,A12,9,
王,A12,8,
赵,A12,9,
钱,A12,9,
"""


def test_trimmed_mean_with_ties_and_working(tmp_path):
    p = tmp_path / "experts.csv"
    p.write_text(CSV, encoding="utf-8")
    out = combine_all(read_long_csv(p), {"A11": Decimal(10), "A12": Decimal(10)}, spread_share=Decimal("0.3"))
    assert out["A11"].working == "8.67=(8+9+9+10+7-10-7)/3"
    assert out["A11"].score == Decimal("8.67") and out["A11"].finding is None
    # ties: two 9s at the top, only one is dropped
    assert out["A12"].working == "8.67=(2+9+8+9+9-9-2)/3"
    assert "专家意见分歧较大" in out["A12"].finding


@pytest.mark.parametrize("method, working", [("mean", "8.60=(8+9+9+10+7)/5"), ("median", "9.00=median(8+9+9+10+7)")])
def test_mean_and_median(tmp_path, method, working):
    p = tmp_path / "experts.csv"
    p.write_text(CSV, encoding="utf-8")
    assert combine_all(read_long_csv(p), {"A11": Decimal(10), "A12": Decimal(10)}, method=method)["A11"].working == working


def test_missing_expert_score_names_expert_and_code(tmp_path):
    p = tmp_path / "experts.csv"
    p.write_text(CSV.replace("钱,A12,9,\n", ""), encoding="utf-8")
    with pytest.raises(JixiaoError) as e:
        combine_all(read_long_csv(p), {"A11": Decimal(10), "A12": Decimal(10)}, file=str(p))
    assert "钱" in str(e.value) and "A12" in str(e.value)


def test_one_sheet_per_expert(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, s in (("张", 8), ("李", 9), ("王", 9), ("赵", 10), ("钱", 7)):
        ws = wb.create_sheet(name)
        ws.append(["code", "score", "reason"])
        ws.append(["A11", s, "理由"])
        ws.append([None, None, None])
    wb.save(tmp_path / "experts.xlsx")
    out = combine_all(read_sheets(tmp_path / "experts.xlsx"), {"A11": Decimal(10)})
    assert out["A11"].working == "8.67=(8+9+9+10+7-10-7)/3"
    assert [s.expert for s in out["A11"].scores] == ["张", "李", "王", "赵", "钱"]
