"""The outbox: messages written in the same transaction as the change that causes them.

A worker delivers them later (at-least-once, by idempotency key); writing the same key twice
is a no-op, so a retried transaction never queues a message twice.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from core.db import outbox


def message(key: str, kind: str, recipient: str, template: str, payload: dict[str, Any], now: datetime) -> dict:
    """An outbox row, ready for insert (single or executemany)."""
    return {
        "idempotency_key": key,
        "kind": kind,
        "recipient": recipient,
        "template": template,
        "payload": json.dumps(payload, ensure_ascii=False, default=str),
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def enqueue(conn: Connection, rows: list[dict]) -> int:
    """Queue the messages whose keys are not queued yet; returns how many were new."""
    if not rows:
        return 0
    keys = [row["idempotency_key"] for row in rows]
    known = set(conn.execute(select(outbox.c.idempotency_key).where(outbox.c.idempotency_key.in_(keys))).scalars())
    fresh = [row for row in rows if row["idempotency_key"] not in known]
    if fresh:
        conn.execute(insert(outbox), fresh)
    return len(fresh)
