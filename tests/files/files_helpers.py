"""Helpers for the export-file tests: fixture paths and what an import rejected or stored."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, func, select

from core.db import import_errors

EXPORTS = Path(__file__).resolve().parent.parent / "fixtures" / "exports"


def export(name: str) -> Path:
    return EXPORTS / name


def rejects(summary) -> list[tuple[str, int, str]]:
    return [(e.file, e.row, e.code) for e in summary.errors]


def quarantined(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(import_errors)).scalar_one()
