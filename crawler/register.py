"""A portal's own register, read from its pages for `portalcheck init`: the unit sites its 乡镇/部门 lists link,
its 互动交流 boards, its 政务新媒体 accounts, its name and 网站标识码.

The portal already lists all of this for its visitors; reading it back drafts a county's config.yaml in minutes.
Column links, footer marks and board kinds are the crawler's own knowledge (crawler.discovery, crawler.marks,
crawler.messages.layouts), the words of unit lists and account boxes are data (crawler/data/register.yaml).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin, urlsplit

from lxml import etree
from scrapy.http import TextResponse

from crawler.accounts.model import AccountRef
from crawler.accounts.weibo import uid_of
from crawler.data import load
from crawler.discovery import (
    ARTICLE_URL,
    BAD_HREF,
    FOLDER_URL,
    SKIP_TEXT,
    DiscoveredColumn,
    anchor_name,
    discover_columns,
    in_footer,
    is_more,
)
from crawler.layouts.base import clean
from crawler.layouts.common import has_client_templates
from crawler.marks import parse_marks
from crawler.messages.layouts import board_kind

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6", "dt", "strong", "b")
# A feed portalcheck reads directly (RSS/Atom: a bridge's or the platform's own).
FEED_URL = re.compile(r"\.(?:xml|rss|atom)(?:[?#]|$)|/(?:rss|feeds?|atom)(?:[/?#.]|$)", re.IGNORECASE)
_PLATFORM_HOSTS = (("mp.weixin.qq.com", "wechat"), ("weibo.com", "weibo"), ("weibo.cn", "weibo"),
                   ("toutiao.com", "toutiao"), ("douyin.com", "douyin"), ("kuaishou.com", "kuaishou"))
_PARENS = re.compile(r"[（(【\[]\s*([^）)】\]]{1,8})\s*[）)】\]]\s*$")


@dataclass(frozen=True, slots=True)
class FoundUnit:
    name: str
    kind: str  # 乡镇 | 部门
    site: str
    kind_from: str  # heading: the list's heading said it | name: guessed from the name's ending


@dataclass(frozen=True, slots=True)
class FoundBoard:
    name: str
    url: str
    kind: str


@dataclass(frozen=True, slots=True)
class FoundAccount:
    platform: str | None  # None: neither caption, icon nor link says which platform
    name: str
    url: str | None = None  # a feed, or the platform page a link points at
    id: str | None = None  # a Weibo uid
    unit: str | None = None  # the unit its row names (新媒体矩阵 tables list the 开设主体)

    @property
    def readable(self) -> bool:
        """Can the account collectors read it as found: a Weibo uid or a feed."""
        return bool(self.id) or bool(self.url and FEED_URL.search(self.url))


@dataclass(slots=True)
class RegisterPage:
    """What one page of the portal shows of the register."""

    url: str
    name: str | None = None
    site_code: str | None = None
    units: list[FoundUnit] = field(default_factory=list)
    boards: list[FoundBoard] = field(default_factory=list)
    accounts: list[FoundAccount] = field(default_factory=list)
    skipped_accounts: list[str] = field(default_factory=list)  # apps and mini programs in the account boxes
    columns: list[DiscoveredColumn] = field(default_factory=list)
    follow: list[str] = field(default_factory=list)  # section pages worth reading too
    needs_js: bool = False  # nothing found, while scripts could draw the navigation


def _words() -> dict:
    return load("register.yaml")  # type: ignore[no-any-return]


def _text(el: etree._Element) -> str:
    return clean("".join(el.itertext()))


def _href(a: etree._Element, base: str) -> str | None:
    href = (a.get("href") or "").strip()
    if not href or BAD_HREF.match(href):
        return None
    url = urldefrag(urljoin(base, href))[0]
    return url if urlsplit(url).scheme in ("http", "https") else None


def same_site(url: str, home: str) -> bool:
    """On the portal's host or a sibling host of its domain (czj.example.gov.cn beside www.example.gov.cn)."""
    a, b = (urlsplit(u).hostname or "" for u in (url, home))
    if a == b:
        return True
    if b.endswith(".gov.cn") and a.endswith(".gov.cn"):
        return a.split(".")[-3:] == b.split(".")[-3:]
    return False


def portal_name(response: TextResponse) -> str | None:
    """The portal's name: its logo's alt text or site title, else the part of <title> naming a government."""
    official = re.compile(r"政府|管委会|门户|网站")
    for text in response.xpath("//*[contains(@class,'logo') or contains(@id,'logo')]//img/@alt"
                               " | //*[contains(@class,'site-title') or contains(@class,'sitename')]//text()").getall():
        if official.search(clean(text)):
            return clean(text)
    title = clean(" ".join(response.xpath("//title//text()").getall()))
    parts = [p for p in (clean(p) for p in re.split(r"[_|\-—–]+", title)) if p]
    return next((p for p in reversed(parts) if official.search(p)), parts[-1] if parts else None)


def _list_after(heading: etree._Element) -> etree._Element | None:
    """The list a heading names: its next sibling holding links, or its wrapper's (<div class=hd><h3>…</h3></div><ul>)."""
    node: etree._Element | None = heading
    for _ in range(3):
        if node is None:
            return None
        sib = node.getnext()
        while sib is not None and not isinstance(sib.tag, str):
            sib = sib.getnext()
        if sib is not None and next(sib.iter("a"), None) is not None:
            return sib
        node = node.getparent()
    return None


def _heading_kind(text: str) -> str | None:
    if not text or len(text) > 10:
        return None
    for entry in _words()["unit_headings"]:
        if any(word in text for word in entry["words"]):
            return entry["kind"]  # type: ignore[no-any-return]
    return None


def _name_kind(name: str) -> str:
    return "乡镇" if name.endswith(tuple(_words()["township_suffixes"])) else "部门"


def _unit_name(text: str) -> bool:
    """Is a link's whole text a unit's name (县财政局, 白鹤镇, 县融媒体中心; not 新闻中心 or 通知公告)?"""
    words = _words()
    if not re.fullmatch(r"[\u4e00-\u9fa5（）()·]{2,24}", text):
        return False
    return text.endswith(tuple(words["unit_suffixes"])) or (
        text.startswith(tuple(words["unit_prefixes"])) and text.endswith(tuple(words["unit_suffixes_prefixed"])))


def read_units(response: TextResponse, home: str) -> list[FoundUnit]:
    """Units from lists headed 乡镇街道 / 部门网站 …, then any link elsewhere whose text is a unit's name and whose
    address is a site folder of the portal's domain (the 部门/乡镇 navigation of pages without such headings)."""
    base, root = response.url, response.selector.root
    found: dict[str, FoundUnit] = {}
    names: set[str] = set()

    def add(name: str, url: str | None, kind: str, kind_from: str) -> None:
        if not url or not name or url in found or name in names or is_more(name) or name.lower() in SKIP_TEXT:
            return
        if ARTICLE_URL.search(urlsplit(url).path) or urldefrag(url)[0] == urldefrag(home)[0]:
            return
        found[url] = FoundUnit(name, kind, url, kind_from)
        names.add(name)

    for heading in root.iter(*_HEADINGS, "div", "span", "p"):
        kind = _heading_kind(_text(heading)) if len(heading) <= 1 else None
        if kind is None or (box := _list_after(heading)) is None:
            continue
        anchors = [(a, anchor_name(a)) for a in box.iter("a")]
        if sum(_unit_name(name) for _, name in anchors) * 2 < len(anchors):
            continue  # a menu after a heading-like word, not a list of units
        for a, name in anchors:
            if board_kind(name) is None:
                add(name, _href(a, base), kind, "heading")
    if found:  # the page lists its units under headings: other unit-like names are its columns (新闻中心)
        return list(found.values())
    for a in root.iter("a"):
        name, url = anchor_name(a), _href(a, base)
        if url and _unit_name(name) and same_site(url, home) and FOLDER_URL.search(urlsplit(url).path) \
                and not in_footer(a) and board_kind(name) is None:
            add(name, url, _name_kind(name), "name")
    return list(found.values())


def read_boards(response: TextResponse) -> list[FoundBoard]:
    """Links named as a board (县长信箱, 网上问政, 咨询投诉 …), with the kind the message crawler gives that name."""
    words = _words()
    submit = set(load("messages_boards.yaml")["submit_links"])
    found: dict[str, FoundBoard] = {}
    for a in response.selector.root.iter("a"):
        name, url = anchor_name(a), _href(a, response.url)
        if not url or not name or len(name) > 15 or name in submit or name.startswith("我要"):
            continue
        if name.startswith(tuple(words["board_sections"])) or name.endswith(tuple(words["not_boards"])) \
                or ARTICLE_URL.search(urlsplit(url).path):
            continue
        if (kind := board_kind(name)) and url not in found and not any(url.startswith(b) for b in found):
            found[url] = FoundBoard(name, url, kind)
    return list(found.values())


def _platform(texts: list[str], marks: list[str]) -> str | None:
    """A platform by the words of captions (微信, 头条号 …) or the tokens of icon classes and image names."""
    blob = " ".join(texts)
    tokens = {t for mark in marks for t in re.split(r"[^a-z0-9]+", mark.lower()) if t}
    for entry in _words()["platforms"]:
        if any(word in blob for word in entry["words"]) or any(
                t == w or (len(w) > 3 and t.startswith(w)) for t in tokens for w in entry["tokens"]):
            return entry["platform"]  # type: ignore[no-any-return]
    return None


def weibo_uid(url: str | None) -> str | None:
    """A Weibo profile link's numeric uid (weibo.com/u/…, m.weibo.cn/profile/…, ?uid=…), read as the Weibo
    collector reads a configured URL."""
    if not url or _link_platform(url) != "weibo":
        return None
    return uid_of(AccountRef("", "weibo", "", url))


def _link_platform(url: str | None) -> str | None:
    host = (urlsplit(url).hostname or "") if url else ""
    return next((p for h, p in _PLATFORM_HOSTS if host == h or host.endswith("." + h)), None)


def _account_rows(root: etree._Element) -> list[etree._Element]:
    """Rows (li) of the boxes of the portal's new-media accounts: the lists beside a heading naming them
    (新媒体矩阵, 政务微博 …) in the nearest container holding any, not the lists of neighbouring headed boxes."""
    words = tuple(_words()["account_boxes"])
    rows: list[etree._Element] = []
    for heading in root.iter(*_HEADINGS):
        text = _text(heading)
        if not text or len(text) > 12 or not any(w in text for w in words):
            continue
        box = heading.getparent()
        for _ in range(3):
            if box is None or box.tag in ("body", "html"):
                break
            lists = [child for child in box if isinstance(child.tag, str) and heading not in child.iter()
                     and next(child.iter(*_HEADINGS[:7]), None) is None and next(child.iter("li"), None) is not None]
            if lists:
                rows += [li for child in lists for li in child.iter("li")
                         if not any(inner is not li for inner in li.iter("li")) and li not in rows]
                break
            box = box.getparent()
    return rows


def _account_of(row: etree._Element, base: str, units: list[str]) -> FoundAccount | str | None:
    """One row of an account box: the account, the caption of an app (str), or None (not an entry)."""
    a = next(row.iter("a"), None)
    caption = anchor_name(a) if a is not None else ""
    if not caption:
        caption = next((clean(alt) for img in row.iter("img") if (alt := img.get("alt")) and clean(alt)), "")
    if not caption:
        return None
    title = clean(a.get("title")) if a is not None else ""
    name = title if title and title in caption else caption
    hint = _PARENS.search(name)
    name = _PARENS.sub("", name).strip() or name
    if any(word in name for word in _words()["not_accounts"]):
        return name
    url = _href(a, base) if a is not None else None
    marks = [el.get("class", "") for el in row.iter() if isinstance(el.tag, str)]
    marks += [(img.get("src") or "").rsplit("/", 1)[-1] for img in row.iter("img")]
    uid = weibo_uid(url)
    platform = (_link_platform(url) if url and not FEED_URL.search(url) else None) \
        or _platform([hint[1] if hint else "", caption], marks)
    rest = _text(row).replace(_text(a), "", 1) if a is not None else _text(row)
    unit = next((u for u in units if u in rest), None)  # the row names its unit beside the account
    if uid:
        return FoundAccount("weibo", name, None, uid, unit)
    return FoundAccount(platform, name, url, None, unit)


def read_accounts(response: TextResponse, units: list[str]) -> tuple[list[FoundAccount], list[str]]:
    """Accounts of the page's 新媒体矩阵 boxes (caption, icon, link) and any link to a Weibo profile by uid;
    the second list holds the captions of apps met in those boxes."""
    base, root = response.url, response.selector.root
    accounts: dict[str, FoundAccount] = {}
    apps: list[str] = []
    for row in _account_rows(root):
        found = _account_of(row, base, units)
        if isinstance(found, str):
            apps.append(found)
        elif found is not None:
            accounts.setdefault(found.name, found)
    for a in root.iter("a"):
        url = _href(a, base)
        if (uid := weibo_uid(url)) and (name := anchor_name(a)):
            accounts.setdefault(_PARENS.sub("", name).strip() or name, FoundAccount("weibo", name, None, uid))
    return list(accounts.values()), list(dict.fromkeys(apps))


def follow_links(response: TextResponse, home: str) -> list[str]:
    """Section pages of the portal's own site that list units, boards or accounts."""
    words = tuple(_words()["follow_links"])
    out: list[str] = []
    for a in response.selector.root.iter("a"):
        name, url = anchor_name(a), _href(a, response.url)
        if url and same_site(url, home) and any(w in name for w in words) and len(name) <= 12 and url not in out:
            out.append(url)
    return out


def read_register(response: TextResponse, *, home: str, known_units: Sequence[str] = ()) -> RegisterPage:
    """Everything one page shows of the register (the home page, or a section page it links)."""
    page = RegisterPage(response.url)
    page.name = portal_name(response)
    marks = parse_marks(response)
    page.site_code = marks.site_code_text or marks.site_id_meta
    page.units = read_units(response, home)
    page.boards = read_boards(response)
    page.accounts, page.skipped_accounts = read_accounts(response, [*known_units, *(u.name for u in page.units)])
    page.columns = discover_columns(response, site_root=home)
    page.follow = follow_links(response, home)
    page.needs_js = not page.units and not page.columns and has_client_templates(response.selector)
    return page
