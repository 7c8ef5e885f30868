"""Rejected import rows kept for review (import_errors): one row per file content and row number,
so importing the same file again stores nothing twice; listed oldest import first."""

from __future__ import annotations

import json

from sqlalchemy import Engine, select

from core.intake.tables import import_errors
from core.store.db import transaction, upsert

CHUNK = 5000


def keep(engine: Engine, rows: list[dict]) -> None:
    """Store rejected rows (file_sha256, file_name, row_no, reason, raw cells, created_at); a row
    already kept for the same file content is left as it is."""
    values = [row | {"file_name": row["file_name"][:300], "reason": row["reason"][:300]} for row in rows]
    for value in values:
        value["raw"] = json.dumps(value["raw"], ensure_ascii=False)
    with transaction(engine) as conn:
        for start in range(0, len(values), CHUNK):
            upsert(conn, import_errors, values[start : start + CHUNK], ["file_sha256", "row_no"])


def quarantined_rows(engine: Engine, file: str | None = None) -> list[dict]:
    """The rows kept, oldest import first: file, row, reason and the cells as read."""
    query = select(import_errors.c.file_name, import_errors.c.row_no, import_errors.c.reason, import_errors.c.raw)
    if file is not None:
        query = query.where(import_errors.c.file_name == file)
    query = query.order_by(import_errors.c.created_at, import_errors.c.file_name, import_errors.c.row_no)
    with engine.connect() as conn:
        return [
            {"file": name, "row": row, "reason": reason, "raw": json.loads(raw)}
            for name, row, reason, raw in conn.execute(query)
        ]
