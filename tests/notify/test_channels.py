"""Delivery through apprise to local receivers: each robot gets its platform's exact payload, e-mail arrives
with Chinese intact, a refused send is a failure, and no key ever reaches a log."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from email.header import decode_header, make_header

import pytest

from portalcheck.notify import deliver, normalise
from portalcheck.notify.channels import Target

from ..servers import FixtureServer, send
from .receivers import Mailbox, Robots, down_url

TITLE = "【网站检查日报】县发改局 2026年6月19日"
BODY = "**新发现问题 2 个**\n1. 栏目长期不更新（问题12） [查看](http://ws.example/findings/12)"


def once(target: Target) -> object:
    return deliver(target, TITLE, BODY, retries=0, timeout=5, backoff=0)


@pytest.fixture
def robots() -> Iterator[Robots]:
    server = Robots(ding_secret="SECabcdef0123456789")
    yield server
    server.stop()


def test_wecom_robot_receives_the_markdown_payload_it_expects(robots: Robots) -> None:
    result = once(normalise(robots.wecom_url, 5))
    assert result.ok and result.attempts == 1, (result, robots.refused)
    [(platform, _query, payload)] = robots.received
    assert platform == "wecom" and payload["msgtype"] == "markdown"
    assert payload["markdown"]["content"] == f"### {TITLE}\n{BODY}"


def test_dingtalk_robot_receives_title_and_text_signed_with_its_secret(robots: Robots) -> None:
    result = once(normalise(robots.ding_url, 5))
    assert result.ok, (result, robots.refused)
    [(platform, query, payload)] = robots.received
    assert platform == "dingtalk" and "secret" not in query and query["sign"]  # the secret signs, never travels
    assert payload == {"msgtype": "markdown", "markdown": {"title": TITLE, "text": f"### {TITLE}\n{BODY}"}}


def test_a_wrong_dingtalk_secret_is_refused_and_reported_as_a_failure(robots: Robots) -> None:
    url = robots.ding_url.replace("SECabcdef0123456789", "SECwrong000000000000")
    result = once(normalise(url, 5))
    assert not result.ok and "errcode 310000" in (result.error or "")
    assert robots.received == [] and robots.refused == ["dingtalk: bad signature"]


def test_the_platforms_own_webhook_addresses_become_our_robot_plugins() -> None:
    wecom = normalise("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc-123", 10)
    ding = normalise("https://oapi.dingtalk.com/robot/send?access_token=tok123&secret=SEC1", 10)
    assert wecom.url.startswith("wecomrobots://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc-123&")
    assert ding.url.startswith("dingrobots://oapi.dingtalk.com/robot/send?access_token=tok123&secret=SEC1&")
    assert wecom.label.startswith("wecomrobots://qyapi.weixin.qq.com#") and "abc-123" not in wecom.label


def test_email_arrives_with_its_chinese_subject_and_body() -> None:
    box = Mailbox()
    try:
        result = once(normalise(box.url("bgs@example.gov.cn"), 5))
    finally:
        box.stop()
    assert result.ok, result
    [mail] = box.messages
    assert str(make_header(decode_header(mail["Subject"]))) == TITLE
    assert mail["To"] == "bgs@example.gov.cn"
    text = mail.get_body(preferencelist=("plain", "html")).get_content()
    assert "新发现问题 2 个" in text and "栏目长期不更新（问题12）" in text


def test_a_generic_webhook_gets_apprises_json() -> None:
    posted: list[dict] = []

    def hook(handler: object) -> None:
        posted.append(json.loads(handler.body))  # type: ignore[attr-defined]
        send(handler, 200, "{}", content_type="application/json")  # type: ignore[arg-type]

    with FixtureServer({"/hook": hook}) as server:
        result = once(normalise(server.base_url.replace("http://", "json://") + "/hook", 5))
    assert result.ok
    assert posted[0]["title"] == TITLE and posted[0]["message"] == BODY


def test_a_receiver_that_is_down_is_retried_and_no_key_reaches_the_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    target = normalise(down_url(), 2)
    waits: list[float] = []
    result = deliver(target, TITLE, BODY, retries=2, timeout=2, backoff=0.5, sleep=waits.append)
    assert not result.ok and result.attempts == 3 and waits == [0.5, 1.0]
    assert "refused" in (result.error or "").lower()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "failed (attempt 3 of 3)" in logged
    assert "down-key-0123456789" not in logged and "down-key-0123456789" not in (result.error or "")
    assert "down-key-0123456789" not in result.target


def test_no_key_reaches_even_the_debug_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "SECRETVALUE123"

    def refuse(handler: object) -> None:
        send(handler, 500, "busy")  # type: ignore[arg-type]

    with FixtureServer({"/hook": refuse}) as server:
        addresses = [server.base_url.replace("http://", "json://") + f"/hook?token={secret}",
                     f"mailtos://user:{secret}@127.0.0.1:1?to=bgs@example.gov.cn",
                     f"dingrobot://127.0.0.1:1/robot/send?access_token={secret}&secret={secret}"]
        results = [once(normalise(address, 2)) for address in addresses]
    assert not any(result.ok for result in results)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "json://127.0.0.1" in logged and secret not in logged
    assert all(secret not in (result.error or "") + result.target for result in results)


def test_a_digest_too_long_for_wecom_is_cut_at_a_line_and_still_accepted(robots: Robots) -> None:
    body = "\n".join(f"{i}. 栏目长期不更新：某某局·工作动态最近一条信息发布于一年前（问题{i}）" for i in range(200))
    result = deliver(normalise(robots.wecom_url, 5), TITLE, body, retries=0, timeout=5, backoff=0)
    assert result.ok, robots.refused
    content = robots.received[0][2]["markdown"]["content"]
    assert len(content.encode("utf-8")) <= 4096 and content.endswith("（内容过长，其余请到工作台查看）")
    assert "\n0. 栏目长期不更新" in content
