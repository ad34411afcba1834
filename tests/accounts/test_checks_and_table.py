"""Account checks and the new-media table on harvests written through the store writer.

Reproduces the 房县 2020Q2 notice (附件4): 38 accounts, 24 合格, 14 不合格, 63%, six units
with accounts silent over a year; a blocked collector is "未检查", never a stale account.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from checks import run_checks
from crawler.accounts import health as H
from crawler.accounts.model import AccountHarvest, AccountItem, AccountRef, PostRecord
from crawler.accounts.store import write_accounts
from portalcheck.core.config import Config
from portalcheck.exports.accounts import accounts_table
from storage.models import CrawlRun, Finding, Post, Unit
from storage.session import Store

AS_OF = datetime(2020, 5, 29, 10, 0, tzinfo=UTC)  # 18:00 in Beijing
DORMANT = ["野人谷镇", "白鹤镇", "尹吉甫镇", "财政局", "卫生健康局", "司法局"]
STALE = ["大木厂镇", "化龙堰镇", "军店镇", "门古寺镇", "机关事务服务中心", "县人民法院", "团县委"]
GONE = ["生态环境局房县分局"]
NOTICE_ORDER = ["野人谷镇", "大木厂镇", "尹吉甫镇", "化龙堰镇", "军店镇", "门古寺镇", "白鹤镇", "机关事务服务中心",
                "财政局", "县人民法院", "卫生健康局", "团县委", "生态环境局房县分局", "司法局"]
GOOD = [f"县直单位{i}" for i in range(1, 13)]  # two good accounts each: 24


class Stats:
    def inc_value(self, key: str, count: int = 1) -> None:
        pass


def config(**thresholds: Any) -> Config:
    return Config.model_validate({
        "portal": {"name": "房县人民政府门户网站", "home": "http://www.fangxian.gov.cn/", "site_code": "4203250001"},
        "units": [{"name": "白鹤镇", "site": "http://www.fangxian.gov.cn/bhz/"}],
        "thresholds": thresholds, "leaders": {"张三丰": ["张三峰"]},
    })


class Harvests:
    """Writes account harvests the way the crawl does: one accounts crawl run, the pipeline writer."""

    def __init__(self, store: Store):
        self.store = store
        self.unit_ids: dict[str, int] = {}

    def run(self, harvests: list[AccountHarvest], started: datetime, unit_filter: str | None = None) -> None:
        with self.store.session() as session:
            for name in {h.ref.unit for h in harvests} - set(self.unit_ids):
                unit = Unit(name=name, kind="乡镇", site_url=f"http://www.fangxian.gov.cn/{len(self.unit_ids)}/")
                session.add(unit)
                session.flush()
                self.unit_ids[name] = unit.id
            run = CrawlRun(mode="full", started_at=started, status="finished", unit_filter=unit_filter,
                           counts={"spider": "accounts"})
            session.add(run)
            session.flush()
            pipeline = SimpleNamespace(unit_ids=self.unit_ids, run_id=run.id, stats=Stats())
            write_accounts(session, [AccountItem(h) for h in harvests], pipeline)


def harvest(unit: str, name: str, *, days: list[int] | None = None, health: str = H.OK, at: datetime = AS_OF,
            platform: str = "wechat", interaction: bool | None = None, texts: list[str] | None = None,
            detail: str | None = None) -> AccountHarvest:
    posts = [PostRecord(f"{name}-{at.date()}-{d}", at - timedelta(days=d, hours=1), title=f"第{d}天",
                        text=(texts or [None] * len(days or []))[i], url=f"https://mp.weixin.qq.com/s/{name}{d}")
             for i, d in enumerate(days or [])]
    return AccountHarvest(AccountRef(unit, platform, name, url=f"http://bridge.local/{name}.xml"), at,
                          health=health, detail=detail, source="feed" if health == H.OK else None, posts=posts,
                          interaction=interaction)


def fangxian() -> list[AccountHarvest]:
    out = [harvest(u, f"{u}发布", days=[400 + i for i in range(3)]) for u in DORMANT]
    out += [harvest(u, f"{u}微信", days=[20, 30]) for u in STALE]
    out += [harvest(u, f"{u}微博", health=H.NOT_FOUND, platform="weibo", detail="用户不存在") for u in GONE]
    out += [harvest(u, f"{u}{kind}", days=[1, 5, 9], platform=platform)
            for u in GOOD for kind, platform in (("微信", "wechat"), ("微博", "weibo"))]
    order = {u: i for i, u in enumerate(NOTICE_ORDER + GOOD)}
    return sorted(out, key=lambda h: order[h.ref.unit])


def test_fangxian_notice_numbers(store: Store) -> None:
    Harvests(store).run(fangxian(), AS_OF - timedelta(hours=2))
    report = run_checks(store, config(), AS_OF, only=["account"])
    found = {o.rule: o.found for o in report.outcomes}
    assert found == {"account.not_updated": 13, "account.dormant": 6, "account.unreachable": 1,
                     "account.no_interaction": 0, "account.serious_error": 0,
                     "account.sensitive": 0}
    table = accounts_table(store, config(), date(2020, 4, 1), date(2020, 5, 29), AS_OF)
    assert table["totals"] == {"accounts": 38, "qualified": 24, "unqualified": 14, "not_checked": 0, "rate": 63,
                               "rate_text": "24/38，63%"}
    assert table["unqualified_units"] == NOTICE_ORDER
    assert set(table["dormant_units"]) == set(DORMANT)
    assert "合格的政务新媒体有24个，不合格的新媒体14个" in table["text"] and "合格率为63%" in table["text"]
    row = next(r for r in table["rows"] if r["unit"] == "团县委")
    assert row["verdict"] == "不合格" and row["failed"] == ["account.not_updated"]
    assert row["last_post"] == "2020-05-09T17:00+08:00" and row["posts_in_period"] == 2
    assert "已20天未更新" in row["checks"]["account.not_updated"]["detail"]
    gone = next(r for r in table["rows"] if r["unit"] == "生态环境局房县分局")
    assert gone["failed"] == ["account.unreachable"] and gone["health_zh"] == "账号不存在"
    assert gone["checks"]["account.not_updated"]["result"] == "未检查"


def test_fourteen_days_is_the_limit(store: Store) -> None:
    Harvests(store).run([harvest("白鹤镇", "十四天", days=[14]), harvest("白鹤镇", "十五天", days=[15]),
                         harvest("白鹤镇", "从未发布", days=[])], AS_OF)
    with store.session() as session:
        findings = {f.evidence["account"]: f.detail for f in session.query(Finding)
                    .filter(Finding.rule == "account.not_updated")}
    assert findings == {}  # nothing checked yet
    run_checks(store, config(), AS_OF, only=["account.not_updated"])
    with store.session() as session:
        findings = {f.evidence["account"]: f.detail for f in session.query(Finding)}
    assert set(findings) == {"十五天", "从未发布"} and "未发现任何发布内容" in findings["从未发布"]


def test_blocked_collector_is_not_checked_and_keeps_the_earlier_finding(store: Store) -> None:
    writer = Harvests(store)
    writer.run([harvest("团县委", "青春房县", days=[20])], AS_OF)
    run_checks(store, config(), AS_OF, only=["account"])
    later = AS_OF + timedelta(days=1)
    writer.run([harvest("团县委", "青春房县", health=H.RATE_LIMITED, detail="HTTP 432", at=later)], later)
    report = run_checks(store, config(), later, only=["account"])
    with store.session() as session:
        [(status, last_seen)] = session.query(Finding.status, Finding.last_seen).all()
    assert (status, last_seen) == ("new", AS_OF)  # neither re-found nor resolved: it was not looked at
    reasons = [n.reason for n in report.not_checked if n.rule == "account.not_updated"]
    assert reasons == ["微信公众号“青春房县”未能采集（被平台限制访问：HTTP 432），未检查"]
    table = accounts_table(store, config(), date(2020, 5, 1), date(2020, 5, 30), later)
    assert table["rows"][0]["verdict"] == "未检查" and table["totals"]["rate"] is None
    assert "1个账号因采集受限未能检查" in table["text"]
    fixed = later + timedelta(days=1)
    writer.run([harvest("团县委", "青春房县", days=[0], at=fixed)], fixed)
    run_checks(store, config(), fixed, only=["account"])
    with store.session() as session:
        assert session.query(Finding.status).scalar() == "resolved"
        assert session.query(Post).count() == 2


def test_interaction_and_serious_errors_in_posts(store: Store) -> None:
    Harvests(store).run([
        harvest("团县委", "有留言", days=[1], interaction=True),
        harvest("团县委", "无留言", days=[1], interaction=False),
        harvest("司法局", "写错", days=[1, 2], texts=["张三峰同志出席会议并讲话。", "依照《中华人民共合国宪法》"]),
    ], AS_OF)
    report = run_checks(store, config(), AS_OF, only=["account.no_interaction", "account.serious_error"])
    with store.session() as session:
        findings = {(f.rule, f.evidence["account"]): f for f in session.query(Finding)}
    assert ("account.no_interaction", "无留言") in findings and ("account.no_interaction", "有留言") not in findings
    serious = [f for (rule, _), f in findings.items() if rule == "account.serious_error"]
    assert serious and all(f.evidence["account"] == "写错" for f in serious)
    assert any("“张三峰”应为“张三丰”" in f.detail for f in serious)
    skipped = [n.reason for n in report.not_checked if n.rule == "account.no_interaction"]
    assert skipped == ["微信公众号“写错”的采集来源不显示互动功能，未检查"]


def test_sensitive_words_in_posts_fail_but_posts_fighting_them_do_not(store: Store) -> None:
    Harvests(store).run([
        harvest("司法局", "被盗号", days=[1, 2], texts=["澳门博彩官网，真人娱乐百家乐在线开户。", "普法宣传进社区。"]),
        harvest("公安局", "禁赌宣传", days=[1], texts=["民警宣讲严厉打击网络赌博网站违法犯罪的政策。"]),
    ], AS_OF)
    run_checks(store, config(), AS_OF, only=["account.sensitive"])
    with store.session() as session:
        found = {(f.evidence["account"], f.evidence["word"]): f.detail for f in session.query(Finding)}
    assert set(found) == {("被盗号", "澳门博彩"), ("被盗号", "真人娱乐"), ("被盗号", "百家乐")}
    assert "发布内容含敏感词“澳门博彩”（赌博，1处）" in found[("被盗号", "澳门博彩")]


def test_dormant_window_is_configurable_and_accounts_left_out_of_config_are_not_judged(store: Store) -> None:
    writer = Harvests(store)
    writer.run([harvest("财政局", "青山财政", days=[200]), harvest("财政局", "旧账号", days=[500])], AS_OF)
    writer.run([harvest("财政局", "青山财政", days=[200])], AS_OF + timedelta(minutes=5))  # 旧账号 was removed
    run_checks(store, config(account_dormant_days=180), AS_OF + timedelta(minutes=10), only=["account.dormant"])
    with store.session() as session:
        assert [(f.evidence["account"], f.detail) for f in session.query(Finding)] == [
            ("青山财政", "微信公众号“青山财政”最近发布于2019-11-11，超过6个月未更新，属长期未更新（“僵尸”）账号，应整改或依规注销")]
