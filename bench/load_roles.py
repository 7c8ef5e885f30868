"""What each load-test process does: paced intake, clerks, service agents, stock keepers, couriers
and the analytics refresh. One step is one whole transaction through core (retried explicitly
when the database drops it); its latency and outcome are recorded per operation."""

from __future__ import annotations

import json
import os
import random
import resource
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection, Engine

from core import clock
from core.aftersales import returns
from core.aftersales.returns_flow import CLOSED, next_statuses
from core.aftersales.tables import tickets
from core.analytics.analytics import Snapshot
from core.errors import OrderHubError
from core.identity.access import Actor
from core.intake import ingest
from core.messages import outbox
from core.model import CANCELLED, ON_HOLD, PAID, SHIPPED
from core.orders import stock_resume, workflow
from core.orders.tables import orders
from core.stock import reservations as stock
from core.stock.tables import skus
from core.store import retry
from core.store.db import make_engine
from demo import shop as demo
from notify.aliyun_sms import SmsSettings, SmsTransport
from ops import units

BATCH = 25  # orders per intake transaction on time: small batches, as a pull window or webhook burst gives
MAX_PULL = 500  # orders one late pull takes in at most
WORKER_ROLES = {"producer", "courier"}  # what deploy/systemd/orderhub-worker.service runs


@dataclass
class Recorder:
    """Per operation: latencies in ms and outcomes ("ok", a business refusal, a retry)."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    outcomes: Counter = field(default_factory=Counter)
    generated: list[list[str]] = field(default_factory=list)  # intake: (channel, order no.) made

    def timed(self, operation: str, engine: Engine, work: Callable[[Connection], object]) -> None:
        start = time.perf_counter()
        try:
            retry.run(engine, work, on_retry=lambda _: self.outcomes.update([f"{operation}:retried"]))
            outcome = "ok"
        except OrderHubError as refusal:  # a business answer (no stock, already shipped): still a latency
            outcome = type(refusal).__name__
        self.latencies[operation].append((time.perf_counter() - start) * 1000)
        self.outcomes[f"{operation}:{outcome}"] += 1

    def save(self, path: Path) -> None:
        used = resource.getrusage(resource.RUSAGE_SELF)
        data = {
            "latencies": self.latencies,
            "outcomes": self.outcomes,
            "generated": self.generated,
            "cpu_seconds": used.ru_utime + used.ru_stime,  # where a saturated machine's CPU went
        }
        path.write_text(json.dumps(data))


@dataclass(frozen=True)
class Plan:
    url: str
    until: float  # time.time() at which every role stops
    rate: float  # orders per second for this producer
    seed: str
    sms_env: dict[str, str]


def producer(engine: Engine, plan: Plan, rec: Recorder) -> None:
    """Demo-feed orders at a steady rate, taken in as the worker takes a channel's: each pull
    brings every order placed since the last one, BATCH of them when on time, more when the
    last pull ran late (up to MAX_PULL), so a slow moment is caught up, not carried forever."""
    rng = random.Random(plan.seed)
    interval, placed_until = BATCH / plan.rate, time.monotonic()
    while time.time() < plan.until:
        time.sleep(max(0.0, placed_until + interval - time.monotonic()))
        count = min(round((time.monotonic() - placed_until) * plan.rate), MAX_PULL)
        placed_until += count / plan.rate
        now = clock.now()
        batch = [demo.demo_order(rng, now - timedelta(seconds=rng.randrange(30))) for _ in range(count)]
        rec.generated.extend([o.channel, o.channel_order_no] for o in batch)
        start = time.perf_counter()
        ingest.ingest(engine, batch, actor="loadtest", batch_size=MAX_PULL, now=now)
        rec.latencies["intake_batch"].append((time.perf_counter() - start) * 1000)
        rec.outcomes["intake_batch:ok"] += 1


_PICK = (
    select(orders.c.id)
    .where(orders.c.status == bindparam("status"))
    .order_by(orders.c.created_at.desc())
    .limit(1)
    .offset(bindparam("skip"))
)
_PICK_SKIPPING_LOCKED = _PICK.with_for_update(skip_locked=True)  # built once: the load's own CPU is the machine's


def _pick(conn: Connection, status: str, rng: random.Random) -> int | None:
    """An order in the status from near the head of the queue, one no other clerk holds (PG)."""
    query = _PICK_SKIPPING_LOCKED if conn.dialect.name == "postgresql" else _PICK
    return conn.execute(query, {"status": status, "skip": rng.randrange(20)}).scalar()


def _order_step(status: str, step: Callable[[Connection, int], object], rng: random.Random):
    def work(conn: Connection) -> None:
        order_id = _pick(conn, status, rng)
        if order_id is not None:
            step(conn, order_id)

    return work


Step = tuple[str, int, Callable[[Connection], object]]  # operation, weight, one transaction's work


def _act(engine: Engine, plan: Plan, rec: Recorder, steps: list[Step], pause: tuple[float, float]) -> None:
    """Weighted random steps until the deadline, with a human pause between them."""
    rng = random.Random(plan.seed + ":pace")
    while time.time() < plan.until:
        name, _, work = rng.choices(steps, [step[1] for step in steps])[0]
        rec.timed(name, engine, work)
        time.sleep(rng.uniform(*pause))


def clerk_steps(engine: Engine, rng: random.Random, actor: str) -> list[Step]:
    """Ships most paid orders, cancels a few, holds some and resumes held ones."""
    return [
        ("ship", 60, _order_step(PAID, lambda conn, oid: workflow.advance(conn, oid, SHIPPED, actor), rng)),
        ("cancel", 10, _order_step(PAID, lambda conn, oid: workflow.advance(conn, oid, CANCELLED, actor), rng)),
        ("hold", 12, _order_step(PAID, lambda conn, oid: workflow.hold(conn, oid, actor, "address check"), rng)),
        ("resume", 18, _order_step(ON_HOLD, lambda conn, oid: workflow.resume(conn, oid, actor), rng)),
    ]


def service_steps(engine: Engine, rng: random.Random, actor: str) -> list[Step]:
    """Opens tickets on shipped orders and moves open tickets along the flow."""
    agent = Actor(actor, "service")

    def open_one(conn: Connection) -> None:
        order_id = _pick(conn, SHIPPED, rng)
        if order_id is not None:
            kind = rng.choice(["refund", "return", "exchange", "resend"])
            returns.open_ticket(conn, order_id, kind, rng.choice(["changed_mind", "wrong_size"]), agent)

    def advance_one(conn: Connection) -> None:
        query = select(tickets.c.number, tickets.c.type, tickets.c.status).where(tickets.c.status != CLOSED)
        ticket = conn.execute(query.order_by(tickets.c.id.desc()).limit(1).offset(rng.randrange(10))).first()
        if ticket and (options := next_statuses(ticket.type, ticket.status)):
            returns.advance(conn, ticket.number, rng.choice(options), agent, resalable=rng.random() < 0.8)

    return [("ticket_open", 35, open_one), ("ticket_advance", 65, advance_one)]


def stock_steps(engine: Engine, rng: random.Random, actor: str) -> list[Step]:
    """Receipts (then the orders held for that SKU retried) and counted adjustments."""
    with engine.connect() as conn:
        ids = conn.execute(select(skus.c.id)).scalars().all()

    def receive(conn: Connection) -> None:
        sku = rng.choice(ids)
        with stock_resume.resuming_held(conn, [sku]):
            stock.receive(conn, sku, rng.randrange(40, 160), actor, "PO receipt")

    def adjust(conn: Connection) -> None:
        stock.adjust(conn, rng.choice(ids), rng.choice([-3, -2, -1, 1, 2]), "盘点", actor)

    return [("stock_receive", 40, receive), ("stock_adjust", 60, adjust)]


def _desk(*makers: Callable[[Engine, random.Random, str], list[Step]], pause: tuple[float, float]):
    def role(engine: Engine, plan: Plan, rec: Recorder) -> None:
        rng, actor = random.Random(plan.seed), f"staff-{plan.seed[-2:]}"
        _act(engine, plan, rec, [step for make in makers for step in make(engine, rng, actor)], pause)

    return role


def courier(engine: Engine, plan: Plan, rec: Recorder) -> None:
    """The worker's delivery job in a loop: claim due SMS, send to the gateway, settle."""
    transport = SmsTransport(SmsSettings.from_env(plan.sms_env))
    try:
        while time.time() < plan.until:
            deliver_pass(engine, {"sms": transport}, rec)
    finally:
        transport.close()


def deliver_pass(engine: Engine, transports: dict, rec: Recorder, now: datetime | None = None) -> int:
    start = time.perf_counter()
    try:
        report = outbox.deliver(engine, transports, limit=200, now=now)
    except Exception as exc:  # noqa: BLE001 - like the worker's guard: log, go on (the lease covers it)
        rec.outcomes[f"outbox_pass:{type(exc).__name__}"] += 1
        time.sleep(0.2)
        return 0
    if report.sent:
        rec.latencies["outbox_pass"].append((time.perf_counter() - start) * 1000)
        rec.outcomes["outbox_sent"] += report.sent
    rec.outcomes["outbox_failed"] += report.failed
    if not report.sent:
        time.sleep(0.1)
    return report.sent


def analytics(engine: Engine, plan: Plan, rec: Recorder) -> None:
    """The reports' DuckDB snapshot (core.analytics.analytics), refreshed incrementally as the app does,
    and one report query on it. A refresh that fails (the database restarting) is counted and
    tried again at the next round, as the app's next page view would."""
    snapshot = Snapshot(engine)
    while time.time() < plan.until:
        start = time.perf_counter()
        try:
            snapshot.refresh()
            snapshot.query("SELECT status, count(*) FROM orders GROUP BY status")
        except Exception as exc:  # noqa: BLE001 - ADBC and DuckDB errors alike: a failed round
            rec.outcomes[f"analytics_refresh:{type(exc).__name__}"] += 1
        else:
            rec.latencies["analytics_refresh"].append((time.perf_counter() - start) * 1000)
            rec.outcomes["analytics_refresh:ok"] += 1
        time.sleep(2)
    snapshot.close()


ROLES: dict[str, Callable[[Engine, Plan, Recorder], None]] = {
    "producer": producer,
    "clerk": _desk(clerk_steps, pause=(0.005, 0.02)),  # a person with a scanner, not a tight loop
    "service": _desk(service_steps, pause=(0.01, 0.03)),
    "stock": _desk(stock_steps, pause=(0.02, 0.06)),
    "desk": _desk(service_steps, stock_steps, pause=(0.01, 0.03)),  # one person doing both (small team)
    "courier": courier,
    "analytics": analytics,
}


def run_role(role: str, plan: Plan, out: Path) -> None:
    """A process's whole life: its own engine, its role until the deadline, results to out.
    The worker's jobs (pulls, message delivery) run at the worker unit's CPU priority."""
    if role in WORKER_ROLES:
        os.nice(units.nice("orderhub-worker.service"))
    engine = make_engine(plan.url)
    rec = Recorder()
    try:
        ROLES[role](engine, plan, rec)
    finally:
        rec.save(out)
        engine.dispose()
