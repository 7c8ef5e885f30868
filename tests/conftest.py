"""Shared fixtures: a fresh SQLite store per test, and a throwaway PostgreSQL database."""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from core.store.arrow_source import close_sources
from core.store.db import MIGRATIONS as STORE_MIGRATIONS
from core.store.db import make_engine, migrate
from demo.shop import seed_demo

DEMO_NOW = datetime(2026, 11, 26, 9, 30)  # the demo's "today" in tests, so its answers never drift
MIGRATIONS = STORE_MIGRATIONS / "versions"
PG_ADMIN_URL = os.environ.get("ORDERHUB_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(autouse=True)
def _real_main_module() -> Iterator[None]:
    """Streamlit's AppTest leaves the last page script installed as __main__, and a process
    started later with multiprocessing's spawn would run that page again on start-up. Put the
    real one back after every test."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture(autouse=True)
def _stop_readers() -> Iterator[None]:
    """A snapshot reads SQLite through helper processes kept for the store's next read; a test's
    store is done when the test is, so stop them (else every page test leaves two behind)."""
    yield
    close_sources()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'orderhub.db'}"


@pytest.fixture
def sqlite_engine(sqlite_url) -> Iterator[Engine]:
    """A migrated, empty SQLite store in a temporary file."""
    eng = make_engine(sqlite_url)
    migrate(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def engine(sqlite_engine) -> Engine:
    """The default store for a test (a module may override it, e.g. with any_engine)."""
    return sqlite_engine


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """The demo store, built once per session (seeding takes seconds)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    eng = make_engine(f"sqlite:///{path}")
    migrate(eng)
    seed_demo(eng, now=DEMO_NOW)
    with eng.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    eng.dispose()
    return path


@pytest.fixture
def demo_url(demo_template, tmp_path) -> str:
    """A private copy of the demo store for one test, as an ORDERHUB_DATABASE_URL."""
    copy = tmp_path / "demo.db"
    shutil.copyfile(demo_template, copy)
    return f"sqlite:///{copy}"


def _pg_admin() -> Engine | None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect():
            return admin
    except Exception:  # noqa: BLE001 - any failure to connect means "no server here"
        admin.dispose()
        return None


def _url_of(database: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{database}"


def _schema_version() -> str:
    """Changes whenever a migration changes, so a stale template is never used."""
    digest = hashlib.sha256()
    for path in sorted(MIGRATIONS.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine]:
    admin = _pg_admin()
    if admin is None:
        pytest.skip(f"no PostgreSQL server answers at {PG_ADMIN_URL} (set ORDERHUB_TEST_PG_URL)")
    yield admin
    admin.dispose()


@pytest.fixture(scope="session")
def pg_template(pg_admin) -> str:
    """A migrated database to clone: CREATE DATABASE ... TEMPLATE is far faster than migrating."""
    name = f"orderhub_tpl_{_schema_version()}"
    with pg_admin.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(872341)"))  # test processes may start together
        try:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
                eng = make_engine(_url_of(name))
                migrate(eng)
                eng.dispose()
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(872341)"))
    return name


@pytest.fixture(scope="session")
def pg_session_url(pg_admin, pg_template) -> Iterator[str]:
    """One migrated database for this test session, cloned from the template."""
    yield from _throwaway_database(pg_admin, f' TEMPLATE "{pg_template}"')


@pytest.fixture
def pg_new_url(pg_admin) -> Iterator[str]:
    """A brand-new PostgreSQL database as a user's CREATE DATABASE makes it: no tables, no rows."""
    yield from _throwaway_database(pg_admin, "")


@pytest.fixture
def pg_url(pg_session_url) -> str:
    """The URL of a migrated PostgreSQL database with every table emptied for this test."""
    eng = create_engine(pg_session_url)
    with eng.begin() as conn:
        tables = (
            conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")
            )
            .scalars()
            .all()
        )
        if tables:
            quoted = ", ".join(f'"{table}"' for table in tables)
            conn.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
    eng.dispose()
    return pg_session_url


def _throwaway_database(admin: Engine, template_clause: str) -> Iterator[str]:
    name = f"orderhub_t_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(872341)"))  # a template must have no other users
        try:
            conn.execute(text(f'CREATE DATABASE "{name}"{template_clause}'))
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(872341)"))
    try:
        yield _url_of(name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def pg_engine(pg_url) -> Iterator[Engine]:
    eng = make_engine(pg_url)
    migrate(eng)
    yield eng
    eng.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_engine(request) -> Engine:
    """The same test on the embedded default and on PostgreSQL."""
    return request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "pg_engine")


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium through Playwright, one per test module (tests.browser says how)."""
    from playwright.sync_api import sync_playwright

    from tests.browser import launch

    with sync_playwright() as playwright:
        launched = launch(playwright)
        yield launched
        launched.close()
