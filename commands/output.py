"""Printing results for people or, with --json, for scripts."""

from __future__ import annotations

import json
import sys
from typing import Any


def emit(data: Any, as_json: bool, text: str | None = None) -> None:
    """JSON on stdout for scripts; otherwise the given text (or a readable dump)."""
    if as_json:
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        print(text if text is not None else json.dumps(data, ensure_ascii=False, indent=2, default=str))


def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """A plain aligned text table."""
    if not rows:
        return "(none)"
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns)]
    lines += ["  ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join(lines)
