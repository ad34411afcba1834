"""HTML fragments (Weibo post text, feed descriptions, #js_content) to plain text."""

from __future__ import annotations

import html as html_lib
import re

import lxml.html

_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def html_to_text(fragment: str | None) -> str:
    """Visible text; emoji <img alt="[偷笑]"> become their alt text, <br> a line break."""
    if not fragment:
        return ""
    if "<" not in fragment:
        return _tidy(html_lib.unescape(fragment))
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (ValueError, lxml.etree.ParserError):
        return _tidy(re.sub(r"<[^>]+>", " ", fragment))
    for node in root.iter("img"):
        alt = node.get("alt")
        if alt:
            node.tail = alt + (node.tail or "")
    for node in root.iter("br", "p", "div", "section"):
        node.tail = "\n" + (node.tail or "")
    for node in root.iter("script", "style"):
        node.drop_tree()
    return _tidy(root.text_content())


def _tidy(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return _BLANK_LINES.sub("\n", "\n".join(lines)).strip()
