"""Translations: zh-CN first, English second. One catalogue, kept as data in core/locales/*.json.

Each JSON file maps a key to {"zh": ..., "en": ...}; areas keep their own file so the catalogue
grows without edit conflicts. A missing key shows itself (the key), never an exception.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LOCALES = Path(__file__).resolve().parent / "locales"


@cache
def catalogue() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(LOCALES.glob("*.json")):
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The text for key in lang, with {placeholders} filled."""
    entry = catalogue().get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry.get(DEFAULT_LANGUAGE) or key
    return text.format(**values) if values else text
