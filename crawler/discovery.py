"""Column discovery under a unit's root: its site page's navigation menus and 信息公开目录 trees, and the
site's 网站地图 (sitemap page), which lists columns that no menu shows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin, urlsplit

from lxml import etree
from scrapy.http import TextResponse

from crawler.layouts.base import clean

_LOWER_CLASS = "translate(@class, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
_LOWER_ID = "translate(@id, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
# class/id words of boxes holding column links: menus, 栏目 lists, 信息公开目录 trees.
_BOX_WORDS = ("nav", "menu", "lanmu", "tree", "column", "catalog", "sidebar", "subnav", "left")
NAV_XPATH = (
    "//nav | //*[contains(concat(' ', normalize-space(@class), ' '), ' nav ')] | //*[@id='nav']"
    " | //*[@role='navigation' and not(contains(@class, 'crumb'))]"
    " | //*["
    + " or ".join(f"contains({_LOWER_CLASS}, {w!r}) or contains({_LOWER_ID}, {w!r})" for w in _BOX_WORDS)
    + "]"
    " | //menu"
)
# URLs of articles and files, never columns: TRS t20250321_97999.htm, /202310/<hash>.shtml, /art/2020/5/29/…
ARTICLE_URL = re.compile(
    r"/t\d{8}_\d+|/(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:\d{2})?/[^/]+\.\w+$|/art/\d{4}/|/content/post_\d+"
    r"|\.(?:pdf|docx?|xlsx?|zip|rar|wps|ofd|jpe?g|png|gif)$|/uc/|login|register",
    re.IGNORECASE,
)
SKIP_TEXT = {"首页", "返回", "返回首页", "网站首页", "上一级", "返回上一级", "更多", "more", "登录", "注册"}
_BAD_HREF = re.compile(r"^\s*(?:javascript:|#|mailto:|tel:)", re.IGNORECASE)
_INDEX = re.compile(r"(?:index|default|main)\.\w+$", re.IGNORECASE)
_FOOTER = re.compile(r"foot|copyright|bottom", re.IGNORECASE)
SITEMAP_NAMES = {"网站地图", "站点地图", "网站导航"}
# The box of a 网站地图 page: class or id naming a map (sitemap, site-map, wzdt = 网站地图, zddt = 站点地图).
SITEMAP_XPATH = "//*[" + " or ".join(
    f"contains({attr}, {word!r})" for attr in (_LOWER_CLASS, _LOWER_ID) for word in ("map", "wzdt", "zddt")) + "]"
_HEADING_TAGS = ("h2", "h3", "h4", "h5", "h6", "dt", "strong", "b", "a")


@dataclass(frozen=True, slots=True)
class DiscoveredColumn:
    name: str
    url: str
    parent_url: str | None
    depth: int  # 1 = top-level menu entry


def root_folder(root: str) -> tuple[str, str]:
    """(host, folder) a unit's site covers: http://x/xzjd/bhz/index.html covers x's /xzjd/bhz/."""
    r = urlsplit(root)
    return r.netloc.lower(), r.path if r.path.endswith("/") else r.path.rsplit("/", 1)[0] + "/"


def under_root(url: str, root: str) -> bool:
    u = urlsplit(url)
    host, folder = root_folder(root)
    return u.scheme in ("http", "https") and u.netloc.lower() == host and u.path.startswith(folder)


class RootOwners:
    """Which unit a URL belongs to when units' sites nest (a department at the portal's root, 乡镇 in its
    folders): the unit with the narrowest site folder holding it. Indexed by host: a province has thousands."""

    def __init__(self, sites: list[tuple[str, str]]):  # (unit name, site URL)
        self.by_host: dict[str, list[tuple[str, str]]] = {}
        for name, site in sites:
            host, folder = root_folder(site)
            self.by_host.setdefault(host, []).append((folder, name))
        for folders in self.by_host.values():
            folders.sort(key=lambda entry: len(entry[0]), reverse=True)

    def owner(self, url: str) -> str | None:
        """The owning unit's name; None when no unit's folder holds it, or two units share that folder."""
        u = urlsplit(url)
        holders = [(folder, name) for folder, name in self.by_host.get(u.netloc.lower(), ())
                   if u.path.startswith(folder)]
        if not holders or (len(holders) > 1 and holders[1][0] == holders[0][0]):
            return None
        return holders[0][1]


def _is_home(url: str, root: str) -> bool:
    u = urlsplit(url)
    root_dir = root_folder(root)[1]
    path = _INDEX.sub("", u.path)
    return path in (root_dir, root_dir.rstrip("/"), "") and not u.query


def _head_anchor(el: etree._Element) -> etree._Element | None:
    """The link that names a menu entry: its first link that is not inside a nested sub-list."""
    for a in el.iter("a"):
        inner = [p for p in a.iterancestors() if p is not el and p.tag in ("ul", "ol", "dd")]
        stop = next((i for i, p in enumerate(a.iterancestors()) if p is el), None)
        if stop is not None and not any(p in list(a.iterancestors())[:stop] for p in inner):
            return a
    return None


def _parent_anchor(a: etree._Element) -> etree._Element | None:
    for anc in a.iterancestors():
        if anc.tag in ("li", "dl"):
            head = _head_anchor(anc)
            if head is not None and head is not a:
                return head
    return None


def _in_footer(el: etree._Element) -> bool:
    return any(
        anc.tag == "footer" or _FOOTER.search(f"{anc.get('class', '')} {anc.get('id', '')}")
        for anc in el.iterancestors()
    )


def _column_url(a: etree._Element, base_url: str, site_root: str) -> str | None:
    href = a.get("href") or ""
    name = clean("".join(a.itertext())) or clean(a.get("title"))
    if not href.strip() or _BAD_HREF.match(href) or not name or name.lower() in SKIP_TEXT:
        return None
    url = urldefrag(urljoin(base_url, href.strip()))[0]
    if not under_root(url, site_root) or _is_home(url, site_root) or ARTICLE_URL.search(urlsplit(url).path):
        return None
    return url


def _path_parent(url: str, urls: list[str]) -> str | None:
    """Fallback nesting by directory: /zwgk/ghxx/ztgh/ sits under /zwgk/ghxx/ (JS-built menus, sidebars)."""
    path = urlsplit(url).path
    best = None
    for other in urls:
        opath = urlsplit(other).path
        inside = other != url and opath.endswith("/") and path.startswith(opath) and len(opath) < len(path)
        if inside and (best is None or len(opath) > len(urlsplit(best).path)):
            best = other
    return best


def _heading_anchor(a: etree._Element) -> etree._Element | None:
    """A sitemap's grouping: the link in the heading (h2–h6, dt, strong) just before the list holding `a`."""
    for anc in a.iterancestors():
        if anc.tag in ("ul", "ol", "dd"):
            before = anc.getprevious()
            if before is not None and before.tag in _HEADING_TAGS:
                return before if before.tag == "a" else next(before.iter("a"), None)
            return None
    return None


def discover_columns(response: TextResponse, *, site_root: str) -> list[DiscoveredColumn]:
    """Menu entries under site_root (same host, path prefix), in page order, with their menu nesting."""
    anchors = [a for box in response.xpath(NAV_XPATH) for a in box.root.iter("a")]
    if not anchors:  # no recognisable menu: every link outside the footer
        anchors = [a for a in response.selector.root.iter("a") if not _in_footer(a)]
    return _columns(anchors, response.url, site_root)


def sitemap_link(links: list[tuple[str, str, str]]) -> str | None:
    """The page's link to the site's 网站地图 (extract_links' (url, tag, text) triples), if it has one."""
    return next((url for url, tag, text in links if tag == "a" and text.strip() in SITEMAP_NAMES), None)


def sitemap_columns(response: TextResponse, *, site_root: str) -> list[DiscoveredColumn]:
    """The columns a 网站地图 page lists under site_root, nested by its headings. Only the page's map box is
    read (class or id naming a map): its header, menus and footer are the site's chrome, not its columns;
    a page without such a box gives nothing rather than a guess."""
    anchors = [a for box in response.xpath(SITEMAP_XPATH) for a in box.root.iter("a")]
    own = urldefrag(response.url)[0]
    return [c for c in _columns(anchors, response.url, site_root, headings=True) if c.url != own]


def _columns(anchors: list[etree._Element], base_url: str, site_root: str,
             headings: bool = False) -> list[DiscoveredColumn]:
    names: dict[str, str] = {}
    first_anchor: dict[str, etree._Element] = {}
    for a in dict.fromkeys(anchors):  # a link inside nested menu boxes is met more than once
        url = _column_url(a, base_url, site_root)
        if url and url not in names:
            names[url] = clean("".join(a.itertext())) or clean(a.get("title"))
            first_anchor[url] = a
    parents: dict[str, str | None] = {}
    for url, a in first_anchor.items():
        head = _parent_anchor(a)
        if head is None and headings:
            head = _heading_anchor(a)
        parent = _column_url(head, base_url, site_root) if head is not None else None
        if parent and parent not in names:  # a menu heading outside the recognised boxes
            names[parent] = clean("".join(head.itertext())) or clean(head.get("title"))
            parents.setdefault(parent, None)
        parents[url] = parent if parent != url else None
    for url in names:
        parents[url] = parents.get(url) or _path_parent(url, list(names))

    def depth(url: str, seen: frozenset[str] = frozenset()) -> int:
        parent = parents.get(url)
        return 1 if parent is None or parent in seen else 1 + depth(parent, seen | {url})

    return [DiscoveredColumn(names[u], u, parents[u], depth(u)) for u in names]
