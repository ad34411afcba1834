"""Column discovery under a unit's root: its site page's navigation menus and 信息公开目录 trees, the column
boxes of an index page (headings, tabs, tiles and their "更多>" links), and the site's 网站地图 (sitemap page),
which lists columns that no menu shows."""

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
SKIP_TEXT = {"首页", "返回", "返回首页", "网站首页", "上一级", "返回上一级", "登录", "注册",
             # the site's chrome, never a column: the 网站地图 is read as such (sitemap_columns)
             "网站地图", "站点地图", "网站导航", "无障碍", "无障碍浏览", "长者模式", "关怀版", "繁体", "繁体版", "简体版",
             "english", "手机版", "移动版"}
# A box's "更多>" / "more>>" link: it points at the box's column but names nothing; the box's heading does.
MORE_TEXT = re.compile(r"^(?:查看)?(?:更多|more)(?:信息|内容)?\s*[>»＞+》›]*$", re.IGNORECASE)
BAD_HREF = re.compile(r"^\s*(?:javascript:|#|mailto:|tel:)", re.IGNORECASE)
_INDEX = re.compile(r"(?:index|default|main)\.\w+$", re.IGNORECASE)
# What a column's own address looks like (a folder or its index page), as against an article or a file:
# the body of an index page is read for these only.
FOLDER_URL = re.compile(r"(?:/|/(?:index|default|main)\.\w+)$", re.IGNORECASE)
_FOOTER = re.compile(r"foot|copyright|bottom", re.IGNORECASE)
SITEMAP_NAMES = {"网站地图", "站点地图", "网站导航"}  # also in SKIP_TEXT
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


def parent_folder(url: str) -> str:
    """The folder holding a column's own folder: http://x/zwgk/ghxx/ztgh/ (or …/ztgh/index.htm) → http://x/zwgk/ghxx/."""
    u = urlsplit(url)
    own = root_folder(url)[1].rstrip("/")
    return f"{u.scheme}://{u.netloc}{own.rsplit('/', 1)[0]}/"


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


def in_footer(el: etree._Element) -> bool:
    return any(
        anc.tag == "footer" or _FOOTER.search(f"{anc.get('class', '')} {anc.get('id', '')}")
        for anc in el.iterancestors()
    )


def anchor_name(a: etree._Element) -> str:
    return clean("".join(a.itertext())) or clean(a.get("title"))


def is_more(name: str) -> bool:
    """The text of a box's "更多>" link (更多&gt;, more>>, 查看更多 …)."""
    return bool(MORE_TEXT.match(name.strip()))


def _column_url(a: etree._Element, base_url: str, site_root: str) -> str | None:
    href = a.get("href") or ""
    name = anchor_name(a)
    if not href.strip() or BAD_HREF.match(href) or not name or name.lower() in SKIP_TEXT:
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
        anchors = [a for a in response.selector.root.iter("a") if not in_footer(a)]
    else:
        # An index page (a TRS 政务公开 page) links most columns from its body: box headings, tabs, icon tiles
        # and "更多>" links, while its menu may hold only absolute links to another host name of the site.
        anchors += [a for a in response.selector.root.iter("a")
                    if FOLDER_URL.search(urlsplit((a.get("href") or "").strip()).path) and not in_footer(a)]
    return _columns(anchors, response.url, site_root)


def link_name(response: TextResponse, url: str) -> str | None:
    """The name the page gives `url` (a breadcrumb's or menu's link text), if it links it by name."""
    for a in response.selector.root.iter("a"):
        href, name = (a.get("href") or "").strip(), anchor_name(a)
        if href and not BAD_HREF.match(href) and name and not is_more(name) and name.lower() not in SKIP_TEXT \
                and urldefrag(urljoin(response.url, href))[0] == url:
            return name
    return None


def _box_name(more: etree._Element, url: str, base_url: str) -> str | None:
    """What a "更多>" link's box calls its column: the tab or heading linking the same URL in the nearest box
    around it, else that box's heading text (<h1>公示公告</h1> with no link)."""
    for box in more.iterancestors():
        if box.tag in ("body", "html"):
            return None
        for a in box.iter("a"):
            name = anchor_name(a)
            if a is not more and name and not is_more(name) \
                    and urldefrag(urljoin(base_url, (a.get("href") or "").strip()))[0] == url:
                return name
        heading = next((h for h in box.iter("h1", "h2", "h3", "h4", "h5", "h6") if clean("".join(h.itertext()))),
                       None)
        if heading is not None:
            return clean("".join(heading.itertext()))
    return None


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
    boxed: dict[str, str] = {}  # URL → the name its "更多>" link's box gives it
    for a in dict.fromkeys(anchors):  # a link inside nested menu boxes is met more than once
        url = _column_url(a, base_url, site_root)
        if not url:
            continue
        name = anchor_name(a)
        if is_more(name):
            if url not in boxed and (box := _box_name(a, url, base_url)):
                boxed[url] = box
            names.setdefault(url, "")  # keeps the column's place in page order; named below
            continue
        if not names.get(url):
            names[url] = name
            first_anchor[url] = a
    for url in list(names):
        names[url] = boxed.get(url) or names[url]
        if not names[url]:  # only a "更多>" link whose box has no name: no column name to give
            del names[url]
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
