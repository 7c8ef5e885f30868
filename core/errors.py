"""Named domain errors; their messages are sentences a page or the CLI can show as they are.

An error may carry a message key (core/locales, `error.*`) and its values: pages then say it in
the reader's language (ui.widgets.explain), while str(error) stays the English sentence that the
CLI prints and the logs keep.
"""

from __future__ import annotations

from typing import Any

from core.i18n import t


class OrderHubError(Exception):
    """Base of every error the domain raises on purpose."""

    def __init__(self, message: str | None = None, *, key: str | None = None, params: dict[str, Any] | None = None):
        self.key, self.params = key, dict(params or {})
        super().__init__(message if message is not None else t(key, "en", **self.params) if key else "")


class InsufficientStock(OrderHubError):
    def __init__(self, sku: str, wanted: int, available: int):
        super().__init__(f"SKU {sku} has {available} available, {wanted} needed.")
        self.sku, self.wanted, self.available = sku, wanted, available


class IllegalTransition(OrderHubError):
    def __init__(self, order_no: str, from_status: str, to_status: str):
        super().__init__(f"Order {order_no} cannot go from {from_status} to {to_status}.")
        self.from_status, self.to_status = from_status, to_status


class NotFound(OrderHubError):
    """A named order, SKU, shop or file does not exist."""


class InvalidInput(OrderHubError):
    """Input that cannot be used, with a sentence saying why."""


class PermissionDenied(OrderHubError):
    """The user's role may not do this."""
