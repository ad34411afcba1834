"""The store: what the crawler saw (artifacts) and what the checks concluded (findings).

Every table that the crawler writes has a natural unique key so that re-running a crawl
updates rows instead of adding them (idempotent writes, resumable crawls).
Timestamps are stored as naive UTC and handed back timezone-aware (see UTCDateTime).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# URLs on government sites can be long (query strings of CMS search pages); 2000 covers
# what browsers accept in practice and keeps the unique indexes usable on PostgreSQL.
URL = String(2000)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, the same on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    # None is SQL NULL (not JSON null), so "IS NULL" means "nothing was read".
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(none_as_null=True),
                           list[Any]: JSON(none_as_null=True)}


class Unit(Base):
    """A 乡镇 or 部门 under inspection (or the portal itself, kind 门户)."""

    __tablename__ = "units"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    site_url: Mapped[str] = mapped_column(URL)
    columns: Mapped[list[Column]] = relationship(back_populates="unit")


class Site(Base):
    """A web root that is probed for availability: the portal home or a unit's sub-site."""

    __tablename__ = "sites"
    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(URL, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    is_portal_home: Mapped[bool] = mapped_column(Boolean, default=False)
    site_code: Mapped[str | None] = mapped_column(String(20))


class Column(Base):
    """A 栏目: discovered from navigation or configured; categories drive the update windows."""

    __tablename__ = "columns"
    __table_args__ = (UniqueConstraint("unit_id", "url"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("columns.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(URL)
    category: Mapped[str] = mapped_column(String(20))
    level: Mapped[int] = mapped_column(Integer, default=1)
    origin: Mapped[str] = mapped_column(String(20))  # discovered | configured
    render: Mapped[str] = mapped_column(String(10), default="html")  # html | js (as configured)
    # How the latest run that read its list read it: static | rendered | rendered_failed (None: not yet read).
    read_mode: Mapped[str | None] = mapped_column(String(20))
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    unit: Mapped[Unit] = relationship(back_populates="columns")


class CrawlRun(Base):
    """One crawl: its mode, scope, outcome and counts (pages, items, errors by class, bytes)."""

    __tablename__ = "crawl_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    mode: Mapped[str] = mapped_column(String(20))  # full | incremental | recheck
    unit_filter: Mapped[str | None] = mapped_column(Text)  # the --unit names, comma-joined: any number
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="running")  # running|finished|failed|interrupted
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    job_dir: Mapped[str | None] = mapped_column(String(500))


class ColumnVisit(Base):
    """How much of a column one run saw: full, partial or not_seen, and why."""

    __tablename__ = "column_visits"
    # Checks ask for each column's latest visit up to a moment: (column_id, visited_at) answers from the index.
    __table_args__ = (UniqueConstraint("run_id", "column_id"),
                      Index("ix_column_visits_column_visited", "column_id", "visited_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id", ondelete="CASCADE"), index=True)
    column_id: Mapped[int] = mapped_column(ForeignKey("columns.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20))  # full | partial | not_seen
    reason: Mapped[str | None] = mapped_column(String(200))
    pages: Mapped[int] = mapped_column(Integer, default=0)
    items: Mapped[int] = mapped_column(Integer, default=0)
    http_status: Mapped[int | None]
    visited_at: Mapped[datetime] = mapped_column(default=utcnow)


class UnfinishedList(Base):
    """A column's (or message board's) list read only partly: the further pages requested and not yet read.

    Written with the list entries of each page as it arrives (a killed crawl never reaches its close), and
    deleted when no page is left: a list without a row was read to its end (or never begun). Any later
    run, whatever its mode or scope, continues from `pending` before it trusts "known items reached".
    """

    __tablename__ = "unfinished_lists"
    __table_args__ = (UniqueConstraint("kind", "list_url"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # column | board
    list_url: Mapped[str] = mapped_column(URL)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    # [{"url", "method", "form", "page", "through"}]: a page's request as its pager gave it (a Hanweb group's
    # POST form too), its page number and whether the pass must read on to the end (a full pass's pages).
    pending: Mapped[list[Any]] = mapped_column(default=list)
    pages_read: Mapped[int] = mapped_column(Integer, default=0)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Page(Base):
    """A fetched page with what was read from it; `marks` holds the footer marks found."""

    __tablename__ = "pages"
    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(URL, unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # home | unit_home | list | article | other
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"), index=True)
    column_id: Mapped[int | None] = mapped_column(ForeignKey("columns.id", ondelete="SET NULL"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id", ondelete="SET NULL"))
    http_status: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(40))  # closed set: timeout, dns, refused, …
    final_url: Mapped[str | None] = mapped_column(URL)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    title: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    source: Mapped[str | None] = mapped_column(String(200))
    encoding: Mapped[str | None] = mapped_column(String(20))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    content_length: Mapped[int | None] = mapped_column(BigInteger)
    etag: Mapped[str | None] = mapped_column(String(200))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    body_text: Mapped[str | None] = mapped_column(Text)
    marks: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    flags: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))  # soft_404, under_construction, …
    # An article's 集约化 <meta> (SiteName, SiteIDCode, PubDate …) and the footer's 网站标识码 (page.metadata)
    page_meta: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class ListItem(Base):
    """An entry of a column's list: the evidence of when a column was last updated."""

    __tablename__ = "list_items"
    # Per-column counts and newest dates (checks.facts.columns) are read from this index alone.
    __table_args__ = (UniqueConstraint("column_id", "url"),
                      Index("ix_list_items_column_published", "column_id", "published_on"))
    id: Mapped[int] = mapped_column(primary_key=True)
    column_id: Mapped[int] = mapped_column(ForeignKey("columns.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(URL)
    title: Mapped[str] = mapped_column(Text)
    published_on: Mapped[date | None] = mapped_column(Date)
    raw_date: Mapped[str | None] = mapped_column(String(50))
    position: Mapped[int] = mapped_column(Integer)
    list_page: Mapped[int] = mapped_column(Integer, default=1)
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)


class LinkTarget(Base):
    """A URL that pages link to, checked once per run whatever the number of pages linking it."""

    __tablename__ = "link_targets"
    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(URL, unique=True)
    is_external: Mapped[bool] = mapped_column(Boolean, default=False)
    http_status: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(40))
    soft_404: Mapped[bool] = mapped_column(Boolean, default=False)
    redirect_chain: Mapped[list[Any] | None] = mapped_column(JSON(none_as_null=True))
    checked_at: Mapped[datetime | None]


class Link(Base):
    """An href/src on a crawled page."""

    __tablename__ = "links"
    __table_args__ = (UniqueConstraint("page_id", "target_id", "tag"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("link_targets.id", ondelete="CASCADE"), index=True)
    tag: Mapped[str] = mapped_column(String(10))  # a | img | script | link | iframe
    text: Mapped[str | None] = mapped_column(String(500))


class AccessibilityAudit(Base):
    """The last axe-core run on one page (page.accessibility): violations as axe reported them, cut short."""

    __tablename__ = "accessibility_audits"
    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(URL, unique=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # home | unit_home | list | article
    category: Mapped[str | None] = mapped_column(String(20))
    audited_at: Mapped[datetime] = mapped_column(default=utcnow)
    error: Mapped[str | None] = mapped_column(String(200))  # the page could not be audited: not checked
    care_entry: Mapped[str | None] = mapped_column(String(200))  # the 关怀版/无障碍 entry's text (home pages)
    violations: Mapped[list[Any] | None] = mapped_column(JSON(none_as_null=True))


class AnnualReport(Base):
    """A 政府网站工作年度报表 found on the site, with the figures read from its table."""

    __tablename__ = "annual_reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(URL, unique=True)
    year: Mapped[int | None]
    title: Mapped[str | None] = mapped_column(Text)
    linked_from_home: Mapped[bool] = mapped_column(Boolean, default=False)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    error: Mapped[str | None] = mapped_column(String(40))
    figures: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class Probe(Base):
    """One availability request to a site (indicator A2: ≥20 a day, 15 s limit)."""

    __tablename__ = "probes"
    __table_args__ = (Index("ix_probes_site_time", "site_id", "probed_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    probed_at: Mapped[datetime] = mapped_column(default=utcnow)
    ok: Mapped[bool] = mapped_column(Boolean)
    http_status: Mapped[int | None]
    latency_ms: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(40))


class NetworkProbe(Base):
    """One network probe of a host (site.ipv6: AAAA, pages over IPv6, 天窗; site.https: TLS, certificate).

    `facts` holds what the probe saw (crawler/netprobe.py documents the keys); the checks read them.
    """

    __tablename__ = "network_probes"
    __table_args__ = (Index("ix_network_probes_kind_host_time", "kind", "host", "probed_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # ipv6 | https
    host: Mapped[str] = mapped_column(String(300))  # host[:port] as in the site URL, lower case
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    probed_at: Mapped[datetime] = mapped_column(default=utcnow)
    ok: Mapped[bool] = mapped_column(Boolean)
    facts: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Account(Base):
    """A government new-media account listed in config, with the health of its collector."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("unit_id", "platform", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(URL)
    external_id: Mapped[str | None] = mapped_column(String(200))
    health: Mapped[str | None] = mapped_column(String(30))  # ok | not_found | login_expired | …
    checked_at: Mapped[datetime | None]


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (UniqueConstraint("account_id", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(URL)
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)


class Message(Base):
    """A 网上问政 message: question, handling unit, reply and their times."""

    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("board_url", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"), index=True)
    board_name: Mapped[str] = mapped_column(String(200))
    board_url: Mapped[str] = mapped_column(URL)
    board_kind: Mapped[str] = mapped_column(String(20), default="consultation")
    external_id: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(URL)
    title: Mapped[str | None] = mapped_column(Text)
    question: Mapped[str | None] = mapped_column(Text)
    asked_at: Mapped[datetime | None]
    handling_unit: Mapped[str | None] = mapped_column(String(200))
    status_word: Mapped[str | None] = mapped_column(String(50))
    reply: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None]
    satisfaction: Mapped[str | None] = mapped_column(String(50))
    category: Mapped[str | None] = mapped_column(String(50))
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)


# A finding's statuses while it is still a problem (not resolved): what every count of open findings means.
ACTIVE_STATUSES = ("new", "open", "regressed")


class Finding(Base):
    """A problem a check found, with a life across runs: new → open → resolved (→ regressed).

    `key` identifies the same problem from one run to the next (rule + unit + column + url
    + what the check says makes it distinct), so re-running a check updates `last_seen`.
    """

    __tablename__ = "findings"
    __table_args__ = (
        Index("ix_findings_rule_status", "rule", "status"),  # a rule's findings, the active ones
        # the findings list's order (unit, severity, rule, column, id) with the filters' columns and the points:
        # the workspace counts each (unit, severity, rule, column) and reads one in id order, and the summary
        # sums the points per unit and rule, from the index alone
        Index("ix_findings_list_order", "unit_id", "severity", "rule", "column_id", "id", "status", "first_seen",
              "last_seen", "points"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    rule: Mapped[str] = mapped_column(String(60))
    severity: Mapped[str] = mapped_column(String(10))  # veto | deduct | info
    points: Mapped[float | None] = mapped_column(Float)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))  # indexed first in ix_findings_list_order
    column_id: Mapped[int | None] = mapped_column(ForeignKey("columns.id", ondelete="SET NULL"))
    url: Mapped[str | None] = mapped_column(URL)
    detail: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20), default="new")  # new | open | resolved | regressed
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    deadline: Mapped[date | None] = mapped_column(Date)
    # The 整改 loop (issue #17), apart from `status` (the findings JSON contract): None until a notice
    # names the finding; then 未整改 | 已答复 | 复核中 | 复核通过 | 复核未通过 | 申诉中 | 已采纳申诉 | 已销号.
    rectification_state: Mapped[str | None] = mapped_column(String(20))


# --- scheduler (issue #7): job store, locks, job runs, recheck requests --------------------------


class CheckRun(Base):
    """What one `portalcheck check` concluded besides its findings, written with them in one transaction.

    The verdicts (site, units, columns) and the figures per subject the exports show — column states
    (附件2), each account check's outcome per account (附件4), the judgement of every message (附件3) —
    so that an export reads what the check decided and never judges again.
    """

    __tablename__ = "check_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[datetime] = mapped_column(index=True)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    units: Mapped[list[Any] | None]  # the --unit names; None: every unit
    rules: Mapped[list[Any]]  # the rules that ran
    verdicts: Mapped[dict[str, Any]]
    accounts: Mapped[list[Any]]
    messages: Mapped[dict[str, Any]]
    # One row per probed host: the IPv6 and HTTPS figures (site.ipv6, site.https); None before 0008.
    network: Mapped[list[Any] | None] = mapped_column(JSON(none_as_null=True))


class CheckRunColumn(Base):
    """One column's figures and verdict in one check run (附件2 reads them), as they stood at the run's moment.

    Rows of their own, written in batches, not one value of the run's row: a province's run has ≈ 90,000
    columns (≈ 170 MB held at once for that one value, BENCHMARKS.md). Not tied to `columns`: a run keeps the
    column as it judged it, after the column is gone."""

    __tablename__ = "check_run_columns"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("check_runs.id", ondelete="CASCADE"), index=True)
    column_id: Mapped[int]
    unit: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(20))
    level: Mapped[int]
    items: Mapped[int]
    newest: Mapped[date | None]  # the newest dated list item
    age_days: Mapped[int | None]
    window_days: Mapped[int | None]  # the category's update window (None: no window)
    verdict: Mapped[str] = mapped_column(String(20))  # 合格 | 未更新 | 空白 | 无法访问 | 未检查
    url: Mapped[str] = mapped_column(URL)
    read_mode: Mapped[str | None] = mapped_column(String(20))


class SchedulerJob(Base):
    """APScheduler's job store table, declared here so that Alembic owns it like every other table.

    The columns are exactly those SQLAlchemyJobStore defines; it finds the table present and uses it.
    Schedules (and missed runs) survive restarts because they live in the same database as the data.
    """

    __tablename__ = "apscheduler_jobs"
    id: Mapped[str] = mapped_column(String(191), primary_key=True)
    next_run_time: Mapped[float | None] = mapped_column(index=True)
    job_state: Mapped[bytes]


class JobLock(Base):
    """A named lock ("nightly", "unit:白鹤镇") held by one job of one process until `expires_at`.

    The holder renews `expires_at` while it works; a holder that crashed stops renewing, and a
    holder whose processes (`pids`, on `host`) are all gone is stale at once, so nothing blocks forever.
    """

    __tablename__ = "job_locks"
    name: Mapped[str] = mapped_column(String(250), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))  # host:pid:token of one job run
    host: Mapped[str] = mapped_column(String(200))
    pids: Mapped[list[Any]] = mapped_column(default=list)
    job: Mapped[str | None] = mapped_column(String(60))
    acquired_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class JobRun(Base):
    """One run of a scheduled job: when, how it ended and what it did (counts), or why it failed."""

    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_job_started", "job", "started_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(60))  # nightly | weekly_full | probe | recheck
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(20), default="running")  # running|ok|failed|skipped|interrupted|killed
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    host: Mapped[str | None] = mapped_column(String(200))
    pid: Mapped[int | None]


class RecheckRequest(Base):
    """A request to re-check one unit (`portalcheck recheck --unit X --queue`), picked up by the scheduler."""

    __tablename__ = "recheck_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_name: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)  # pending|running|done|failed
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    error: Mapped[str | None] = mapped_column(Text)


class QueueNight(Base):
    """One nightly (or weekly full) run spread over queue workers (issue #15): its unit jobs and the one
    site-wide job that the last of them starts (the barrier: a row lock on this row, see
    portalcheck.service.queue)."""

    __tablename__ = "queue_nights"
    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(60))  # nightly | weekly_full
    full: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    total: Mapped[int] = mapped_column(default=0)  # unit jobs
    finish_job_id: Mapped[int | None]  # the site-wide job, once the last unit job deferred it
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(20))  # ok | failed, once the site-wide job ran
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)


class QueueJob(Base):
    """One unit job of a queue night or a recheck: the units it crawls (one, or all units of one host)."""

    __tablename__ = "queue_jobs"
    __table_args__ = (Index("ix_queue_jobs_night", "night_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    night_id: Mapped[int | None] = mapped_column(ForeignKey("queue_nights.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # unit | recheck
    host: Mapped[str] = mapped_column(String(300))
    units: Mapped[list[str]] = mapped_column(JSON)
    job_id: Mapped[int | None] = mapped_column(BigInteger)  # procrastinate_jobs.id
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued|running|done|failed
    attempts: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)


class HostPause(Base):
    """A host that started refusing (WAF 403/429, resets): every queue worker leaves it alone until `until`."""

    __tablename__ = "host_pauses"
    host: Mapped[str] = mapped_column(String(300), primary_key=True)  # crawler.urls.host_of: the hostname (no port)
    until: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- the inspectors' workspace (issue #16): accounts and what they did ---------------------------------


class User(Base):
    """A workspace account: 督查 (inspector), 单位 (unit staff, one unit), 只读 (readonly) or 管理员 (admin).

    Only an argon2 hash of the password is kept; a disabled account keeps its audit trail.
    """

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # inspector | unit | readonly | admin
    unit_name: Mapped[str | None] = mapped_column(String(200))  # the one unit a 单位 account sees
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(Base):
    """Who did what, when, from where: logins (and failed ones), rechecks, exports, user changes."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_at", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_name: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))  # login | login_failed | logout | recheck | export | user_*
    address: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[str | None] = mapped_column(Text)


# --- notifications (issue #17): what was sent where, so a digest goes out once per unit per day --------------


class NotificationLog(Base):
    """One message to one target: a unit's daily digest, a 复核 result, an office alert or a test.

    `target` is the address with its secrets taken out (scheme, host and a short hash of the whole address);
    `dedupe_key` makes a digest (or an alert) unique per unit, day and target even when a run is repeated.
    """

    __tablename__ = "notification_log"
    __table_args__ = (Index("ix_notification_log_kind_day", "kind", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_name: Mapped[str | None] = mapped_column(String(200))  # None: the office
    kind: Mapped[str] = mapped_column(String(20))  # digest | recheck | alert | test
    day: Mapped[date] = mapped_column(Date)  # the deployment's local day the message belongs to
    target: Mapped[str] = mapped_column(String(300))
    dedupe_key: Mapped[str | None] = mapped_column(String(400), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)  # counts the message carried
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
# --- the 整改 loop (issue #17): notices, answers, 复核, suppressions, a finding's history ------------------


class Notice(Base):
    """One 通报 batch: the active findings frozen at `issued_at`, to be rectified by `deadline`."""

    __tablename__ = "notices"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)  # 第N期, counted from 1
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline: Mapped[date] = mapped_column(Date)
    issued_by: Mapped[str | None] = mapped_column(String(100))


class NoticeFinding(Base):
    """A finding as a notice froze it (its detail then), whatever later runs make of it."""

    __tablename__ = "notice_findings"
    __table_args__ = (UniqueConstraint("notice_id", "finding_id", name="uq_notice_findings_notice_finding"),
                      Index("ix_notice_findings_finding", "finding_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text)


class Answer(Base):
    """A unit's answer to one finding: 已整改 (what was done), 申诉 (why it is wrong) or 情况说明."""

    __tablename__ = "answers"
    __table_args__ = (Index("ix_answers_finding", "finding_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"))
    user_name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))  # 已整改 | 申诉 | 情况说明
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    attachment_path: Mapped[str | None] = mapped_column(String(300))  # relative to rectification.attachments_dir
    attachment_name: Mapped[str | None] = mapped_column(String(255))
    attachment_size: Mapped[int | None]
    attachment_type: Mapped[str | None] = mapped_column(String(100))
    decision: Mapped[str | None] = mapped_column(String(20))  # of an appeal: 采纳 | 驳回
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None]


class Suppression(Base):
    """An accepted appeal: the finding stays quiet until the facts change (its problem is gone once);
    `lifted_at` says when that happened."""

    __tablename__ = "suppressions"
    __table_args__ = (Index("ix_suppressions_finding", "finding_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    accepted_by: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    lifted_at: Mapped[datetime | None]


class FindingEvent(Base):
    """A finding's history: every change of its status (by a check run) or of its 整改 state (by a person
    or a 复核), with the time, who (None: a check run) and a note; the notifier reads it."""

    __tablename__ = "finding_events"
    __table_args__ = (Index("ix_finding_events_finding", "finding_id"), Index("ix_finding_events_at", "at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(20))  # status | rectification
    old: Mapped[str | None] = mapped_column(String(20))
    new: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
# --- evidence pictures (issue #17) -------------------------------------------------------------------


class FindingPicture(Base):
    """A screenshot proving a finding, taken when it was first made (kind first) or re-checked (recheck), with
    the outlined element's box (document CSS px) and the part of the page the PNG shows (clip). The file is
    content-addressed: `path` (relative to evidence.pictures_dir) is named after its sha256. A shot that failed
    is kept with its error and no file, so the finding says why it has no picture."""

    __tablename__ = "finding_pictures"
    __table_args__ = (Index("ix_finding_pictures_taken_at", "taken_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # first | recheck
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)
    page_url: Mapped[str] = mapped_column(URL)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    path: Mapped[str | None] = mapped_column(String(200))
    box_x: Mapped[float | None] = mapped_column(Float)
    box_y: Mapped[float | None] = mapped_column(Float)
    box_w: Mapped[float | None] = mapped_column(Float)
    box_h: Mapped[float | None] = mapped_column(Float)
    clip_x: Mapped[float | None] = mapped_column(Float)
    clip_y: Mapped[float | None] = mapped_column(Float)
    clip_w: Mapped[float | None] = mapped_column(Float)
    clip_h: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(String(200))  # why there is no picture (not_found, timeout …)
