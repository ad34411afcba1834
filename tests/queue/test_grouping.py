"""What a queue job is made of, without a database: one job per host, the libpq URL, the state words."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from portalcheck.core.config import load_config
from portalcheck.service.queue import (
    QueueNotConfigured,
    batches,
    conninfo,
    groups_by_host,
    host_of,
    make_app,
    night_state,
)

BASE = {"portal": {"name": "示例县人民政府", "home": "http://www.example.gov.cn/", "site_code": "1234000001"},
        "units": [{"name": "甲镇", "site": "http://www.example.gov.cn/xzjd/jz/"},
                  {"name": "乙局", "site": "http://www.example.gov.cn/bm/yj/"},
                  {"name": "丙局", "site": "http://BING.example.gov.cn:8080/"}]}


def config_with(tmp_path: Path, **extra: object):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({**BASE, **extra}, allow_unicode=True), encoding="utf-8")
    return load_config(path)


def test_units_of_one_host_are_one_job_and_group_by_host_false_makes_one_job_per_unit(tmp_path: Path) -> None:
    config = config_with(tmp_path, queue={})
    assert groups_by_host(config) == {"www.example.gov.cn": ["甲镇", "乙局"], "bing.example.gov.cn": ["丙局"]}
    split = config_with(tmp_path, queue={"group_by_host": False})
    assert list(groups_by_host(split).values()) == [["甲镇"], ["乙局"], ["丙局"]]


def test_queue_needs_a_queue_section_and_postgresql(tmp_path: Path) -> None:
    with pytest.raises(QueueNotConfigured):
        make_app(config_with(tmp_path))
    with pytest.raises(QueueNotConfigured, match="PostgreSQL"):
        make_app(config_with(tmp_path, queue={}, database={"url": "sqlite:///x.db"}))
    assert conninfo("postgresql+psycopg://pc:secret@db:5432/portalcheck") == "postgresql://pc:secret@db:5432/portalcheck"


def test_state_words_of_a_unit_job() -> None:
    assert night_state("queued", "todo", 0) == "queued"
    assert night_state("running", "doing", 1) == "running"
    assert night_state("running", "todo", 1) == "retried"  # its worker died; the engine put it back
    assert night_state("queued", "doing", 2) == "retried"
    assert night_state("failed", "failed", 3) == "failed"
    assert night_state("done", "succeeded", 1) == "done"


def test_a_nightly_job_takes_a_batch_of_hosts_and_group_by_host_false_keeps_one_unit_per_job(tmp_path: Path) -> None:
    config = config_with(tmp_path, queue={"batch_hosts": 2}, units=[
        {"name": f"单位{i}", "site": f"http://h{i}.example.gov.cn/"} for i in range(5)])
    keys = list(groups_by_host(config))
    assert batches(config, keys) == [["h0.example.gov.cn", "h1.example.gov.cn"],
                                     ["h2.example.gov.cn", "h3.example.gov.cn"], ["h4.example.gov.cn"]]
    split = config_with(tmp_path, queue={"batch_hosts": 2, "group_by_host": False})
    assert all(len(batch) == 1 for batch in batches(split, list(groups_by_host(split))))


def test_a_host_is_the_url_hostname_lowercased_idna_encoded_without_port_or_userinfo(tmp_path: Path) -> None:
    """Scrapy names a download slot (the per-host concurrency and delay) by the hostname of the request's
    URL, which it made IDNA: the queue's rows, host leases and pauses use the same name."""
    from scrapy import Request
    from scrapy.utils.httpobj import urlparse_cached

    assert host_of("http://User:pw@WWW.Example.gov.cn:8080/a") == "www.example.gov.cn"
    assert host_of("http://政府.中国/x") == "xn--mxtq1m.xn--fiqs8s"
    assert host_of("127.0.0.2:8080") == "127.0.0.2"  # a bare host:port, as pauses recorded it
    assert host_of("http://[::1]:8080/") == "::1"
    for url in ("http://政府.中国:81/x", "http://A.Example.gov.cn:8080/"):
        assert host_of(url) == urlparse_cached(Request(url)).hostname  # Downloader.get_slot_key's name
    config = config_with(tmp_path, queue={}, units=[{"name": "甲", "site": "http://政府.中国/a/"},
                                                     {"name": "乙", "site": "http://政府.中国:8080/b/"}])
    assert groups_by_host(config) == {"xn--mxtq1m.xn--fiqs8s": ["甲", "乙"]}  # two ports, one host
