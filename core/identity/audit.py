"""The configuration audit: one config_audit row per change of a rule, supplier, cost, role or
sandbox promotion — who, when, what (an administrator's history of who changed what)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Connection

from core.identity.tables import config_audit


def audit(conn: Connection, actor: str, subject: str, detail: dict[str, Any], now: datetime) -> None:
    """Record one change in the caller's transaction, so it lands or rolls back with the change."""
    row = {"at": now, "actor": str(actor), "subject": subject[:60], "detail": json.dumps(detail, ensure_ascii=False)}
    conn.execute(insert(config_audit).values(**row))
