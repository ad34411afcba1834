"""Body bytes -> text for gov pages, whose HTTP charset headers are often wrong (utf-8 declared, GBK sent)."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.IGNORECASE)
# GB2312 and GBK are subsets of GB18030: decoding as GB18030 never loses characters the page really has.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "cp936": "gb18030",
}


def _canonical(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("'\"").lower()
    name = _SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def meta_charset(body: bytes) -> str | None:
    """Charset from `<meta charset>` or `<meta http-equiv="Content-Type" content="…; charset=…">`."""
    m = _META_CHARSET.search(body[:4096])
    return _canonical(m.group(1).decode("ascii", "ignore")) if m else None


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
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body.decode(name, errors="replace"), name
    tried: list[str] = []
    for candidate in (_canonical(header_charset), meta_charset(body)):
        if candidate and candidate not in tried:
            tried.append(candidate)
            try:
                text = body.decode(candidate)
            except UnicodeDecodeError:
                continue
            if candidate != "utf-8" and _is_utf8_text(body):
                return body.decode(
                    "utf-8"
                ), "utf-8"  # GB18030 accepts UTF-8 bytes as mojibake; UTF-8 is stricter
            return text, candidate
    best = from_bytes(body[:65536]).best()
    if best is not None:
        name = _canonical(best.encoding) or best.encoding
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
