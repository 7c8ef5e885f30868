"""`orders list|advance` and `report`: the order book from a script."""

from __future__ import annotations

import argparse

from commands import acting
from commands.output import emit, table
from commands.waybills import ship_orders
from connectors import waybill_service
from core.model import CANCELLED, SHIPPED, STATUSES
from core.orders import overview, workflow
from core.review import review
from core.shipping import batch
from core.store.db import open_store, transaction


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("orders", help="list orders or move one along its workflow")
    actions = parser.add_subparsers(dest="orders_command", required=True)
    lst = actions.add_parser("list", help="newest orders first")
    lst.add_argument("--status", choices=STATUSES)
    lst.add_argument(
        "--search",
        default="",
        help="as the queue's search box: order number (or part), buyer, phone or its last 4, tracking number, SKU, "
        "or several order numbers",
    )
    lst.add_argument("--limit", type=int, default=100)
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(handler=list_orders)
    acting.needs(lst, "view_orders")
    adv = actions.add_parser("advance", help="move an order to another status (or 'resume' a held one)")
    adv.add_argument("order_no")
    adv.add_argument("status", choices=[*STATUSES, "resume"])
    adv.add_argument("--channel")
    adv.add_argument("--reason", default="")
    acting.add_actor(adv)
    adv.add_argument(
        "--override-review",
        metavar="WHY",
        help="with 'resume': release an order held for review without approving it (audited with WHY)",
    )
    adv.set_defaults(handler=advance)
    report = subparsers.add_parser(
        "report", help="counts by status, held orders, paid amount, refunds, net sales, error rate"
    )
    report.add_argument("--json", action="store_true")
    report.set_defaults(handler=status_report)
    acting.needs(report, "view_reports")


def list_orders(args: argparse.Namespace) -> int:
    with open_store().connect() as conn:
        rows = acting.shown(args, overview.list_orders(conn, args.status, args.limit, args.search, args.acting.role))
    emit(rows, args.json, table(rows, ["channel_order_no", "shop", "status", "hold_reason", "province", "created_at"]))
    return 0


def advance(args: argparse.Namespace) -> int:
    if args.status == SHIPPED:  # on the carrier's number where the shop has a waybill account
        return ship_orders(
            argparse.Namespace(order_no=[args.order_no], channel=args.channel, acting=args.acting, json=False)
        )
    with transaction(open_store()) as conn:
        order_id = workflow.order_id_by_no(conn, args.order_no, args.channel)
        if args.override_review is not None and args.status == "resume":
            final = review.override(conn, order_id, args.acting, args.override_review)
        else:
            final = batch.move(conn, order_id, args.status, args.acting, args.reason)
    if final == CANCELLED:
        waybill_service.cancel_released(open_store())  # its waybill, if one was issued, goes back
    print(f"{args.order_no}: {final}")
    return 0


def status_report(args: argparse.Namespace) -> int:
    with open_store().connect() as conn:
        report = overview.status_report(conn)
    lines = [
        f"orders: {report['orders']}",
        *(f"  {k}: {v}" for k, v in report["by_status"].items()),
        f"held: {report['held']}",
        f"paid amount (GMV): ¥{report['paid_cents'] / 100:,.2f} on {report['paid_orders']} paid orders",
        f"goods value: ¥{report['goods_cents'] / 100:,.2f}",
        f"refunds: ¥{report['refund_cents'] / 100:,.2f} on {report['refund_orders']} orders",
        f"net sales: ¥{report['net_cents'] / 100:,.2f}",
        f"error rate: {report['error_rate']:.2%}",
    ]
    emit(report, args.json, "\n".join(lines))
    return 0
