"""Crawl only the message boards, in a subprocess (Twisted's reactor runs once per process).

The other gatherers of `portalcheck crawl` are not needed to prove what the message spider
stores, and leaving them out keeps these tests fast and independent of them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def crawl_boards(config: Path, db_url: str, *, full: bool = True, timeout: float = 180
                 ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PORTALCHECK_DATABASE_URL": db_url, "PYTHONUNBUFFERED": "1"}
    args = [sys.executable, "-m", "tests.messages.runner", str(config), *(["--full"] if full else [])]
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout, cwd=REPO)


def main(argv: list[str]) -> int:
    from scrapy.crawler import CrawlerProcess

    from crawler.run import build_settings
    from crawler.spiders.messages import MessageSpider
    from portalcheck.core.config import load_config

    config = load_config(argv[0])
    process = CrawlerProcess(build_settings(config, log_level="INFO"), install_root_handler=False)
    process.crawl(MessageSpider, config=config, units=None, full="--full" in argv)
    process.start()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
