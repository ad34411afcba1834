"""The notice's blocks laid out as a GB/T 9704-2012 公文 in Word (python-docx, with its XML where it has no API).

Each kind of paragraph has its own named style (公文标题, 一级标题 …) carrying font, size, indents and the fixed
line spacing, and every run names its font too (WPS reads the run's East Asian font first). Measures and fonts
come from gongwen.py.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt, RGBColor, Twips

from portalcheck.exports import gongwen as gw
from portalcheck.exports.gongwen import TODO, Block

LINE = Twips(gw.LINE_PITCH_TWIPS)


def _chars(n: float, size: float = gw.SAN_HAO) -> Emu:
    """`n` characters of a `size`-point font, as a length (indents are counted in characters)."""
    return Emu(round(Pt(size) * n))

# style name → (font role, size, bold, alignment, first-line indent in characters)
STYLES: dict[str, tuple[str, float, bool, Any, int]] = {
    "发文机关标志": ("xiaobiaosong", gw.ER_HAO, False, WD_ALIGN_PARAGRAPH.CENTER, 0),
    "发文字号": ("fangsong", gw.SAN_HAO, False, WD_ALIGN_PARAGRAPH.CENTER, 0),
    "公文标题": ("xiaobiaosong", gw.ER_HAO, False, WD_ALIGN_PARAGRAPH.CENTER, 0),
    "主送机关": ("fangsong", gw.SAN_HAO, False, WD_ALIGN_PARAGRAPH.JUSTIFY, 0),
    "公文正文": ("fangsong", gw.SAN_HAO, False, WD_ALIGN_PARAGRAPH.JUSTIFY, 2),
    "一级标题": ("heiti", gw.SAN_HAO, False, WD_ALIGN_PARAGRAPH.JUSTIFY, 2),
    "二级标题": ("kaiti", gw.SAN_HAO, False, WD_ALIGN_PARAGRAPH.JUSTIFY, 2),
    "三级标题": ("fangsong", gw.SAN_HAO, True, WD_ALIGN_PARAGRAPH.JUSTIFY, 2),
    "附件说明": ("fangsong", gw.SAN_HAO, False, WD_ALIGN_PARAGRAPH.LEFT, 0),
    "空行": ("fangsong", gw.SAN_HAO, False, WD_ALIGN_PARAGRAPH.LEFT, 0),
    "发文机关署名": ("fangsong", gw.SAN_HAO, False, WD_ALIGN_PARAGRAPH.RIGHT, 0),
    "成文日期": ("fangsong", gw.SAN_HAO, False, WD_ALIGN_PARAGRAPH.RIGHT, 0),
    "附件标识": ("heiti", gw.SAN_HAO, False, WD_ALIGN_PARAGRAPH.LEFT, 0),
    "附件标题": ("xiaobiaosong", gw.ER_HAO, False, WD_ALIGN_PARAGRAPH.CENTER, 0),
    "表格文字": ("fangsong", gw.XIAO_SI, False, WD_ALIGN_PARAGRAPH.CENTER, 0),
    "版记": ("fangsong", gw.SI_HAO, False, WD_ALIGN_PARAGRAPH.LEFT, 0),
    "页码": ("songti", gw.SI_HAO, False, WD_ALIGN_PARAGRAPH.RIGHT, 0),
}
# Big type (2号) keeps its own exact spacing off the line grid, which would give each of its lines two grid lines.
OWN_SPACING = {"发文机关标志": 35.0, "公文标题": 35.0, "附件标题": 35.0}
OUTLINE = {"公文标题": 0, "一级标题": 1, "二级标题": 2, "三级标题": 3, "附件标识": 1}
HEADING_2 = re.compile(r"^（[一二三四五六七八九十]+）[^。]*。")
HEADING_3 = re.compile(r"^\d+[.．][^。]*。")
# w:pPr children after w:framePr, in schema order (Word refuses a file whose pPr children are out of order).
_AFTER_FRAME = ("w:widowControl", "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs",
                "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct",
                "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
                "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
                "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
                "w:sectPr", "w:pPrChange")
_AFTER_BORDER = _AFTER_FRAME[4:]
_TBLPR_ORDER = ("w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize",
                "w:tblStyleColBandSize", "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders", "w:shd",
                "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange")
_RPR_AFTER_SPACING = ("w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr",
                      "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout",
                      "w:specVanish", "w:oMath")


def render_docx(items: list[Block], path: Path) -> None:
    document = Document()
    _styles(document)
    _page(document)
    for b in items:
        if b.kind == "attachment":
            _attachment(document, b)
        elif b.kind == "record":
            _record(document, b)
        elif b.kind == "pictures":
            _pictures(document, b)
        else:
            _block(document, b)
    _font_table(document)
    document.save(str(path))


# --- page --------------------------------------------------------------------------------------------------

def _page(document: Any) -> None:
    """A4, GB/T 9704 margins, a 22 × 28 grid, "— 1 —" page numbers at the outside corner (odd right, even left)."""
    section = document.sections[0]
    section.page_width, section.page_height = Mm(gw.PAGE_WIDTH_MM), Mm(gw.PAGE_HEIGHT_MM)
    section.top_margin, section.bottom_margin = Mm(gw.TOP_MM), Mm(gw.BOTTOM_MM)
    section.left_margin, section.right_margin = Mm(gw.LEFT_MM), Mm(gw.RIGHT_MM)
    section.header_distance = Mm(15)
    # The number's line (4号, about 5 mm) starts 7 mm below the 版心.
    section.footer_distance = Emu(Mm(gw.BOTTOM_MM - gw.PAGE_NUMBER_GAP_MM) - Pt(gw.SI_HAO * 1.3))
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    # A line grid only: with a character grid LibreOffice gives each 16 pt character two 15.8 pt cells (14 a line).
    # 28 characters a line come from condensing the 3号 styles by 0.25 pt instead (_condense).
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(gw.LINE_PITCH_TWIPS))
    document.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer.paragraphs[0], odd=True)
    _page_number(section.even_page_footer.paragraphs[0], odd=False)


def _page_number(paragraph: Any, odd: bool) -> None:
    paragraph.style = "页码"
    fmt = paragraph.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    if odd:
        fmt.right_indent = Pt(gw.SI_HAO)  # 单页码居右空一字
    else:
        fmt.left_indent = Pt(gw.SI_HAO)  # 双页码居左空一字
    _run(paragraph, "— ", "songti", gw.SI_HAO)
    for kind, text in (("begin", None), ("instr", " PAGE "), ("separate", None), ("text", "1"), ("end", None)):
        run = _run(paragraph, "", "songti", gw.SI_HAO)
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        elif kind == "text":
            run.text = text
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
    _run(paragraph, " —", "songti", gw.SI_HAO)


# --- styles and runs ---------------------------------------------------------------------------------------

def _fonts(element: Any, role: str) -> None:
    """Name the role's font for every script (ascii, hAnsi, eastAsia, cs): a 公文 sets digits in the same face."""
    fonts = element.get_or_add_rPr().get_or_add_rFonts()
    name = gw.FONTS[role].name
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), name)
    fonts.set(qn("w:hint"), "eastAsia")


def _styles(document: Any) -> None:
    from docx.enum.style import WD_STYLE_TYPE

    normal = document.styles["Normal"]
    _fonts(normal.element, "fangsong")
    normal.font.size = Pt(gw.SAN_HAO)
    _condense(normal.element)
    _spacing(normal.paragraph_format)
    for name, (role, size, bold, alignment, indent) in STYLES.items():
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.quick_style = True
        _fonts(style.element, role)
        style.font.size, style.font.bold = Pt(size), bold
        fmt = style.paragraph_format
        fmt.alignment = alignment
        _spacing(fmt)
        if size == gw.SAN_HAO:
            _condense(style.element)
        if name in OWN_SPACING:
            fmt.line_spacing = Pt(OWN_SPACING[name])
            off = OxmlElement("w:snapToGrid")
            off.set(qn("w:val"), "0")
            style.element.get_or_add_pPr().insert_element_before(off, *_AFTER_FRAME[_AFTER_FRAME.index("w:spacing"):])
        if indent:
            fmt.first_line_indent = _chars(indent)
            ind = style.element.get_or_add_pPr().get_or_add_ind()
            ind.set(qn("w:firstLineChars"), str(indent * 100))
        if name in OUTLINE:
            style.element.get_or_add_pPr().get_or_add_outlineLvl().val = OUTLINE[name]


def _condense(element: Any) -> None:
    """Condense 3号 text by 0.25 pt (15.75 pt a character), so that 28 characters fill the 156 mm line."""
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(round(gw.CONDENSE_PT * 20)))
    element.get_or_add_rPr().insert_element_before(spacing, *_RPR_AFTER_SPACING)


def _spacing(fmt: Any) -> None:
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE
    fmt.widow_control = False


def _run(paragraph: Any, text: str, role: str, size: float, bold: bool = False, color: str | None = None) -> Any:
    run = paragraph.add_run(text)
    _fonts(run._r, role)
    run.font.size, run.font.bold = Pt(size), bold
    if color:
        run.font.color.rgb = RGBColor.from_string(color)
    return run


def _text(paragraph: Any, text: str, role: str, size: float, bold: bool = False, color: str | None = None) -> None:
    """Runs of `text`; each 【待补充】 highlighted so the inspector cannot miss what still needs filling in."""
    for part in re.split(f"({re.escape(TODO)})", text):
        if part:
            run = _run(paragraph, part, role, size, bold, color)
            if part == TODO:
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _paragraph(document: Any, style: str, text: str = "") -> Any:
    paragraph = document.add_paragraph(style=style)
    role, size, bold, _, _ = STYLES[style]
    if text:
        _text(paragraph, text, role, size, bold)
    return paragraph


# --- blocks ------------------------------------------------------------------------------------------------

def _block(document: Any, b: Block) -> None:
    if b.kind == "masthead":
        # 发文机关标志 in red; the 发文字号 follows after one empty line (GB/T 9704 7.2.3–7.2.4).
        paragraph = _paragraph(document, "发文机关标志")
        _text(paragraph, b.text, "xiaobiaosong", gw.ER_HAO, color=gw.RED)
        _paragraph(document, "空行")
        _paragraph(document, "空行")
    elif b.kind == "number":
        paragraph = _paragraph(document, "发文字号", b.text)
        _red_rule(paragraph)  # 版头中的分隔线: red, the 版心's width, 4 mm below the 发文字号
        _paragraph(document, "空行")  # the title stands two lines below the rule
        _paragraph(document, "空行")
    elif b.kind == "title":
        _paragraph(document, "公文标题", b.text)
        _paragraph(document, "空行")  # 标题下空一行
    elif b.kind == "salutation":
        _paragraph(document, "主送机关", b.text)
    elif b.kind == "heading":
        _paragraph(document, "一级标题", b.text)
    elif b.kind == "annex":
        _annex(document, b)
    elif b.kind == "signature":
        _signature(document, b)
    elif b.kind == "date":
        paragraph = _paragraph(document, "成文日期", b.text)
        paragraph.paragraph_format.right_indent = _chars(4)  # 成文日期右空四字
    else:
        _body(document, b.text)


def _body(document: Any, text: str) -> None:
    """A body paragraph; one that opens with （一）… or 1. … carries its own 二级/三级 heading as a first sentence."""
    for pattern, style in ((HEADING_2, "二级标题"), (HEADING_3, "三级标题")):
        found = pattern.match(text)
        if found:
            paragraph = _paragraph(document, style, found.group(0))
            _text(paragraph, text[found.end():], "fangsong", gw.SAN_HAO)
            return
    _paragraph(document, "公文正文", text)


def _annex(document: Any, b: Block) -> None:
    """附件说明: after one empty line, 左空二字 "附件：1．…"; later numbers (and wrapped lines) align under it."""
    number = f"{b.label}．"
    lead = gw.text_width("附件：") if b.label == "1" else 0
    if b.label == "1":
        _paragraph(document, "空行")
    paragraph = _paragraph(document, "附件说明")
    fmt = paragraph.paragraph_format
    fmt.left_indent = _chars(2 + gw.text_width("附件：") + gw.text_width(number))
    fmt.first_line_indent = _chars(-(lead + gw.text_width(number)))
    _text(paragraph, ("附件：" if b.label == "1" else "") + number + b.text, "fangsong", gw.SAN_HAO)


def _signature(document: Any, b: Block) -> None:
    """发文机关署名 centred over the 成文日期 (which stands 右空四字), after room for the seal."""
    for _ in range(3):
        _paragraph(document, "空行")
    paragraph = _paragraph(document, "发文机关署名", b.text)
    today_width = gw.text_width("2026年12月31日")
    paragraph.paragraph_format.right_indent = _chars(max(4 + (today_width - gw.text_width(b.text)) / 2, 2))


def _red_rule(paragraph: Any) -> None:
    _border(paragraph, "bottom", size_eighths=8, color=gw.RED, space=12)


def _border(paragraph: Any, side: str, size_eighths: int, color: str = "000000", space: int = 1) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        ppr.insert_element_before(borders, *_AFTER_BORDER)
    line = OxmlElement(f"w:{side}")
    for key, value in (("val", "single"), ("sz", str(size_eighths)), ("space", str(space)), ("color", color)):
        line.set(qn(f"w:{key}"), value)
    borders.append(line)


# --- attachments -------------------------------------------------------------------------------------------

def _attachment(document: Any, b: Block) -> None:
    """A new page: 附件N top left in 黑体, the title centred on the second line, then the table."""
    label = _paragraph(document, "附件标识", b.label)
    label.paragraph_format.page_break_before = True
    label.paragraph_format.keep_with_next = True
    _paragraph(document, "附件标题", b.text).paragraph_format.keep_with_next = True
    _paragraph(document, "空行")
    size, widths = _column_widths(b)
    table = document.add_table(rows=1 + len(b.rows), cols=len(b.header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    numeric = [all(isinstance(r[i], int | float) or r[i] in ("", None) for r in b.rows) for i in range(len(b.header))]
    for index, values in enumerate([b.header, *b.rows]):
        row = table.rows[index]
        header, total = index == 0, index > len(b.rows) - b.total_rows
        _row_properties(row, header)
        for column, (cell, value) in enumerate(zip(row.cells, values, strict=True)):  # noqa: B007
            cell.width = widths[column]
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            paragraph = cell.paragraphs[0]
            paragraph.style = "表格文字"
            fmt = paragraph.paragraph_format
            fmt.line_spacing = Pt(size * 1.5)
            fmt.alignment = (WD_ALIGN_PARAGRAPH.CENTER if header else
                             WD_ALIGN_PARAGRAPH.RIGHT if numeric[column] else WD_ALIGN_PARAGRAPH.LEFT)
            _text(paragraph, "" if value is None else str(value), "fangsong", size, bold=header or total)


def _pictures(document: Any, b: Block) -> None:
    """The evidence pictures' attachment: a new page, 附件N and its title, then each caption and its picture
    the 版心's width (the red outline shows what the finding is about)."""
    label = _paragraph(document, "附件标识", b.label)
    label.paragraph_format.page_break_before = True
    label.paragraph_format.keep_with_next = True
    _paragraph(document, "附件标题", b.text).paragraph_format.keep_with_next = True
    _paragraph(document, "空行")
    for caption, picture in b.rows:
        paragraph = _paragraph(document, "表格文字")
        paragraph.paragraph_format.keep_with_next = True
        paragraph.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
        _text(paragraph, caption, "fangsong", gw.XIAO_SI)
        document.add_picture(str(picture), width=Mm(156))
        document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER


def _column_widths(b: Block) -> tuple[float, list[Any]]:
    """Widths that fit the 版心: each column as wide as its longest value (a header may wrap onto two lines)."""
    body = Mm(gw.BODY_WIDTH_MM)
    padding = Mm(2.2)  # Word's default cell margins, left and right
    longest = [max([gw.text_width(str(r[i])) for r in b.rows if r[i] is not None] or [1.0])
               for i in range(len(b.header))]
    # Best first: headers on one line in 小四; headers on two lines in 小四; then the same in 五号.
    tries = [(size, [max(n, gw.text_width(title) / lines, 2.0) for n, title in zip(longest, b.header, strict=True)])
             for size in (gw.XIAO_SI, gw.WU_HAO) for lines in (1, 2)]
    fitting = [(size, needs) for size, needs in tries if sum(needs) * Pt(size) + padding * len(needs) <= body]
    size, needs = fitting[0] if fitting else tries[-1]
    if not fitting:  # the widest column (a long unit or account name) wraps; numbers keep their width
        widest = needs.index(max(needs))
        room = (body - padding * len(needs)) / Pt(size) - (sum(needs) - needs[widest])
        needs[widest] = max(room, 4.0)
    raw = [n * Pt(size) + padding for n in needs]
    scale = body / sum(raw)
    return size, [Twips(int(w * scale / Twips(1))) for w in raw]  # whole twips: what the file stores


def _row_properties(row: Any, header: bool) -> None:
    """Rows never split across pages; the header row repeats at the top of every page the table runs onto."""
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    if header:
        tr_pr.append(OxmlElement("w:tblHeader"))


# --- 版记 ---------------------------------------------------------------------------------------------------

def _record(document: Any, b: Block) -> None:
    """版记: 抄送 and 印发 between black rules (thick, thin, thick), the last one on the 版心's lower edge.

    A one-column table floats at the foot of the last page (anchored to the bottom margin), so it sits there
    whatever the attachments' length; it moves to a page of its own only when the last page has no room.
    """
    if not b.rows:
        return
    table = document.add_table(rows=len(b.rows), cols=1)
    table.autofit = False
    table.columns[0].width = Mm(gw.BODY_WIDTH_MM)
    tbl_pr = table._tbl.tblPr
    position = OxmlElement("w:tblpPr")
    for key, value in (("horzAnchor", "margin"), ("vertAnchor", "margin"), ("tblpXSpec", "center"),
                       ("tblpYSpec", "bottom")):
        position.set(qn(f"w:{key}"), value)
    tbl_pr.insert_element_before(position, *_TBLPR_ORDER[_TBLPR_ORDER.index("w:tblpPr") + 1:])
    borders = OxmlElement("w:tblBorders")
    for side, size in (("top", 8), ("left", 0), ("bottom", 8), ("right", 0), ("insideH", 6), ("insideV", 0)):
        line = OxmlElement(f"w:{side}")  # 首条、末条分隔线 0.35 mm, 中间分隔线 0.25 mm
        line.set(qn("w:val"), "single" if size else "nil")
        if size:
            line.set(qn("w:sz"), str(size))
            line.set(qn("w:color"), "000000")
        borders.append(line)
    tbl_pr.insert_element_before(borders, *_TBLPR_ORDER[_TBLPR_ORDER.index("w:tblBorders") + 1:])
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:w"), "0")
        edge.set(qn("w:type"), "dxa")
        margins.append(edge)
    tbl_pr.insert_element_before(margins, *_TBLPR_ORDER[_TBLPR_ORDER.index("w:tblCellMar") + 1:])
    for row, values in zip(table.rows, b.rows, strict=True):
        cell = row.cells[0]
        cell.width = Mm(gw.BODY_WIDTH_MM)
        paragraph = cell.paragraphs[0]
        paragraph.style = "版记"
        fmt = paragraph.paragraph_format
        fmt.left_indent, fmt.right_indent = _chars(1, gw.SI_HAO), _chars(1, gw.SI_HAO)  # 左右各空一字
        if values[0] == "抄送":  # a wrapped line aligns under the first name after the colon
            fmt.left_indent = _chars(1 + gw.text_width("抄送："), gw.SI_HAO)
            fmt.first_line_indent = _chars(-gw.text_width("抄送："), gw.SI_HAO)
            _text(paragraph, f"抄送：{values[1]}", "fangsong", gw.SI_HAO)
        else:
            fmt.tab_stops.add_tab_stop(Emu(Mm(gw.BODY_WIDTH_MM) - _chars(1, gw.SI_HAO)), WD_TAB_ALIGNMENT.RIGHT)
            _text(paragraph, f"{values[1]}\t{values[2]}", "fangsong", gw.SI_HAO)
    document.add_paragraph(style="空行")  # a body ends with a paragraph; the table floats above it


# --- font table --------------------------------------------------------------------------------------------

def _font_table(document: Any) -> None:
    """Declare each 公文 font with its stand-in here as w:altName, so a machine without it knows what to use."""
    part = next((rel.target_part for rel in document.part.rels.values() if rel.reltype.endswith("/fontTable")),
                None)
    if part is None:
        return
    from lxml import etree

    root = part._element if hasattr(part, "_element") else etree.fromstring(part.blob)
    for role, font in gw.FONTS.items():
        element = etree.SubElement(root, qn("w:font"))
        element.set(qn("w:name"), font.name)
        present = gw.stand_in(role)
        if present and present != font.name:
            etree.SubElement(element, qn("w:altName")).set(qn("w:val"), present)
        etree.SubElement(element, qn("w:charset")).set(qn("w:val"), "86")  # GB2312
        etree.SubElement(element, qn("w:family")).set(qn("w:val"), font.family)
        etree.SubElement(element, qn("w:pitch")).set(qn("w:val"), "variable")
    if not hasattr(part, "_element"):
        part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

