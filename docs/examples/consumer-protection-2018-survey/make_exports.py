"""Write the two survey exports of this example (run: uv run python make_exports.py).

awareness.xlsx is laid out as 问卷星 writes an export, satisfaction.csv (GBK) as 腾讯问卷 does. Their
valid responses are exactly the seed's tallies (42/61/17 and 32/68/20 of 120); each file also holds
speeders, a duplicate submission, a blank answer sheet and an unanswered required question, which
the validity rules exclude. Names, phones and IPs are made up.
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

HERE = Path(__file__).parent
DISTRICTS = ["黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区"]
Q5 = "5、您平时是否关注工商监管部门消费维权法规宣传、消费公益广告发布和消费警示公示？"
Q6 = "6、您获取消费维权信息的渠道"
CHANNELS = ["电视", "网络", "报纸", "社区宣传"]
Q7 = "7、根据您的经历，总体上您对工商部门消费维权工作是否满意？"


def people(rng: random.Random, n: int) -> list[tuple[str, str, str]]:
    out = []
    for i in range(n):
        out.append((f"测试{i:03d}", f"139{rng.randrange(10**8):08d}", f"10.{rng.randrange(256)}.{rng.randrange(256)}.{i % 250 + 1}"))
    return out


def answers(counts: dict[str, int], rng: random.Random) -> list[str]:
    xs = [a for a, n in counts.items() for _ in range(n)]
    rng.shuffle(xs)
    return xs


def awareness() -> None:
    from openpyxl import Workbook

    rng = random.Random(2018)
    valid = answers({"是，经常关注": 42, "不经常，偶尔关注": 61, "不关注": 17}, rng)
    who = people(rng, 130)
    header = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP", "1、您的姓名", "2、您的手机号码",
              "3、您所在的区", Q5, *[f"{Q6}({c})" for c in CHANNELS]]
    rows = []
    for i, a in enumerate(valid):
        name, phone, ip = who[i]
        picks = [1 if rng.random() < 0.5 else 0 for _ in CHANNELS]
        rows.append([name, phone, ip, DISTRICTS[i % 6], a, picks, 60 + rng.randrange(400)])
    extra = [
        [*who[120], DISTRICTS[0], "不关注", [0, 1, 0, 0], 12],        # speeder: 12 seconds
        [*who[121], DISTRICTS[1], "是，经常关注", [1, 0, 0, 0], 9],    # speeder
        [who[5][0], who[5][1], who[122][2], DISTRICTS[5 % 6], "不关注", [0, 0, 1, 0], 140],  # same phone again
        [*who[123], DISTRICTS[2], None, [0, 0, 0, 0], 95],            # required question left blank
        [None, None, who[124][2], None, None, [None] * 4, 30],        # blank answer sheet
    ]
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(header)
    for n, (name, phone, ip, district, a, picks, secs) in enumerate(rows + extra, start=1):
        ws.append([n, f"2019/3/{1 + n % 28} 10:{n % 60:02d}:00", f"{secs}秒", "手机提交", "直接访问", f"{ip}(上海-上海)",
                   name, phone, district, a, *picks])
    wb.properties.creator = "jixiao example"
    buf = io.BytesIO()
    wb.save(buf)
    from jixiao.render import reproducible_zip

    (HERE / "awareness.xlsx").write_bytes(reproducible_zip(buf.getvalue()))


def satisfaction() -> None:
    rng = random.Random(2019)
    valid = answers({"很满意": 32, "基本满意": 68, "不满意": 20}, rng)
    who = people(rng, 130)
    header = ["编号", "提交答卷时间", "所用时间", "来源", "来自IP", "1、您的姓名", "2、您的手机号码", "3、您所在的区", Q7]
    rows = [[*who[i], DISTRICTS[i % 6], a, 50 + rng.randrange(300)] for i, a in enumerate(valid)]
    rows += [[*who[120], DISTRICTS[3], "很满意", 8], [who[7][0], who[7][1], who[121][2], DISTRICTS[1], "不满意", 77],
             [*who[122], DISTRICTS[4], "", 66], ["", "", who[123][2], "", "", 20]]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for n, (name, phone, ip, district, a, secs) in enumerate(rows, start=1):
        w.writerow([n, f"2019-03-{1 + n % 28:02d} 14:{n % 60:02d}:00", f"{secs}秒", "微信", ip, name, phone, district, a])
    w.writerow([])
    (HERE / "satisfaction.csv").write_bytes(buf.getvalue().encode("gbk"))


if __name__ == "__main__":
    awareness()
    satisfaction()
