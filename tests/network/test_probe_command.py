"""`portalcheck probe --network`: one round by hand, its figures printed per host and stored."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from storage.models import NetworkProbe
from tests.config_files import write_config_file

from .netservers import DualStackServer


def test_probe_network_prints_the_figures_per_host_and_stores_the_round(dns, store, db_url, tmp_path: Path,
                                                                         unused_port: int) -> None:
    dns.zone["www.v4.test"] = {"A": ["127.0.0.1"]}
    server = DualStackServer({"/": "<html><body>首页</body></html>"}, None)
    home = f"http://www.v4.test:{server.port}/"
    config = write_config_file(tmp_path, {
        "portal": {"name": "测试县人民政府门户网站", "home": home, "site_code": "3609990001"},
        "units": [{"name": "测试局", "kind": "部门", "site": home + "bm/csj/"}],
        "network": {"nameservers": [dns.nameserver], "https_port": unused_port, "timeout_seconds": 3},
    })
    try:
        result = subprocess.run([sys.executable, "-m", "portalcheck.cli", "--config", str(config),
                                 "probe", "--network"], capture_output=True, text=True, timeout=120,
                                env={**os.environ, "PORTALCHECK_DATABASE_URL": db_url})
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr
    assert "网络探测：共 1 个主机" in result.stdout
    assert "IPv6：AAAA 无" in result.stdout and "HTTPS：未提供" in result.stdout
    with store.session() as session:
        kinds = dict(session.execute(select(NetworkProbe.kind, func.count()).group_by(NetworkProbe.kind)).all())
    assert kinds == {"ipv6": 1, "https": 1}
