"""`orders list|advance` and `report`: the order book from a script."""

from __future__ import annotations

import argparse

from commands.output import emit, table
from commands.waybills import ship_orders
from connectors import waybill_service
from core import overview, workflow
from core.db import open_store, transaction
from core.model import CANCELLED, SHIPPED, STATUSES


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
    adv = actions.add_parser("advance", help="move an order to another status (or 'resume' a held one)")
    adv.add_argument("order_no")
    adv.add_argument("status", choices=[*STATUSES, "resume"])
    adv.add_argument("--channel")
    adv.add_argument("--reason", default="")
    adv.add_argument("--actor", default="cli")
    adv.set_defaults(handler=advance)
    report = subparsers.add_parser(
        "report", help="counts by status, held orders, paid amount, refunds, net sales, error rate"
    )
    report.add_argument("--json", action="store_true")
    report.set_defaults(handler=status_report)


def list_orders(args: argparse.Namespace) -> int:
    with open_store().connect() as conn:
        rows = overview.list_orders(conn, args.status, args.limit, args.search)
    emit(rows, args.json, table(rows, ["channel_order_no", "shop", "status", "hold_reason", "province", "created_at"]))
    return 0


def advance(args: argparse.Namespace) -> int:
    if args.status == SHIPPED:  # on the carrier's number where the shop has a waybill account
        return ship_orders(
            argparse.Namespace(order_no=[args.order_no], channel=args.channel, actor=args.actor, json=False)
        )
    with transaction(open_store()) as conn:
        order_id = workflow.order_id_by_no(conn, args.order_no, args.channel)
        if args.status == "resume":
            final = workflow.resume(conn, order_id, args.actor)
        else:
            final = workflow.advance(conn, order_id, args.status, args.actor, args.reason)
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
