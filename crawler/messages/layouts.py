"""How message boards look: list pages (table or <li> rows → detail pages), one-page Q&A blocks,
and detail pages read as label → value pairs (<table>, <dl> or "留言时间：…" lines alike).

The selectors and labels are data (crawler/data/messages_layouts.yaml); this module only walks them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import PurePosixPath
from urllib.parse import parse_qsl, urljoin, urlsplit
from zoneinfo import ZoneInfo

from lxml import etree
from parsel import Selector

from crawler.data import load
from crawler.dates import find_dates, parse_datetime
from crawler.layouts.base import clean
from crawler.layouts.generic import pagination
from portalcheck.core.messages import status_words

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
SKIP_TAGS = {"script", "style", "noscript", "head", "title"}
GENERIC_STEMS = {"index", "detail", "show", "view", "content", "letter", "info", "message", "msg"}


@dataclass(slots=True)
class ParsedMessage:
    """One message as the page shows it (not yet masked or categorised)."""

    external_id: str | None = None
    url: str | None = None
    title: str | None = None
    question: str | None = None
    asked_at: datetime | None = None
    handling_unit: str | None = None
    status_word: str | None = None
    reply: str | None = None
    replied_at: datetime | None = None
    satisfaction: str | None = None


@dataclass(slots=True)
class BoardEntry:
    """A row of a board's list: the detail page and what the row already tells."""

    url: str
    external_id: str
    title: str
    asked_on: date | None
    handling_unit: str | None
    status_word: str | None


@dataclass(slots=True)
class BoardPage:
    family: str | None
    entries: list[BoardEntry] = field(default_factory=list)
    messages: list[ParsedMessage] = field(default_factory=list)  # Q&A blocks read on the page itself
    next_urls: list[str] = field(default_factory=list)
    page_count: int | None = None
    form_url: str | None = None  # the 我要写信 page; "" when the link is a script


# --- vocabulary -----------------------------------------------------------------------------


@cache
def _label_index() -> tuple[re.Pattern[str], dict[str, str]]:
    labels = load("messages_layouts.yaml")["labels"]
    by_label = {label: name for name, words in labels.items() for label in words}
    alternatives = "|".join(re.escape(label) for label in sorted(by_label, key=len, reverse=True))
    # A label stands alone in its cell, or is followed by ：/: (or wrapped in 【】) before its value.
    pattern = re.compile(rf"^[【\[]?(?P<label>{alternatives})[】\]]?\s*(?:[:：]\s*(?P<value>.*)|$)", re.S)
    return pattern, by_label


def status_word(text: str | None) -> str | None:
    """The board's own status word found in `text` (已办结, 办理中, 已转交 …), longest first."""
    if not text:
        return None
    words = [w for group in status_words().values() for w in group]
    compact = "".join(text.split())
    return next((w for w in sorted(words, key=len, reverse=True) if w in compact), None)


def board_kind(name: str) -> str | None:
    """The kind of a board from its name, or None when the name is not a board's."""
    compact = "".join(name.split())
    for entry in load("messages_boards.yaml")["kinds"]:
        if any(word in compact for word in entry["words"]):
            return entry["kind"]  # type: ignore[no-any-return]
    return None


# --- label → value reading ----------------------------------------------------------------------


def _text_pieces(root: etree._Element) -> list[tuple[etree._Element, str]]:
    """Text pieces in reading order (text before children, tails after them)."""
    pieces: list[tuple[etree._Element, str]] = []

    def walk(node: etree._Element) -> None:
        if not isinstance(node.tag, str) or node.tag in SKIP_TAGS:
            return
        if node.text and node.text.strip():
            pieces.append((node, clean(node.text)))
        for child in node:
            walk(child)
            if child.tail and child.tail.strip():
                pieces.append((node, clean(child.tail)))

    walk(root)
    return pieces


def read_labels(root: etree._Element) -> dict[str, str]:
    """Field → value from label/value pieces: a label starts a field, later pieces extend it."""
    pattern, by_label = _label_index()
    values: dict[str, list[str]] = {}
    current: str | None = None
    for _, text in _text_pieces(root):
        m = pattern.match(text)
        if m:
            name = by_label[m["label"]]
            current = None if name in values else name  # the first occurrence of a field wins
            if current:
                values[current] = [m["value"].strip()] if m["value"] else []
            continue
        if current:
            values[current].append(text)
    return {name: "".join(parts).strip() for name, parts in values.items()}


def label_root(sel: Selector) -> etree._Element | None:
    """The smallest element holding every label piece of the page (the message, not the chrome)."""
    pattern, _ = _label_index()
    hits = [node for node, text in _text_pieces(sel.root) if pattern.match(text)]
    if len(hits) < 2:
        return None
    ancestors = [[node, *node.iterancestors()] for node in hits]
    common = set(ancestors[0]).intersection(*map(set, ancestors[1:]))
    return next(node for node in ancestors[0] if node in common)


def to_message(values: dict[str, str], *, today: date) -> ParsedMessage:
    def when(key: str) -> datetime | None:
        parsed = parse_datetime(values.get(key), today=today, partial=False)
        return parsed.replace(tzinfo=LOCAL_TZ) if parsed else None

    return ParsedMessage(
        external_id=values.get("external_id") or None, title=values.get("title") or None,
        question=values.get("question") or None, asked_at=when("asked_at"),
        handling_unit=values.get("handling_unit") or None,
        status_word=status_word(values.get("status_word")) or values.get("status_word") or None,
        reply=values.get("reply") or None, replied_at=when("replied_at"),
        satisfaction=values.get("satisfaction") or None,
    )


def parse_detail(sel: Selector, url: str, *, today: date) -> ParsedMessage | None:
    """A detail page's message, or None when the page holds no labelled message."""
    root = label_root(sel)
    if root is None:
        return None
    message = to_message(read_labels(root), today=today)
    if message.asked_at is None and message.question is None:
        return None
    message.url = url
    message.title = message.title or clean(sel.xpath("normalize-space(//h1)").get()) or None
    return message


# --- board pages --------------------------------------------------------------------------------


def message_id(url: str) -> str:
    """The board's id of a message from its detail URL (?id=…, t20260101_123.html …)."""
    parts = urlsplit(url)
    params = {k.lower(): v for k, v in parse_qsl(parts.query)}
    for name in load("messages_layouts.yaml")["id_params"]:
        if params.get(name):
            return params[name][:200]
    stem = PurePosixPath(parts.path).stem
    if stem and stem.lower() not in GENERIC_STEMS:
        return stem[:200]
    return (parts.path + ("?" + parts.query if parts.query else ""))[-200:]


def _header_fields(table: etree._Element) -> list[str | None]:
    pattern, by_label = _label_index()
    for row in table.iter("tr"):
        cells = [c for c in row if isinstance(c.tag, str) and c.tag in ("th", "td")]
        if any(c.tag == "th" for c in cells):
            names = []
            for cell in cells:
                m = pattern.match(clean("".join(cell.itertext())))
                names.append(by_label[m["label"]] if m else None)
            return names
    return []


def _row_entry(row: Selector, url: str, fields: list[str | None]) -> BoardEntry | None:
    link = next((a for a in row.xpath(".//a[@href]") if not a.attrib["href"].startswith(("javascript", "#"))),
                None)
    if link is None:
        return None
    href = urljoin(url, link.attrib["href"].strip())
    title = clean(link.attrib.get("title")) or clean(" ".join(link.xpath(".//text()").getall()))
    cells = row.xpath("./td|./span|./em|./i|./div")
    by_field = {name: clean(" ".join(cell.xpath(".//text()").getall()))
                for name, cell in zip(fields, cells, strict=False) if name}
    text = clean(" ".join(row.xpath(".//text()").getall()))
    dates = find_dates(by_field.get("asked_at") or text, partial=False)
    asked = dates[0].with_year(dates[0].year) if dates and dates[0].year else None
    return BoardEntry(url=href, external_id=message_id(href), title=title, asked_on=asked,
                      handling_unit=by_field.get("handling_unit") or None,
                      status_word=status_word(by_field.get("status_word") or text))


def parse_board(sel: Selector, url: str, *, today: date) -> BoardPage:
    """A board page: its Q&A blocks, or its list rows leading to detail pages; pager; form link."""
    page = BoardPage(family=None)
    for family in load("messages_layouts.yaml")["families"]:
        if "blocks" in family:
            blocks = sel.xpath(family["blocks"])
            messages = [m for m in (_block_message(b, url, today) for b in blocks) if m]
            if messages:
                page.family, page.messages = family["name"], messages
                break
        else:
            rows = sel.xpath(family["rows"])
            entries = []
            for row in rows:
                table = next((a for a in row.root.iterancestors() if a.tag == "table"), None)
                fields = _header_fields(table) if table is not None else []  # <li>: words and dates decide
                entry = _row_entry(row, url, fields)
                if entry and (entry.asked_on or entry.status_word):
                    entries.append(entry)
            if entries:
                page.family, page.entries = family["name"], entries
                break
    if page.family is None:
        generic = _generic_blocks(sel, url, today)
        if generic:
            page.family, page.messages = "generic_blocks", generic
    count = len(page.entries) or len(page.messages)
    page.next_urls, page.page_count = pagination(sel, url, count)
    page.form_url = _form_url(sel, url)
    return page


def _block_message(block: Selector, url: str, today: date) -> ParsedMessage | None:
    message = to_message(read_labels(block.root), today=today)
    if message.asked_at is None:
        return None
    if not message.title:
        heading = block.xpath("normalize-space((.//h1|.//h2|.//h3|.//h4|.//h5|.//strong)[1])").get()
        message.title = re.sub(r"^(问|标题)[:：]\s*", "", clean(heading)) or None
    anchor = block.attrib.get("id") or block.attrib.get("data-id")
    digest = hashlib.sha1(f"{message.asked_at.isoformat()}|{message.title}".encode()).hexdigest()[:16]
    message.external_id = message.external_id or anchor or digest
    message.url = f"{url.split('#')[0]}#{message.external_id}"
    return message


def _generic_blocks(sel: Selector, url: str, today: date) -> list[ParsedMessage]:
    """Fallback for Q&A pages without a known block class: the smallest elements with their own
    留言时间 label and a question or title, each read as one message."""
    pattern, by_label = _label_index()
    owners = []
    for node, text in _text_pieces(sel.root):
        m = pattern.match(text)
        if m and by_label[m["label"]] == "asked_at":
            owners.append(node)
    if len(owners) < 2:
        return []
    blocks = []
    for node in owners:
        block = node
        while block.getparent() is not None:
            parent = block.getparent()
            if sum(1 for other in owners if _contains(parent, other)) > 1:
                break
            block = parent
        blocks.append(block)
    messages = [_block_message(Selector(root=b), url, today) for b in dict.fromkeys(blocks)]
    return [m for m in messages if m and (m.question or m.title)]


def _contains(ancestor: etree._Element, node: etree._Element) -> bool:
    return any(a is ancestor for a in node.iterancestors()) or ancestor is node


def _form_url(sel: Selector, url: str) -> str | None:
    texts = load("messages_boards.yaml")["submit_links"]
    for a in sel.xpath("//a"):
        text = clean(" ".join(a.xpath(".//text()").getall()))
        if text in texts or clean(a.attrib.get("title")) in texts:
            href = (a.attrib.get("href") or "").strip()
            if not href or href.startswith(("javascript", "#")):
                return ""
            return urljoin(url, href)
    return None
