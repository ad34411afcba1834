"""Tables to files: xlsx the way inspectors use it, csv for WPS/Excel, json for other tools.

The xlsx is written in openpyxl's write-only mode so 100,000 findings fit in little memory:
rows stream to disk, so everything about a sheet (widths, frozen header, filter, charts) is
set before its rows are written. Every sheet gets a bold frozen header, an autofilter, widths
chosen per column, wrapped text, real dates, and clickable URLs.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from portalcheck.exports.common import LOCAL_TZ, Field, Table, safe_cell

DATE_FMT = "yyyy-mm-dd"
DATETIME_FMT = "yyyy-mm-dd hh:mm"
WIDE_SHEET = 200  # characters: wider sheets print on A3, as 通报 attachments with many columns do
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")  # not allowed in XML 1.0 (as openpyxl)


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
    return value.astimezone(LOCAL_TZ).replace(tzinfo=None) if value.tzinfo else value


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
        return value.astimezone(LOCAL_TZ).isoformat(timespec="seconds") if value.tzinfo else value.isoformat()
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
    payload = {"kind": kind, **meta, "tables": {
        t.key: {"title": t.title, "columns": [{"key": f.key, "label": f.label} for f in t.fields],
                "rows": [{f.key: json_value(row.get(f.key)) for f in t.fields} for row in t.rows]}
        for t in tables if t.in_csv}}
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")


class XlsxStyles:
    """Cell styles computed once per workbook and shared by every cell.

    Setting `cell.alignment = …` hashes the style objects on every call, which costs more than
    writing the cell; a StyleArray made once and handed to each cell costs nothing.
    """

    def __init__(self, workbook: Any) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        thin = Side(style="thin", color="BFBFBF")
        border = Border(left=thin, right=thin, top=thin, bottom=thin)
        wrap = Alignment(wrap_text=True, vertical="top")
        probe = workbook.create_sheet("_styles")  # any sheet of the workbook registers the styles

        def make(**attributes: Any) -> Any:
            cell = WriteOnlyCell(probe)
            for name, value in attributes.items():
                setattr(cell, name, value)
            return cell._style

        self.header = make(font=Font(bold=True), fill=PatternFill("solid", fgColor="D9E1F2"), border=border,
                           alignment=Alignment(horizontal="center", vertical="center", wrap_text=True))
        self.text = make(alignment=wrap, border=border)
        self.date = make(alignment=wrap, border=border, number_format=DATE_FMT)
        self.datetime = make(alignment=wrap, border=border, number_format=DATETIME_FMT)
        self.percent = make(alignment=wrap, border=border, number_format="0.0%")
        self.link = make(alignment=wrap, border=border, font=Font(color="0563C1", underline="single"))
        workbook.remove(probe)


def write_xlsx(path: Path, tables: Iterable[Table]) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    styles = XlsxStyles(workbook)
    taken: set[str] = set()
    for table in tables:
        _write_sheet(workbook, table, styles, taken)
    workbook.save(path)


def _write_sheet(workbook: Any, table: Table, styles: XlsxStyles, taken: set[str]) -> None:
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(sheet_title(table.title, taken))
    fields = table.fields
    for index, f in enumerate(fields, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = f.width
    sheet.freeze_panes = "A2"
    last = get_column_letter(len(fields))
    sheet.auto_filter.ref = f"A1:{last}{table.size + 1}"
    sheet.print_title_rows = "1:1"  # printed pages repeat the header
    sheet.page_setup.orientation = "landscape"
    if sum(f.width for f in fields) > WIDE_SHEET:
        sheet.page_setup.paperSize = 8  # A3
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    for chart_index, chart in enumerate(table.charts):
        sheet.add_chart(_bar_chart(sheet, table, chart), f"{get_column_letter(len(fields) + 2)}{2 + 18 * chart_index}")
    sheet._get_writer()  # writes the sheet's head (widths, panes) now that it is set
    rows = _RowWriter(sheet, styles)
    sheet._writer.write_row = rows.write  # each appended "row" is a ready <row> element
    sheet._values_to_row = lambda wrapped, row_idx: wrapped[0]
    sheet.append((rows.header(fields),))
    plan = [(f.key, _style_for(f, styles), f.kind == "url") for f in fields]
    for row in table.rows:
        sheet.append((rows.element([(row.get(key), style, is_url) for key, style, is_url in plan]),))


def _style_for(f: Field, styles: XlsxStyles) -> Any:
    return {"date": styles.date, "datetime": styles.datetime, "percent": styles.percent}.get(f.kind, styles.text)


_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


class _RowWriter:
    """Rows serialised straight to SpreadsheetML, as openpyxl writes them (inline strings).

    openpyxl builds a Cell object per value and writes it element by element; at 100,000 findings
    that alone exceeds the 30 s budget. Here a row is one string parsed by lxml in C and written
    by openpyxl's own stream (so the sheet head, tail, hyperlinks and charts are openpyxl's).
    Crawled text goes through the same steps a Cell would: formula escape, illegal characters
    removed, XML-escaped.
    """

    def __init__(self, sheet: Any, styles: XlsxStyles) -> None:
        from openpyxl.utils import get_column_letter

        self.sheet = sheet
        self.row_idx = 0
        self.letters = [get_column_letter(i) for i in range(1, 200)]
        cell_styles = sheet.parent._cell_styles
        self.style_ids = {id(a): cell_styles.add(a) for a in vars(styles).values()}
        self.header_id = self.style_ids[id(styles.header)]
        self.link_id = self.style_ids[id(styles.link)]

    def write(self, xf: Any, element: Any, row_idx: int) -> None:
        xf.write(element)

    def header(self, fields: list[Field]) -> Any:
        return self.element([(f.label, None, False) for f in fields], header=True)

    def element(self, cells: list[tuple[Any, Any, bool]], header: bool = False) -> Any:
        from lxml import etree
        from openpyxl.utils.datetime import to_excel

        self.row_idx += 1
        r = self.row_idx
        parts = [f'<row r="{r}">']
        for index, (value, style, is_url) in enumerate(cells):
            if value is None or value == "":
                continue
            ref = f"{self.letters[index]}{r}"
            s = self.header_id if header else self.style_ids[id(style)]
            if isinstance(value, bool):
                parts.append(f'<c r="{ref}" s="{s}" t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, (int, float)):
                parts.append(f'<c r="{ref}" s="{s}" t="n"><v>{value!r}</v></c>')
            elif isinstance(value, (datetime, date)):
                serial = to_excel(_naive_local(value) if isinstance(value, datetime) else value)
                parts.append(f'<c r="{ref}" s="{s}" t="n"><v>{serial!r}</v></c>')
            else:
                text = str(value)
                if is_url and text.startswith(("http://", "https://")):
                    self._link(ref, text)
                    s = self.link_id
                else:
                    text = safe_cell(text)
                text = _ILLEGAL.sub("", text).translate(_ESCAPE)
                space = ' xml:space="preserve"' if text != text.strip() else ""
                parts.append(f'<c r="{ref}" s="{s}" t="inlineStr"><is><t{space}>{text}</t></is></c>')
        parts.append("</row>")
        return etree.fromstring("".join(parts))

    def _link(self, ref: str, url: str) -> None:
        from openpyxl.worksheet.hyperlink import Hyperlink

        self.sheet._hyperlinks.append(Hyperlink(ref=ref, target=url))


def _bar_chart(sheet: Any, table: Table, spec: Any) -> Any:
    from openpyxl.chart import BarChart, Reference

    keys = [f.key for f in table.fields]
    rows = (spec.rows if spec.rows is not None else table.size) + 1
    chart = BarChart()
    chart.type = "col"
    chart.title = spec.title
    chart.y_axis.title = spec.y_title
    chart.height, chart.width = 8.5, max(16.0, 1.1 * (rows - 1))
    if spec.stacked:
        chart.grouping, chart.overlap = "stacked", 100
    for key in spec.value_keys:
        column = keys.index(key) + 1
        chart.add_data(Reference(sheet, min_col=column, min_row=1, max_row=rows), titles_from_data=True)
    label_col = keys.index(spec.label_key) + 1
    chart.set_categories(Reference(sheet, min_col=label_col, min_row=2, max_row=rows))
    return chart


def write_tables(path: Path, fmt: str, kind: str, meta: dict[str, Any], tables: list[Table]) -> Path:
    """Write `tables` as xlsx, csv or json at `path` (its folder is created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        write_xlsx(path, tables)
    elif fmt == "csv":
        write_csv(path, tables)
    elif fmt == "json":
        write_json(path, kind, meta, tables)
    else:
        raise ValueError(f"不支持的导出格式：{fmt}（可选 xlsx、csv、json）")
    return path
