"""Between two crawls an article's stated publication date is changed on the site (a re-dated
article, the 伪造发稿日期 signal of A1(5)): the second crawl keeps the change and content.format
reports it; articles left alone are not reported."""

from __future__ import annotations

from pathlib import Path

from checks.runner import run_checks
from portalcheck.core.config import load_config
from storage.models import Finding
from storage.session import Store
from tests.config_files import write_config_file

from ...clock import frozen_at
from ...conftest import fresh_database
from ...crawl.runner import crawl
from ...servers import FixtureServer
from .portal import AS_OF, MOMENT, Col, Item, Portal, Unit, day

REDATED = Item("白鹤镇召开森林防火工作会议", 30)
PORTAL = Portal(units=[Unit("白鹤镇", "bhz", [
    Col("工作动态", "gzdt", [Item("白鹤镇开展消防演练", 3), REDATED, Item("白鹤镇举办农民丰收节", 40)])])])


def test_publication_date_changed_between_crawls_is_reported(tmp_path: Path) -> None:
    with FixtureServer({}) as server:
        server.routes.update(PORTAL.routes(server.base_url))
        config = write_config_file(tmp_path, PORTAL.config_yaml(server.base_url))
        for db_url in fresh_database(tmp_path):
            with frozen_at(MOMENT):
                assert crawl(config, db_url, "--full").returncode == 0
                REDATED.days_ago = REDATED.article_days_ago = 2  # the list and the article now say "2 days ago"
                server.routes.update(PORTAL.routes(server.base_url))
                assert crawl(config, db_url, "--full").returncode == 0
            store = Store(db_url)
            try:
                run_checks(store, load_config(config), AS_OF, only=["content.format"])
                with store.session() as session:
                    found = [(f.url, f.evidence) for f in session.query(Finding)]
            finally:
                store.dispose()
    [(url, evidence)] = found
    assert url.endswith(f"/u/bhz/gzdt/t{day(30):%Y%m%d}_2.html")
    assert evidence["problem"] == "date_changed"
    assert evidence["changes"][0]["from"][:10] == day(30).isoformat()
    assert evidence["changes"][0]["to"][:10] == day(2).isoformat()
