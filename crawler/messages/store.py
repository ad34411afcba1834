"""Messages into the store: the writer the StorePipeline calls for MessageItem, the unit a message
belongs to, and what earlier runs saw of the boards (for incremental runs).

A message belongs to the unit that handles it when the board names a configured unit (县长信箱
letters handled by 县人社局 count for 县人社局), else to the unit whose site holds the board.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from crawler.frontier import ListFrontier, load_unfinished
from crawler.memory import UnitScope
from crawler.messages.items import BoardItem, MessageItem  # noqa: F401 - re-exported for the pipeline
from storage.models import Column, CrawlRun, Message, Unit
from storage.session import Store
from storage.upsert import upsert

PLACE_PREFIX = re.compile(r"^(?:[县市区]|.{2,6}?[省市县区旗])(?!$)")


def _core(name: str) -> str:
    """县人社局 → 人社局, 青山县白鹤镇人民政府 → 白鹤镇: what varies between spellings of one unit."""
    core = "".join(name.split()).removesuffix("人民政府")
    for _ in range(2):  # 宜春市万载县人社局 → 人社局
        stripped = PLACE_PREFIX.sub("", core, count=1)
        if len(stripped) < 2:
            break
        core = stripped
    return core


def match_unit(handling: str | None, names: list[str]) -> str | None:
    """The configured unit a board's 办理单位 text names, if any."""
    if not handling:
        return None
    text = "".join(handling.split())
    if text in names:
        return text
    wanted = _core(text)
    matches = [n for n in names if _core(n) == wanted or (len(wanted) >= 3 and wanted in n)]
    return min(matches, key=len) if matches else None


def write_messages(session: Any, items: list[MessageItem], pipeline: Any) -> None:
    """Upsert messages by (board_url, external_id); first_seen stays the first sighting."""
    names = list(pipeline.unit_ids)
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for item in items:
        owner = match_unit(item.handling_unit, names) or item.unit
        rows[(item.board_url, item.external_id)] = {
            "unit_id": pipeline.unit_ids.get(owner), "board_name": item.board_name[:200],
            "board_url": item.board_url, "board_kind": item.board_kind, "external_id": item.external_id[:200],
            "url": item.url, "title": item.title, "question": item.question, "asked_at": item.asked_at,
            "handling_unit": (item.handling_unit or "")[:200] or None,
            "status_word": (item.status_word or "")[:50] or None, "reply": item.reply,
            "replied_at": item.replied_at, "satisfaction": (item.satisfaction or "")[:50] or None,
            "category": item.category,
        }
    pipeline.stats.inc_value("portalcheck/messages", len(rows))
    upsert(session, Message, list(rows.values()), keys=["board_url", "external_id"])


def write_boards(session: Any, items: list[BoardItem], pipeline: Any) -> None:
    """Merge what this run saw of each board into the run's counts["boards"] (url → facts)."""
    run = session.get(CrawlRun, pipeline.run_id)
    counts = dict(run.counts or {})
    boards = dict(counts.get("boards") or {})
    for item in items:
        boards[item.url] = {**boards.get(item.url, {}), **item.facts}
    run.counts = {**counts, "boards": boards}  # a new dict: the JSON column sees the change


@dataclass
class BoardMemory:
    """Per board URL, the stored messages' (status word, answered?); per unit, known interaction columns."""

    messages: dict[str, dict[str, tuple[str | None, bool]]] = field(default_factory=dict)
    columns: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # unit → [(name, url)]
    unfinished: dict[str, ListFrontier] = field(default_factory=dict)  # board URL → pages left to read

    @classmethod
    def load(cls, session: Any, units: list[str] | None = None, configured: tuple[str, ...] = ()) -> BoardMemory:
        """What the store holds of the boards; for a crawl of some units (`units`, their `configured` board
        URLs), only their boards: a province's store holds every unit's messages."""
        memory = cls()
        columns = (select(Unit.name, Column.name, Column.url).join(Unit, Unit.id == Column.unit_id)
                   .where(Column.category == "interaction").order_by(Column.id))
        for unit, name, url in session.execute(UnitScope(units).columns(columns)):
            memory.columns.setdefault(unit, []).append((name, url))
        messages = select(Message.board_url, Message.external_id, Message.status_word, Message.replied_at,
                          Message.reply)
        if units is not None:
            boards = {*configured, *(url for board in memory.columns.values() for _, url in board)}
            messages = messages.where(Message.board_url.in_(sorted(boards)))
        for board, external_id, status, replied_at, reply in session.execute(messages):
            answered = replied_at is not None or bool((reply or "").strip())
            memory.messages.setdefault(board, {})[external_id] = (status, answered)
        memory.unfinished = load_unfinished(session, "board", units=units)
        return memory


class BoardMemoryPipeline:
    """Hands the message spider what the store knows before it starts (a spider never opens the store)."""

    def __init__(self, database_url: str):
        self.database_url = database_url

    @classmethod
    def from_crawler(cls, crawler: Any) -> BoardMemoryPipeline:
        return cls(crawler.settings.get("PORTALCHECK_DATABASE_URL"))

    def open_spider(self, spider: Any) -> None:
        store = Store(self.database_url)
        try:
            with store.session() as session:
                boards = [spider.config.unit(name).message_board for name in spider.unit_names or ()]
                configured = tuple(board.url for board in boards if board)
                spider.board_memory = BoardMemory.load(session, spider.unit_names, configured)
        finally:
            store.dispose()

    def process_item(self, item: Any, spider: Any) -> Any:
        return item
