"""Body bytes -> text for gov pages, whose HTTP charset headers are often wrong (utf-8 declared, GBK sent).

w3lib reads the declarations (BOM, meta/XML charset) and names codecs as browsers do (GB2312/GBK read as
their superset GB18030); our own rule on top: a declaration is trusted only if the body decodes under it
without errors, and a body that is valid multi-byte UTF-8 is UTF-8 whatever it declares.
"""

from __future__ import annotations

from charset_normalizer import from_bytes
from w3lib.encoding import html_body_declared_encoding, read_bom, resolve_encoding

# Codecs that consume the byte-order mark themselves (w3lib names the BOM's byte order instead).
_BOM_CODECS = {"utf-8": "utf-8-sig", "utf-16-le": "utf-16", "utf-16-be": "utf-16", "utf-32-le": "utf-32",
               "utf-32-be": "utf-32"}


def _codec(name: str | None) -> str | None:
    return resolve_encoding(name.strip().strip("'\"")) if name and name.strip() else None


def _is_utf8_text(body: bytes) -> bool:
    """Valid UTF-8 with multi-byte characters: GBK text practically never passes this by accident."""
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode_body(body: bytes, header_charset: str | None) -> tuple[str, str]:
    """(text, encoding used): BOM, then header charset, then meta charset, each only if it decodes without
    errors; then charset-normalizer detection; last resort GB18030 with replacement characters."""
    bom_encoding, _bom = read_bom(body)
    if bom_encoding:
        name = _BOM_CODECS.get(bom_encoding, bom_encoding)
        return body.decode(name, errors="replace"), name
    tried: list[str] = []
    for candidate in (_codec(header_charset), html_body_declared_encoding(body)):
        if candidate and candidate not in tried:
            tried.append(candidate)
            try:
                text = body.decode(candidate)
            except UnicodeDecodeError:
                continue
            if candidate != "utf-8" and _is_utf8_text(body):
                return body.decode("utf-8"), "utf-8"  # GB18030 accepts UTF-8 bytes as mojibake; UTF-8 is stricter
            return text, candidate
    best = from_bytes(body[:65536]).best()
    if best is not None:
        name = _codec(best.encoding) or best.encoding
        try:
            return body.decode(name), name
        except (UnicodeDecodeError, LookupError):
            pass
    for name in ("utf-8", "gb18030"):
        try:
            return body.decode(name), name
        except UnicodeDecodeError:
            continue
    return body.decode("gb18030", errors="replace"), "gb18030"
