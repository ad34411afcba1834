"""List-page understanding: pick the CMS family by its markers, parse items and pagination, then explain an
empty page (notice, 建设中 placeholder, or content only scripts can build)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from scrapy.http import TextResponse

from crawler.layouts import catalogue, generic, hanweb, trs
from crawler.layouts.base import ListItem, ListPage
from crawler.layouts.common import alt_texts, find_notice, find_phrase, has_client_templates, visible_texts

__all__ = ["ListItem", "ListPage", "parse_list"]


def parse_list(response: TextResponse, *, today: date) -> ListPage:
    """Items, further page URLs and emptiness signals of one column list page."""
    html, sel, url = response.text, response.selector, response.url
    if hanweb.matches(html):
        page = hanweb.parse(sel, url, today, html)
    elif trs.matches(html):
        page = trs.parse(sel, url, today, html)
    elif catalogue.matches(sel):
        page = catalogue.parse(sel, url, today, html)
    else:
        page = generic.parse(sel, url, today, html)
    if page.items:
        return page
    texts = visible_texts(sel)
    notice = find_notice([*texts, *alt_texts(sel)])
    building = find_phrase(" ".join(texts), "under_construction") is not None
    needs_js = page.needs_js or (notice is None and not building and has_client_templates(sel))
    return replace(page, empty_notice=notice, under_construction=building, needs_js=needs_js)
