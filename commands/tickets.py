"""`ticket open|list|advance|reassign|remind|report` and `outbox deliver|dead|retry`."""

from __future__ import annotations

import argparse

from commands import acting
from commands.output import emit, table
from core.aftersales import returns
from core.aftersales.returns_flow import STATUSES, TYPES
from core.aftersales.returns_sla import cycle_times, list_tickets, remind_due, ticket_detail
from core.errors import InvalidInput
from core.messages import outbox
from core.orders import workflow
from core.store.db import make_engine, transaction
from notify import __main__ as worker

LIST_COLUMNS = ["number", "order_no", "type", "status", "owner", "sla", "next_deadline"]


def register(subparsers: argparse._SubParsersAction) -> None:
    ticket = subparsers.add_parser("ticket", help="after-sales tickets").add_subparsers(
        dest="ticket_command", required=True
    )
    opening = ticket.add_parser("open", help="open a ticket on a shipped order")
    opening.add_argument("order_no")
    opening.add_argument("--type", required=True, choices=TYPES)
    opening.add_argument("--reason", required=True, help="reason code or label, e.g. quality or 质量问题")
    opening.add_argument("--sku", action="append", default=[], help="claimed SKU (repeatable; none: all shipped)")
    opening.add_argument("--qty", action="append", type=int, default=[], help="quantity of each --sku")
    opening.add_argument("--replacement", action="append", default=[], help="SKU sent instead, per --sku")
    opening.add_argument("--notes", default="")
    opening.add_argument("--channel")
    _common(opening, opened, with_json=True)
    listing = ticket.add_parser("list", help="open tickets, most urgent first")
    listing.add_argument("--overdue", action="store_true", help="only tickets near or past a deadline")
    listing.add_argument("--status", choices=STATUSES)
    listing.add_argument("--owner")
    _common(listing, listed, with_json=True)
    acting.needs(listing, "handle_tickets")
    step = ticket.add_parser("advance", help="take one step of the ticket's flow")
    step.add_argument("number")
    step.add_argument("status", choices=STATUSES)
    step.add_argument("--resalable", action=argparse.BooleanOptionalAction, help="for 'received': back into stock?")
    step.add_argument("--refund-cents", type=int)
    step.add_argument("--note", default="")
    _common(step, advanced)
    handover = ticket.add_parser("reassign", help="give a ticket to another service agent")
    handover.add_argument("number")
    handover.add_argument("owner")
    _common(handover, reassigned)
    remind = ticket.add_parser("remind", help="queue e-mails for tickets near or past a deadline")
    _common(remind, reminded)
    acting.needs(remind, "handle_tickets")
    cycle = ticket.add_parser("report", help="average cycle time per week")
    _common(cycle, reported, with_json=True)
    acting.needs(cycle, "handle_tickets")

    box = subparsers.add_parser("outbox", help="deliver notifications").add_subparsers(
        dest="outbox_command", required=True
    )
    deliver = box.add_parser("deliver", help="send due SMS and e-mail (loops until stopped without --once)")
    worker.add_arguments(deliver)
    acting.needs(deliver, "administer_store")
    deliver.set_defaults(handler=worker.run)
    dead_letters = box.add_parser("dead", help="messages that gave up")
    _common(dead_letters, dead, with_json=True)
    acting.needs(dead_letters, "retry_notifications")
    retry = box.add_parser("retry", help="queue dead messages again")
    retry.add_argument("ids", nargs="+", type=int)
    _common(retry, retried)


def _common(parser: argparse.ArgumentParser, handler, with_json: bool = False) -> None:
    acting.add_actor(parser)
    if with_json:
        parser.add_argument("--json", action="store_true")
    parser.set_defaults(handler=handler)


def opened(args: argparse.Namespace) -> int:
    items = _items(args.sku, args.qty, args.replacement)
    with transaction(make_engine()) as conn:
        order_id = workflow.order_id_by_no(conn, args.order_no, args.channel)
        ticket_id = returns.open_ticket(conn, order_id, args.type, args.reason, args.acting, items, args.notes)
        detail = ticket_detail(conn, returns.load_by_id(conn, ticket_id).number)
    emit(detail, args.json, f"{detail['number']}: {detail['status']}, owner {detail['owner'] or '-'}")
    return 0


def _items(codes: list[str], quantities: list[int], replacements: list[str]) -> list[returns.Item] | None:
    if not codes:
        return None
    if len(quantities) != len(codes) or len(replacements) not in (0, len(codes)):
        raise InvalidInput("Give one --qty (and, if any, one --replacement) for every --sku.")
    swaps = replacements or [None] * len(codes)
    return [returns.Item(code, qty, swap) for code, qty, swap in zip(codes, quantities, swaps, strict=True)]


def listed(args: argparse.Namespace) -> int:
    with make_engine().connect() as conn:
        rows = acting.shown(args, list_tickets(conn, status=args.status, owner=args.owner, due_only=args.overdue))
    emit(rows, args.json, table(rows, LIST_COLUMNS))
    return 0


def advanced(args: argparse.Namespace) -> int:
    with transaction(make_engine()) as conn:
        status = returns.advance(
            conn, args.number, args.status, args.acting,
            resalable=args.resalable, refund_cents=args.refund_cents, note=args.note,
        )  # fmt: skip
    print(f"{args.number.upper()}: {status}")
    return 0


def reassigned(args: argparse.Namespace) -> int:
    with transaction(make_engine()) as conn:
        returns.reassign(conn, args.number, args.owner, args.acting)
    print(f"{args.number.upper()}: owner {args.owner}")
    return 0


def reminded(args: argparse.Namespace) -> int:
    with transaction(make_engine()) as conn:
        print(f"reminders queued: {remind_due(conn)}")
    return 0


def reported(args: argparse.Namespace) -> int:
    with make_engine().connect() as conn:
        rows = cycle_times(conn)
    emit(rows, args.json, table(rows, ["period", "tickets", "avg_days"]))
    return 0


def dead(args: argparse.Namespace) -> int:
    with make_engine().connect() as conn:
        rows = outbox.dead_letters(conn)
    emit(rows, args.json, table(rows, ["id", "kind", "recipient", "template", "attempts", "last_error"]))
    return 0


def retried(args: argparse.Namespace) -> int:
    with transaction(make_engine()) as conn:
        print(f"queued again: {outbox.retry(conn, args.ids, args.acting)}")
    return 0
