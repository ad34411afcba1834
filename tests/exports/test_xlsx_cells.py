"""What the xlsx writer does with hostile crawled text, Excel's hyperlink limits, and a failure mid-write."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook
from openpyxl.utils.escape import unescape

from portalcheck.exports.common import FORMULA_PREFIXES, Field, Table
from portalcheck.exports.writers import EXCEL_MAX_LINKS, write_tables

FIELDS = [Field("title", "标题", 40), Field("url", "网址", 40, "url")]


def _write(tmp_path: Path, rows: list[dict[str, Any]], name: str = "t.xlsx") -> Any:
    path = write_tables(tmp_path / name, "xlsx", "t", {}, [Table("t", "表", FIELDS, rows)])
    return load_workbook(path)["表"]


@pytest.mark.parametrize("prefix", FORMULA_PREFIXES)
def test_text_with_a_formula_prefix_is_text_not_a_formula(tmp_path: Path, prefix: str) -> None:
    text = f'{prefix}HYPERLINK("http://evil.example/","点此")'
    cell = _write(tmp_path, [{"title": text}]).cell(row=2, column=1)
    assert cell.data_type == "s" and unescape(cell.value) == "'" + text  # a CR is stored as Excel's _x000D_


def test_text_shaped_like_inline_xml_stays_text(tmp_path: Path) -> None:
    # XlsxWriter's constant_memory mode writes a string "<r>…</r>" into the sheet unescaped, as a
    # rich string; this one would close the cell and plant a formula in B2.
    hostile = ('<r><t>a</t></r></is></c><c r="B2" t="str"><f>HYPERLINK("http://evil.example/")</f>'
               '<v>x</v></c><c r="C2" t="inlineStr"><is><r><t>b</t></r>')
    sheet = _write(tmp_path, [{"title": hostile}])
    assert sheet.cell(row=2, column=1).value == hostile
    assert sheet.cell(row=2, column=2).value is None and sheet.max_column == 2


def _links_and_notes(path: Path) -> tuple[list[str], dict[str, str]]:
    """Hyperlinked cell refs and comments (ref → text) of the first sheet, read from the file's XML
    (openpyxl binds each of 65,530 links by a linear search: far too slow to read them back)."""
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    with zipfile.ZipFile(path) as package:
        sheet = ElementTree.fromstring(package.read("xl/worksheets/sheet1.xml"))
        comments = ElementTree.fromstring(package.read("xl/comments1.xml"))
    links = [link.get("ref", "") for link in sheet.iter(f"{main}hyperlink")]
    notes = {c.get("ref", ""): "".join(t.text or "" for t in c.iter(f"{main}t")) for c in comments.iter(f"{main}comment")}
    return links, notes


def test_links_beyond_excels_limit_are_text_with_a_note(tmp_path: Path) -> None:
    rows = [{"title": str(i), "url": f"https://www.example.gov.cn/a/{i}.html"} for i in range(EXCEL_MAX_LINKS + 5)]
    path = write_tables(tmp_path / "t.xlsx", "xlsx", "t", {}, [Table("t", "表", FIELDS, rows)])
    links, notes = _links_and_notes(path)
    first_text = EXCEL_MAX_LINKS + 2  # the sheet row of the first address past the limit (header is row 1)
    assert links == [f"B{row}" for row in range(2, first_text)]
    assert list(notes) == [f"B{first_text}"] and "65,530" in notes[f"B{first_text}"]  # one note for the sheet
    book = load_workbook(path, read_only=True)
    shown = [row[0] for row in book["表"].iter_rows(min_row=first_text - 1, min_col=2, max_col=2, values_only=True)]
    book.close()
    assert shown == [r["url"] for r in rows[-6:]]


def test_an_address_too_long_for_a_link_is_text_with_a_note(tmp_path: Path) -> None:
    long_url = "https://www.example.gov.cn/search?q=" + "政" * 2100
    sheet = _write(tmp_path, [{"url": long_url}, {"url": "https://www.example.gov.cn/"}])
    cell = sheet.cell(row=2, column=2)
    assert cell.value == long_url and cell.hyperlink is None and "2,079" in cell.comment.text
    assert sheet.cell(row=3, column=2).hyperlink.target == "https://www.example.gov.cn/"


def _failing_rows() -> Iterator[dict[str, Any]]:
    yield {"title": "第一行"}
    raise RuntimeError("the store went away")


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json"])
def test_a_failure_mid_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"old.{fmt}"
    write_tables(target, fmt, "t", {}, [Table("t", "表", FIELDS, [{"title": "昨天的"}])])
    before = target.read_bytes()
    with pytest.raises(RuntimeError):
        write_tables(target, fmt, "t", {}, [Table("t", "表", FIELDS, _failing_rows(), count=2)])
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
