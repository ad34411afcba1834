"""Post times as platforms print them, turned into aware datetimes relative to the fetch time.

Weibo's m.weibo.cn shows "刚刚", "5分钟前", "3小时前", "昨天 12:30", "06-14" (this year, no year
printed) and "2019-06-14" (older years), and sometimes the full "Tue Jul 09 10:13:45 +0800 2019";
feeds use RFC 822 or ISO 8601; WeChat gives Unix seconds. A relative date only means something
together with the moment it was read, so every function takes `fetched_at`; a year-less date that
would lie in the future at fetch time belongs to the previous year ("12-31" read on 1 January).
"""

from __future__ import annotations

import email.utils
import re
from datetime import datetime, timedelta, timezone

from portalcheck.core.config import CHINA_TZ

CHINA = CHINA_TZ  # platforms show Beijing time
# A post may be stamped a little ahead of our clock (server skew); beyond this a year-less date is last year's.
FUTURE_SLACK = timedelta(days=1)

_AGO_RE = re.compile(r"^(?P<n>\d+)\s*(?P<unit>秒|分钟|小时|天|周|个月)前$")
_AGO_UNITS = {"秒": timedelta(seconds=1), "分钟": timedelta(minutes=1), "小时": timedelta(hours=1),
              "天": timedelta(days=1), "周": timedelta(weeks=1), "个月": timedelta(days=30)}
_DAY_WORDS = {"今天": 0, "昨天": 1, "前天": 2}
_DAY_WORD_RE = re.compile(r"^(?P<word>今天|昨天|前天)\s*(?:(?P<H>\d{1,2}):(?P<M>\d{2}))?$")
_FULL_RE = re.compile(r"^(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?"
                      r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$")
_MONTH_DAY_RE = re.compile(r"^(?P<m>\d{1,2})[-/月](?P<d>\d{1,2})日?(?:\s+(?P<H>\d{1,2}):(?P<M>\d{2}))?$")
_WEIBO_FULL_FORMAT = "%a %b %d %H:%M:%S %z %Y"  # Tue Jul 09 10:13:45 +0800 2019


def _local(fetched_at: datetime) -> datetime:
    if fetched_at.tzinfo is None:
        raise ValueError("fetched_at must be timezone-aware")
    return fetched_at.astimezone(CHINA)


def parse_post_time(text: str | int | float | None, fetched_at: datetime) -> datetime | None:
    """The moment a post was published, or None when `text` is not a date we know.

    Times without a zone are China time. The result is aware (in China time).
    """
    if text is None or text == "":
        return None
    if isinstance(text, int | float) or (isinstance(text, str) and text.strip().isdigit()):
        return from_timestamp(int(text))
    raw = " ".join(str(text).split())
    now = _local(fetched_at)
    if raw in ("刚刚", "刚才"):
        return now
    if match := _AGO_RE.match(raw):
        return now - int(match["n"]) * _AGO_UNITS[match["unit"]]
    if match := _DAY_WORD_RE.match(raw):
        day = now - timedelta(days=_DAY_WORDS[match["word"]])
        hour, minute = (int(match["H"]), int(match["M"])) if match["H"] else (0, 0)
        return day.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if match := _FULL_RE.match(raw):
        return _build(int(match["y"]), match)
    if match := _MONTH_DAY_RE.match(raw):
        return _year_less(int(match["m"]), int(match["d"]), match, now)
    return _structured(raw)


def from_timestamp(seconds: int) -> datetime:
    """WeChat's `ct` and `datetime`: Unix seconds (milliseconds are accepted too)."""
    if seconds > 10_000_000_000:
        seconds //= 1000
    return datetime.fromtimestamp(seconds, tz=timezone.utc).astimezone(CHINA)


def _build(year: int, match: re.Match[str]) -> datetime | None:
    try:
        return datetime(year, int(match["m"]), int(match["d"]), int(match["H"] or 0), int(match["M"] or 0),
                        int(match.groupdict().get("S") or 0), tzinfo=CHINA)
    except ValueError:
        return None


def _year_less(month: int, day: int, match: re.Match[str], now: datetime) -> datetime | None:
    """This year's date, unless that is still ahead of the fetch time: then last year's."""
    for year in (now.year, now.year - 1):
        try:
            value = datetime(year, month, day, int(match["H"] or 0), int(match["M"] or 0), tzinfo=CHINA)
        except ValueError:  # 02-29 outside a leap year
            continue
        if value <= now + FUTURE_SLACK:
            return value
    return None


def _structured(raw: str) -> datetime | None:
    """RFC 822 (RSS), Weibo's full form, ISO 8601 (Atom)."""
    try:
        return datetime.strptime(raw, _WEIBO_FULL_FORMAT).astimezone(CHINA)
    except ValueError:
        pass
    try:
        value = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        value = None
    if value is None:
        try:
            value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=CHINA)
    return value.astimezone(CHINA)
