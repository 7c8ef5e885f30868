"""Message templates in Chinese and English, kept as data in core/locales/aftersales.json."""

from __future__ import annotations

from typing import Any

from core.i18n import DEFAULT_LANGUAGE, LANGUAGES, catalogue
from core.messages.outbox import PermanentFailure

TEMPLATES = ("order_paid", "order_shipped", "ticket_overdue", "purchase_order")


def render(template: str, payload: dict[str, Any], part: str) -> str:
    """One part ("subject", "body" or "sms") of a template, in the payload's language.

    A message that names an unknown template or lacks a value the text needs can never be
    sent as it is, so both are permanent failures (the message goes to the dead letters).
    """
    lang = payload.get("lang") if payload.get("lang") in LANGUAGES else DEFAULT_LANGUAGE
    entry = catalogue().get(f"notify.{template}.{part}")
    if entry is None:
        raise PermanentFailure(f"There is no {part} text for the message template {template!r}.")
    try:
        return entry[lang].format(**payload)
    except (KeyError, IndexError) as missing:
        raise PermanentFailure(f"The {template} message lacks the value {missing} its text needs.") from None
