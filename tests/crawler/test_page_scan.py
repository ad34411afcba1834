"""The one-walk page scan gives what the XPath queries it replaced gave; cached URL joins equal urljoin."""

from urllib.parse import urldefrag, urljoin

import pytest
from parsel import Selector

from crawler.marks import parse_marks
from crawler.scan import LINK_TAGS, scan, serialize
from crawler.spiders.portal import extract_links
from crawler.urls import join, join_without_fragment
from tests.crawler.responses import SAMPLES, file_response

PAGES = sorted(p.name for p in SAMPLES.glob("*.html"))
# A second <html> after the first (pages pasted together) stays beside the root in lxml's tree.
PASTED = "<html><head><title>一</title></head><body>甲</body></html><html><body><p>乙 网站标识码3600000001</p></body></html>"


def _xpath_view(sel: Selector) -> dict:
    links = [(tag, node.root.get(attr), " ".join(node.xpath(".//text()").getall()) if tag == "a" else "")
             for tag, attr in LINK_TAGS.items() for node in sel.xpath(f"//{tag}[@{attr}]")]
    return {
        "title": sel.xpath("normalize-space(//title)").get() or None,
        "visible": sel.xpath("//text()[not(ancestor::script or ancestor::style or ancestor::head)]").getall(),
        "body": sel.xpath("//body//text()[not(ancestor::script)]").getall()[:400],
        "scripts": sel.xpath("//script/text()").getall(),
        "comments": sel.xpath("//comment()").getall(),
        "links": links,
    }


def _scan_view(sel: Selector) -> dict:
    page = scan(sel)
    links = [(tag, link.value, link.text) for tag in LINK_TAGS for link in page.links if link.tag == tag]
    return {"title": page.title, "visible": page.visible_text, "body": page.body_text,
            "scripts": page.script_texts, "comments": [serialize(page, c) for c in page.comments], "links": links}


@pytest.mark.parametrize("name", PAGES)
def test_one_walk_gives_what_the_xpath_queries_gave(name: str) -> None:
    sel = file_response(name, "https://www.example.gov.cn/a/b.html").selector
    assert _scan_view(sel) == _xpath_view(sel)


def test_pages_pasted_together_are_read_whole() -> None:
    sel = Selector(text=PASTED)
    assert _scan_view(sel) == _xpath_view(sel)
    assert parse_marks(sel).site_code_text == "3600000001"


def test_a_template_attribute_does_not_lose_the_page() -> None:
    """`{% if %}` left in a tag reads as an attribute name lxml cannot report: the page's other links
    and marks still count (asking parsel for the element's attributes raised ValueError)."""
    sel = Selector(text='<html><body><a href="/x.html" {% if a %}>栏目</a> 网站标识码3600000001</body></html>')
    assert extract_links(scan(sel), "http://www.example.gov.cn/a/") == [
        ("http://www.example.gov.cn/x.html", "a", "栏目")]
    assert parse_marks(sel).site_code_text == "3600000001"


BASES = ["http://www.example.gov.cn/a/b/c.html?q=1#f", "https://www.example.gov.cn", "http://u:p@h.gov.cn:8080/x/"]
HREFS = ["/x/y.html", "/x/../y.html#frag", "/", "//cdn.example.com/z.js", "http://other.gov.cn/p?q#f",
         "https://other.gov.cn", "http://", "http:///path", "/\t/x", "/a\nb", "?page=2", "index_1.html", "#top",
         "../up.html", "HTTPS://Other.Gov.CN/A", "https://[::1]:80/x", "mailto:a@b"]


@pytest.mark.parametrize("base", BASES)
def test_cached_joins_equal_urljoin(base: str) -> None:
    for _ in range(2):  # the second round is answered from the cache
        assert [join(base, h) for h in HREFS] == [urljoin(base, h) for h in HREFS]
        assert [join_without_fragment(base, h) for h in HREFS] == [urldefrag(urljoin(base, h))[0] for h in HREFS]
