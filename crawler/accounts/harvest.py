"""Read every configured account once: pick the adapter, keep the pace, never let one failure spread.

Weibo accounts with a uid go through the m.weibo.cn API in the logged-in context; everything
else (WeChat bridges and timelines, units' own columns of articles, 头条号/抖音 feeds, Weibo
through a feed bridge) is recognised by what its URL answers: RSS/Atom, JSON Feed, timeline JSON or HTML.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from crawler.accounts import health as H
from crawler.accounts import wechat
from crawler.accounts.dates import parse_post_time
from crawler.accounts.feed import Feed, NotAFeed, looks_like_feed, parse_feed
from crawler.accounts.jsonfeed import looks_like_json_feed, parse_json_feed
from crawler.accounts.model import AccountHarvest, AccountRef, PostRecord
from crawler.accounts.session import Browser, BrowserContextSession, Budget, BudgetExhausted, Fetched, Pacer
from crawler.accounts.weibo import harvest_weibo, is_weibo_api

log = logging.getLogger(__name__)


def account_refs(config: Any, unit_names: list[str] | None = None) -> list[AccountRef]:
    units = [config.unit(n) for n in unit_names] if unit_names else list(config.units)
    return [AccountRef(u.name, a.platform, a.name, a.url, a.id) for u in units for a in u.accounts]


def resolve(config: Any, path: str | None) -> Path | None:
    if not path:
        return None
    candidate = Path(path)
    return candidate if candidate.is_absolute() else config.base_dir / candidate


def host_kind(api_base: str) -> Callable[[str], str]:
    """Which platform's spacing applies to a host: weibo, wechat or (own sites and bridges) feed."""
    weibo_host = urlsplit(api_base).netloc

    def kind(host: str) -> str:
        if host == weibo_host or host.endswith(("weibo.cn", "weibo.com")):
            return "weibo"
        if host.endswith("weixin.qq.com"):
            return "wechat"
        return "feed"

    return kind


async def harvest_accounts(config: Any, refs: list[AccountRef], *, chromium: str | None,
                           clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> AsyncIterator[AccountHarvest]:
    """One AccountHarvest per ref, in config order; the browser is closed when the last is read."""
    settings = config.accounts
    kind_of = host_kind(str(settings.weibo_api_base))
    pacer = Pacer(settings.request_spacing_seconds, settings.jitter, kind_of)
    today = clock().astimezone(ZoneInfo(config.schedule.timezone)).date()
    budget = Budget(resolve(config, settings.budget_file), settings.daily_budget, today)
    state_file = resolve(config, settings.weibo_storage_state)
    login_name = state_file.name if state_file else "anonymous"

    def budget_key(host: str) -> str | None:
        kind = kind_of(host)
        return {"weibo": f"weibo:{login_name}", "wechat": "wechat"}.get(kind)

    sessions: dict[str, BrowserContextSession] = {}
    async with Browser(chromium) as browser:
        for ref in refs:
            fetched_at = clock()
            api = is_weibo_api(ref, str(settings.weibo_api_base))
            key = "weibo" if api else "open"
            try:
                if key not in sessions:
                    sessions[key] = await browser.session(
                        pacer=pacer, budget=budget, budget_key=budget_key, mobile=api,
                        storage_state=state_file if api else None, timeout_seconds=settings.timeout_seconds)
                session = sessions[key]
                if api:
                    result = await harvest_weibo(session, ref, api_base=str(settings.weibo_api_base),
                                                 pages=settings.timeline_pages, fetched_at=fetched_at)
                else:
                    result = await harvest_open(session, ref, fetched_at=fetched_at,
                                                article_pages=settings.article_pages)
            except BudgetExhausted as exc:
                result = AccountHarvest(ref, fetched_at, health=H.BUDGET_EXHAUSTED,
                                        detail=f"{exc.args[0]} 今日已达 {settings.daily_budget} 次请求")
            except Exception as exc:  # one broken source must not stop the other accounts
                log.exception("account %s/%s could not be read", ref.unit, ref.name)
                result = AccountHarvest(ref, fetched_at, health=H.SOURCE_ERROR, detail=f"{type(exc).__name__}: {exc}")
            finally:
                budget.save()
            if H.is_alert(result.health):
                log.warning("账号未能检查：%s %s（%s）：%s，%s", ref.unit, ref.name, ref.platform,
                            H.HEALTH_ZH[result.health], result.detail or "")
            yield result
        weibo = sessions.get("weibo")
        if weibo is not None and weibo.storage_state is not None:
            await weibo.keep_login()


def _refusal(fetched: Fetched) -> tuple[str, str] | None:
    if fetched.error:
        return H.SOURCE_ERROR, f"网络错误 {fetched.error}"
    state = H.from_http(fetched.status)
    if state is not None:
        return state, f"HTTP {fetched.status}"
    return None


async def harvest_open(session: BrowserContextSession, ref: AccountRef, *, fetched_at: datetime,
                       article_pages: int) -> AccountHarvest:
    """A feed, a WeChat timeline JSON, an article page or a unit's column of WeChat articles."""
    result = AccountHarvest(ref, fetched_at, url=ref.url)
    start = session.requests
    try:
        if not ref.url:
            result.health, result.detail = H.NO_SOURCE, "配置中没有该账号的订阅源或页面地址"
            return result
        fetched = await session.get(ref.url)
        refusal = _refusal(fetched)
        if refusal:
            result.health, result.detail = refusal
            return result
        text = fetched.text
        if looks_like_feed(text):
            await _from_feed(session, result, text, article_pages)
        elif looks_like_json_feed(text):  # before the timeline: both are JSON objects
            await _from_feed(session, result, text, article_pages, parse=parse_json_feed)
        elif text.lstrip().startswith(("{", "[")):
            _from_message_list(result, text)
        else:
            await _from_html(session, result, fetched, article_pages)
        return result
    finally:
        result.requests = session.requests - start


async def _from_feed(session: BrowserContextSession, result: AccountHarvest, text: str, article_pages: int,
                     parse: Callable[[str, datetime], Feed] = parse_feed) -> None:
    try:
        feed = parse(text, result.fetched_at)
    except NotAFeed as exc:
        result.health, result.detail = H.SOURCE_ERROR, f"订阅源无法解析：{exc}"
        return
    result.source, result.display_name, result.posts = "feed", feed.title, feed.posts
    result.interaction = feed.interaction
    if feed.interaction:
        result.interaction_evidence = "订阅源条目带评论链接或评论数"
    undated = [p for p in feed.posts if p.published_at is None and p.url][:article_pages]
    if undated:  # a bridge without dates: the article pages carry the exact time
        await _read_articles(session, result, undated)


def _from_message_list(result: AccountHarvest, text: str) -> None:
    try:
        messages, envelope = wechat.load_message_list(text)
    except wechat.NotAMessageList as exc:
        result.health, result.detail = H.SOURCE_ERROR, f"无法识别的 JSON：既不是 JSON Feed 也不是公众号消息列表（{exc}）"
        return
    ret = envelope.get("ret", envelope.get("base_resp", {}).get("ret") if isinstance(envelope.get("base_resp"),
                                                                                    dict) else 0)
    if ret not in (None, 0):
        word = H.from_text(str(envelope.get("errmsg") or ""))
        state = word or (H.LOGIN_EXPIRED if ret == -3 else H.SOURCE_ERROR)
        result.health, result.detail = state, f"ret {ret} {envelope.get('errmsg') or ''}".strip()
        return
    result.source, result.posts = "wechat_msg_list", wechat.posts_from_messages(messages)


async def _from_html(session: BrowserContextSession, result: AccountHarvest, fetched: Fetched,
                     article_pages: int) -> None:
    host = urlsplit(fetched.final_url).hostname or ""
    on_platform = host.endswith(("weixin.qq.com", "weibo.com", "weibo.cn"))
    state = H.from_text(fetched.text if on_platform else "", fetched.final_url)  # a unit's own page may say 登录
    if state is not None:
        result.health, result.detail = state, "页面提示：" + H.HEALTH_ZH[state]
        return
    if wechat.is_article_page(fetched.text):
        article = wechat.parse_article(fetched.text, fetched.final_url, result.fetched_at)
        result.source, result.display_name, result.posts = "wechat_article", article.account, [article.post()]
        _article_interaction(result, [article])
        return
    links = wechat.column_article_links(fetched.text, fetched.final_url, max(article_pages, 1) * 4)
    if not links:
        result.health, result.detail = H.SOURCE_ERROR, "页面中未找到公众号文章链接"
        return
    result.source = "wechat_column"
    posts = [PostRecord(external_id=wechat.article_id(url, url), url=url, raw_date=raw,
                        published_at=parse_post_time(raw, result.fetched_at)) for url, raw in links]
    result.posts = posts
    await _read_articles(session, result, posts[:article_pages])


async def _read_articles(session: BrowserContextSession, result: AccountHarvest, posts: list[PostRecord]) -> None:
    """Exact time, title and text from the article pages; a page that fails keeps the listed facts."""
    articles = []
    for post in posts:
        fetched = await session.get(post.url or "")
        if _refusal(fetched) or not wechat.is_article_page(fetched.text):
            continue
        article = wechat.parse_article(fetched.text, post.url or fetched.final_url, result.fetched_at)
        articles.append(article)
        post.published_at = article.published_at or post.published_at
        post.title, post.text = article.title or post.title, article.text or post.text
        result.display_name = result.display_name or article.account
    _article_interaction(result, articles)


def _article_interaction(result: AccountHarvest, articles: list[wechat.Article]) -> None:
    known = [a.comments_enabled for a in articles if a.comments_enabled is not None]
    if any(known):
        result.interaction, result.interaction_evidence = True, "文章开放留言（comment_id 非 0）"
    elif known:
        result.interaction = False
        result.interaction_evidence = f"已读{len(known)}篇文章均未开通留言（comment_id 为 0），请人工核对菜单中的互动入口"
