"""Small fixture portals written inside a test: menus, one-item lists and the config that crawls them."""

from __future__ import annotations

import time
from pathlib import Path

TODAY = time.strftime("%Y-%m-%d")
PORTAL = "青山县人民政府"


def nav(*links: tuple[str, str]) -> str:
    """A navigation menu of (href, text) links."""
    return '<div class="nav"><ul>' + "".join(f'<li><a href="{h}">{t}</a></li>' for h, t in links) + "</ul></div>"


def one_item_list(path: str, title: str) -> str:
    """A column list holding one entry dated today."""
    return (f'<div class="list"><ul><li><a href="{path}t1.html">{title}的一条信息</a><span>{TODAY}</span></li>'
            "</ul></div>")


def write_config(folder: Path, base: str, units: list[tuple[str, str, str]], crawl: str = "") -> Path:
    """config.yaml for the portal at `base` with units (name, kind, site path), crawled fast and fully;
    `crawl`: further `crawl:` keys ("incremental_revisit_fraction: 0")."""
    lines = "".join(f'\n  - {{name: {name}, kind: {kind}, site: "{base}{site}"}}' for name, kind, site in units)
    path = folder / "config.yaml"
    path.write_text(f"""
portal: {{name: {PORTAL}, home: "{base}/", site_code: "3609990001"}}
units:{lines}
crawl: {{concurrency_per_host: 4, delay_seconds: 0, autothrottle: false, check_external_links: false{", " + crawl if crawl else ""}}}
""", encoding="utf-8")
    return path
