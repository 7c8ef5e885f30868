"""The messages an order's status sends its buyer (queued in the outbox with the change)."""

from __future__ import annotations

from datetime import datetime

from core.messages import outbox


def payment_sms(order_id: int, order_no: str, phone: str, buyer: str, now: datetime) -> dict:
    return outbox.message(
        f"sms:paid:{order_id}", "sms", phone, "order_paid", {"order_no": order_no, "buyer": buyer}, now
    )


def shipping_sms(order_id: int, order_no: str, phone: str, carrier: str, tracking_no: str, now: datetime) -> dict:
    payload = {"order_no": order_no, "carrier": carrier, "tracking_no": tracking_no}
    return outbox.message(f"sms:shipped:{order_id}", "sms", phone, "order_shipped", payload, now)
