"""A message board's page is stored whole or not at all: wherever the store's batching ends a batch (it
writes every 300 items or 2 seconds, and a crawl may be killed at any moment after), the messages it
holds of a board are never ahead of the board's pages still to read.

The message spider reads a page served on 127.0.0.1 and the real store pipeline writes its output into a
real database, one batch per item: the harshest cut. After every batch the store must either hold none
of the page's messages, or name the board's next page as still to read — else the next incremental run
finds page 1 unchanged and never reads the pages after it (a CI run lost 25 of a board's 30 messages so).
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawler.items import ItemGroup
from crawler.pipelines import StorePipeline
from crawler.spiders.messages import Board, MessageSpider
from portalcheck.core.config import load_config

from ..config_files import MINIMAL_CONFIG, write_config_file
from ..crawl.runner import query
from ..servers import FixtureServer
from .site import QA, QA_PAGE_2, qa_page

BOARD = "/wlwz/index.html"


def served_page(server: FixtureServer, request: Request) -> HtmlResponse:
    with urllib.request.urlopen(request.url, timeout=10) as answer:
        return HtmlResponse(request.url, body=answer.read(), encoding="utf-8", request=request)


def stored(db_url: str, board: str) -> tuple[int, list[str]]:
    """The board's stored messages, and the pages its stored state names as still to read."""
    messages = query(db_url, "SELECT count(*) FROM messages WHERE board_url = :board", board=board)[0][0]
    rows = query(db_url, "SELECT pending FROM unfinished_lists WHERE kind = 'board' AND list_url = :board",
                 board=board)
    pending = rows[0][0] if rows else []
    if isinstance(pending, str):  # SQLite hands JSON back as text
        pending = json.loads(pending)
    return messages, [page["url"] for page in pending]


def test_a_board_pages_messages_are_never_stored_without_the_pages_left_after_them(
        tmp_path: Path, db_url: str) -> None:
    pages = {BOARD: qa_page("网上问政", QA, '<a href="index_2.html">下一页</a>'),
             "/wlwz/index_2.html": qa_page("网上问政", QA_PAGE_2, "")}
    with FixtureServer(pages) as server:
        config = load_config(write_config_file(tmp_path, MINIMAL_CONFIG.replace("http://127.0.0.1:8650",
                                                                                server.base_url)))
        crawler = get_crawler(MessageSpider, {"PORTALCHECK_DATABASE_URL": db_url})
        spider = MessageSpider.from_crawler(crawler, config=config, full=True)
        pipeline = StorePipeline.from_crawler(crawler)
        pipeline.open_spider(spider)
        board = server.base_url + BOARD
        [first] = spider.schedule_board(Board(config.portal.name, "网上问政", board, "consultation", "configured"))
        output = list(spider.parse_board(served_page(server, first)))
        next_page = [r for r in output if isinstance(r, Request) and r.meta["pc"]["kind"] == "board"]
        assert [r.url for r in next_page] == [server.base_url + "/wlwz/index_2.html"]
        items = [o for o in output if not isinstance(o, Request)]
        assert any(isinstance(i, ItemGroup) for i in items)
        cuts = []
        for item in items:  # one batch per item: a kill may land after any of them
            pipeline.process_item(item, spider)
            pipeline.flush()
            cuts.append(stored(db_url, board))
        pipeline.store.dispose()
    assert cuts[-1] == (len(QA), [next_page[0].url])
    assert [cut for cut in cuts if cut[0] and next_page[0].url not in cut[1]] == []
