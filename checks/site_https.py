"""网站HTTPS: https offered, http redirects to https, the certificate valid for the host, its chain
complete and trusted, not expired (finding) nor expiring within the warning window (a 提醒 finding
without points), no TLS below 1.2 offered. Judged from the newest network round of each host.

Advisory (扣分, no points) unless a deployment's `rules:` says otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from checks.base import Check, CheckContext, FindingDraft, iso
from checks.facts.network import HostRounds, host_rounds

SELF_SIGNED_CODES = {18, 19}  # X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, _SELF_SIGNED_CERT_IN_CHAIN
ERROR_ZH = {"refused": "连接被拒绝", "timeout": "连接超时", "reset": "连接中断", "tls": "加密握手失败", "dns": "域名解析失败"}


def figures(entry: HostRounds, ctx: CheckContext) -> dict[str, Any]:
    facts = entry.latest
    cert = facts.get("cert") or {}
    days_left = None
    if cert.get("not_after"):
        days_left = (datetime.fromisoformat(cert["not_after"]) - ctx.as_of).total_seconds() / 86400
    return {"host": entry.host, "probed_at": iso(entry.rounds[-1][0]), "https_url": facts.get("https_url"),
            "offered": facts.get("offered"), "error": facts.get("error"), "tls_version": facts.get("version"),
            "redirect": facts.get("redirect"), "subject": cert.get("subject"), "issuer": cert.get("issuer"),
            "names": cert.get("names"), "not_after": cert.get("not_after"),
            "days_left": None if days_left is None else round(days_left, 1), "self_signed": cert.get("self_signed"),
            "host_match": cert.get("host_match"), "verify": facts.get("verify"), "legacy": facts.get("legacy", [])}


def run(ctx: CheckContext) -> Iterator[FindingDraft]:
    warn_days = ctx.thresholds.cert_expiry_warn_days
    for entry in host_rounds(ctx, "https"):
        ctx.checked_pages([(entry.unit_id, entry.url)])
        shown = f"{entry.name}（{entry.host}）"
        fig = figures(entry, ctx)
        where: dict[str, Any] = {"unit_id": entry.unit_id, "url": entry.url, "evidence": fig}
        if fig["error"] == "dns":  # a host that does not resolve is site.unreachable's, not an https problem
            ctx.skip(f"{shown}域名解析失败，HTTPS未检查", unit_id=entry.unit_id, url=entry.url)
            continue
        if not fig["offered"]:
            reason = ERROR_ZH.get(fig["error"] or "", fig["error"] or "")
            yield ctx.draft(f"{shown}未提供HTTPS访问（{fig['https_url']}：{reason}）", discriminator="offered", **where)
            continue
        redirect = fig["redirect"] or {}
        if redirect.get("status") is not None and not redirect.get("to_https"):  # http closed: nothing in clear
            answer = f"HTTP {redirect['status']}"
            yield ctx.draft(f"{shown}HTTP访问未跳转到HTTPS（{redirect.get('from')}：{answer}）",
                            discriminator="redirect", **where)
        days_left = fig["days_left"]
        if days_left is not None and days_left < 0:
            yield ctx.draft(f"{shown}HTTPS证书已过期（到期时间{fig['not_after'][:10]}）", discriminator="expired", **where)
        elif days_left is not None and days_left < warn_days:
            yield ctx.draft(f"{shown}HTTPS证书将于{int(days_left)}天后到期（{fig['not_after'][:10]}），请及时更换（提醒）",
                            discriminator="expiring", points=0.0, **where)
        if fig["host_match"] is False:
            names = "、".join(fig["names"] or []) or "无"
            yield ctx.draft(f"{shown}HTTPS证书与域名不符（证书所列域名：{names}）", discriminator="host", **where)
        verify = fig["verify"] or {}
        if verify.get("ok") is False:
            if fig["self_signed"] or verify.get("code") in SELF_SIGNED_CODES:
                text = "HTTPS证书为自签名证书，浏览器不信任"
            else:
                text = f"HTTPS证书链不完整或签发机构不受信任（{verify.get('message')}）"
            yield ctx.draft(f"{shown}{text}", discriminator="chain", **where)
        if fig["legacy"]:
            yield ctx.draft(f"{shown}仍支持不安全的{'、'.join(fig['legacy'])}协议（应仅支持TLS 1.2及以上）",
                            discriminator="legacy_tls", **where)


CHECK = Check(
    rule="site.https",
    title="网站HTTPS配置不规范",
    clause="政府网站发展指引（国办发〔2017〕47号）安全防护（提示，2019年指标未单列）",
    severity="deduct",
    scope="site",
    run=run,
    fix="为网站部署HTTPS并将HTTP访问跳转至HTTPS；使用与域名一致、证书链完整、由受信任机构签发的有效证书并及时续期；"
        "关闭TLS 1.0/1.1。",
    description="各主机：提供HTTPS；HTTP可访问时跳转HTTPS；证书与域名一致、证书链完整可信、未过期（30天内到期给出提醒）；"
                "不支持TLS 1.2以下协议。给出各主机的证书和协议信息。",
)
