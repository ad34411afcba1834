"""Small but real binary files (PNG, PDF, DOC, XLS) so attachment and image checks see genuine bytes."""

from __future__ import annotations

import struct
import zlib

CONTENT_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "pdf": "application/pdf",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "css": "text/css; charset=utf-8",
    "js": "application/javascript; charset=utf-8",
}


def png(width: int = 16, height: int = 16, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A solid-colour PNG, built with zlib only."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width
    raw = zlib.compress(row * height)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def pdf(title: str) -> bytes:
    """A one-page PDF with a correct xref table (the text is ASCII: no CJK font needed)."""
    text = title.encode("ascii", "replace").decode()
    stream = f"BT /F1 14 Tf 72 760 Td (Qingshan County attachment: {text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def doc(title: str) -> bytes:
    """An RTF document (Word opens it as .doc; many real government .doc attachments are RTF)."""
    escaped = "".join(c if ord(c) < 128 else f"\\u{ord(c)}?" for c in title)
    return (
        "{\\rtf1\\ansi\\ansicpg936\\deff0{\\fonttbl{\\f0 SimSun;}}\\f0\\fs28 " + escaped + "\\par}"
    ).encode()


def xls(title: str, rows: list[list[str]]) -> bytes:
    """An Excel 2003 XML spreadsheet (opens in Excel/WPS as .xls)."""
    cells = "".join(
        "<Row>" + "".join(f'<Cell><Data ss:Type="String">{v}</Data></Cell>' for v in row) + "</Row>"
        for row in [[title], *rows]
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
        f'<Worksheet ss:Name="Sheet1"><Table>{cells}</Table></Worksheet></Workbook>'
    ).encode()


def attachment(kind: str, title: str) -> bytes:
    if kind == "pdf":
        return pdf(title)
    if kind == "doc":
        return doc(title)
    return xls(title, [["序号", "名称", "备注"], ["1", "青山县", "—"]])
