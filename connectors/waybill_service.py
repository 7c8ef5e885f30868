"""Shipping with the aggregator's waybills: each order's number is asked for between two
transactions (core.waybills), then the orders ship through core's batch with those numbers; the
numbers are subscribed for tracking, given back when their order is cancelled, and polled.

A refusal (bad account, no balance, address not served, throttled past our retries) leaves the
order unshipped with the aggregator's reason; the order's row keeps its idempotency key, so a
retry asks under the same key and the order never holds two numbers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.engine import Row

from connectors.base import ChannelError
from connectors.kuaidi100 import Party, Waybill, WaybillRefused, WaybillRequest
from connectors.waybill_accounts import WaybillAccount, account_for, demo_account, load_accounts
from core.aftersales import tracking
from core.errors import OrderHubError
from core.identity import access
from core.identity.access import Actor
from core.model import SHIPPED
from core.shipping import batch, merge, senders, waybills

log = logging.getLogger(__name__)
POLL_EVERY_MINUTES = 30  # a parcel not heard of for this long is asked about (the push's fallback)


class Session:
    """The accounts, and one client per shop, for one run over many orders."""

    def __init__(self, accounts: dict[str, WaybillAccount] | None = None):
        self.accounts = load_accounts() if accounts is None else accounts
        self.senders = senders.senders()
        self.clients: dict[str, object] = {}

    def account(self, shop: str, demo: bool = False) -> WaybillAccount | None:
        """The shop's account (a waybill the demo double issued stays with it)."""
        sender = senders.sender_for(shop, self.senders)
        return demo_account(shop, sender) if demo else account_for(shop, self.accounts, sender)

    def client(self, account: WaybillAccount):
        key = f"{account.shop}:{account.demo}"
        if key not in self.clients:
            self.clients[key] = account.client()
        return self.clients[key]

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


def issue(engine: Engine, order_id: int, session: Session) -> Row | None:
    """The order's issued waybill, asked for if it has none; None when its shop has no account."""
    with engine.connect() as conn:
        parcel = waybills.parcel(conn, order_id)
    account = session.account(parcel.shop)
    if account is None:
        return None
    row, goods = waybills.claim_parcel(engine, order_id, parcel.shop, account.carrier)
    if row.status == waybills.ISSUED:
        return row
    receiver = Party(parcel.receiver, parcel.phone, parcel.address)
    cargo = "、".join(str(item) for item in goods)[:100] or parcel.order_no
    request = WaybillRequest(
        row.idempotency_key, account.carrier, account.account, account.sender, receiver, cargo, account.print_type
    )
    try:
        issued = session.client(account).order(request)
    except ChannelError as exc:  # refused, throttled past the retries, unreachable: nothing issued
        waybills.save_status(engine, row.id, waybills.FAILED, getattr(exc, "reason", str(exc)))
        raise
    fields = {
        "carrier": issued.carrier,
        "tracking_no": issued.tracking_no,
        "routing": issued.routing[:60],
        "sort_code": issued.sort_code[:60],
        "label_url": issued.label_url[:300],
        "carrier_order_no": issued.carrier_order_no[:64],
    }
    return waybills.save_issued(engine, row.id, order_id, fields, account.demo)


def issue_many(engine: Engine, order_ids: Iterable[int], session: Session) -> tuple[dict[int, Row], dict]:
    """Waybills for the orders: (issued by order id, {order id: (order no., error)} for those refused).
    Orders merged into one parcel share its one waybill."""
    issued, failed = {}, {}
    for order_id in order_ids:
        with engine.connect() as conn:
            parcel = merge.shipment_of(conn, order_id)
        shared = next((issued[member] for member in parcel if member in issued), None)
        if shared is not None:
            issued[order_id] = shared
            continue
        try:
            row = issue(engine, order_id, session)
        except OrderHubError as exc:
            failed[order_id] = (_order_no(engine, order_id), exc)
            continue
        if row is not None:
            issued[order_id] = row
    return issued, failed


def issue_for_labels(engine: Engine, actor: Actor, order_ids: list[int]) -> None:
    """Waybills for labels printed before shipping; the first refusal stops the print with its reason."""
    access.authorize(actor, "print_labels")
    session = Session()
    try:
        _, failed = issue_many(engine, order_ids, session)
    finally:
        session.close()
    if failed:
        raise next(iter(failed.values()))[1]


def label_senders() -> dict[str, senders.Sender]:
    """The sender each shop's waybill account gives the carrier, for its labels to say the same."""
    return {
        shop: senders.Sender(account.sender.name, account.sender.mobile, account.sender.address)
        for shop, account in load_accounts().items()
    }


def ship_batch(
    engine: Engine,
    actor: Actor,
    order_ids: list[int],
    tracking_nos: dict[int, str] | None = None,
    carriers: dict[int, str] | None = None,
    now: datetime | None = None,
) -> batch.BatchResult:
    """Ship the orders: a scanned number is kept, else the shop's account issues one; an order whose
    waybill is refused stays unshipped, named with the reason. Shipped numbers are subscribed."""
    access.authorize(actor, batch.PERMISSION["ship"])
    tracking_nos, carriers = dict(tracking_nos or {}), dict(carriers or {})
    session = Session()
    try:
        wanted = [order_id for order_id in order_ids if not tracking_nos.get(order_id)]
        issued, failed = issue_many(engine, wanted, session)
        for order_id, row in issued.items():
            tracking_nos[order_id], carriers[order_id] = row.tracking_no, row.carrier
        going = [order_id for order_id in order_ids if order_id not in failed]
        result = batch.run(engine, actor, "ship", going, tracking_nos, now, carriers)
        result.failed = list(failed.values()) + result.failed
        subscribe(engine, issued.values(), session)
    finally:
        session.close()
    return result


def run_batch(
    engine: Engine,
    actor: Actor,
    action: str,
    order_ids: list[int],
    tracking_nos: dict[int, str] | None = None,
    carriers: dict[int, str] | None = None,
) -> batch.BatchResult:
    """batch.run with waybills: shipping asks for them, cancelling gives them back."""
    if action == "ship":
        return ship_batch(engine, actor, order_ids, tracking_nos, carriers)
    result = batch.run(engine, actor, action, order_ids, tracking_nos, carriers=carriers)
    if action == "cancel":
        try:
            cancel_released(engine)
        except OrderHubError as exc:  # the orders are cancelled; the worker gives the numbers back later
            log.warning("waybills of cancelled orders not given back yet: %s", exc)
    return result


def subscribe(engine: Engine, rows: Iterable[Row], session: Session) -> int:
    """Subscribe shipped numbers for pushes where the account names a callback; returns how many.
    A refusal is logged: polling still follows the parcel."""
    done = 0
    for row in rows:
        account = session.account(row.shop, row.demo)
        if account is None or not account.callback_url or row.subscribed:
            continue
        with engine.connect() as conn:
            phone, status = waybills.receiver_of(conn, row.order_id)
        if status != SHIPPED:
            continue
        try:
            session.client(account).subscribe(row.carrier, row.tracking_no, account.callback_url, row.salt, phone)
        except ChannelError as exc:
            log.warning("waybill %s not subscribed: %s", row.tracking_no, exc)
            continue
        waybills.save_subscribed(engine, row.id)
        done += 1
    return done


def cancel_released(engine: Engine) -> int:
    """Give back the numbers of orders cancelled after their waybill was issued; returns how many.
    A refusal (the courier has the parcel already) is recorded; a network error waits for the next run."""
    with engine.connect() as conn:
        rows = waybills.to_cancel(conn)
    session = Session()
    cancelled = 0
    try:
        for row in rows:
            account = session.account(row.shop, row.demo)
            if account is None:
                continue
            waybill = Waybill(row.carrier, row.tracking_no, carrier_order_no=row.carrier_order_no)
            try:
                session.client(account).cancel(waybill, account.account, "订单已取消")
            except WaybillRefused as exc:
                waybills.save_status(engine, row.id, waybills.CANCEL_FAILED, exc.reason)
                continue
            except ChannelError as exc:
                log.warning("waybill %s not cancelled yet: %s", row.tracking_no, exc)
                continue
            waybills.save_status(engine, row.id, waybills.CANCELLED_WAYBILL)
            cancelled += 1
    finally:
        session.close()
    return cancelled


def poll_tracking(engine: Engine, every_minutes: int = POLL_EVERY_MINUTES) -> int:
    """Ask about parcels not heard of for every_minutes (a lost push, or no callback); returns how many."""
    with engine.connect() as conn:
        rows = waybills.to_track(conn, waybills.stale_before(every_minutes))
    session = Session()
    try:
        for row in rows:
            account = session.account(row.shop, row.demo)
            if account is not None:
                _poll_one(engine, session, account, row)
    finally:
        session.close()
    return len(rows)


def _poll_one(engine: Engine, session: Session, account: WaybillAccount, row: Row) -> None:
    try:
        found = session.client(account).query(row.carrier, row.tracking_no, row.phone)
    except WaybillRefused:  # 查询无结果: nothing scanned yet
        found = None
    except ChannelError as exc:
        log.warning("tracking %s not polled: %s", row.tracking_no, exc)
        return
    if found is None:
        tracking.apply_in(engine, row, row.tracking_state, [])
    else:
        tracking.apply_in(engine, row, found.state, [tracking.Scan(e.at, e.state, e.context) for e in found.events])


def _order_no(engine: Engine, order_id: int) -> str:
    with engine.connect() as conn:
        return waybills.order_no_of(conn, order_id)
