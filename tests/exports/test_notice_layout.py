"""The drafted 通报 is a GB/T 9704-2012 公文: read back from the docx (python-docx and its XML) and the PDF."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, Twips
from lxml import etree

from portalcheck.core.config import NoticeConfig
from portalcheck.exports import export
from portalcheck.exports.gongwen import FONTS, TODO, Block, stand_in
from portalcheck.exports.pdf import PdfUnavailable, fonts_conf

from ..conftest import REPO
from .conftest import Exported

needs_libreoffice = pytest.mark.skipif(not shutil.which("soffice") or not shutil.which("pdftotext"),
                                       reason="LibreOffice and poppler-utils are installed by scripts/setup.sh")
FILLED = NoticeConfig(issuer="县政务公开工作领导小组办公室", number="县政公开发〔2026〕3号",
                      copy_to=["县委办公室", "县人大常委会办公室"])


@pytest.fixture(scope="module")
def draft(exported: Exported) -> Document:
    return Document(str(exported.export("notice", "docx", "layout.docx")))


@pytest.fixture(scope="module")
def filled(exported: Exported) -> Document:
    config = exported.config.model_copy(update={"notice": FILLED})
    return Document(str(export(config, "notice", exported.folder / "filled.docx", fmt="docx",
                               period=exported.period)))


def by_style(document: Document, name: str) -> list:
    return [p for p in document.paragraphs if p.style.name == name]


def record(document: Document) -> list:
    """The 版记's paragraphs: the last table, one row each."""
    return [row.cells[0].paragraphs[0] for row in document.tables[-1].rows]


def east_asia(run) -> str:  # type: ignore[no-untyped-def]
    return run._r.rPr.rFonts.get(qn("w:eastAsia"))


def test_page_is_a4_with_the_standard_margins_and_a_22_by_28_grid(draft: Document) -> None:
    assert len(draft.sections) == 1
    section = draft.sections[0]
    near = lambda a, b: abs(a - b) < Mm(0.1)  # noqa: E731 - the file stores twips
    assert near(section.page_width, Mm(210)) and near(section.page_height, Mm(297))
    assert near(section.top_margin, Mm(37)) and near(section.left_margin, Mm(28))
    assert near(section.page_width - section.left_margin - section.right_margin, Mm(156))  # 版心 156 × 225 mm
    assert near(section.page_height - section.top_margin - section.bottom_margin, Mm(225))
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "lines" and grid.get(qn("w:linePitch")) == "579"
    assert abs(Twips(579) * 22 - Mm(225)) < Mm(0.5)  # 22 lines a page
    condensed = draft.styles["公文正文"].element.rPr.find(qn("w:spacing"))
    pitch = Pt(16 + int(condensed.get(qn("w:val"))) / 20)
    assert pitch * 28 <= Mm(156) < pitch * 29  # 28 characters a line


def test_each_kind_of_paragraph_has_its_font_size_indent_and_fixed_spacing(draft: Document) -> None:
    title, = by_style(draft, "公文标题")
    assert title.text.startswith("关于") and title.text.endswith("检查情况的通报")
    assert title.alignment is None and title.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert {east_asia(r) for r in title.runs} == {"方正小标宋简体"} and title.runs[0].font.size == Pt(22)
    heading, = by_style(draft, "一级标题")
    assert heading.text == "一、整体情况" and east_asia(heading.runs[0]) == "黑体"
    second = by_style(draft, "二级标题")
    assert [p.runs[0].text for p in second] == ["（一）网站信息发布统计情况。", "（二）网站内容保障情况。",
                                               "（三）网上问政回复情况。", "（四）政务新媒体检查情况。"]
    for paragraph in second:
        assert east_asia(paragraph.runs[0]) == "楷体_GB2312"  # the heading sentence; the rest is body text
        assert {east_asia(r) for r in paragraph.runs[1:]} == {"仿宋_GB2312"}
    body = by_style(draft, "公文正文")
    assert body and body[0].text.startswith("根据国务院办公厅")
    for paragraph in [*body, *second, heading]:
        fmt = paragraph.style.paragraph_format
        assert fmt.first_line_indent == Pt(32)  # 首行缩进二字
        assert fmt.line_spacing_rule == WD_LINE_SPACING.EXACTLY and fmt.line_spacing == Twips(579)
        assert all(r.font.size == Pt(16) for r in paragraph.runs if r.text)
    salutation, = by_style(draft, "主送机关")
    assert salutation.text == "各乡镇人民政府，县政府各部门：" and east_asia(salutation.runs[0]) == "仿宋_GB2312"


def test_annex_list_signature_and_date_follow_the_body(draft: Document) -> None:
    annex = by_style(draft, "附件说明")
    assert [p.text[:5] for p in annex] == ["附件：1．", "2．部门乡", "3．" + annex[2].text[2:5], "4．政务新"]
    first, rest = annex[0].paragraph_format, annex[1].paragraph_format
    # 附件 stands 左空二字; every number (and a wrapped name) lines up under the first one's.
    assert first.left_indent + first.first_line_indent == Pt(32)
    assert rest.left_indent + rest.first_line_indent == Pt(32) + Pt(48)
    assert first.left_indent == rest.left_indent
    date, = by_style(draft, "成文日期")
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", date.text)  # Arabic numerals
    assert date.paragraph_format.right_indent == Pt(64)  # 右空四字
    signature, = by_style(draft, "发文机关署名")
    assert signature.text == TODO
    names = [p.style.name for p in draft.paragraphs]
    assert names.index("附件说明") < names.index("发文机关署名") < names.index("成文日期") < names.index("附件标识")


def test_page_numbers_are_dashed_page_fields_at_the_outside_corner(draft: Document) -> None:
    section = draft.sections[0]
    assert draft.settings.odd_and_even_pages_header_footer
    for footer, alignment in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
                              (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        paragraph, = footer.paragraphs
        xml = paragraph._p.xml
        assert "<w:instrText" in xml and re.search(r">\s*PAGE\s*<", xml)
        assert paragraph.text.startswith("— ") and paragraph.text.endswith(" —")
        assert paragraph.paragraph_format.alignment == alignment
        assert {east_asia(r) for r in paragraph.runs} == {"宋体"} and paragraph.runs[0].font.size == Pt(14)
    assert section.footer.paragraphs[0].paragraph_format.right_indent == Pt(14)  # 单页码居右空一字
    assert section.even_page_footer.paragraphs[0].paragraph_format.left_indent == Pt(14)  # 双页码居左空一字


def test_each_attachment_starts_a_new_page_with_its_label_title_and_table(draft: Document) -> None:
    labels = by_style(draft, "附件标识")
    assert [p.text for p in labels] == ["附件1", "附件2", "附件3", "附件4"]
    for label in labels:
        assert label.paragraph_format.page_break_before and east_asia(label.runs[0]) == "黑体"
        assert label.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.LEFT
    titles = by_style(draft, "附件标题")
    assert [t.text for t in titles][1] == "部门乡镇网页督查情况表"
    assert all(east_asia(t.runs[0]) == "方正小标宋简体" for t in titles)
    assert len(draft.tables) == 5  # the four attachments and the 版记


def test_attachment_tables_repeat_their_header_fit_the_page_and_right_align_numbers(draft: Document) -> None:
    for table in draft.tables[:4]:
        header = table.rows[0]
        assert header._tr.trPr.find(qn("w:tblHeader")) is not None  # repeated on every page
        assert all(r.font.bold for c in header.cells for r in c.paragraphs[0].runs)
        assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in table.rows)
        assert sum(c.width for c in table.columns) <= Mm(156)
    pubs = draft.tables[0]
    total = pubs.rows[-1]
    assert total.cells[1].text == "合计" and all(r.font.bold for r in total.cells[2].paragraphs[0].runs)
    count = pubs.rows[1].cells[2].paragraphs[0]
    assert count.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert pubs.rows[1].cells[1].paragraphs[0].paragraph_format.alignment == WD_ALIGN_PARAGRAPH.LEFT
    upkeep = draft.tables[1]
    rows = [[c.text for c in r.cells] for r in upkeep.rows[1:-1]]
    assert upkeep.rows[-1].cells[0].text == "合计"
    for column in (1, 2, 3, 4, 5):
        assert upkeep.rows[-1].cells[column].text == str(sum(int(r[column]) for r in rows))


def test_without_a_notice_section_the_placeholders_stay_marked(exported: Exported, draft: Document) -> None:
    assert exported.config.notice == NoticeConfig()  # config.yaml keeps the section commented out
    masthead, = by_style(draft, "发文机关标志")
    number, = by_style(draft, "发文字号")
    assert masthead.text == TODO and masthead.runs[0].font.color.rgb is not None  # red 发文机关标志
    assert number.text == f"{TODO}〔{exported.period.date_to.year}〕号"
    assert number._p.pPr.find(qn("w:pBdr")) is not None  # the red rule under the 发文字号
    rows = record(draft)
    assert rows[0].text == f"抄送：{TODO}。" and rows[-1].text.startswith(f"{TODO}\t")
    assert rows[-1].text.endswith("印发")
    assert f"，{TODO}近期对" in by_style(draft, "公文正文")[0].text
    marks = [r for p in draft.paragraphs for r in p.runs if r.text == TODO]
    assert marks and all(r.font.highlight_color is not None for r in marks)  # visible, not silently blank


def test_the_notice_section_fills_the_masthead_number_signature_and_record(filled: Document) -> None:
    assert by_style(filled, "发文机关标志")[0].text == "县政务公开工作领导小组办公室"
    assert by_style(filled, "发文字号")[0].text == "县政公开发〔2026〕3号"
    assert by_style(filled, "发文机关署名")[0].text == "县政务公开工作领导小组办公室"
    first, printed = record(filled)
    assert first.text == "抄送：县委办公室，县人大常委会办公室。"
    assert printed.text.startswith("县政务公开工作领导小组办公室\t")  # 印发机关 defaults to the issuer
    assert east_asia(first.runs[0]) == "仿宋_GB2312" and first.runs[0].font.size == Pt(14)
    table = filled.tables[-1]._tbl.tblPr
    position = table.find(qn("w:tblpPr"))  # floats at the foot of the last page (in Word)
    assert position.get(qn("w:vertAnchor")) == "margin" and position.get(qn("w:tblpYSpec")) == "bottom"
    borders = table.find(qn("w:tblBorders"))
    sizes = {side: borders.find(qn(f"w:{side}")).get(qn("w:sz")) for side in ("top", "insideH", "bottom")}
    assert sizes == {"top": "8", "insideH": "6", "bottom": "8"}  # thick, thin, thick rules
    assert "县政务公开工作领导小组办公室近期对" in by_style(filled, "公文正文")[0].text


def test_copy_to_left_empty_drops_the_copy_line(exported: Exported) -> None:
    config = exported.config.model_copy(update={"notice": NoticeConfig(issuer="县政府办公室", copy_to=[])})
    document = Document(str(export(config, "notice", exported.folder / "nocopy.docx", fmt="docx",
                                   period=exported.period)))
    printed, = record(document)
    assert printed.text.startswith("县政府办公室\t")


def test_fonts_fall_back_to_the_cjk_fonts_installed() -> None:
    assert stand_in("fangsong", frozenset({"仿宋_GB2312", "Noto Serif CJK SC"})) == "仿宋_GB2312"
    assert stand_in("fangsong", frozenset({"WenQuanYi Zen Hei", "Noto Serif CJK SC"})) == "Noto Serif CJK SC"
    assert stand_in("kaiti", frozenset({"AR PL KaitiM GB", "Noto Serif CJK SC"})) == "AR PL KaitiM GB"
    assert stand_in("heiti", frozenset({"WenQuanYi Zen Hei"})) == "WenQuanYi Zen Hei"
    assert stand_in("xiaobiaosong", frozenset({"WenQuanYi Zen Hei"})) == "WenQuanYi Zen Hei"  # any CJK font at all
    assert stand_in("songti", frozenset()) is None


def test_the_docx_names_each_fonts_stand_in_and_the_pdf_conversion_maps_it(draft: Document) -> None:
    table = next(r.target_part for r in draft.part.rels.values() if r.reltype.endswith("/fontTable"))
    xml = table.blob.decode("utf-8")
    conf = fonts_conf()
    for role, font in FONTS.items():
        present = stand_in(role)
        assert f'w:name="{font.name}"' in xml
        if present and present != font.name:
            assert f'<w:altName w:val="{present}"/>' in xml.split(f'w:name="{font.name}"')[1].split("</w:font>")[0]
            assert f"<family>{font.name}</family><prefer><family>{present}</family>" in conf


@needs_libreoffice
def test_pdf_draft_keeps_the_layout_fonts_and_page_numbers(exported: Exported) -> None:
    pdf = exported.export("notice", "pdf", "notice.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert abs(float(size.group(1)) - Mm(210).pt) < 1 and abs(float(size.group(2)) - Mm(297).pt) < 1
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    sheets = text.split("\f")
    assert re.search(r"—\s*1\s*—", sheets[0]) and re.search(r"—\s*2\s*—", sheets[1])
    lines = [line.strip() for line in sheets[1].splitlines() if line.strip()]
    assert max(len(line.replace(" ", "")) for line in lines) >= 27  # a full line: 28 characters, not 14
    starts = [i for i, sheet in enumerate(sheets) if re.match(r"\s*附件\s*\d\s*\n", sheet)]
    assert len(starts) == 4  # each attachment opens a page of its own
    assert "印发" in sheets[pages - 1]  # the 版记 is on the last page
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    embedded = re.sub(r"CJK[a-z]{2}", "CJK", fonts)  # Noto's subfonts come out as NotoSerifCJKjp-…
    for name in {stand_in(role) for role in FONTS} - {None}:  # each stand-in drew its part (serif, sans, kai)
        assert postscript_family(name) in embedded, (name, fonts)


def postscript_family(font: str) -> str:
    """The PostScript name pdffonts shows for an installed font, less style and CJK language (GBZenKai, NotoSansCJK)."""
    name = subprocess.run(["fc-match", "-f", "%{postscriptname}", font], capture_output=True, text=True).stdout
    return re.sub(r"CJK[a-z]{2}", "CJK", name.split("-")[0])


def test_pdf_without_libreoffice_says_so_in_chinese_and_records_nothing(exported: Exported, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH without soffice
    out = exported.folder / "absent.pdf"
    deadline = exported.period.date_to
    with pytest.raises(PdfUnavailable, match="未找到 LibreOffice"):
        export(exported.config, "notice", out, fmt="pdf", period=exported.period, deadline=deadline)
    assert not out.exists()
    env = {**os.environ, "PORTALCHECK_DATABASE_URL": exported.db_url, "PATH": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "portalcheck.cli", "--config", str(exported.config_path), "export",
                             "notice", "--format", "pdf", "--deadline", deadline.isoformat(), "--out", str(out)],
                            env=env, capture_output=True, text=True, timeout=120, cwd=REPO)
    assert result.returncode != 0 and "未找到 LibreOffice" in result.stderr and "已记录整改期限" not in result.stderr
    assert not out.exists()
    monkeypatch.undo()
    rows = json.loads(exported.export("findings", "json", "after-absent.json").read_text(encoding="utf-8"))
    assert all(r["deadline"] != deadline.isoformat() for r in rows)  # no deadline recorded either


# Schema order of the property elements written by hand (ECMA-376 CT_PPr, CT_RPr, CT_TblPr): Word refuses a file
# whose properties are out of order, though LibreOffice and python-docx read it.
ORDER = {
    "pPr": "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd tabs "
           "suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi "
           "adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc textDirection "
           "textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange",
    "rPr": "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint noProof snapToGrid "
           "vanish webHidden color spacing w kern position sz szCs highlight u effect bdr shd fitText vertAlign rtl cs "
           "em lang eastAsianLayout specVanish oMath",
    "tblPr": "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc tblCellSpacing "
             "tblInd tblBorders shd tblLayout tblCellMar tblLook tblCaption tblDescription tblPrChange",
}


def test_hand_written_properties_are_in_the_order_word_requires(exported: Exported) -> None:
    path = export(exported.config.model_copy(update={"notice": FILLED}), "notice", exported.folder / "order.docx",
                  fmt="docx", period=exported.period)
    main = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    with zipfile.ZipFile(path) as archive:
        parts = [n for n in archive.namelist() if re.fullmatch(r"word/(document|styles|footer\d+)\.xml", n)]
        assert len(parts) >= 4  # document, styles, odd and even footers
        for name in parts:
            root = etree.fromstring(archive.read(name))
            for tag, order in ORDER.items():
                sequence = order.split()
                for element in root.iter(main + tag):
                    children = [c.tag.removeprefix(main) for c in element if c.tag.startswith(main)]
                    assert all(c in sequence for c in children), (name, children)
                    positions = [sequence.index(c) for c in children]
                    assert positions == sorted(positions), (name, tag, children)


def test_a_long_name_wraps_in_its_column_and_the_table_keeps_to_the_page() -> None:
    from portalcheck.exports.notice_docx import _column_widths

    header = ["单位", "栏目数", "更新及时", "不更新", "空白", "无法访问", "最新信息日期", "结论"]
    short = Block("attachment", "表", header, [["白鹤镇", 9, 9, 0, 0, 0, "2026-12-01", "合格"]])
    size, widths = _column_widths(short)
    assert size == 12 and sum(widths) <= Mm(156)  # 小四 when it fits
    long = Block("attachment", "表", header, [["县住房和城乡建设局机关事务服务中心与县自然资源和规划局联合办公室",
                                             12345, 9, 0, 0, 0, "2026-12-01", "不合格"]])
    size, widths = _column_widths(long)
    assert size == 10.5 and sum(widths) <= Mm(156)
    assert widths[1] >= Pt(10.5 * 2.5)  # "12345" still on one line
    assert widths[0] == max(widths)
