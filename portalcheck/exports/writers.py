"""Tables to files: xlsx the way inspectors use it, csv for WPS/Excel, json for other tools.

The xlsx is written by XlsxWriter in constant_memory mode so 100,000 findings fit in little
memory: rows stream to disk in order, so everything about a sheet (widths, frozen header, filter,
charts) is set before its rows are written. Every sheet gets a bold frozen header, an autofilter,
widths chosen per column, wrapped text, real dates, and clickable URLs. Every file is written under
a temporary name and renamed when complete (atomic.replacing).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from portalcheck.exports.atomic import replacing, scratch_folder
from portalcheck.exports.common import CHINA_TZ, Chart, Field, Table, safe_cell

DATE_FMT = "yyyy-mm-dd"
DATETIME_FMT = "yyyy-mm-dd hh:mm"
WIDE_SHEET = 200  # characters: wider sheets print on A3, as 通报 attachments with many columns do
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")  # not allowed in XML 1.0: dropped, as before


def sheet_title(title: str, taken: set[str]) -> str:
    """Excel limits sheet names to 31 characters without []:*?/\\ and wants them unique."""
    base = _SHEET_BAD.sub("_", title)[:31] or "Sheet"
    name, n = base, 2
    while name in taken:
        suffix = f"({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def _naive_local(value: datetime) -> datetime:
    """Spreadsheets have no time zones: show the deployment's local time."""
    return value.astimezone(CHINA_TZ).replace(tzinfo=None) if value.tzinfo else value


def display(field: Field, value: Any) -> Any:
    """A value as csv shows it: dates as text, crawled text escaped."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _naive_local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if field.kind == "percent" and isinstance(value, float):
        return f"{value:.1%}"
    return safe_cell(value)


def json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(CHINA_TZ).isoformat(timespec="seconds") if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def write_csv(path: Path, tables: Iterable[Table]) -> None:
    """One table: a plain csv. Several: each under a 【title】 line, separated by a blank line."""
    chosen = [t for t in tables if t.in_csv]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:  # BOM: Excel reads it as UTF-8
        writer = csv.writer(handle)
        for index, table in enumerate(chosen):
            if len(chosen) > 1:
                if index:
                    writer.writerow([])
                writer.writerow([f"【{table.title}】"])
            writer.writerow([f.label for f in table.fields])
            for row in table.rows:
                writer.writerow([display(f, row.get(f.key)) for f in table.fields])


def write_json(path: Path, kind: str, meta: dict[str, Any], tables: Iterable[Table]) -> None:
    """One document, built in memory whole (a streamed table's rows too: 1,000,000 list items' 信息明细 is
    several hundred MB here; the csv and xlsx stream)."""
    payload = {"kind": kind, **meta, "tables": {
        t.key: {"title": t.title, "columns": [{"key": f.key, "label": f.label} for f in t.fields],
                "rows": [{f.key: json_value(row.get(f.key)) for f in t.fields} for row in t.rows]}
        for t in tables if t.in_csv}}
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")


class XlsxFormats:
    """The cell formats of a workbook, made once and shared by every cell."""

    def __init__(self, workbook: Any) -> None:
        border = {"border": 1, "border_color": "#BFBFBF"}
        body = {**border, "text_wrap": True, "valign": "top"}
        self.header = workbook.add_format({**border, "bold": True, "pattern": 1, "bg_color": "#D9E1F2",
                                           "align": "center", "valign": "vcenter", "text_wrap": True})
        self.text = workbook.add_format(body)
        self.date = workbook.add_format({**body, "num_format": DATE_FMT})
        self.datetime = workbook.add_format({**body, "num_format": DATETIME_FMT})
        self.percent = workbook.add_format({**body, "num_format": "0.0%"})
        self.link = workbook.add_format({**body, "font_color": "#0563C1", "underline": 1})
        self.run = workbook.add_format()  # the default font, for the second run of a split rich string

    def for_field(self, f: Field) -> Any:
        return {"date": self.date, "datetime": self.datetime, "percent": self.percent}.get(f.kind, self.text)


EXCEL_MAX_ROWS = 1_048_575  # data rows under the header (Excel's 1,048,576 rows a sheet)
ROWS_CUT_NOTE = ("Excel 每个工作表最多 {cap:,} 行：本表共 {total:,} 行，此处列出前 {shown:,} 行，"
                 "其余 {rest:,} 行见同一导出的 CSV 文件（csv 格式，内容完整）。")


def write_xlsx(path: Path, tables: Iterable[Table], max_rows: int = EXCEL_MAX_ROWS) -> None:
    """Each table a sheet, rows streamed to disk in order (XlsxWriter's constant_memory mode). A table longer than
    `max_rows` is cut: its first max_rows - 1 rows, then a note row saying the rest is in the csv."""
    from xlsxwriter import Workbook

    # Typed writes only: no string is ever turned into a formula, number or link by guessing.
    with scratch_folder(path) as scratch:  # the rows wait there until close() zips them into `path`
        workbook = Workbook(str(path), {"constant_memory": True, "tmpdir": str(scratch),
                                        "strings_to_formulas": False, "strings_to_numbers": False,
                                        "strings_to_urls": False, "nan_inf_to_errors": True})
        formats = XlsxFormats(workbook)
        taken: set[str] = set()
        for table in tables:
            _write_sheet(workbook, table, formats, taken, max_rows)
        workbook.close()


def _write_sheet(workbook: Any, table: Table, formats: XlsxFormats, taken: set[str],
                 max_rows: int = EXCEL_MAX_ROWS) -> None:
    """Everything about a sheet is set before its rows: constant_memory writes each row once, in order."""
    name = sheet_title(table.title, taken)
    sheet = workbook.add_worksheet(name)
    fields = table.fields
    for index, f in enumerate(fields):
        sheet.set_column(index, index, f.width)
    sheet.freeze_panes(1, 0)
    total = table.size
    cut = total > max_rows
    sheet.autofilter(0, 0, min(total, max_rows), len(fields) - 1)
    sheet.repeat_rows(0)  # printed pages repeat the header
    sheet.set_landscape()
    if sum(f.width for f in fields) > WIDE_SHEET:
        sheet.set_paper(8)  # A3
    sheet.fit_to_pages(1, 0)
    for chart_index, spec in enumerate(table.charts):
        chart = _bar_chart(workbook, name, table, spec)
        if chart is not None:
            sheet.insert_chart(1 + 18 * chart_index, len(fields) + 1, chart)
    cells = _CellWriter(sheet, formats)
    for col, f in enumerate(fields):
        sheet.write_string(0, col, f.label, formats.header)
    plan = [(col, f.key, formats.for_field(f), f.kind if f.kind in ("url", "file") else False)
            for col, f in enumerate(fields)]
    for row_index, row in enumerate(table.rows, start=1):
        if cut and row_index == max_rows:
            break  # the rest are in the csv: not read further
        for col, key, cell_format, is_url in plan:
            value = row.get(key)
            if value is not None and value != "":
                cells.write(row_index, col, value, cell_format, is_url)
    if cut:
        note = ROWS_CUT_NOTE.format(cap=max_rows, total=total, shown=max_rows - 1, rest=total - max_rows + 1)
        sheet.write_string(max_rows, 0, note, formats.header)


EXCEL_MAX_LINKS = 65_530  # hyperlinks per worksheet
EXCEL_MAX_URL = 2_079  # characters of a hyperlink's address (and of its #anchor)
EXCEL_MAX_TEXT = 32_767  # characters in a cell
LINKS_FULL_NOTE = ("Excel 每个工作表最多 65,530 个超链接：自本行起，本表的网址以文字显示（复制到浏览器即可打开）。")
LINK_TOO_LONG_NOTE = ("此网址超过 Excel 超链接的长度上限（2,079 个字符），以文字显示；本表其他过长的网址同样处理。")


class _CellWriter:
    """One value to one cell by its type; crawled text is escaped and kept as text, never a formula.

    Addresses become hyperlinks while Excel allows them; beyond its limits they are written as text,
    and a note on the first such cell says why (a link silently missing would look like a defect).
    """

    def __init__(self, sheet: Any, formats: XlsxFormats) -> None:
        self.sheet, self.formats = sheet, formats
        self.links = 0
        self.noted: set[str] = set()

    def write(self, row: int, col: int, value: Any, cell_format: Any, is_url: bool | str) -> None:
        sheet = self.sheet
        if type(value) is str:  # most cells: tested first
            self.text(row, col, value, cell_format, is_url)
        elif isinstance(value, bool):
            sheet.write_boolean(row, col, value, cell_format)
        elif isinstance(value, (int, float)):
            sheet.write_number(row, col, value, cell_format)
        elif isinstance(value, datetime):
            sheet.write_datetime(row, col, _naive_local(value), cell_format)
        elif isinstance(value, date):
            sheet.write_datetime(row, col, value, cell_format)
        else:
            self.text(row, col, str(value), cell_format, is_url)

    def text(self, row: int, col: int, text: str, cell_format: Any, is_url: bool | str = False) -> None:
        if is_url and text.startswith(("http://", "https://")) and self._link(row, col, text):
            return
        # a file of ours (an evidence picture), never a crawled address: only fields of kind "file"
        if is_url == "file" and text.startswith("file:///") and self._link(row, col, text, text.rsplit("/", 1)[-1]):
            return
        text = _ILLEGAL.sub("", safe_cell(text))[:EXCEL_MAX_TEXT]
        if text.startswith("<r>") and text.endswith("</r>"):
            # XlsxWriter's inline strings take text shaped like "<r>…</r>" as ready-made XML; written
            # as two runs the text is escaped like any other (crawled text is hostile).
            self.sheet.write_rich_string(row, col, text[:1], self.formats.run, text[1:], cell_format)
        else:
            self.sheet.write_string(row, col, text, cell_format)

    def _link(self, row: int, col: int, url: str, shown: str | None = None) -> bool:
        """Write `url` as a hyperlink if Excel allows one more here; else note why once and say False."""
        address, _, anchor = url.partition("#")
        if _utf16_len(address) > EXCEL_MAX_URL or _utf16_len(anchor) > EXCEL_MAX_URL or _ILLEGAL.search(url):
            self._note(row, col, "long", LINK_TOO_LONG_NOTE)
            return False
        if self.links >= EXCEL_MAX_LINKS:
            self._note(row, col, "full", LINKS_FULL_NOTE)
            return False
        self.links += 1
        return self.sheet.write_url(row, col, url, self.formats.link, shown or url) == 0

    def _note(self, row: int, col: int, reason: str, text: str) -> None:
        if reason not in self.noted:
            self.noted.add(reason)
            self.sheet.write_comment(row, col, text, {"x_scale": 2, "y_scale": 1.5})


def _utf16_len(text: str) -> int:
    """Excel counts UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _bar_chart(workbook: Any, sheet_name: str, table: Table, spec: Chart) -> Any:
    """A column chart of `spec.value_keys` per row label; None when the table has no rows to draw."""
    keys = [f.key for f in table.fields]
    last = spec.rows if spec.rows is not None else table.size  # 0-based index of the last data row
    if last < 1:
        return None
    chart = workbook.add_chart({"type": "column", **({"subtype": "stacked"} if spec.stacked else {})})
    label = keys.index(spec.label_key)
    for key in spec.value_keys:
        column = keys.index(key)
        chart.add_series({"name": [sheet_name, 0, column], "categories": [sheet_name, 1, label, last, label],
                          "values": [sheet_name, 1, column, last, column]})
    chart.set_title({"name": spec.title})
    chart.set_y_axis({"name": spec.y_title})
    chart.set_size({"width": _cm_to_px(max(16.0, 1.1 * last)), "height": _cm_to_px(8.5)})
    return chart


def _cm_to_px(cm: float) -> int:
    return round(cm / 2.54 * 96)


def write_tables(path: Path, fmt: str, kind: str, meta: dict[str, Any], tables: list[Table]) -> Path:
    """Write `tables` as xlsx, csv or json at `path` (its folder is created; the old file stays until done)."""
    writers = {"xlsx": lambda out: write_xlsx(out, tables), "csv": lambda out: write_csv(out, tables),
               "json": lambda out: write_json(out, kind, meta, tables)}
    if fmt not in writers:
        raise ValueError(f"不支持的导出格式：{fmt}（可选 xlsx、csv、json）")
    with replacing(path) as temporary:
        writers[fmt](temporary)
    return path
