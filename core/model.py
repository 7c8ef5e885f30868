"""The normalised order every connector yields, and the order statuses."""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass, field, fields
from datetime import datetime
from operator import attrgetter

PENDING_PAYMENT = "pending_payment"
PAID = "paid"
SHIPPED = "shipped"
COMPLETED = "completed"
CANCELLED = "cancelled"
ON_HOLD = "on_hold"

STATUSES = (PENDING_PAYMENT, PAID, SHIPPED, COMPLETED, CANCELLED, ON_HOLD)
# How far along the platform's own life cycle a status is; a newer platform status never
# moves an order backwards.
PLATFORM_RANK = {PENDING_PAYMENT: 0, PAID: 1, SHIPPED: 2, COMPLETED: 3, CANCELLED: 4}

# The kinds of hold (orders.hold_reason): what the queue shows and filters by, and what releases
# the order. core.order_status is their one writer; core.order_holds says who may release which.
HOLD_INSUFFICIENT_STOCK = "insufficient_stock"  # released when stock comes back
HOLD_REVIEW = "review"  # released only by approving the review (core.review)
HOLD_MANUAL = "manual"  # held by hand; released by hand
HOLD_ADDRESS = "address"  # held by hand to check the address; released by hand
HOLD_KINDS = (HOLD_INSUFFICIENT_STOCK, HOLD_REVIEW, HOLD_MANUAL, HOLD_ADDRESS)


@dataclass(frozen=True)
class OrderLine:
    sku: str
    qty: int
    unit_price_cents: int
    discount_cents: int = 0


@dataclass(frozen=True)
class NormalisedOrder:
    """One channel order as every connector hands it to core.intake.ingest (amounts in cents)."""

    channel: str
    channel_order_no: str
    shop: str
    status: str
    created_at: datetime
    paid_at: datetime | None = None
    buyer: str = ""
    phone: str = ""
    province: str = ""
    city: str = ""
    address: str = ""
    country: str = ""  # as core.regions.normalise_country writes it; "" when the channel gave none (China)
    goods_cents: int = 0
    paid_cents: int = 0
    platform_discount_cents: int = 0
    seller_coupon_cents: int = 0
    shipping_fee_cents: int = 0
    order_total_cents: int = 0  # the order total the channel shows (0: it shows none)
    refund_cents: int = 0  # what the channel says was refunded on the order so far
    buyer_remark: str = ""
    seller_remark: str = ""
    platform_updated_at: datetime | None = None
    tracking_no: str | None = None
    carrier: str | None = None
    lines: tuple[OrderLine, ...] = field(default_factory=tuple)

    def fingerprint(self) -> str:
        """A stable hash of everything received, to recognise an unchanged re-import.

        Pickle is only a fast, deterministic serialisation of these plain values here; nothing
        is ever unpickled.
        """
        values = _scalar_values(self)
        # Sorted: the same lines listed in another order (a re-sorted export) are the same order.
        lines = tuple(sorted((line.sku, line.qty, line.unit_price_cents, line.discount_cents) for line in self.lines))
        return hashlib.md5(pickle.dumps((values, lines), protocol=5)).hexdigest()


_scalar_values = attrgetter(*(f.name for f in fields(NormalisedOrder) if f.name != "lines"))

# Return reasons the seller caused; they count in the order error rate.
SELLER_FAULT_RETURN_REASONS = frozenset({"质量问题", "发错货/漏发", "与描述不符"})


@dataclass(frozen=True)
class Listing:
    """Where one of our SKUs lives on a platform, learnt from the orders pulled."""

    sku: str
    item_id: str
    platform_sku_id: str = ""
