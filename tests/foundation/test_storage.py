"""The store: Alembic owns the schema on SQLite and PostgreSQL; writes are idempotent."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, inspect, select

from storage import session as store_session
from storage.models import Base, Column, CrawlRun, LinkTarget, ListItem, Page, Unit
from storage.session import Store
from storage.upsert import upsert


def table_names(url: str) -> set[str]:
    engine = store_session.make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_opening_an_empty_database_upgrades_it_to_head(db_url: str) -> None:
    opened = Store(db_url)
    assert store_session.current_revision(opened.engine) == store_session.head_revision(db_url)
    assert table_names(db_url) == set(Base.metadata.tables)
    opened.dispose()


def test_migrations_downgrade_to_empty_and_upgrade_again(db_url: str) -> None:
    store_session.upgrade(db_url)
    store_session.downgrade(db_url, "base")
    assert table_names(db_url) == set()
    store_session.upgrade(db_url)
    assert table_names(db_url) == set(Base.metadata.tables)


def test_the_head_read_off_the_scripts_is_alembics_head(db_url: str) -> None:
    assert store_session.scripts_head() == store_session.head_revision(db_url)


def test_a_store_one_revision_behind_is_still_upgraded_on_opening(db_url: str) -> None:
    store_session.upgrade(db_url)
    store_session.downgrade(db_url, "-1")
    engine = store_session.make_engine(db_url)
    assert not store_session.at_scripts_head(engine)
    engine.dispose()
    opened = Store(db_url)
    assert store_session.current_revision(opened.engine) == store_session.head_revision(db_url)
    assert table_names(db_url) == set(Base.metadata.tables)
    opened.dispose()


def test_check_runs_stored_before_0017_keep_every_columns_figures_as_rows_and_back(db_url: str) -> None:
    """0017 moves each run's columns JSON value into check_run_columns (the exports read them from there);
    its downgrade puts them back."""
    from sqlalchemy import text

    from checks.results import latest_run

    store_session.upgrade(db_url, "0016")
    engine = store_session.make_engine(db_url)
    stored = [{"column_id": 7, "unit": "县统计局", "name": "通知公告", "category": "dynamic", "level": 1, "items": 12,
               "newest": "2026-11-30", "age_days": 5, "window_days": 14, "verdict": "合格",
               "url": "http://127.0.0.1/tzgg/", "read_mode": "static"},
              {"column_id": 8, "unit": "县统计局", "name": "统计数据", "category": "blank", "level": 2, "items": 0,
               "newest": None, "age_days": None, "window_days": None, "verdict": "空白",
               "url": "http://127.0.0.1/tjsj/", "read_mode": None}]
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO check_runs (as_of, recorded_at, rules, verdicts, columns, accounts, messages) VALUES "
            "('2026-12-05 00:00:00', '2026-12-05 00:01:00', '[]', :verdicts, :columns, '[]', :messages)"),
            {"verdicts": '{"site": {"name": "x"}, "units": {}, "columns": {}}', "columns": json.dumps(stored),
             "messages": '{"unanswered": [], "overdue": [], "poor": {}}'})
    engine.dispose()

    store_session.upgrade(db_url)
    opened = Store(db_url)
    with opened.session() as session:
        run = latest_run(session, datetime(2026, 12, 6, tzinfo=timezone.utc))
    opened.dispose()
    assert run is not None
    assert run.columns == [{**stored[0], "newest": date(2026, 11, 30)}, stored[1]]

    store_session.downgrade(db_url, "0016")
    engine = store_session.make_engine(db_url)
    with engine.connect() as connection:
        back = connection.execute(text("SELECT columns FROM check_runs")).scalar()
    engine.dispose()
    assert (json.loads(back) if isinstance(back, str) else back) == stored


def test_a_store_at_the_head_opens_without_importing_alembic(db_url: str) -> None:
    """A crawl child or worker opens a store at the head many times: Alembic (~16 MB) stays out of it."""
    Store(db_url).dispose()
    probe = ("import sys; from storage.session import Store; Store(sys.argv[1]).dispose(); "
             "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))")
    out = subprocess.run([sys.executable, "-c", probe, db_url], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_models_and_migrations_agree(db_url: str) -> None:
    """What `alembic check` does: autogenerate against the upgraded database finds nothing to add."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    store_session.upgrade(db_url)
    engine = store_session.make_engine(db_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_upsert_twice_keeps_one_row_and_updates_it(store: Store) -> None:
    with store.session() as session:
        [unit_id] = upsert(session, Unit, [{"name": "白鹤镇", "kind": "乡镇", "site_url": "http://x/bhz/"}],
                           keys=["name"], returning="id")
        column_row = {"unit_id": unit_id, "name": "工作动态", "url": "http://x/bhz/gzdt/", "category": "news",
                      "level": 1, "origin": "discovered"}
        [column_id] = upsert(session, Column, [column_row], keys=["unit_id", "url"], returning="id")
        rows = [{"column_id": column_id, "url": f"http://x/bhz/gzdt/t{i}.html", "title": f"动态{i}",
                 "published_on": date(2026, 5, i), "position": i} for i in range(1, 6)]
        upsert(session, ListItem, rows, keys=["column_id", "url"], update=["title", "published_on", "position"])
    with store.session() as session:
        [again] = upsert(session, Unit, [{"name": "白鹤镇", "kind": "乡镇", "site_url": "http://x/bhz/"}],
                         keys=["name"], returning="id")
        assert again == unit_id
        rows[0]["title"] = "动态1（更正）"
        upsert(session, ListItem, rows, keys=["column_id", "url"], update=["title", "published_on", "position"])
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(ListItem)) == 5
        assert session.scalar(select(func.count()).select_from(Unit)) == 1
        assert session.scalar(select(ListItem.title).where(ListItem.position == 1)) == "动态1（更正）"


def test_upsert_returning_ids_follow_input_order(store: Store) -> None:
    names = [f"单位{i}" for i in range(30)]
    with store.session() as session:
        first = upsert(session, Unit, [{"name": n, "kind": "部门", "site_url": "http://x/"} for n in names],
                       keys=["name"], returning="id")
        reverse = upsert(session, Unit, [{"name": n, "kind": "部门", "site_url": "http://x/"} for n in names[::-1]],
                         keys=["name"], update=(), returning="id")
    assert reverse == first[::-1]


def test_upsert_of_many_rows_stores_every_value_as_given(store: Store) -> None:
    """PostgreSQL takes the columns as one array each: every value, NULLs, quotes, zones and JSON lists come back."""
    beijing = timezone(timedelta(hours=8))
    seen = datetime(2026, 5, 29, 9, 30, tzinfo=beijing)
    titles = ['含"引号"、逗号,与{花括号}', "反斜杠\\与'单引号'", "NULL", "", "  空格  "] * 300
    with store.session() as session:
        [unit_id] = upsert(session, Unit, [{"name": "白鹤镇", "kind": "乡镇", "site_url": "http://x/bhz/"}],
                           keys=["name"], returning="id")
        [column_id] = upsert(session, Column, [{"unit_id": unit_id, "name": "工作动态", "url": "http://x/bhz/gzdt/",
                                                "category": "news", "level": 1, "origin": "discovered"}],
                             keys=["unit_id", "url"], returning="id")
        rows = [{"column_id": column_id, "url": f"http://x/bhz/gzdt/t{i}.html", "title": title,
                 "published_on": date(2026, 5, 1) + timedelta(days=i) if i % 3 else None, "raw_date": None,
                 "position": i, "first_seen": seen, "last_seen": seen + timedelta(minutes=i)}
                for i, title in enumerate(titles)]
        upsert(session, ListItem, rows, keys=["column_id", "url"], update=["title", "last_seen"])
        chains = [["http://x/a", "http://x/b"], None, [], {"to": "http://x/c"}, "http://x/d"]
        upsert(session, LinkTarget, [{"url": f"http://x/t{i}", "is_external": False, "redirect_chain": chain}
                                     for i, chain in enumerate(chains)], keys=["url"])
        page_ids = upsert(session, Page, [{"url": f"http://x/p{i}.html", "kind": "article",
                                            "flags": {"date_history": [i]} if i % 2 else None} for i in range(3)],
                          keys=["url"], returning="id")
    with store.session() as session:
        stored = {r.url: r for r in session.scalars(select(ListItem))}
        assert len(stored) == len(rows)
        for row in rows:
            got = stored[row["url"]]
            assert (got.title, got.published_on, got.raw_date, got.position) == (
                row["title"], row["published_on"], None, row["position"])
            assert got.first_seen == seen and got.last_seen == row["last_seen"]
        flags = dict(session.execute(select(Page.id, Page.flags)).all())
        assert [flags[i] for i in page_ids] == [None, {"date_history": [1]}, None]
        stored_chains = dict(session.execute(select(LinkTarget.url, LinkTarget.redirect_chain)).all())
        assert [stored_chains[f"http://x/t{i}"] for i in range(len(chains))] == chains
    with store.session() as session, pytest.raises(Exception, match="naive datetime"):
        upsert(session, ListItem, [{**rows[0], "last_seen": datetime(2026, 5, 29, 9, 30)}], keys=["column_id", "url"])


def test_datetimes_come_back_timezone_aware_in_utc(store: Store) -> None:
    moment = datetime(2026, 5, 29, 18, 0, tzinfo=timezone.utc)
    with store.session() as session:
        session.add(Unit(name="县统计局", kind="部门", site_url="http://x/tjj/"))
        session.flush()
        unit = session.scalar(select(Unit))
        column = Column(unit_id=unit.id, name="统计信息", url="http://x/tjj/tjxx/", category="basic",
                        origin="configured", first_seen=moment, last_seen=moment)
        session.add(column)
    with store.session() as session:
        assert session.scalar(select(Column.first_seen)) == moment


def test_a_crawl_run_of_many_units_keeps_its_whole_unit_filter(store: Store) -> None:
    """One worker's share of a province is hundreds of `--unit` names; varchar(200) failed the run on PostgreSQL."""
    names = ",".join(f"第{i}乡镇人民政府" for i in range(300))
    with store.session() as session:
        session.add(CrawlRun(mode="full", unit_filter=names, counts={"spider": "portal"}))
    with store.session() as session:
        assert session.scalar(select(CrawlRun.unit_filter)) == names
