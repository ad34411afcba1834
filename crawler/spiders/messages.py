"""The message-board spider: 县长信箱, 领导信箱, 网上问政 … list pages, detail pages, Q&A pages.

Boards come from config (portal `message_boards`, a unit's `message_board`), from interaction
columns earlier portal crawls stored, and from the portal home page's links. The spider reads
each board's pages into MessageItems (masked and categorised here, so nothing personal reaches
the pipeline) and reports per board what it saw (BoardItem) for interaction.no_channel.
Incremental runs fetch a detail page only for a new message or one whose list status changed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime, time, timezone
from typing import Any
from urllib.parse import urldefrag, urljoin

from scrapy.http import Request, Response, TextResponse
from twisted.python.failure import Failure

from crawler.errors import classify_failure
from crawler.frontier import ListFrontier, PendingPage, left_over_counts
from crawler.items import ItemGroup, ListState
from crawler.layouts.base import PageRequest, clean
from crawler.messages.categories import categorize_message, join
from crawler.messages.items import BoardItem, MessageItem
from crawler.messages.layouts import BoardEntry, ParsedMessage, board_kind, parse_board, parse_detail
from crawler.messages.store import BoardMemory
from crawler.soft404 import looks_like_soft_404
from crawler.spiders.base import GathererSpider
from portalcheck.core.personal import mask_personal

MEMORY_PIPELINE = "crawler.messages.store.BoardMemoryPipeline"
MAX_BOARD_NAME = 12  # a home-page link longer than this is an article title, not a board


@dataclass(frozen=True, slots=True)
class Board:
    unit: str
    name: str
    url: str
    kind: str
    origin: str  # configured | column | home


class MessageSpider(GathererSpider):
    name = "messages"

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)
        pipelines = dict(settings.getdict("ITEM_PIPELINES"))
        pipelines[MEMORY_PIPELINE] = 290  # before StorePipeline: the spider needs the memory at start
        settings.set("ITEM_PIPELINES", pipelines, priority="spider")

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.today = datetime.now(self.config.zone).date()
        self.board_memory = BoardMemory()  # replaced by BoardMemoryPipeline with what the store knows
        self.boards: dict[str, Board] = {}
        self.requested: set[str] = set()
        self.frontiers: dict[str, ListFrontier] = {}  # board URL → its pages left to read, across runs
        self.unread_details: dict[str, int] = {}  # board page → its detail pages not answered yet
        self.states_written: set[str] = set()  # boards this run read a page of
        self.max_pages = self.config.crawl.max_pages_per_column

    # --- which boards ---------------------------------------------------------------------------

    def configured_boards(self) -> Iterator[Board]:
        if not self.unit_names:
            for board in self.config.message_boards:
                yield Board(self.config.portal.name, board.name, board.url, board.kind, "configured")
        units = self.config.units if not self.unit_names else [self.config.unit(n) for n in self.unit_names]
        for unit in units:
            if unit.message_board:
                board = unit.message_board
                yield Board(unit.name, board.name, board.url, board.kind, "configured")
        owners = {u.name for u in units} | (set() if self.unit_names else {self.config.portal.name})
        for unit, columns in self.board_memory.columns.items():
            if unit in owners:
                for name, url in columns:
                    kind = board_kind(name)
                    if kind:
                        yield Board(unit, name, url, kind, "column")

    async def start(self) -> AsyncIterator[Any]:
        for board in self.configured_boards():
            for request in self.schedule_board(board):
                yield request
        portal_boards = [b for b in self.boards.values() if b.unit == self.config.portal.name]
        if not self.unit_names and (self.full or not portal_boards):
            yield self.request(self.config.portal.home, self.parse_home, kind="home")

    def schedule_board(self, board: Board) -> Iterator[Request]:
        url = urldefrag(board.url)[0]
        if url in self.boards:
            return
        self.boards[url] = board
        stored = self.board_memory.unfinished.get(url)
        frontier = self.frontiers[url] = ListFrontier(left_over=stored is not None, unit=board.unit)
        yield self.request(url, self.parse_board, kind="board", board=url, page=1)
        if stored is not None and not self.full:  # a full run reads it again from page 1
            self.frontiers[url] = frontier = stored.copy()
            yield from self.board_pages(board, list(frontier.pending.values()))

    def board_pages(self, board: Board, pages: list[PendingPage]) -> Iterator[Any]:
        """Further board pages (in page order) within the budget, each pending until it is read."""
        for page in pages:
            if page.target.url in self.requested:
                continue
            if page.number > self.max_pages:
                yield self.board_facts(board, truncated=True)
                break
            self.frontiers[board.url].add(page)
            yield self.request(page.target.url, self.parse_board, kind="board", board=board.url, page=page.number,
                               through=page.through)

    def request(self, url: str, callback: Any, **pc: Any) -> Request:
        self.requested.add(url)
        pc["url"] = url
        # dont_filter: `requested` deduplicates; a 写信 link back to the board itself is still verified.
        return Request(url, callback=callback, errback=self.failed, meta={"pc": pc}, dont_filter=True)

    def parse_home(self, response: Response) -> Iterator[Any]:
        """Board links on the portal home page (县长信箱, 网上问政 …) not configured already."""
        if not isinstance(response, TextResponse) or response.status != 200:
            return
        for a in response.xpath("//a[@href]"):
            name = clean(" ".join(a.xpath(".//text()").getall()))
            url = urldefrag(urljoin(response.url, a.attrib["href"].strip()))[0]
            kind = board_kind(name) if 2 <= len(name) <= MAX_BOARD_NAME else None
            if kind and self.is_internal(url) and url.rstrip("/") != self.config.portal.home.rstrip("/"):
                yield from self.schedule_board(Board(self.config.portal.name, name, url, kind, "home"))

    # --- board pages ----------------------------------------------------------------------------

    def parse_board(self, response: Response) -> Iterator[Any]:
        pc = response.meta["pc"]
        board = self.boards[pc["board"]]
        number = pc["page"]
        if not isinstance(response, TextResponse) or response.status != 200:
            if number == 1:
                yield self.board_facts(board, http_status=response.status, error=None)
            self.crawler.stats.inc_value("portalcheck/board_pages_failed")
            return
        page = parse_board(response.selector, response.url, today=self.today)
        if number == 1:
            title = response.xpath("normalize-space(//title)").get() or ""
            text = " ".join(response.xpath("//body//text()[not(ancestor::script)]").getall()[:400])
            if page.family is None and board.origin != "configured":
                return  # a discovered link that is not a board after all: nothing to report
            form = page.form_url
            yield self.board_facts(board, http_status=response.status, error=None,
                                   soft_404=looks_like_soft_404(title, text), family=page.family,
                                   form_url=form, page_count=page.page_count)
            if form and urldefrag(form)[0] != urldefrag(response.url)[0] and form not in self.requested:
                yield self.request(form, self.parse_form, kind="form", board=board.url)
            elif form:
                yield self.board_facts(board, form_status=response.status)
        known = self.board_memory.messages.get(board.url, {})
        changed = False
        messages = []
        for message in page.messages:
            stored = known.get(message.external_id or "")
            changed |= stored is None or stored != (message.status_word, bool(message.reply or message.replied_at))
            messages.append(self.item(board, message))
        details = []
        for entry in page.entries:
            if self.full or self.needs_detail(entry, known):
                changed = True
                if entry.url not in self.requested:
                    details.append(self.request(entry.url, self.parse_detail, kind="detail", board=board.url,
                                                entry=entry, list_page=pc["url"]))
        frontier = self.frontiers[board.url]
        if number == 1 and self.full:
            frontier.restart()
        # Past unchanged messages only where this pass must read on to the end: a full run, or the continuation
        # of a pass an earlier run left unfinished.
        through = self.full or bool(pc.get("through"))
        further = []
        if through or changed:
            pages = [PendingPage(PageRequest(url), number + offset, through)
                     for offset, url in enumerate(page.next_urls, start=1)]
            further = list(self.board_pages(board, pages))
        if details:  # the page counts as read once its messages' detail pages are answered
            self.unread_details[pc["url"]] = len(details)
            yield ItemGroup([*messages, self.board_state(board)])  # the page itself still pending
        else:
            yield from self.page_read(board, pc["url"], messages)
        yield from details
        yield from further

    def page_read(self, board: Board, key: str, messages: list[MessageItem]) -> Iterator[ItemGroup]:
        """The page's last messages with the board's state after them, in one batch: the store never holds
        the board as read further than its messages, nor its messages without the pages left after them."""
        self.frontiers[board.url].read(key)
        self.states_written.add(board.url)
        yield ItemGroup([*messages, self.board_state(board)])

    def board_state(self, board: Board) -> ListState:
        return self.frontiers[board.url].state("board", board.url, board.unit)

    def detail_answered(self, board: Board, pc: dict[str, Any],
                        messages: list[MessageItem] | None = None) -> Iterator[Any]:
        """A detail page answered (`messages`: what it held); the last of its list page's reads the page."""
        key = pc["list_page"]
        self.unread_details[key] -= 1
        if self.unread_details[key]:
            yield from messages or ()
            return
        del self.unread_details[key]
        yield from self.page_read(board, key, messages or [])

    def needs_detail(self, entry: BoardEntry, known: dict[str, tuple[str | None, bool]]) -> bool:
        """New, or not answered when last seen and its list status is not the one seen then."""
        stored = known.get(entry.external_id)
        if stored is None:
            return True
        status, answered = stored
        return not answered and (entry.status_word is None or entry.status_word != status)

    def parse_detail(self, response: Response) -> Iterator[Any]:
        pc = response.meta["pc"]
        board, entry = self.boards[pc["board"]], pc["entry"]
        message = None
        if isinstance(response, TextResponse) and response.status == 200:
            message = parse_detail(response.selector, response.url, today=self.today)
        if message is None:  # not judged from the list alone: its reply is on the page we could not read
            self.crawler.stats.inc_value("portalcheck/message_details_unread")
            yield from self.detail_answered(board, pc)
            return
        message.external_id = entry.external_id
        message.title = message.title or entry.title
        message.handling_unit = message.handling_unit or entry.handling_unit
        message.status_word = message.status_word or entry.status_word
        if message.asked_at is None and entry.asked_on:
            message.asked_at = datetime.combine(entry.asked_on, time(0), self.config.zone)
        yield from self.detail_answered(board, pc, [self.item(board, message)])

    def parse_form(self, response: Response) -> Iterator[Any]:
        board = self.boards[response.meta["pc"]["board"]]
        soft = False
        if isinstance(response, TextResponse) and response.status == 200:
            title = response.xpath("normalize-space(//title)").get() or ""
            soft = looks_like_soft_404(title, " ".join(response.xpath("//body//text()").getall()[:200]))
        yield self.board_facts(board, form_status=response.status, form_soft_404=soft)

    def failed(self, failure: Failure) -> Iterator[Any]:
        pc = failure.request.meta["pc"]
        error = classify_failure(failure)
        self.crawler.stats.inc_value(f"portalcheck/error/{error}")
        board = self.boards.get(pc.get("board", ""))
        if board is None:
            return
        if pc["kind"] == "detail":
            yield from self.detail_answered(board, pc)
        elif pc["kind"] == "board" and pc["page"] == 1:
            yield self.board_facts(board, http_status=None, error=error)
        elif pc["kind"] == "form":
            yield self.board_facts(board, form_status=None, form_error=error)

    def left_over(self) -> dict[str, Any]:
        finished = {url for url in self.states_written if self.frontiers[url].done}
        in_scope = {b.unit for b in self.boards.values()}
        return {"unfinished_boards": left_over_counts(self.board_memory.unfinished, in_scope, finished)}

    # --- items ----------------------------------------------------------------------------------

    def board_facts(self, board: Board, **facts: Any) -> BoardItem:
        base = {"unit": board.unit, "name": board.name, "kind": board.kind, "origin": board.origin,
                "checked_at": datetime.now(timezone.utc).isoformat()}
        return BoardItem(url=board.url, facts={**base, **facts})

    def item(self, board: Board, message: ParsedMessage) -> MessageItem:
        """Masked before it leaves the spider: personal numbers never reach the pipeline or the log."""
        title = mask_personal(message.title)
        question = mask_personal(message.question)
        return MessageItem(
            unit=board.unit, board_name=board.name, board_url=board.url, board_kind=board.kind,
            external_id=message.external_id or "", url=message.url, title=title, question=question,
            asked_at=message.asked_at, handling_unit=message.handling_unit, status_word=message.status_word,
            reply=mask_personal(message.reply, keep_public_lines=True), replied_at=message.replied_at,
            satisfaction=message.satisfaction, category=join(categorize_message(title, question)),
        )
