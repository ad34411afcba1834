"""Where the xlsx export's time goes: the same findings-shaped rows written by our writer, by bare
XlsxWriter and by a peer built on rust_xlsxwriter, each in its own process, in the same run.

    .venv/bin/python -m bench.xlsx_writers                 # 100,000 rows of 15 cells
    .venv/bin/python -m bench.xlsx_writers --rows 20000
    pip install rustpy-xlsxwriter   # optional peer (not a dependency): measured when importable

`portalcheck export findings` = reading and shaping the findings (bench/exports.py measures the whole
command) + writing the cells. This bench isolates the writing: rows are made in memory first and only
the writing is timed (CPU seconds of the child, so a loaded machine shows less in it than in wall time).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

FIELDS = [("rule", "规则", "text"), ("title", "问题", "text"), ("severity", "性质", "text"), ("unit", "单位", "text"),
          ("column", "栏目", "text"), ("url", "网址", "url"), ("detail", "问题描述", "text"),
          ("evidence", "证据", "text"), ("status", "状态", "text"), ("first_seen", "首次发现", "datetime"),
          ("last_seen", "最近发现", "datetime"), ("days", "天数", "int"), ("deadline", "整改期限", "datetime"),
          ("indicator", "指标", "text"), ("note", "说明", "text")]


def rows(count: int) -> list[dict[str, Any]]:
    """Findings-shaped rows: Chinese text, a URL each, dates and a number (seeded, the same every run)."""
    base = datetime(2026, 11, 1, 8, 0)
    return [{"rule": "column.stale", "title": "栏目更新不及时", "severity": "扣分", "unit": f"单位{i % 40:02d}",
             "column": f"栏目{i % 10}", "url": f"https://www.example.gov.cn/u{i % 40}/c{i % 10}/t{i}.html",
             "detail": f"动态要闻类栏目超过2周未更新，最新信息发布于{(base - timedelta(days=i % 90)):%Y-%m-%d}",
             "evidence": f"最新条目：某某镇召开第{i}次工作推进会（{(base - timedelta(days=i % 90)):%Y-%m-%d}）",
             "status": "新发现", "first_seen": base + timedelta(minutes=i), "last_seen": base + timedelta(minutes=2 * i),
             "days": i % 90, "deadline": base + timedelta(days=10), "indicator": "国办秘函〔2019〕19号 A2(1)",
             "note": "" if i % 3 else "请于整改期限前更新"} for i in range(count)]


def write_ours(path: Path, data: list[dict[str, Any]]) -> None:
    from portalcheck.exports.common import Field, Table
    from portalcheck.exports.writers import write_xlsx

    fields = [Field(key, label, 14, kind) for key, label, kind in FIELDS]  # type: ignore[arg-type]
    write_xlsx(path, [Table("findings", "问题清单", fields, data)])


def write_xlsxwriter(path: Path, data: list[dict[str, Any]]) -> None:
    """The same cells through XlsxWriter's public API with nothing of ours around it."""
    from xlsxwriter import Workbook

    workbook = Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                    "strings_to_numbers": False, "strings_to_urls": False})
    sheet = workbook.add_worksheet("问题清单")
    text = workbook.add_format({"text_wrap": True, "border": 1})
    when = workbook.add_format({"text_wrap": True, "border": 1, "num_format": "yyyy-mm-dd hh:mm"})
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(data), len(FIELDS) - 1)
    for col, (_, label, _) in enumerate(FIELDS):
        sheet.write_string(0, col, label)
    links = 0
    for r, row in enumerate(data, start=1):
        for col, (key, _, kind) in enumerate(FIELDS):
            value = row[key]
            if value == "":
                continue
            if kind == "url" and links < 65_530:
                links += 1
                sheet.write_url(r, col, value, text, value)
            elif kind == "datetime":
                sheet.write_datetime(r, col, value, when)
            elif kind == "int":
                sheet.write_number(r, col, value, text)
            else:
                sheet.write_string(r, col, value, text)
    workbook.close()


def write_rust(path: Path, data: list[dict[str, Any]]) -> None:
    """rustpy-xlsxwriter (Python over rust_xlsxwriter, by XlsxWriter's author): the same rows and sheet."""
    from rustpy_xlsxwriter import write_worksheet

    labelled = ({label: row[key] for key, label, _ in FIELDS} for row in data)
    write_worksheet(labelled, str(path), sheet_name="问题清单", freeze_row=1, autofilter=True,
                    datetime_format="yyyy-mm-dd hh:mm", url_columns=["网址"])


WRITERS = {"portalcheck": write_ours, "xlsxwriter": write_xlsxwriter, "rustpy-xlsxwriter": write_rust}


def child(name: str, count: int, out: Path) -> dict[str, Any]:
    data = rows(count)
    started, cpu = time.perf_counter(), time.process_time()
    WRITERS[name](out, data)
    return {"seconds": round(time.perf_counter() - started, 2), "cpu_seconds": round(time.process_time() - cpu, 2),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
            "size_mb": round(out.stat().st_size / 1e6, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.rows, args.out)))
        return 0
    results: dict[str, Any] = {}
    with TemporaryDirectory(prefix="pc-bench-xlsx-") as folder:
        for name in WRITERS:
            done = subprocess.run([sys.executable, "-m", "bench.xlsx_writers", "--child", name, "--rows",
                                   str(args.rows), "--out", str(Path(folder) / f"{name}.xlsx")],
                                  capture_output=True, text=True)
            results[name] = json.loads(done.stdout) if done.returncode == 0 else {
                "skipped": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    base = results["xlsxwriter"].get("cpu_seconds")
    for result in results.values():
        if base and "cpu_seconds" in result:
            result["cpu_vs_xlsxwriter"] = round(result["cpu_seconds"] / base, 2)
    print(json.dumps({"rows": args.rows, "cells": args.rows * len(FIELDS), "results": results}, indent=1,
                     ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
