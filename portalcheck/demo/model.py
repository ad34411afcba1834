"""Data model of the demo portal and its deterministic generation from site.yaml + phrases.yaml.

Everything random comes from one seeded generator and every date is "N days before today", so two
portals built for different days have the same structure, shifted in time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math
import random
from dataclasses import dataclass, field
from typing import Any

from portalcheck.core.resources import package_yaml

SEED = 20200529
FIRST_ARTICLE_ID = 10231


def load_yaml(name: str) -> dict[str, Any]:
    """Parsed data file shipped next to this module."""
    return package_yaml("portalcheck.demo", name)  # type: ignore[no-any-return]


@dataclass
class Attachment:
    name: str
    path: str
    kind: str  # pdf | doc | xls
    exists: bool = True


@dataclass
class Article:
    id: int
    published: dt.datetime
    column: Column = field(repr=False)
    title: str = ""
    source: str = ""
    paragraphs: list[str] = field(default_factory=list)
    image: str | None = None
    image_exists: bool = True
    attachments: list[Attachment] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)

    @property
    def path(self) -> str:
        return f"{self.column.path}{self.published:%Y%m}/t{self.published:%Y%m%d}_{self.id}.html"

    @property
    def file_stem(self) -> str:
        """TRS-style stem shared by the article's image and attachment names."""
        return f"{self.column.path}{self.published:%Y%m}/P0{self.published:%Y%m%d}{self.id}"


@dataclass
class Column:
    code: str
    name: str
    category: str
    path: str
    unit: Unit = field(repr=False)
    render: str = "html"  # html | js
    parent: Column | None = field(default=None, repr=False)
    children: list[Column] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list, repr=False)  # newest first
    note: str | None = None
    broken: str | None = None  # "404" | building | redirect
    catalog: bool = False
    specials: list[str] = field(default_factory=list)
    modified: dt.datetime | None = None
    configured: bool = True  # a js column listed in the demo config with `render: js`

    @property
    def all_articles(self) -> list[Article]:
        """Own items plus sub-column items, newest first (what a parent page shows)."""
        items = list(self.articles)
        for child in self.children:
            items.extend(child.all_articles)
        if self.catalog:
            items = [a for a in self.unit.all_articles() if not a.column.catalog]
        return sorted(items, key=lambda a: (a.published, a.id), reverse=True)

    @property
    def page_count(self) -> int:
        return max(1, math.ceil(len(self.all_articles) / self.unit.page_size))

    @property
    def chnl_id(self) -> int:
        """Stable numeric channel id, as CMSs print in page scripts (chnlid=1780)."""
        return 1000 + int(hashlib.md5(self.path.encode()).hexdigest()[:6], 16) % 9000

    @property
    def first_level(self) -> bool:
        return self.parent is None


@dataclass
class Account:
    platform: str  # wechat | weibo | toutiao
    name: str
    code: str
    unit: Unit = field(repr=False)
    posts: list[tuple[str, dt.datetime]] = field(default_factory=list)  # newest first
    uid: str | None = None  # a Weibo account read through the demo's m.weibo.cn stand-in, not a feed
    state: str = "ok"  # ok | closed (the platform says it no longer exists) | blocked (answers 432)

    @property
    def path(self) -> str:
        return f"/weibo/u/{self.uid}" if self.uid else f"/feeds/{self.code}.xml"

    @property
    def public_url(self) -> str:
        """Where the home page links to: the Weibo profile itself, or the account's feed."""
        return f"https://m.weibo.cn/u/{self.uid}" if self.uid else self.path


@dataclass
class Unit:
    code: str
    name: str
    kind: str  # 乡镇 | 部门 | 门户
    site: str
    cms: str
    date_format: str
    page_size: int
    encoding: str = "utf-8"
    columns: list[Column] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict, repr=False)

    def all_columns(self) -> list[Column]:
        """Columns and sub-columns, parents before children."""
        out: list[Column] = []
        stack = list(reversed(self.columns))
        while stack:
            col = stack.pop()
            out.append(col)
            stack.extend(reversed(col.children))
        return out

    def all_articles(self) -> list[Article]:
        return [a for c in self.all_columns() for a in c.articles]

    def column(self, code: str) -> Column:
        """Find a column by code ("zcwj") or by its path below the site ("zcwj/gfxwj")."""
        for col in self.all_columns():
            if code in (col.code, col.path[len(self.site) :].strip("/")):
                return col
        raise KeyError(f"{self.name} has no column {code!r}")


@dataclass
class Message:
    id: int
    title: str
    asker: str
    body: str
    asked: dt.datetime
    office: str
    status: str  # 已办结 | 办理中
    replied: dt.datetime | None
    reply: str
    quality: str  # good | none | in_progress | not_ours | policy_only

    @property
    def path(self) -> str:
        return f"/hdjl/xzxx/{self.asked:%Y%m}/t{self.asked:%Y%m%d}_{self.id}.html"


class TextGen:
    """Fills phrase templates; owns no randomness of its own (uses the site generator's rng)."""

    def __init__(self, rng: random.Random, leaders: dict[str, dict[str, str]]) -> None:
        self.rng = rng
        self.phrases = load_yaml("phrases.yaml")
        self.leaders = leaders

    def slots(self, unit: Unit, when: dt.datetime) -> dict[str, str]:
        p, r = self.phrases, self.rng
        return {
            "unit": unit.name if unit.kind != "门户" else "青山县",
            "unit_kind": "镇" if unit.name.endswith("镇") else ("乡" if unit.kind == "乡镇" else "单位"),
            "topic": r.choice(p["topics"]),
            "place": r.choice(p["places"]),
            "holiday": r.choice(p["holidays"]),
            "person": r.choice(p["people"]),
            "year": str(when.year),
            "next_year": str(when.year + 1),
            "quarter": "一二三四"[(when.month - 1) // 3],
            "month": f"{when.month}月",
            "phone": f"{r.randint(1000, 9999)}",
            "head": self.leaders["head"]["name"],
            "head_title": self.leaders["head"]["title"],
            "deputy": self.leaders["deputy"]["name"],
            "deputy_title": self.leaders["deputy"]["title"],
        }

    def pick(self, templates: list[str], slots: dict[str, str]) -> str:
        return self.rng.choice(templates).format_map(slots)

    def article(self, art: Article) -> None:
        """Title, source and body paragraphs for one article, by column category."""
        unit, cat = art.column.unit, art.column.category
        s = self.slots(unit, art.published)
        p, r = self.phrases, self.rng
        art.title = self.pick(p["titles"].get(cat, p["titles"]["news"]), s)
        art.source = self.pick(p["sources"], s)
        para = p["paragraphs"]
        if cat in ("notice", "policy", "personnel"):
            art.paragraphs = [t.format_map(s) for t in para["notice_body"]]
        else:
            art.paragraphs = [self.pick(para["opening"], s)]
            if cat == "news" and r.random() < 0.35:
                art.paragraphs.append(self.pick(para["leader"], s))
            art.paragraphs += [t.format_map(s) for t in r.sample(para["middle"], r.randint(2, 3))]
        if cat == "news" and r.random() < 0.35:
            art.image = f"{art.file_stem}.png".replace("/P0", "/W0")
        if cat in ("notice", "policy", "personnel", "planning", "basic") and r.random() < 0.45:
            kind = {"personnel": "xls", "basic": "xls"}.get(cat, r.choice(["pdf", "doc"]))
            label = {"xls": "附件：相关情况一览表", "pdf": "附件：", "doc": "附件：报名表"}[kind]
            label = label + art.title if kind == "pdf" else label
            art.attachments.append(Attachment(f"{label}.{kind}", f"{art.file_stem}1.{kind}", kind))


def mojibake(text: str) -> str:
    """UTF-8 bytes of Chinese wrongly decoded as GBK: the classic "鍘垮浗" garbling."""
    return text.encode("utf-8").decode("gbk", errors="replace")


class SiteBuilder:
    """Builds the whole site tree for one `today` from the YAML description."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.rng = random.Random(SEED)
        self.site = load_yaml("site.yaml")
        self.text = TextGen(self.rng, self.site["leaders"])

    def at(self, days_ago: int, minutes: int) -> dt.datetime:
        return dt.datetime.combine(self.today - dt.timedelta(days=days_ago), dt.time(8, 0)) + dt.timedelta(
            minutes=minutes
        )

    def build(self) -> tuple[Unit, list[Unit]]:
        p = self.site["portal"]
        portal = Unit("portal", "青山县人民政府", "门户", "/xwzx/", "trs", "iso", 15)
        portal.columns = [self._column(portal, spec, None) for spec in p["columns"]]
        units = []
        for spec in self.site["units"]:
            base = "/xzjd/" if spec["kind"] == "乡镇" else "/bm/"
            unit = Unit(
                spec["code"],
                spec["name"],
                spec["kind"],
                f"{base}{spec['code']}/",
                spec["cms"],
                spec["date_format"],
                spec["page_size"],
                spec.get("encoding", "utf-8"),
                options={k: v for k, v in spec.items() if k not in ("columns", "accounts")},
            )
            unit.columns = [self._column(unit, c, None) for c in spec["columns"]]
            unit.accounts = [self._account(unit, a) for a in spec.get("accounts", [])]
            units.append(unit)
        self._number_and_fill([portal, *units])
        return portal, units

    def _column(self, unit: Unit, spec: dict[str, Any], parent: Column | None) -> Column:
        path = f"{parent.path if parent else unit.site}{spec['code']}/"
        col = Column(
            spec["code"],
            spec["name"],
            spec["category"],
            path,
            unit,
            spec.get("render", "html"),
            parent,
            note=spec.get("note"),
            broken=spec.get("broken"),
            catalog=bool(spec.get("catalog")),
            specials=list(spec.get("specials", [])),
            configured=spec.get("configured", True),
        )
        col.children = [self._column(unit, c, col) for c in spec.get("children", [])]
        lo, hi = self.site["healthy_newest"][col.category]
        default_newest = self.rng.randint(lo, hi)
        newest = spec.get("newest", default_newest)
        span = max(spec.get("span", self.site["healthy_newest"]["default_span"]), newest)
        count = spec.get("count", 0)
        days = [newest] + sorted(self.rng.randint(newest, span) for _ in range(count - 1)) if count else []
        col.articles = [Article(0, self.at(d, self.rng.randint(0, 600)), col) for d in days]
        return col

    def _account(self, unit: Unit, spec: dict[str, Any]) -> Account:
        acc = Account(spec["platform"], spec["name"], spec["code"], unit, uid=spec.get("uid"),
                      state=spec.get("state", "ok"))
        day = spec["newest"]
        for _ in range(12):
            topic = self.rng.choice(self.text.phrases["topics"])
            acc.posts.append((f"{unit.name}：{topic}工作最新进展", self.at(day, self.rng.randint(60, 600))))
            day += self.rng.randint(1, 6)
        return acc

    def _number_and_fill(self, units: list[Unit]) -> None:
        """TRS ids grow with time across the whole site, like a real CMS; then write the text."""
        articles = [a for u in units for a in u.all_articles()]
        articles.sort(key=lambda a: (a.published, a.column.path))
        next_id = FIRST_ARTICLE_ID
        for art in articles:
            art.id = next_id
            next_id += self.rng.randint(1, 9)
        for art in articles:
            self.text.article(art)
        for unit in units:
            for col in unit.all_columns():
                col.articles.sort(key=lambda a: (a.published, a.id), reverse=True)
                self._apply_specials(col)
            for col in unit.all_columns():
                newest = col.all_articles[0].published if col.all_articles else self.at(500, 0)
                col.modified = newest

    def _apply_specials(self, col: Column) -> None:
        """Plant the article-level defects named in site.yaml (see truth.py for their rule ids)."""
        head = self.site["leaders"]["head"]
        for special in col.specials:
            index = {"dead_links": 1, "misspelt_leader": 2, "broken_image": 3, "garbled": 1, "spam": 2, "stub": 1,
                     "no_source": 4, "duplicate": 2}.get(special, 0)
            art = col.articles[min(index, len(col.articles) - 1)]
            art.flags.add(special)
            if special == "dead_links":
                art.links += [
                    ("《青山县“两学一做”学习教育专题》", f"{col.unit.site}zt/lxyz/index.html"),
                    ("青山县政务服务网", "http://127.0.0.1:9/qszw/index.html"),
                ]
            elif special == "misspelt_leader":
                art.paragraphs.insert(
                    1, f"{head['title']}{head['misspelt']}出席会议并讲话，对全县卫生健康工作提出明确要求。"
                )
            elif special == "broken_image":
                art.image = f"{art.file_stem}.jpg".replace("/P0", "/W0")
                art.image_exists = False
            elif special == "garbled":
                art.paragraphs.insert(
                    1, mojibake("青山县人民政府召开专题会议，研究部署安全生产和防汛抗旱工作。")
                )
            elif special == "spam":  # text injected into a hacked page for search engines
                art.paragraphs.append("澳门博彩官网，真人娱乐百家乐在线开户，首存即送彩金。")
            elif special == "stub":
                art.paragraphs, art.image, art.attachments = ["详见附件。"], None, []
            elif special == "no_source":
                art.source = ""
            elif special == "duplicate":  # the same notice published a second time
                copy = dataclasses.replace(art, id=art.id + 900000, flags={"duplicate_copy"}, paragraphs=list(art.paragraphs),
                                           attachments=list(art.attachments), links=list(art.links))
                col.articles.insert(col.articles.index(art), copy)
            elif special == "attachment_404":
                art.attachments.append(
                    Attachment("附件：专项检查情况汇总表.xls", f"{art.file_stem}9.xls", "xls", exists=False)
                )


def build_messages(rng: random.Random, today: dt.date, units: list[Unit]) -> list[Message]:
    """About 40 县长信箱 messages over the past year; planted unanswered and poor replies by index."""
    phrases = load_yaml("phrases.yaml")
    text = TextGen(rng, load_yaml("site.yaml")["leaders"])
    offices = [u for u in units if u.kind == "部门"][:6] + [u for u in units if u.kind == "乡镇"][:3]
    poor = phrases["messages"]["poor_replies"]
    # index -> planted behaviour; days_ago is fixed for planted ones so they stay meaningful.
    planted = {
        3: ("none", 200),
        9: ("none", 150),
        15: ("none", 120),
        22: ("none", 100),
        5: ("in_progress", 80),  # a progress-only reply 80 days on: warned of the 3-month veto (2 weeks ahead)
        12: ("not_ours", 70),
        18: ("policy_only", 80),
        0: ("none", 2),
        1: ("none", 7),  # waiting a week: near its 7-working-day deadline (warned unless a holiday intervenes), never past it
    }
    out = []
    for i in range(40):
        quality, days = planted.get(i, ("good", rng.randint(10, 350)))
        asked = dt.datetime.combine(today - dt.timedelta(days=days), dt.time(9)) + dt.timedelta(
            minutes=rng.randint(0, 700)
        )
        office = rng.choice(offices)
        s = text.slots(office, asked)
        title = text.pick(phrases["messages"]["titles"], s)
        body = text.pick(phrases["messages"]["bodies"], {**s, "title": title})
        surname = rng.choice("王李张刘陈杨黄赵吴周")
        replied: dt.datetime | None = asked + dt.timedelta(days=rng.randint(1, 6), hours=rng.randint(1, 6))
        if quality == "good":
            reply, status = text.pick(phrases["messages"]["good_replies"], s), "已办结"
        elif quality == "none":
            reply, status, replied = "", "办理中", None
        else:
            reply, status = poor[quality], ("办理中" if quality == "in_progress" else "已办结")
        out.append(
            Message(
                2000 + 37 * i,
                title,
                f"{surname}**",
                body,
                asked,
                office.name,
                status,
                replied,
                reply,
                quality,
            )
        )
    out.sort(key=lambda m: m.asked, reverse=True)
    return out
