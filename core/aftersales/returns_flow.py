"""The after-sales flow as data: ticket types, statuses and the one table of allowed steps."""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import IllegalTransition, OrderHubError

REFUND, RETURN, EXCHANGE, RESEND = "refund", "return", "exchange", "resend"
TYPES = (REFUND, RETURN, EXCHANGE, RESEND)
SUBMITTED, APPROVED, REJECTED = "submitted", "approved", "rejected"
AWAITING_RETURN, RECEIVED = "awaiting_return", "received"
REFUNDED, EXCHANGE_SHIPPED, CLOSED = "refunded", "exchange_shipped", "closed"
STATUSES = (SUBMITTED, APPROVED, REJECTED, AWAITING_RETURN, RECEIVED, REFUNDED, EXCHANGE_SHIPPED, CLOSED)

_ALL = frozenset(TYPES)
_GOODS_BACK = frozenset({RETURN, EXCHANGE})
_GOODS_OUT = frozenset({EXCHANGE, RESEND})
# The one transition table: (from, to) -> the ticket types that may take that step.
FLOW: dict[tuple[str, str], frozenset[str]] = {
    (SUBMITTED, APPROVED): _ALL,
    (SUBMITTED, REJECTED): _ALL,
    (APPROVED, REFUNDED): frozenset({REFUND}),
    (APPROVED, AWAITING_RETURN): _GOODS_BACK,
    (APPROVED, EXCHANGE_SHIPPED): frozenset({RESEND}),
    (AWAITING_RETURN, RECEIVED): _GOODS_BACK,
    (AWAITING_RETURN, CLOSED): _GOODS_BACK,  # the buyer never sent the goods back
    (RECEIVED, REFUNDED): frozenset({RETURN}),
    (RECEIVED, EXCHANGE_SHIPPED): frozenset({EXCHANGE}),
    (REJECTED, CLOSED): _ALL,
    (REFUNDED, CLOSED): _ALL,
    (EXCHANGE_SHIPPED, CLOSED): _ALL,
}
RESOLVED = frozenset({REJECTED, REFUNDED, EXCHANGE_SHIPPED, CLOSED})  # the resolution clock stops
GOODS_OUT = _GOODS_OUT
GOODS_BACK = _GOODS_BACK


def next_statuses(ticket_type: str, status: str) -> list[str]:
    return [to for (frm, to), types in FLOW.items() if frm == status and ticket_type in types]


class IllegalTicketStep(IllegalTransition):
    def __init__(self, number: str, ticket_type: str, from_status: str, to_status: str):
        options = ", ".join(next_statuses(ticket_type, from_status)) or "none"
        OrderHubError.__init__(
            self, f"Ticket {number} ({ticket_type}) cannot go from {from_status} to {to_status}; next: {options}."
        )
        self.from_status, self.to_status = from_status, to_status


@dataclass(frozen=True)
class Item:
    """A claimed item: SKU code and quantity, and what goes out instead for an exchange."""

    sku: str
    qty: int
    replacement_sku: str | None = None
