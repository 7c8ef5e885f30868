"""Sandbox: a full copy of the live store to try configuration on, promoting only configuration back.

SQLite copies with the SQLite online backup API (a consistent snapshot while the app keeps
running); PostgreSQL copies with pg_dump | pg_restore into `<database>_sandbox` (CREATE DATABASE
... TEMPLATE would need every other session off the live database). The copy carries a row in
sandbox_info, so any engine can tell it is a sandbox (red banner, worker refuses to deliver).
Promotion copies the parts listed in CONFIG, in one live transaction, and nothing else.
"""

from __future__ import annotations

import sqlite3
import subprocess
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, and_, delete, insert, inspect, make_url, select, text, update
from sqlalchemy.engine import Connection, Row

from core import clock
from core.copies.tables import sandbox_info
from core.errors import NotFound, OrderHubError
from core.identity import access
from core.identity.access import Actor
from core.identity.audit import audit
from core.messages.tables import outbox
from core.schema import metadata
from core.store.db import make_engine, transaction


@dataclass(frozen=True)
class ConfigPart:
    """A piece of configuration: rows of `table` identified by `key`, settings in `columns`.

    mode "mirror": live becomes an exact copy; "upsert": add and change, never delete (rows other
    data refers to); "update": change settings of rows live already has (shops, SKUs are data).
    """

    table: str
    key: tuple[str, ...]
    columns: tuple[str, ...]
    mode: str


CONFIG: list[ConfigPart] = [
    ConfigPart("review_rules", ("code",), ("enabled", "params", "updated_at", "updated_by"), "mirror"),
    ConfigPart("blacklist", ("kind", "value"), ("reason", "created_at", "created_by"), "mirror"),
    ConfigPart("suppliers", ("name",), ("email", "lead_time_days", "pack_size", "moq", "active"), "upsert"),
    ConfigPart("channels", ("code",), ("commission_bp",), "update"),
    ConfigPart(
        "shops", ("name",), ("reserve_on", "payment_timeout_minutes", "shipping_cost_cents", "active"), "update"
    ),
    ConfigPart("skus", ("sku",), ("safety_stock", "supplier"), "update"),
    # Other areas' configuration; skipped while their tables are not installed.
    ConfigPart("users", ("username",), ("role", "active"), "update"),  # roles, never passwords or new users
    ConfigPart("ticket_sla", ("type",), ("first_response_hours", "resolution_hours", "warn_hours"), "upsert"),
    ConfigPart("ticket_reasons", ("code",), ("label_zh", "label_en", "position", "active"), "upsert"),
]


def register(part: ConfigPart) -> None:
    """Other areas add their configuration (roles, SLA hours, return reasons) to what is promoted."""
    CONFIG.append(part)


class SandboxError(OrderHubError):
    """The sandbox cannot be made, used or dropped as asked."""


def sandbox_url(live_url: str) -> str:
    """Where the sandbox of a live store lives: a sibling SQLite file or a `_sandbox` database."""
    url = make_url(live_url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        if not url.database or url.database == ":memory:":
            raise SandboxError("An in-memory database cannot have a sandbox.")
        url = url.set(database=str(path.with_name(f"{path.stem}.sandbox{path.suffix}")))
    else:
        url = url.set(database=f"{url.database}_sandbox")
    return url.render_as_string(hide_password=False)


def exists(live: Engine) -> bool:
    target = make_url(sandbox_url(live.url.render_as_string(hide_password=False)))
    if live.dialect.name == "sqlite":
        return Path(target.database).exists()
    with live.connect() as conn:
        query = text("select 1 from pg_database where datname = :name")
        return conn.execute(query, {"name": target.database}).first() is not None


def is_sandbox(engine: Engine | Connection) -> bool:
    """Whether this store is a sandbox copy (pages show the red banner; the worker stays away)."""
    with engine.connect() if isinstance(engine, Engine) else nullcontext(engine) as conn:
        if not inspect(conn).has_table("sandbox_info"):
            return False
        return conn.execute(select(sandbox_info.c.id).limit(1)).first() is not None


def create(live: Engine, actor: Actor, now: datetime | None = None) -> str:
    """Copy live into its sandbox; returns the sandbox URL."""
    access.authorize(actor, "sandbox")
    now = now or clock.now()
    if is_sandbox(live):
        raise SandboxError("This store is itself a sandbox; create sandboxes from live.")
    if exists(live):
        raise SandboxError("A sandbox exists already: promote or drop it first.")
    url = sandbox_url(live.url.render_as_string(hide_password=False))
    if live.dialect.name == "sqlite":
        _copy_sqlite(live, make_url(url).database)
    else:
        _copy_postgres(live, url)
    sandbox = make_engine(url)
    try:
        with transaction(sandbox) as conn:
            conn.execute(insert(sandbox_info).values(created_at=now, created_by=actor))
            # Messages queued in live before the copy belong to live; the copy must never send them.
            conn.execute(update(outbox).where(outbox.c.status == "pending").values(status="sandbox"))
    finally:
        sandbox.dispose()
    return url


def drop(live: Engine, actor: Actor) -> None:
    """Throw the sandbox away."""
    access.authorize(actor, "sandbox")
    if is_sandbox(live):
        raise SandboxError("Drop a sandbox from its live store, not from inside it.")
    url = make_url(sandbox_url(live.url.render_as_string(hide_password=False)))
    if not exists(live):
        raise NotFound(key="error.no_sandbox")
    if live.dialect.name == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{url.database}{suffix}").unlink(missing_ok=True)
        return
    with live.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))


def promote(live: Engine, actor: Actor, now: datetime | None = None) -> dict[str, int]:
    """Copy the configuration (CONFIG) from the sandbox to live in one transaction; returns the
    number of rows changed per table. Orders, stock and everything else in live stay as they are."""
    access.authorize(actor, "sandbox")
    now = now or clock.now()
    if is_sandbox(live) or not exists(live):
        raise SandboxError("Promote from a live store that has a sandbox.")
    sandbox = make_engine(sandbox_url(live.url.render_as_string(hide_password=False)))
    try:
        with sandbox.connect() as source, transaction(live) as target:
            changed = {part.table: _promote_part(source, target, part) for part in CONFIG if _has(source, target, part)}
            audit(target, actor, "sandbox promoted", changed, now)
    finally:
        sandbox.dispose()
    return changed


def _promote_part(source: Connection, target: Connection, part: ConfigPart) -> int:
    table = metadata.tables[part.table]
    wanted = {_key(row, part): row for row in source.execute(select(*[table.c[c] for c in part.key + part.columns]))}
    current = {_key(row, part): row for row in target.execute(select(*[table.c[c] for c in part.key + part.columns]))}
    changed = 0
    for key, row in wanted.items():
        settings = {c: row._mapping[c] for c in part.columns}
        match = and_(*[table.c[c] == v for c, v in zip(part.key, key, strict=True)])
        if key in current and tuple(current[key]) != tuple(row):
            changed += target.execute(update(table).where(match).values(**settings)).rowcount
        elif key not in current and part.mode != "update":
            target.execute(insert(table).values(**dict(zip(part.key, key, strict=True)), **settings))
            changed += 1
    if part.mode == "mirror":
        for key in current.keys() - wanted.keys():
            changed += target.execute(
                delete(table).where(and_(*[table.c[c] == v for c, v in zip(part.key, key, strict=True)]))
            ).rowcount
    return changed


def _key(row: Row, part: ConfigPart) -> tuple:
    return tuple(row._mapping[c] for c in part.key)


def _has(source: Connection, target: Connection, part: ConfigPart) -> bool:
    """Parts of areas not installed (their table or columns missing on either side) are skipped."""
    table = metadata.tables.get(part.table)
    if table is None or any(column not in table.c for column in part.key + part.columns):
        return False
    return all(inspect(c).has_table(part.table) for c in (source, target))


def _copy_sqlite(live: Engine, path: str) -> None:
    raw = live.raw_connection()
    try:
        target = sqlite3.connect(path)
        try:
            raw.driver_connection.backup(target)
        finally:
            target.close()
    finally:
        raw.close()


def _copy_postgres(live: Engine, url: str) -> None:
    name = make_url(url).database
    with live.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    source, target = _libpq(live.url.render_as_string(hide_password=False)), _libpq(url)
    dump = subprocess.Popen(
        ["pg_dump", "--format=custom", "--no-owner", f"--dbname={source}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    restore = subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={target}"],
        stdin=dump.stdout,
        capture_output=True,
        text=True,
    )
    dump.stdout.close()
    dump_err = dump.stderr.read().decode(errors="replace")
    if dump.wait() != 0 or restore.returncode != 0:
        with live.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        raise SandboxError(f"Copying the database failed: {(dump_err or restore.stderr).strip()[:300]}")


def _libpq(url: str) -> str:
    """The SQLAlchemy URL as libpq understands it (no +driver)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
