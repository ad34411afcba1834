"""URL joining for every link of every page, memoised where a portal repeats itself.

A portal's header, navigation and footer put the same ~30 links on each of its 50,000 pages; urljoin
and urldefrag are pure Python and cost more than parsing those links did.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urldefrag, urljoin, urlsplit

from w3lib.url import safe_url_string

CACHE_SIZE = 8192  # distinct (host, href) pairs: a county portal's shared links fit many times over


def join(base: str, href: str) -> str:
    """Exactly `urljoin(base, href)`."""
    origin = _origin(base) if _origin_only(href) else None
    return urljoin(base, href) if origin is None else _join_to_origin(origin, href, False)


def join_without_fragment(base: str, href: str) -> str:
    """Exactly `urldefrag(urljoin(base, href))[0]`."""
    origin = _origin(base) if _origin_only(href) else None
    return urldefrag(urljoin(base, href))[0] if origin is None else _join_to_origin(origin, href, True)


def _origin_only(href: str) -> bool:
    """Root-relative ("/a/b") or absolute http(s) with a host, and no tab/CR/LF (which urlsplit deletes):
    urljoin's result then depends on the base's scheme and host only, never on its path or query."""
    if href.startswith("/"):
        if href.startswith("//"):
            return False
    elif href.startswith(("http://", "https://")):
        rest = href.partition("://")[2]
        if not rest or rest[0] in "/?#":
            return False
    else:
        return False
    return "\t" not in href and "\r" not in href and "\n" not in href


@lru_cache(maxsize=256)
def _origin(base: str) -> str | None:
    scheme, netloc = urlsplit(base)[:2]
    return f"{scheme}://{netloc}/" if scheme in ("http", "https") else None


@lru_cache(maxsize=CACHE_SIZE)
def _join_to_origin(origin: str, href: str, drop_fragment: bool) -> str:
    url = urljoin(origin, href)
    return urldefrag(url)[0] if drop_fragment else url


def host_of(url: str) -> str:
    """The host a URL is fetched from: its hostname, lower case, IDNA-encoded, without port or userinfo.

    Scrapy keys its download slots (the per-host concurrency and delay) by this name, so politeness counts
    per hostname: two ports of one server are one host to be gentle with, a queue job's host lease and a
    paused host are this name, and the network round probes each such host once. A bare "host[:port]" is
    read as one too."""
    text = str(url).strip()
    return _hostname(urlsplit(text if "://" in text or text.startswith("//") else f"//{text}").netloc) or text.lower()


@lru_cache(maxsize=1024)
def _hostname(netloc: str) -> str:
    return urlsplit(safe_url_string(f"//{netloc}")).hostname or ""
