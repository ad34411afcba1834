"""The real pages in ../shared/samples, served and crawled as a site of their own: their footers pass
every footer rule; 浙江发改委's hidden 找错 link is no entry; 中国政府网's plain “网站纠错” link is one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ...crawler.responses import SAMPLES
from .portal import CRAWL, serve_crawl_check

# sample → its own 网站标识码 (the code the site registered, which config names)
SAMPLES_WITH_FOOTERS = {
    "pingtan_article_97999.html": "3590000001", "wanzai_2022_article.html": "3609220011",
    "yichun_home.html": "3609000002", "gzggw_article.html": "3300000020", "govcn_article.html": "bm01000001",
    "shanxi_article.html": "1400000045", "hongshan_article.html": "4201110038", "anxi_article.html": "3505240010",
    "wanzai_2015_article.html": "3609220011", "yichun_2022_article.html": "3609000002",
}
RULES = ["footer", "page.no_error_report"]


def crawl_sample(name: str, folder: Path) -> list[dict]:
    body = (SAMPLES / name).read_bytes()

    def routes(base: str) -> dict:
        return {"/": body, "/u/": body, "/robots.txt": "User-agent: *\nAllow: /\n"}

    def config_yaml(base: str) -> str:
        return json.dumps({
            "portal": {"name": "样本网站", "home": f"{base}/", "site_code": SAMPLES_WITH_FOOTERS[name]},
            "units": [{"name": "样本单位", "site": f"{base}/u/"}],
            "crawl": {**CRAWL, "max_pages_per_column": 1, "max_depth": 2},
        }, ensure_ascii=False)

    [site] = list(serve_crawl_check(routes, config_yaml, folder, RULES))
    return site.findings


@pytest.mark.parametrize("name", sorted(set(SAMPLES_WITH_FOOTERS) - {"gzggw_article.html"}))
def test_real_government_footers_pass_every_footer_rule(name: str, tmp_path: Path) -> None:
    assert [(f["rule"], f["detail"]) for f in crawl_sample(name, tmp_path)] == []


def test_zjdrc_hidden_error_report_link_fails_and_its_footer_passes(tmp_path: Path) -> None:
    findings = crawl_sample("gzggw_article.html", tmp_path)
    assert {f["rule"] for f in findings} == {"page.no_error_report"}
    assert all("隐藏" in f["detail"] for f in findings)


def test_govcn_plain_error_report_link_is_accepted(tmp_path: Path) -> None:
    assert [f for f in crawl_sample("govcn_article.html", tmp_path) if f["rule"] == "page.no_error_report"] == []
