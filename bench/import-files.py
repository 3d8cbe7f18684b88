#!/usr/bin/env python3
"""Writes the import benchmark's files: households.csv (N households, each with a member) and
months.csv (24 months for each), synthetic, with valid resident IDs.

    python3 bench/import-files.py DIR [N]            # N defaults to 100,000
    python3 bench/import-files.py DIR N --roster     # households.csv, members.csv and, instead of
                                                     # months, roster.csv: N rows, 60 % of them heads
                                                     # on file, 40 % valid IDs of nobody on file
"""
import datetime
import os
import random
import sys

W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
C = "10X98765432"
REGIONS = ["450403", "450405", "450406", "450421", "450422", "450423", "450481"]


def rid(region, birth, seq):
    first = f"{region}{birth}{seq:03d}"
    return first + C[sum(int(d) * w for d, w in zip(first, W)) % 11]


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    roster = "--roster" in sys.argv[3:]
    rnd = random.Random(7)
    os.makedirs(out, exist_ok=True)
    heads = []
    with open(os.path.join(out, "households.csv"), "w", encoding="utf-8") as f:
        f.write("户主姓名,户主身份证号,地区代码,建档日期,致困原因,劳动能力,农民工家庭\n")
        for i in range(n):
            region = REGIONS[i % len(REGIONS)]
            # one birth day per thousand households, a sequence number within it: all distinct
            birth = (datetime.date(1950, 1, 1) + datetime.timedelta(days=i // 1000)).strftime("%Y%m%d")
            head = rid(region, birth, i % 1000)
            heads.append(head)
            f.write(f"测试户{i},{head},{region},2016-0{1 + i % 9}-15,患病、失业,部分丧失劳动能力,否\n")
    with open(os.path.join(out, "members.csv"), "w", encoding="utf-8") as f:
        f.write("户主身份证号,姓名,身份证号,与户主关系,出生日期,状况\n")
        for i, head in enumerate(heads):
            f.write(f"{head},子女{i},,子女,2010-0{1 + i % 9}-0{1 + i % 9},在校学生\n")
    if roster:
        with open(os.path.join(out, "roster.csv"), "w", encoding="utf-8") as f:
            f.write("身份证号,姓名,起始日期,备注\n")
            for i in range(n):
                if i % 5 < 3:
                    f.write(f"{heads[i]},测试户{i},2026-10-01,\n")
                else:
                    # born from 1990 on: no head or member of the file has such an ID
                    birth = (datetime.date(1990, 1, 1) + datetime.timedelta(days=i // 1000)).strftime("%Y%m%d")
                    f.write(f"{rid('450403', birth, i % 1000)},其他{i},2026-10-01,\n")
        return
    with open(os.path.join(out, "months.csv"), "w", encoding="utf-8") as f:
        f.write("户主身份证号,月份,家庭人口,家庭收入,政府救助,医疗支出\n")
        for head in heads:
            for m in range(24):
                y, mo = 2024 + m // 12, 1 + m % 12
                f.write(f"{head},{y}-{mo:02d},3,{rnd.randint(800, 4000)}.00,0,{rnd.randint(0, 500)}\n")


if __name__ == "__main__":
    main()
