"""Users: bcrypt password hashes, roles, an active flag and a language, kept in the store."""

from __future__ import annotations

import os
import random
import secrets
from datetime import datetime
from pathlib import Path

import bcrypt
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from core import clock
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.i18n import LANGUAGES
from core.identity import access
from core.identity.access import ROLES, Actor
from core.identity.audit import audit
from core.identity.tables import users
from core.store.db import ROOT, transaction

MIN_PASSWORD_LENGTH = 8
SECRETS_DIR = ROOT / "data" / "secrets"
# Demo only: `cli.py init --demo` creates one user per role with these passwords (listed in README).
DEMO_PASSWORDS = {role: f"{role}-demo-2026" for role in ROLES}
DEMO_NAMES = {
    "admin": "系统管理员",
    "manager": "王经理",
    "clerk": "李客服",
    "warehouse": "张仓管",
    "finance": "赵会计",
    "service": "陈售后",
    "analyst": "刘分析",
}


def hash_password(password: str, rounds: int = 12) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode()


def check_password(password: str, password_hash: str) -> bool:
    return bcrypt.checkpw(password.encode(), password_hash.encode())


def create(
    conn: Connection,
    username: str,
    role: str,
    password: str,
    name: str = "",
    language: str = "zh",
    now: datetime | None = None,
    rounds: int = 12,
) -> int:
    """Add a user; the username is case-insensitive (stored lower-case) and must be new."""
    username = _clean_username(username)
    _check_role(role)
    _check_password(password)
    if language not in LANGUAGES:
        raise InvalidInput(f"Language {language!r} is not one of {', '.join(LANGUAGES)}.")
    if conn.execute(select(users.c.id).where(users.c.username == username)).first():
        raise InvalidInput(key="error.username_taken", params={"username": username})
    now = now or clock.now()
    values = {
        "username": username,
        "name": name or username,
        "role": role,
        "language": language,
        "password_hash": hash_password(password, rounds),
        "created_at": now,
        "updated_at": now,
    }
    return conn.execute(insert(users).values(**values).returning(users.c.id)).scalar_one()


def add_user(engine: Engine, actor: Actor, username: str, role: str, password: str, name: str = "") -> int:
    access.authorize(actor, "manage_users")
    with transaction(engine) as conn:
        user_id = create(conn, username, role, password, name)
        audit(conn, actor, f"user {username.strip().lower()}", {"added_with_role": role}, clock.now())
        return user_id


def set_role(engine: Engine, actor: Actor, username: str, role: str) -> None:
    """A new role for the user, audited (a role is every permission the user has)."""
    access.authorize(actor, "manage_users")
    _check_role(role)
    _change(engine, actor, username, {"role": role}, role=role)


def reset_password(engine: Engine, actor: Actor, username: str, password: str) -> None:
    """A new password, which also revokes every login cookie and session begun before it."""
    access.authorize(actor, "manage_users")
    _check_password(password)
    _change(
        engine,
        actor,
        username,
        {"password": "reset"},
        password_hash=hash_password(password),
        logins_revoked_at=clock.instant(),
    )


def set_active(engine: Engine, actor: Actor, username: str, active: bool) -> None:
    """Deactivating also revokes the user's login cookies: reactivating them later does not bring
    back a cookie or a session from before."""
    access.authorize(actor, "manage_users")
    revoked = {} if active else {"logins_revoked_at": clock.instant()}
    _change(engine, actor, username, {"active": active}, active=active, **revoked)


def set_language(engine: Engine, username: str, language: str) -> None:
    """A user's own preference; anyone may change their own."""
    if language not in LANGUAGES:
        raise InvalidInput(f"Language {language!r} is not one of {', '.join(LANGUAGES)}.")
    _change(engine, None, username, None, language=language)


def _change(engine: Engine, actor: Actor | None, username: str, audited: dict | None, **values: object) -> None:
    """Update the user; an administrator's change is audited with it (a preference is not)."""
    now = clock.now()
    with transaction(engine) as conn:
        result = conn.execute(
            update(users).where(users.c.username == username.lower()).values(**values, updated_at=now)
        )
        if result.rowcount != 1:
            raise NotFound(key="error.user_not_found", params={"username": username})
        if actor is not None and audited is not None:
            audit(conn, actor, f"user {username.lower()}", audited, now)


def get(conn: Connection, username: str) -> dict:
    row = conn.execute(_public_columns().where(users.c.username == username.lower())).mappings().first()
    if row is None:
        raise NotFound(key="error.user_not_found", params={"username": username})
    return dict(row)


def as_actor(engine: Engine, username: str) -> Actor:
    """The user a script acts as (`cli.py --as USERNAME`), with their role; an unknown or a
    deactivated user is refused, as a login would be."""
    with engine.connect() as conn:
        found = conn.execute(
            select(users.c.username, users.c.role, users.c.active).where(users.c.username == username.strip().lower())
        ).first()
    if found is None:
        raise PermissionDenied(key="error.unknown_user", params={"username": username})
    if not found.active:
        raise PermissionDenied(key="error.inactive_user", params={"username": found.username})
    return Actor(found.username, found.role)


def listing(engine: Engine, actor: Actor) -> list[dict]:
    access.authorize(actor, "manage_users")
    with engine.connect() as conn:
        return [dict(row) for row in conn.execute(_public_columns().order_by(users.c.id)).mappings()]


def _public_columns():
    return select(
        users.c.username,
        users.c.name,
        users.c.role,
        users.c.active,
        users.c.language,
        users.c.created_at,
        users.c.updated_at,
    )


def credentials(engine: Engine) -> dict:
    """Active users in the shape streamlit-authenticator expects; inactive users cannot log in."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(users.c.username, users.c.name, users.c.role, users.c.password_hash).where(users.c.active)
        ).all()
    return {
        "usernames": {
            row.username: {
                "name": row.name,
                "password": row.password_hash,
                "roles": [row.role],
                "email": f"{row.username}@orderhub.local",
            }
            for row in rows
        }
    }


def ensure_first_admin(engine: Engine) -> str | None:
    """On a store without users, create `admin` with a random password and return it (else None).

    The caller prints it once; no default password exists outside the demo data.
    """
    password = secrets.token_urlsafe(12)
    try:
        with transaction(engine) as conn:
            if conn.execute(select(func.count()).select_from(users)).scalar_one():
                return None
            create(conn, "admin", "admin", password, name=DEMO_NAMES["admin"])
    except IntegrityError:  # another app process created it first; its console has the password
        return None
    return password


def cookie_key() -> str:
    """The key signing login cookies: ORDERHUB_COOKIE_KEY, else one generated once under data/secrets/."""
    if key := os.environ.get("ORDERHUB_COOKIE_KEY"):
        return key
    path = SECRETS_DIR / "cookie_key"
    if not path.exists():
        _write_secret(path, secrets.token_urlsafe(32))
    return path.read_text().strip()


def _write_secret(path: Path, value: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another app process wrote it first; theirs is the key
        return
    with os.fdopen(descriptor, "w") as handle:
        handle.write(value)


def seed(conn: Connection, rng: random.Random, now: datetime) -> None:
    """Demo data: one user per role, password `<role>-demo-2026` (demo only)."""
    del rng  # the demo users are fixed, so the README can list them
    for role in ROLES:
        if not conn.execute(select(users.c.id).where(users.c.username == role)).first():
            create(conn, role, role, DEMO_PASSWORDS[role], name=DEMO_NAMES[role], now=now, rounds=10)


def _clean_username(username: str) -> str:
    username = username.strip().lower()
    if not username or len(username) > 64 or not username.replace("_", "").replace(".", "").isalnum():
        raise InvalidInput(key="error.username_format")
    return username


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidInput(f"Role {role!r} is not one of {', '.join(ROLES)}.")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(key="error.password_short", params={"count": MIN_PASSWORD_LENGTH})
