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


class ReviewPending(OrderHubError):
    """The order is held for review: only approving the review (or a role allowed to override
    it, with a reason) releases it."""


class NotFound(OrderHubError):
    """A named order, SKU, shop or file does not exist."""


class InvalidInput(OrderHubError):
    """Input that cannot be used, with a sentence saying why."""


class AmbiguousDates(InvalidInput):
    """Columns whose dates all read both month-first and day-first: the user says which, never a guess."""

    def __init__(self, choices: dict[str, tuple[str, ...]]):
        self.choices = choices  # column → the formats all its dates fit
        column, formats = next(iter(choices.items()))
        super().__init__(
            f"The dates in {', '.join(choices)} read both as {' and as '.join(formats)}; "
            f"say which, e.g. --date-format '{column}={formats[0]}'."
        )


class PermissionDenied(OrderHubError):
    """The user's role may not do this."""


class StoreRefused(OrderHubError):
    """The database refused a write (a value it cannot hold, a broken constraint). The driver's
    own message carries the SQL statement and its parameters, buyers' data among them, so the
    message names the kind of refusal only; the details stay in the debug log."""

    @classmethod
    def of(cls, exc: Exception) -> StoreRefused:
        cause = getattr(exc, "orig", None) or exc
        return cls(f"The database refused the change ({type(cause).__name__}); nothing of the failed batch was stored.")
