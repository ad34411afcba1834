"""Column discovery on a unit's site page: navigation menus and 信息公开目录 trees, kept under the unit's root."""

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


@dataclass(frozen=True, slots=True)
class DiscoveredColumn:
    name: str
    url: str
    parent_url: str | None
    depth: int  # 1 = top-level menu entry


def _under_root(url: str, root: str) -> bool:
    u, r = urlsplit(url), urlsplit(root)
    if u.scheme not in ("http", "https") or u.netloc.lower() != r.netloc.lower():
        return False
    root_dir = r.path if r.path.endswith("/") else r.path.rsplit("/", 1)[0] + "/"
    return u.path.startswith(root_dir)


def _is_home(url: str, root: str) -> bool:
    u, r = urlsplit(url), urlsplit(root)
    root_dir = r.path if r.path.endswith("/") else r.path.rsplit("/", 1)[0] + "/"
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
    if not _under_root(url, site_root) or _is_home(url, site_root) or ARTICLE_URL.search(urlsplit(url).path):
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


def discover_columns(response: TextResponse, *, site_root: str) -> list[DiscoveredColumn]:
    """Menu entries under site_root (same host, path prefix), in page order, with their menu nesting."""
    anchors = [a for box in response.xpath(NAV_XPATH) for a in box.root.iter("a")]
    if not anchors:  # no recognisable menu: every link outside the footer
        anchors = [a for a in response.selector.root.iter("a") if not _in_footer(a)]
    names: dict[str, str] = {}
    first_anchor: dict[str, etree._Element] = {}
    for a in dict.fromkeys(anchors):  # a link inside nested menu boxes is met more than once
        url = _column_url(a, response.url, site_root)
        if url and url not in names:
            names[url] = clean("".join(a.itertext())) or clean(a.get("title"))
            first_anchor[url] = a
    parents: dict[str, str | None] = {}
    for url, a in first_anchor.items():
        head = _parent_anchor(a)
        parent = _column_url(head, response.url, site_root) if head is not None else None
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
