"""Login rules: the password check with a per-username lockout, and which sessions still count.

The lockout is kept per attempted username, whether or not such a user exists, so that being
locked out tells nobody that a username is real. It lives in the store, so every app replica
counts the same attempts.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection, Engine

from core import clock
from core.identity.tables import login_failures, users
from core.identity.users import check_password, hash_password
from core.store.db import is_postgres, transaction, upsert

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
LOCK = timedelta(minutes=15)

SIGNED_IN = "signed_in"
FAILED = "failed"
LOCKED = "locked"


def sign_in(engine: Engine, username: str, password: str, now: datetime | None = None) -> str:
    """Check a password: SIGNED_IN, FAILED, or LOCKED (too many recent failures for this username;
    the password is then not even checked). A success clears the username's failures.

    The attempt is counted before its password is checked, and a success takes the count back:
    so guesses sent side by side, from many connections or replicas, get no more checks than
    guesses sent one after another (MAX_FAILURES per window). Counted after the check, every
    guess that arrived during the others' checks (bcrypt takes a quarter of a second) was
    checked before any of them was counted."""
    username = login_name(username)
    now = now or clock.now()
    attempt = _count_attempt(engine, username, now)
    if attempt is None:
        return LOCKED
    if _password_matches(engine, username, password):
        with transaction(engine) as conn:
            conn.execute(delete(login_failures).where(login_failures.c.username == username))
        return SIGNED_IN
    return LOCKED if attempt >= MAX_FAILURES else FAILED


def login_name(typed: str) -> str:
    """The username as stored (and as counted for the lockout) for what was typed into the form."""
    return typed.strip().lower()[:64]


def _password_matches(engine: Engine, username: str, password: str) -> bool:
    """An unknown or inactive username is checked against a decoy hash, so the answer takes as
    long as for a real user and its timing does not tell which usernames exist."""
    with engine.connect() as conn:
        stored = conn.execute(
            select(users.c.password_hash).where(users.c.username == username, users.c.active)
        ).scalar()
    if stored is None:
        check_password(password, _decoy_hash())
        return False
    return check_password(password, stored)


@cache
def _decoy_hash() -> str:
    return hash_password(secrets.token_hex(16))


def _count_attempt(engine: Engine, username: str, now: datetime) -> int | None:
    """Count an attempt as failed until it succeeds; returns its number in the window (the
    MAX_FAILURES-th locks the username unless it succeeds), or None while the username is
    locked. An attempt after the window (or after a lock) starts a new count."""
    with transaction(engine) as conn:
        upsert(conn, login_failures, [{"username": username, "failures": 0, "first_failed_at": now}], ["username"])
        query = select(login_failures).where(login_failures.c.username == username)
        row = conn.execute(query.with_for_update() if is_postgres(conn) else query).one()
        if row.locked_until is not None and row.locked_until > now:
            return None
        fresh = row.first_failed_at <= now - WINDOW or row.locked_until is not None
        attempt = 1 if fresh else row.failures + 1
        locks = attempt >= MAX_FAILURES
        conn.execute(
            update(login_failures)
            .where(login_failures.c.username == username)
            .values(
                failures=0 if locks else attempt,
                first_failed_at=now if fresh else row.first_failed_at,
                locked_until=now + LOCK if locks else None,
            )
        )
    return attempt


def cookie_issued_at(exp_date: float, lifetime_days: float) -> datetime:
    """When a login cookie was issued, in business time: its expiry (a Unix timestamp) less its lifetime."""
    expires = datetime.fromtimestamp(exp_date, clock.BUSINESS_TZ).replace(tzinfo=None)
    return expires - timedelta(days=lifetime_days)


def session_user(conn: Connection, username: str, signed_in_at: datetime | None) -> dict | None:
    """The active user of a session that began at signed_in_at (by password or cookie), or None when
    the user is gone, deactivated, or had their logins revoked since (a session of unknown start
    counts as revoked then)."""
    row = (
        conn.execute(
            select(users.c.username, users.c.name, users.c.role, users.c.language, users.c.logins_revoked_at).where(
                users.c.username == username.lower(), users.c.active
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    revoked = row["logins_revoked_at"]
    if revoked is not None and (signed_in_at is None or signed_in_at < revoked):
        return None
    return {key: row[key] for key in ("username", "name", "role", "language")}
