"""政府网站IPv6支持度: AAAA records, the home page over IPv6 matching IPv4, the share of 二、三级页面
reachable over IPv6 (national target for county-and-above portals: 85%), and 天窗 — resources of
IPv6 pages that only IPv4 serves. Judged over the network rounds of the availability window.

Advisory (扣分, no points) unless a deployment's `rules:` says otherwise: the 2019 indicators do not
score IPv6; the IPv6 规模部署 notices set the targets.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checks.base import Check, CheckContext, FindingDraft, iso
from checks.facts.network import HostRounds, host_rounds

REASON_ZH = {"no_aaaa": "资源域名无IPv6地址", "v6_failed": "资源通过IPv6无法获取"}


def figures(entry: HostRounds) -> dict[str, Any]:
    """What an inspector reads about a host, whatever was found: kept in every finding's evidence."""
    rounds = [facts for _, facts in entry.rounds]
    with_aaaa = [f for f in rounds if f.get("aaaa")]
    tried = sum((f.get("pages") or {}).get("tried", 0) for f in with_aaaa)
    reachable = sum((f.get("pages") or {}).get("reachable", 0) for f in with_aaaa)
    latest = entry.latest
    return {"host": entry.host, "rounds": len(rounds), "a": latest.get("a", []), "aaaa": latest.get("aaaa", []),
            "home_v6_failed": sum(1 for f in with_aaaa if (f.get("home_v6") or {}).get("error") is not None),
            "home_v6_rounds": len(with_aaaa), "similarity": latest.get("similarity"),
            "pages_tried": tried, "pages_reachable": reachable,
            "page_share": round(reachable / tried, 4) if tried else None,
            "skylights": len(latest.get("skylights") or []), "resources_tried": (latest.get("resources") or {})
            .get("tried", 0), "first_round": iso(entry.rounds[0][0]), "last_round": iso(entry.rounds[-1][0])}


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    t = ctx.thresholds
    for entry in host_rounds(ctx, "ipv6"):
        ctx.checked_pages([(entry.unit_id, entry.url)])
        shown = f"{entry.name}（{entry.host}）"
        fig = figures(entry)
        where = {"unit_id": entry.unit_id, "url": entry.url}
        latest = entry.latest
        if not latest.get("aaaa") and not latest.get("a"):  # nothing resolves: site.unreachable's, not IPv6's
            ctx.skip(f"{shown}域名解析失败（{latest.get('dns_error')}），IPv6未检查", unit_id=entry.unit_id,
                     url=entry.url)
            continue
        if not latest.get("aaaa"):
            yield ctx.draft(f"{shown}未配置IPv6地址（无AAAA记录），首页及二、三级页面均无法通过IPv6访问"
                            f"（近{fig['rounds']}轮探测）", discriminator="aaaa", evidence=fig, **where)
            continue
        failed, rounds = fig["home_v6_failed"], fig["home_v6_rounds"]
        if rounds and failed / rounds >= t.unreachable_failure_ratio:
            errors = sorted({(f.get("home_v6") or {}).get("error") or "" for _, f in entry.rounds} - {""})
            yield ctx.draft(f"{shown}首页通过IPv6访问失败：{rounds}轮探测中失败{failed}轮（{'、'.join(errors)}）",
                            discriminator="home", evidence=fig, **where)
        elif fig["similarity"] is not None and fig["similarity"] < t.ipv6_content_similarity:
            yield ctx.draft(f"{shown}首页通过IPv6访问的内容与IPv4不一致（文字相似度{fig['similarity']:.0%}，"
                            f"应不低于{t.ipv6_content_similarity:.0%}）", discriminator="content", evidence=fig, **where)
        if fig["page_share"] is None:
            ctx.skip(f"{shown}没有可用于IPv6探测的二、三级页面（请先抓取）", unit_id=entry.unit_id, url=entry.url)
        elif fig["page_share"] < t.ipv6_page_share:
            failed_pages = (latest.get("pages") or {}).get("failed", [])
            yield ctx.draft(f"{shown}二、三级页面IPv6可达率{fig['page_share']:.1%}"
                            f"（{fig['pages_reachable']}/{fig['pages_tried']}），低于{t.ipv6_page_share:.0%}",
                            discriminator="pages", evidence={**fig, "failed_pages": failed_pages}, **where)
        skylights = latest.get("skylights") or []
        if skylights:
            examples = "；".join(f"{s['resource']}（{REASON_ZH.get(s['reason'], s['reason'])}）" for s in skylights[:3])
            yield ctx.draft(f"{shown}通过IPv6访问的页面存在“天窗”：{len(skylights)}处资源仅IPv4可获取，如{examples}",
                            discriminator="skylights", evidence={**fig, "skylight_list": skylights}, **where)


CHECK = Check(
    rule="site.ipv6",
    title="网站IPv6支持度不足",
    clause="国办秘函〔2019〕19号 扣分指标 功能设计·IPv6；推进互联网协议第六版（IPv6）规模部署行动计划",
    severity="deduct",
    scope="site",
    run=run,
    fix="为网站域名配置AAAA记录，确保首页和二、三级页面均可通过IPv6访问且内容与IPv4一致，消除仅IPv4可获取的页面资源（天窗）。",
    description="域名有AAAA记录；首页可通过IPv6访问且内容与IPv4一致；二、三级页面IPv6可达率不低于阈值（默认85%）；"
                "IPv6页面中的图片、脚本、样式等资源不得仅IPv4可获取（天窗）。多轮探测，给出各项数值。",
)
