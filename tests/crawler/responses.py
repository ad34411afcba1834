"""Saved pages as Scrapy responses (city-scrapers style `file_response`)."""

from __future__ import annotations

from pathlib import Path

from scrapy.http import HtmlResponse, TextResponse

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"


def file_response(name: str, url: str, encoding: str = "utf-8") -> TextResponse:
    """The fixture's original bytes as a response for `url` (HtmlResponse, so .xpath/.css work)."""
    return HtmlResponse(url=url, body=(SAMPLES / name).read_bytes(), encoding=encoding)
