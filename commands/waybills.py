"""`waybill ship|track|cancel-released|poll`: orders shipped on the aggregator's numbers, from a script."""

from __future__ import annotations

import argparse

from commands import acting
from commands.output import emit, table
from connectors import waybill_service
from core.errors import OrderHubError
from core.orders import workflow
from core.shipping import waybills
from core.store.db import open_store


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("waybill", help="ship on the carrier's numbers, follow the parcels")
    actions = parser.add_subparsers(dest="waybill_command", required=True)
    ship = actions.add_parser("ship", help="ask the shop's waybill account for numbers and ship the orders")
    ship.add_argument("order_no", nargs="+")
    acting.add_actor(ship)
    ship.add_argument("--json", action="store_true")
    ship.set_defaults(handler=ship_orders)
    track = actions.add_parser("track", help="an order's waybill and its tracking history")
    track.add_argument("order_no")
    track.add_argument("--json", action="store_true")
    track.set_defaults(handler=track_order)
    cancel = actions.add_parser("cancel-released", help="give back the numbers of cancelled orders")
    cancel.set_defaults(handler=cancel_released)
    poll = actions.add_parser("poll", help="ask about parcels not heard of for --minutes (the worker does this)")
    poll.add_argument("--minutes", type=int, default=waybill_service.POLL_EVERY_MINUTES)
    poll.set_defaults(handler=poll_now)


def ship_orders(args: argparse.Namespace) -> int:
    """Ship as the warehouse does; an order refused prints its reason and the exit code is 1."""
    engine = open_store()
    with engine.connect() as conn:
        ids = [workflow.order_id_by_no(conn, number, getattr(args, "channel", None)) for number in args.order_no]
    result = waybill_service.ship_batch(engine, args.acting, ids)
    failed = dict(result.failed)
    with engine.connect() as conn:
        issued = waybills.issued_for(conn, ids)
    rows = []
    for number, order_id in zip(args.order_no, ids, strict=True):
        drawn = issued[order_id].tracking_no if order_id in issued else ""
        outcome = _reason(failed[number]) if number in failed else "shipped"
        rows.append({"order_no": number, "result": outcome, "tracking_no": "" if number in failed else drawn})
    emit(rows, args.json, table(rows, ["order_no", "result", "tracking_no"]))
    return 1 if result.failed else 0


def track_order(args: argparse.Namespace) -> int:
    engine = open_store()
    with engine.connect() as conn:
        order_id = workflow.order_id_by_no(conn, args.order_no)
        row = waybills.of_order(conn, order_id)
        history = waybills.history(conn, order_id)
    head = {} if row is None else {k: row._mapping[k] for k in ("carrier", "tracking_no", "status", "routing")}
    emit(head | {"history": history}, args.json, table(history, ["at", "state", "context"]))
    return 0


def cancel_released(_args: argparse.Namespace) -> int:
    print(f"waybills given back: {waybill_service.cancel_released(open_store())}")
    return 0


def poll_now(args: argparse.Namespace) -> int:
    print(f"parcels polled: {waybill_service.poll_tracking(open_store(), args.minutes)}")
    return 0


def _reason(error: OrderHubError) -> str:
    return getattr(error, "reason", "") or str(error)
