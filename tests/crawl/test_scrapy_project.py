"""`scrapy crawl portal` still works inside crawler/, reading config.yaml like the CLI does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from portalcheck.demo import serve_demo

from ..conftest import fresh_database
from .runner import REPO, portal_runs, query


def test_scrapy_crawl_portal_inside_crawler_folder_fills_the_store(tmp_path: Path) -> None:
    with serve_demo(port=0) as server:
        config = tmp_path / "config.yaml"
        text = server.portal.config_yaml(server.base_url).split("\ncrawl:")[0]
        config.write_text(text + "\ncrawl:\n  concurrency_per_host: 8\n  delay_seconds: 0\n  check_external_links: false\n",
                          encoding="utf-8")
        for db_url in fresh_database(tmp_path):
            env = {**os.environ, "PORTALCHECK_CONFIG": str(config), "PORTALCHECK_DATABASE_URL": db_url}
            scrapy = Path(sys.executable).parent / "scrapy"  # the venv's console script
            result = subprocess.run([str(scrapy), "crawl", "portal", "-a", "full=1", "-s", "LOG_LEVEL=WARNING"],
                                    cwd=REPO / "crawler", env=env, capture_output=True, text=True, timeout=300)
            assert result.returncode == 0, result.stderr[-3000:]
            assert [run["status"] for run in portal_runs(db_url)] == ["finished"]
            [(pages,)] = query(db_url, "SELECT count(*) FROM pages WHERE kind = 'article'")
            assert pages > 500
