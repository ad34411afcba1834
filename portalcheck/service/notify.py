"""What is told to whom: each unit's daily digest, 复核 results, and the office's operator alerts.

Messages are Chinese markdown with links into the workspace; they carry rule titles, counts and links, never
crawled personal data (message-board findings show no detail; other details are masked and stripped of
markdown). Every send is a `notification_log` row (unit, kind, day, target without secrets, status,
attempts, error): a digest's row is unique per unit, day and target, so a repeated run sends nothing twice.

Sending never holds up a job: alerts from the nightly run and the probes go out on a daemon thread, and each
attempt is bounded (portalcheck.notify.send); a failure is logged and kept in the sent-log, nothing raises.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portalcheck.core.accounts import HEALTH_ZH, NOT_CHECKED, OPERATOR_ACTION
from portalcheck.core.config import Config, NotificationsConfig
from portalcheck.core.personal import mask_personal
from portalcheck.exports.loop import OPEN_STATES
from portalcheck.notify import Delivery, Target, deliver, normalise, redact_text
from storage.models import ACTIVE_STATUSES, Account, Finding, NotificationLog, Site, Unit, utcnow
from storage.session import Store

log = logging.getLogger("portalcheck.notify")

OFFICE = "（办公室）"  # how the office is named where a unit would be
MAX_LISTED = 10  # findings listed by name in one digest; the rest are counted and linked
PRIVATE_RULES = ("message.",)  # their details quote citizens: only the rule and the link are sent
MARKDOWN = re.compile(r"[\[\]()*_`#<>|~!\\]")


@dataclass
class Message:
    title: str
    body: str
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass
class Sent:
    """One message to one target as the sent-log has it."""

    unit: str | None
    kind: str
    target: str
    status: str  # sent | failed | skipped (already sent today) | dry-run
    attempts: int = 0
    error: str | None = None


# --- targets and sending ------------------------------------------------------------------------------


def settings(config: Config) -> NotificationsConfig:
    return config.notifications or NotificationsConfig()


def targets_for(config: Config, unit: str | None) -> list[Target]:
    """The unit's targets (unit None: the office's), as apprise will be given them."""
    conf = settings(config)
    urls = conf.office if unit is None else conf.units.get(unit, [])
    return [normalise(url, conf.timeout_seconds) for url in urls]


def local_day(config: Config, moment: datetime | None = None) -> date:
    return (moment or datetime.now(config.zone)).astimezone(config.zone).date()


def _claim(store: Store, *, unit: str | None, kind: str, day: date, target: Target, key: str | None,
           summary: dict[str, Any]) -> int | None:
    """The sent-log row this send writes to; None when the key says it already went out."""
    with store.session() as session:
        if key is not None:
            row = session.scalar(select(NotificationLog).where(NotificationLog.dedupe_key == key))
            if row is not None:
                if row.status == "sent" or (row.status == "pending" and row.created_at > utcnow() - timedelta(hours=1)):
                    return None  # sent, or being sent by another run right now
                row.status, row.summary = "pending", summary  # a failed send of this key is tried again
                return row.id
        row = NotificationLog(unit_name=unit, kind=kind, day=day, target=target.label, dedupe_key=key,
                              status="pending", attempts=0, summary=summary, created_at=utcnow())
        session.add(row)
        try:
            session.flush()
        except IntegrityError:  # another run claimed the same key first
            session.rollback()
            return None
        return row.id


def _record(store: Store, row_id: int, delivery: Delivery) -> None:
    with store.session() as session:
        row = session.get(NotificationLog, row_id)
        row.attempts = (row.attempts or 0) + delivery.attempts
        row.status = "sent" if delivery.ok else "failed"
        row.error = None if delivery.ok else delivery.error
        row.sent_at = utcnow() if delivery.ok else None


def send(config: Config, store: Store, message: Message, *, unit: str | None, kind: str, day: date,
         targets: Sequence[Target] | None = None, once_per_day: bool = False,
         sleep: Callable[[float], None] | None = None) -> list[Sent]:
    """Send `message` to every target of `unit` (None: the office), logging each; never raises on a failed send.
    `once_per_day`: a target that already got this kind for this unit today is skipped."""
    conf = settings(config)
    results = []
    for target in targets if targets is not None else targets_for(config, unit):
        key = f"{kind}:{unit or OFFICE}:{day.isoformat()}:{target.label}" if once_per_day else None
        row_id = _claim(store, unit=unit, kind=kind, day=day, target=target, key=key, summary=message.summary)
        if row_id is None:
            results.append(Sent(unit, kind, target.label, "skipped"))
            continue
        delivery = deliver(target, message.title, message.body, retries=conf.retries, timeout=conf.timeout_seconds,
                           backoff=conf.backoff_seconds, **({"sleep": sleep} if sleep else {}))
        _record(store, row_id, delivery)
        if delivery.ok:
            log.info("%s for %s sent to %s", kind, unit or "the office", delivery.target)
        else:
            log.warning("%s for %s not sent to %s after %s attempts: %s", kind, unit or "the office",
                        delivery.target, delivery.attempts, delivery.error)
        results.append(Sent(unit, kind, delivery.target, "sent" if delivery.ok else "failed", delivery.attempts,
                            delivery.error))
    return results


_BACKGROUND: list[threading.Thread] = []
_BACKGROUND_LOCK = threading.Lock()


def in_background(work: Callable[[], Any], name: str = "notify") -> threading.Thread:
    """Run `work` on a daemon thread: the job that asked goes on at once; a failure is logged, never raised."""

    def run() -> None:
        try:
            work()
        except Exception:
            log.exception("sending notifications failed")

    thread = threading.Thread(target=run, name=name, daemon=True)
    with _BACKGROUND_LOCK:
        _BACKGROUND[:] = [t for t in _BACKGROUND if t.is_alive()]
        _BACKGROUND.append(thread)
    thread.start()
    return thread


def wait_for_background(timeout: float | None = None) -> bool:
    """Wait for the notifications still being sent (the service at shutdown, tests); True when all are done."""
    with _BACKGROUND_LOCK:
        threads = list(_BACKGROUND)
    for thread in threads:
        thread.join(timeout)
    return not any(t.is_alive() for t in threads)


# --- text ----------------------------------------------------------------------------------------------


def _plain(text: str | None, limit: int = 80) -> str:
    """Crawled text made safe for a message: personal numbers masked, markdown taken out, shortened."""
    cleaned = " ".join(MARKDOWN.sub(" ", mask_personal(text or "") or "").split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def _link(config: Config, path: str, text: str) -> str:
    base = settings(config).workspace_url
    return f"[{text}]({base.rstrip('/')}{path})" if base else ""


def _day_zh(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _rule_titles() -> dict[str, str]:
    from checks.registry import by_rule

    return {rule: check.title for rule, check in by_rule().items()}


def _finding_line(config: Config, finding: Finding, titles: dict[str, str]) -> str:
    title = titles.get(finding.rule, finding.rule)
    detail = "" if finding.rule.startswith(PRIVATE_RULES) else _plain(finding.detail)
    link = _link(config, f"/findings/{finding.id}", "查看")
    return " ".join(part for part in (f"{title}（问题{finding.id}）", detail and f"：{detail}", link) if part)


# --- the daily digest -----------------------------------------------------------------------------------


def approaching_deadlines(pairs: Iterable[tuple[int, date]], today: date, days: int) -> list[tuple[int, date]]:
    """Of (finding id, deadline) pairs, those due today or within `days` days, soonest first.

    The deadlines come from the notices (整改通知, issue #17's notices part); until notices exist the
    callers pass an empty list."""
    return sorted(((fid, due) for fid, due in pairs if today <= due <= today + timedelta(days=days)),
                  key=lambda pair: (pair[1], pair[0]))


def _since(store: Store, unit: str, day: date) -> datetime | None:
    """When the unit's previous digest (an earlier day's) went out; None: it never had one."""
    with store.session() as session:
        return session.scalar(select(func.max(NotificationLog.sent_at)).where(
            NotificationLog.kind == "digest", NotificationLog.unit_name == unit, NotificationLog.day < day,
            NotificationLog.status == "sent"))


def compose_digest(config: Config, store: Store, unit: str, day: date,
                   deadlines: Iterable[tuple[int, date]] = ()) -> Message | None:
    """The unit's digest for `day`: its findings new since the previous digest and its deadlines close by;
    None when there is nothing to say."""
    since = _since(store, unit, day)
    with store.session() as session:
        row = session.scalar(select(Unit).where(Unit.name == unit))
        if row is None:
            return None
        active = select(Finding).where(Finding.unit_id == row.id, Finding.status.in_(ACTIVE_STATUSES))
        new_query = active.where(Finding.first_seen > since) if since else \
            active.where(Finding.status.in_(("new", "regressed")))
        new = session.scalars(new_query.order_by(Finding.id)).all()
        open_count = session.scalar(select(func.count()).select_from(active.subquery())) or 0
        unit_id = row.id
    due = approaching_deadlines(deadlines, day, settings(config).approaching_days)
    if not new and not due:
        return None
    titles = _rule_titles()
    lines = [f"**新发现问题 {len(new)} 个**" + ("（自上次日报以来）" if since else "")]
    lines += [f"{i}. {_finding_line(config, f, titles)}" for i, f in enumerate(new[:MAX_LISTED], 1)]
    if len(new) > MAX_LISTED:
        lines.append(f"另有 {len(new) - MAX_LISTED} 个，请到工作台查看。")
    if due:
        lines.append("")
        lines.append(f"**即将到期 {len(due)} 个**（{settings(config).approaching_days}天内须完成整改）")
        lines += [f"- 问题{fid}：期限 {_day_zh(when)} {_link(config, f'/findings/{fid}', '查看')}".rstrip()
                  for fid, when in due]
    lines.append("")
    lines.append(f"当前未整改问题共 {open_count} 个。{_link(config, f'/units/{unit_id}', '进入工作台')}".rstrip())
    return Message(f"【网站检查日报】{unit} {_day_zh(day)}", "\n".join(lines),
                   {"new": len(new), "approaching": len(due), "open": open_count})


@dataclass
class DigestReport:
    day: date
    messages: dict[str, Message]  # unit (or the office) → what was composed
    sent: list[Sent]


def loop_deadlines(store: Store) -> Callable[[str], list[tuple[int, date]]]:
    """A unit's findings still in the 整改 loop (a notice gave them a deadline; not yet 复核通过, 销号 or an
    accepted appeal) with their deadlines: what the digest counts as approaching."""
    def of(unit: str) -> list[tuple[int, date]]:
        with store.session() as session:
            rows = session.execute(
                select(Finding.id, Finding.deadline).join(Unit, Unit.id == Finding.unit_id)
                .where(Unit.name == unit, Finding.rectification_state.in_(OPEN_STATES),
                       Finding.deadline.is_not(None))).all()
        return [(finding_id, deadline) for finding_id, deadline in rows]
    return of


def send_digest(config: Config, store: Store, *, day: date | None = None, dry_run: bool = False,
                deadlines: Callable[[str], Iterable[tuple[int, date]]] | None = None,
                sleep: Callable[[float], None] | None = None) -> DigestReport:
    """Each unit with targets (and the office) gets one digest for `day`; a repeated run sends nothing twice.

    `deadlines(unit)`: the unit's (finding id, deadline) pairs; by default those of the 整改 loop."""
    day = day or local_day(config)
    deadlines = deadlines or loop_deadlines(store)
    conf = settings(config)
    messages: dict[str, Message] = {}
    sent: list[Sent] = []
    for unit in (u.name for u in config.units):
        if not conf.units.get(unit) and not conf.office:
            continue
        message = compose_digest(config, store, unit, day, deadlines(unit))
        if message is None:
            continue
        messages[unit] = message
        if dry_run:
            sent += [Sent(unit, "digest", t.label, "dry-run") for t in targets_for(config, unit)]
        elif conf.units.get(unit):
            sent += send(config, store, message, unit=unit, kind="digest", day=day, once_per_day=True, sleep=sleep)
    if messages and conf.office:
        lines = [f"- {unit}：新问题 {m.summary['new']} 个，即将到期 {m.summary['approaching']} 个，"
                 f"未整改共 {m.summary['open']} 个" for unit, m in messages.items()]
        office = Message(f"【网站检查日报】各单位汇总 {_day_zh(day)}", "\n".join(lines),
                         {"units": len(messages), "new": sum(m.summary["new"] for m in messages.values())})
        messages[OFFICE] = office
        if dry_run:
            sent += [Sent(None, "digest", t.label, "dry-run") for t in targets_for(config, None)]
        else:
            sent += send(config, store, office, unit=None, kind="digest", day=day, once_per_day=True, sleep=sleep)
    return DigestReport(day, messages, sent)


def format_digest_report(report: DigestReport, *, dry_run: bool) -> str:
    status_zh = {"sent": "已发送", "failed": "发送失败", "skipped": "今日已发送，跳过", "dry-run": "未发送（试运行）"}
    lines = [f"{_day_zh(report.day)} 日报：{len(report.messages)} 条"]
    for unit, message in report.messages.items():
        lines.append(f"== {unit}：{message.title}")
        if dry_run:
            lines.append(message.body)
    for item in report.sent:
        extra = f"（{item.attempts} 次尝试：{item.error}）" if item.status == "failed" else ""
        lines.append(f"{item.unit or OFFICE} → {item.target}：{status_zh.get(item.status, item.status)}{extra}")
    if not report.messages:
        lines.append("没有需要发送的内容（无新问题、无即将到期的期限，或未配置通知对象）。")
    return "\n".join(lines)


# --- 复核 results ---------------------------------------------------------------------------------------


def notify_recheck_result(unit: str, passed: Sequence[int], failed: Sequence[int], *, config: Config,
                          store: Store, background: bool = True) -> threading.Thread | list[Sent]:
    """Tell the unit (and the office) how the 复核 of its findings came out. `passed`/`failed`: finding ids.
    In the background by default: the recheck that calls it is not held up."""
    if config.notifications is None or not (passed or failed):
        return []
    titles = _rule_titles()
    with store.session() as session:
        found = {f.id: f for f in session.scalars(select(Finding).where(Finding.id.in_([*passed, *failed])))}
    lines = [f"**复核通过 {len(passed)} 个**（待督查确认销号）"]
    lines += [f"- {_finding_line(config, found[i], titles)}" for i in passed if i in found]
    lines += ["", f"**复核未通过 {len(failed)} 个**（问题仍在，请继续整改）"]
    lines += [f"- {_finding_line(config, found[i], titles)}" for i in failed if i in found]
    message = Message(f"【复核结果】{unit}", "\n".join(lines), {"passed": len(passed), "failed": len(failed)})
    day = local_day(config)

    def work() -> list[Sent]:
        return [*send(config, store, message, unit=unit, kind="recheck", day=day),
                *send(config, store, message, unit=None, kind="recheck", day=day)]

    return in_background(work, "notify-recheck") if background else work()


# --- operator alerts to the office ----------------------------------------------------------------------


def alert_office(config: Config, store: Store, title: str, lines: Sequence[str], *, once_key: str | None = None,
                 background: bool = True) -> threading.Thread | list[Sent]:
    """An operator alert to the office's targets; `once_key`: sent at most once per day under this key."""
    if config.notifications is None or not config.notifications.office:
        return []
    day = local_day(config)
    message = Message(f"【运维告警】{title}", "\n".join(lines), {"alert": once_key or title})

    def work() -> list[Sent]:
        kind = f"alert:{once_key}" if once_key else "alert"
        return send(config, store, message, unit=None, kind=kind[:20], day=day, once_per_day=once_key is not None)

    return in_background(work, "notify-alert") if background else work()


def _office_configured(config: Config) -> bool:
    return config.notifications is not None and bool(config.notifications.office)


def _later(background: bool, work: Callable[[], list[Sent]], name: str) -> threading.Thread | list[Sent]:
    """Everything of an alert, its reading of the store included, off the job's thread (nothing raises into
    the nightly run or the probes)."""
    return in_background(work, name) if background else work()


def alert_run_failed(config: Config, store: Store, job: str, error: str | None, *,
                     background: bool = True) -> threading.Thread | list[Sent]:
    if not _office_configured(config):
        return []
    names = {"nightly": "夜间增量抓取与检查", "weekly_full": "每周全量抓取与检查"}
    when = datetime.now(config.zone)

    def work() -> list[Sent]:
        reason = _plain(redact_text(error or "原因不明"), 300)
        return alert_office(config, store, f"{names.get(job, job)}失败",
                            [f"任务 {job} 于 {when:%Y-%m-%d %H:%M} 失败。", f"原因：{reason}",
                             "请查看服务日志（logs/scheduler.log）；下次定时运行将自动重试。"], background=False)

    return _later(background, work, "notify-alert")


def alert_blocked_collectors(config: Config, store: Store, since: datetime, *,
                             background: bool = True) -> threading.Thread | list[Sent]:
    """Accounts the night's collectors could not read (login expired, rate limited …): the operator must act."""
    if not _office_configured(config):
        return []

    def work() -> list[Sent]:
        with store.session() as session:
            rows = session.execute(select(Unit.name, Account.platform, Account.name, Account.health)
                                   .join(Unit, Unit.id == Account.unit_id)
                                   .where(Account.health.in_(sorted(NOT_CHECKED)), Account.checked_at >= since)
                                   .order_by(Unit.name, Account.name)).all()
        if not rows:
            return []
        lines = [f"{len(rows)} 个政务新媒体账号本次未能采集："]
        lines += [f"- {unit}·{_plain(name, 40)}（{platform}）：{HEALTH_ZH.get(health, health)}。"
                  f"{OPERATOR_ACTION.get(health, '')}" for unit, platform, name, health in rows[:20]]
        return alert_office(config, store, "采集受阻", lines, once_key="collector", background=False)

    return _later(background, work, "notify-alert")


def alert_portal_unreachable(config: Config, store: Store, failed: Sequence[tuple[int, str]], *,
                             background: bool = True) -> threading.Thread | list[Sent]:
    """`failed`: (site id, reason) of this probe round's failures; the office hears once a day if the portal's
    home page is among them."""
    if not failed or not _office_configured(config):
        return []

    def work() -> list[Sent]:
        with store.session() as session:
            homes = set(session.scalars(select(Site.id).where(Site.is_portal_home.is_(True))))
        reasons = [reason for site_id, reason in failed if site_id in homes]
        if not reasons:
            return []
        return alert_office(config, store, "门户网站无法访问",
                            [f"{config.portal.name}首页（{config.portal.home}）本轮可用性监测无法打开：{reasons[0]}。",
                             "请联系网站运维单位排查。"], once_key="portal", background=False)

    return _later(background, work, "notify-alert")


# --- `portalcheck notify test` --------------------------------------------------------------------------


def send_test(config: Config, store: Store) -> list[Sent]:
    """A short test message to every configured target (the office's and each unit's), each reported."""
    day = local_day(config)
    results = []
    for unit in [None, *settings(config).units]:
        name = unit or OFFICE
        message = Message(f"【测试消息】{config.portal.name}检查通知", f"这是一条测试消息，收到即表示{name}的通知配置可用。"
                          + (f"\n{_link(config, '/', '进入工作台')}" if settings(config).workspace_url else ""))
        results += send(config, store, message, unit=unit, kind="test", day=day)
    return results
