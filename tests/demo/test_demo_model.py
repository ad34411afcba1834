"""The demo portal as data: determinism, relative dates, answer key and generated config."""

from __future__ import annotations

import datetime as dt

import yaml

from portalcheck.demo import DemoPortal

from .conftest import TODAY

RULES = {
    "column.stale",
    "column.stale_count",
    "column.blank",
    "column.broken",
    "link.dead",
    "page.no_error_report",
    "footer.site_code",
    "content.serious_error",
    "content.garbled",
    "expected_ok",
}


def test_same_today_gives_identical_site() -> None:
    a, b = DemoPortal(TODAY), DemoPortal(TODAY)
    for path in ("/", "/xzjd/bhz/xzdt/index_2.html", "/hdjl/xzxx/", "/bm/wjj/"):
        assert a.render(path).body == b.render(path).body
    assert a.truth() == b.truth()


def test_dates_are_relative_to_today() -> None:
    shift = dt.timedelta(days=100)
    early, late = DemoPortal(TODAY), DemoPortal(TODAY + shift)
    for unit_a, unit_b in zip(early.units, late.units, strict=True):
        dates_a = [a.published for a in unit_a.all_articles()]
        dates_b = [a.published for a in unit_b.all_articles()]
        assert [d + shift for d in dates_a] == dates_b
    assert [m.asked + shift for m in early.messages] == [m.asked for m in late.messages]
    stale_a = {(e["path"], e["age_days"]) for e in early.truth() if e["rule"] == "column.stale"}
    stale_b = {(e["path"], e["age_days"]) for e in late.truth() if e["rule"] == "column.stale"}
    assert stale_a == stale_b


def test_truth_covers_every_planted_rule() -> None:
    truth = DemoPortal(TODAY).truth()
    assert {e["rule"] for e in truth} >= RULES
    by_rule = {}
    for entry in truth:
        by_rule.setdefault(entry["rule"], []).append(entry)
    stale = {(e["unit"], e["category"], e["age_days"] // 30) for e in by_rule["column.stale"]}
    assert (
        ("县发改局", "news", 1) in stale
        and ("沙河乡", "notice", 8) in stale
        and ("县人社局", "personnel", 14) in stale
    )
    assert [e["unit"] for e in by_rule["column.stale_count"]] == ["中坝乡"]
    assert {e["detail"] for e in by_rule["column.broken"]} == {"404", "building", "redirect"}
    details = {e["detail"] for e in by_rule["link.dead"]}
    assert {"404", "connection refused", "attachment 404", "soft 404"} <= details
    assert [e["detail"] for e in by_rule["content.image_broken"]] == ["image 404"]
    assert {rule for rule in by_rule if rule.startswith("content.")} == {
        "content.serious_error", "content.garbled", "content.image_broken", "content.sensitive", "content.truncated",
        "content.format", "content.duplicate"}
    assert {e["unit"] for e in by_rule["account.unreachable"]} == {"县发改局"}
    assert {e["unit"] for e in by_rule["expected_not_checked"]} == {"县统计局"}
    assert {e["detail"] for e in by_rule["page.no_error_report"]} >= {
        "commented",
        "hidden_link",
        "wrong_sitecode",
    }
    assert {e["detail"] for e in by_rule["footer.site_code"]} == {"missing", "malformed"}
    assert by_rule["content.serious_error"][0]["found"] == "李健国"
    ok_checks = {e["check"] for e in by_rule["expected_ok"]}
    assert {"column.blank", "home.not_updated"} <= ok_checks
    assert not any(e["rule"] == "home.not_updated" for e in truth)
    assert len([e for e in by_rule["column.blank"] if e["detail"] == "no items, no note"]) in (2, 3)


def test_planted_content_defects_are_in_the_pages() -> None:
    portal = DemoPortal(TODAY)
    truth = portal.truth()
    serious = next(e for e in truth if e["rule"] == "content.serious_error")
    assert "县长李健国" in portal.render(serious["path"]).body.decode("utf-8")
    garbled = next(e for e in truth if e["rule"] == "content.garbled")
    assert "鍘" in portal.render(garbled["path"]).body.decode("utf-8")
    for entry in (e for e in truth if e["rule"] == "link.dead" and e["target"].startswith("/")):
        page = portal.render(entry["path"]).body.decode("utf-8")
        assert entry["target"] in page
        target = portal.render(entry["target"])
        assert target is None or "页面不存在" in target.body.decode("utf-8")
    noted = next(
        e for e in truth if e["rule"] == "expected_ok" and e.get("detail", "").startswith("explanatory")
    )
    assert "本栏目暂无信息" in portal.render(noted["path"]).body.decode("utf-8")
    assert "栏目建设中" in portal.render("/xzjd/shx/ldxx/").body.decode("utf-8")


def test_error_report_and_site_code_variants_are_rendered() -> None:
    portal = DemoPortal(TODAY)
    page = lambda p: portal.render(p).body.decode("utf-8")  # noqa: E731
    assert '<!-- <script id="_jiucuo_"' in page("/bm/tjj/")
    assert 'style="display:none"' in page("/xzjd/shx/") and "_jiucuo_" not in page("/xzjd/shx/")
    assert 'sitecode="3609990002"' in page("/bm/sfj/")
    assert "_jiucuo_" not in page("/bm/jtj/") and "_jiucuo_" not in page("/bm/jtj/gzdt/")
    assert "网站标识码" not in page("/bm/fgj/")
    assert "网站标识码：360999000" in page("/bm/tjj/") and "网站标识码：3609990001" not in page("/bm/tjj/")


def test_volumes_are_realistic() -> None:
    portal = DemoPortal(TODAY)
    counts = {u.name: len(u.all_articles()) for u in portal.units}
    assert max(counts.values()) <= 150 and sum(c >= 60 for c in counts.values()) >= 3
    assert sum(c == 0 for c in counts.values()) >= 2
    kinds = {u.kind for u in portal.units}
    assert kinds == {"乡镇", "部门"}
    formats = {u.date_format for u in portal.units}
    assert formats == {"iso", "slash", "dot", "cn", "bracket"}


def test_config_yaml_parses_with_all_units() -> None:
    portal = DemoPortal(TODAY)
    config = yaml.safe_load(portal.config_yaml("http://127.0.0.1:5555"))
    assert config["portal"]["home"] == "http://127.0.0.1:5555/"
    assert config["portal"]["site_code"] == "3609990001"
    assert len(config["units"]) >= 12
    js = [c for u in config["units"] for c in u.get("columns", [])]
    assert js == [
        {
            "name": "通知公告",
            "url": "http://127.0.0.1:5555/bm/wjj/tzgg/",
            "category": "notice",
            "render": "js",
        }
    ]
    assert config["message_boards"][0]["url"] == "http://127.0.0.1:5555/hdjl/xzxx/"
    assert sum(len(u.get("accounts", [])) for u in config["units"]) >= 3


def test_checked_in_config_matches_generator() -> None:
    from pathlib import Path

    import portalcheck.demo

    shipped = (Path(portalcheck.demo.__file__).parent / "config.yaml").read_text(encoding="utf-8")
    assert shipped == DemoPortal(TODAY).config_yaml("http://127.0.0.1:8650")
