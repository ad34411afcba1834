"""One walk over a fetched page's tree: its title, links, texts and the footer evidence marks need.

Every stored page needs these. Asking for them with ~10 XPath queries through parsel walked the tree
again for each and wrapped every hit in a Selector: half of a crawl's CPU (BENCHMARKS.md, "Crawl").
Text nodes come in document order and split as XPath's `text()` splits them, so the joined texts are
the ones those queries gave.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from parsel import Selector

# Elements whose attribute is a link target of the page, in the order extract_links reports them.
LINK_TAGS = {"a": "href", "img": "src", "script": "src", "link": "href", "iframe": "src"}
SOFT_404_TEXT_NODES = 400  # the soft-404 test reads the body's first text nodes only
_TRACKED = ("head", "script", "style", "body")
# XPath white space (normalize-space, cssselect class tokens): not U+3000 or nbsp, unlike str.split().
XML_SPACE = re.compile(r"[ \t\r\n]+")


@dataclass(slots=True)
class LinkNode:
    tag: str
    value: str  # the attribute as written (not stripped)
    element: Any
    text: str = ""  # an <a>'s own text nodes joined by spaces (`.//text()`); empty for other tags


@dataclass(slots=True)
class PageScan:
    tostring_method: str = "html"  # how parsel serialises this page's nodes ("html" or "xml")
    title: str | None = None  # normalize-space(//title), None when empty
    links: list[LinkNode] = field(default_factory=list)  # LINK_TAGS elements with their attribute
    visible_text: list[str] = field(default_factory=list)  # //text() outside head, script and style
    body_text: list[str] = field(default_factory=list)  # first //body//text() outside script
    script_texts: list[str] = field(default_factory=list)  # //script/text()
    metas: list[tuple[str | None, str | None]] = field(default_factory=list)  # (name, content) of <meta>
    ids: dict[str, list[Any]] = field(default_factory=dict)  # @id -> elements carrying it
    comments: list[Any] = field(default_factory=list)  # //comment()


def page_root(sel: Selector) -> Any:
    """The lxml root XPath queries on `sel` run against (None when there is no tree to walk)."""
    if sel.type == "text":  # parsel parses a text selector as HTML for each query
        return Selector(text=sel.root, type="html").root
    if sel.type not in ("html", "xml"):
        raise ValueError(f"Cannot use xpath on a Selector of type {sel.type!r}")
    return sel.root if isinstance(sel.root, etree._Element) else None


def scan(sel: Selector) -> PageScan:
    """Walk the page once (lxml iterwalk); see PageScan for what it collects."""
    page = PageScan(tostring_method="xml" if sel.type == "xml" else "html")
    root = page_root(sel)
    if root is None:
        return page
    depth = dict.fromkeys(_TRACKED, 0)  # open elements of these kinds around the current text node
    open_tags: list[str] = []
    anchors: list[tuple[LinkNode, list[str]]] = []  # open <a href> elements and their text so far
    title: list[str] | None = None  # text of the first <title> while it is open
    title_level = -1
    for event, node in _events(root):
        tag = node.tag
        if event == "start":
            if not isinstance(tag, str):
                continue  # an entity reference: not text; its tail comes with its "end"
            open_tags.append(tag)
            if tag in depth:
                depth[tag] += 1
            if tag == "title" and title_level < 0:
                title, title_level = [], len(open_tags)
            _collect(page, node, tag, anchors)
            text = node.text
        elif event == "end":
            if isinstance(tag, str):
                if anchors and anchors[-1][0].element is node:
                    link, parts = anchors.pop()
                    link.text = " ".join(parts)
                if len(open_tags) == title_level and title is not None:
                    page.title = _normalize_space("".join(title)) or None
                    title = None
                open_tags.pop()
                if tag in depth:
                    depth[tag] -= 1
            text = node.tail  # a tail belongs to the parent: counted after the element closed
        else:
            if event == "comment":
                page.comments.append(node)
            text = node.tail
        if not text or not open_tags:
            continue
        if not (depth["head"] or depth["script"] or depth["style"]):
            page.visible_text.append(text)
        if depth["body"] and not depth["script"] and len(page.body_text) < SOFT_404_TEXT_NODES:
            page.body_text.append(text)
        if open_tags[-1] == "script":
            page.script_texts.append(text)
        for _, parts in anchors:
            parts.append(text)
        if title is not None:
            title.append(text)
    return page


def _events(root: Any) -> Iterator[tuple[str, Any]]:
    """iterwalk's events over the whole document: besides comments, lxml's HTML parser leaves a second
    <html> (pages pasted together) beside the root, where `//text()` still finds it."""
    for top in (*reversed(list(root.itersiblings(preceding=True))), root, *root.itersiblings()):
        if isinstance(top.tag, str):
            yield from etree.iterwalk(top, events=("start", "end", "comment", "pi"))
        elif top.tag is etree.Comment:
            yield "comment", top


def _collect(page: PageScan, node: Any, tag: str, anchors: list[tuple[LinkNode, list[str]]]) -> None:
    attribute = LINK_TAGS.get(tag)
    if attribute is not None and (value := node.get(attribute)) is not None:
        link = LinkNode(tag, value, node)
        page.links.append(link)
        if tag == "a":
            anchors.append((link, []))
    elif tag == "meta":
        page.metas.append((node.get("name"), node.get("content")))
    if (ident := node.get("id")) is not None:
        page.ids.setdefault(ident, []).append(node)


def _normalize_space(text: str) -> str:
    """XPath normalize-space(): only space, tab, CR and LF count as white space (not U+3000 or nbsp)."""
    return XML_SPACE.sub(" ", text).strip(" ")


def serialize(page: PageScan, node: Any) -> str:
    """A node as parsel's `.get()` gives it."""
    return etree.tostring(node, method=page.tostring_method, encoding="unicode", with_tail=False)
