"""`make loadtest`: a sustained mixed load on PostgreSQL (16 processes) and on the embedded SQLite
default (4 processes), then the invariants; per-operation p50/p95 to bench/results/loadtest*.json.

python -m bench.loadtest [--engine postgresql|sqlite] [--url URL] [--seconds 300] [--rate 1000]
Without --url, PostgreSQL runs on a private cluster under data/team/loadtest (ops.pgcluster).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bench import common
from bench.load_roles import Plan, Recorder, deliver_pass, run_role
from core import clock
from core.intake.ingest import ensure_shops
from core.messages import outbox
from core.orders import store_checks
from core.orders.tables import orders
from core.phones import mainland_mobile
from core.stock import reservations as stock
from core.store.db import ROOT, make_engine, migrate, transaction
from demo.catalog import SHOPS, SKUS
from notify.aliyun_sms import SmsSettings, SmsTransport
from tests.aftersales.providers import TEMPLATE_CODES, AliyunGateway

# The mix of processes: 16 on PostgreSQL, 4 on SQLite (one writer at a time there anyway).
MIX = {
    "postgresql": {"producer": 4, "clerk": 4, "service": 2, "stock": 2, "courier": 3, "analytics": 1},
    "sqlite": {"producer": 1, "clerk": 1, "desk": 1, "courier": 1},  # desk: service agent and stock
}
OPENING_STOCK = 2000
CLERK_ACTIONS = ("ship", "cancel", "hold", "resume")
SMS_BATCH = 100  # couriers send SendBatchSms, as a seller at this volume would


def prepare(url: str) -> None:
    """An empty store with the demo catalogue's shops and SKUs, each with opening stock."""
    engine = make_engine(url)
    migrate(engine)
    now = clock.now()
    with transaction(engine) as conn:
        ensure_shops(conn, {(name, channel) for name, channel, *_ in SHOPS})
        for sku in stock.ensure_skus(conn, [code for code, *_ in SKUS], now).values():
            stock.receive(conn, sku, OPENING_STOCK, "入库-load", "opening stock", now)
    engine.dispose()


def run(
    url: str,
    seconds: float,
    rate: float,
    mix: dict[str, int],
    restart: tuple[float, Callable[[], None]] | None = None,
    sms_batch: int = SMS_BATCH,
) -> dict:
    """Prepare, run the mix for `seconds` (restarting the database once if asked), drain, check.

    sms_batch=1 sends each SMS alone, under its own OutId: only then does a send repeated after a
    lost settle (a database restart) reach the gateway as a duplicate it drops. A batch repeated
    is grouped anew, under another OutId, and its buyers get the SMS twice (docs/deploy.md §5)."""
    prepare(url)
    gateway = AliyunGateway()
    sms_env = gateway.env() | {"ORDERHUB_SMS_BATCH_SIZE": str(sms_batch)}
    workdir = Path(tempfile.mkdtemp(prefix="orderhub-load-"))
    try:
        loads = [os.getloadavg()]
        processes = _start(url, seconds, rate, mix, sms_env, workdir)
        restarted = _wait(processes, restart, loads, give_up_at=time.time() + seconds + 300)
        records = {p.name: json.loads((workdir / f"{p.name}.json").read_text()) for p in processes}
        drain = _drain(url, sms_env)
        return {
            "engine": make_url(url).get_backend_name(),
            "processes": mix,
            "seconds": seconds,
            "restarted_database_at_s": restarted,
            "load_average_1m": {"start": loads[0][0], "end": loads[-1][0], "max": max(load[0] for load in loads)},
            **_figures(records, seconds, rate),
            "outbox": drain,
            "checks": _checks(url, records, gateway, drain),
        }
    finally:
        gateway.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _start(url: str, seconds: float, rate: float, mix: dict[str, int], sms_env: dict, workdir: Path) -> list:
    """One forked process per role instance, each with its own engine and its share of the intake."""
    until = time.time() + seconds + 2  # the processes need a moment to start
    context = multiprocessing.get_context("fork")
    processes = []
    for role, count in mix.items():
        for n in range(count):
            plan = Plan(url, until, rate / max(mix.get("producer", 0), 1), f"load:{role}:{n:02d}", sms_env)
            out = workdir / f"{role}-{n}.json"
            processes.append(context.Process(target=run_role, args=(role, plan, out), name=f"{role}-{n}"))
    for process in processes:
        process.start()
    return processes


def _wait(processes: list, restart, loads: list, give_up_at: float) -> float | None:
    """Sample the load average while the processes run; restart the database once if asked."""
    started, restarted = time.time(), None
    while any(p.is_alive() for p in processes) and time.time() < give_up_at:
        if restart and restarted is None and time.time() - started >= restart[0]:
            restart[1]()
            restarted = round(time.time() - started, 1)
        loads.append(os.getloadavg())
        time.sleep(1)
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():  # stuck far past its deadline: a finding, not something to wait for
            process.kill()
            process.join()
    failed = [p.name for p in processes if p.exitcode != 0]
    if failed:
        raise RuntimeError(f"load processes failed: {', '.join(failed)}")
    return restarted


def _drain(url: str, sms_env: dict) -> dict:
    """After the load: the worker keeps delivering until the outbox is empty. Claims use a clock
    one lease ahead, so a message whose sender lost its database connection mid-send (its lease
    still running) is sent again now, with the same idempotency key, instead of in two minutes."""
    engine = make_engine(url)
    transport = SmsTransport(SmsSettings.from_env(sms_env))
    start, rec = time.perf_counter(), Recorder()
    with engine.connect() as conn:
        backlog = sum(n for status, n in outbox.status_counts(conn).items() if status != outbox.SENT)
    while deliver_pass(engine, {"sms": transport}, rec, now=clock.now() + outbox.LEASE):
        pass
    transport.close()
    with engine.connect() as conn:
        counts = outbox.status_counts(conn)
    engine.dispose()
    return {"backlog_at_stop": backlog, "drain_seconds": round(time.perf_counter() - start, 1), "status": counts}


def _figures(records: dict[str, dict], seconds: float, rate: float) -> dict:
    latencies: dict[str, list[float]] = {}
    outcomes: Counter = Counter()
    for record in records.values():
        for operation, values in record["latencies"].items():
            latencies.setdefault(operation, []).extend(values)
        outcomes.update(record["outcomes"])
    generated = sum(len(r["generated"]) for r in records.values())
    cpu: Counter = Counter()
    for role, record in records.items():
        cpu[role.rsplit("-", 1)[0]] += record["cpu_seconds"]
    return {
        "intake": {"target_orders_per_s": rate, "achieved_orders_per_s": round(generated / seconds, 1)},
        "client_cpu_seconds_by_role": {role: round(spent, 1) for role, spent in sorted(cpu.items())},
        "latency_ms": {op: _percentiles(values) for op, values in sorted(latencies.items())},
        "outcomes": dict(sorted(outcomes.items())),
    }


def _percentiles(values: list[float]) -> dict:
    cuts = statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else values * 99
    return {"count": len(values), "p50": round(cuts[49], 2), "p95": round(cuts[94], 2), "max": round(max(values), 2)}


def _checks(url: str, records: dict[str, dict], gateway: AliyunGateway, drain: dict) -> dict:
    """The end state the run must leave, each as a boolean plus the numbers behind it."""
    generated = {tuple(key) for record in records.values() for key in record["generated"]}
    engine = make_engine(url)
    with engine.connect() as conn:
        violations = store_checks.invariant_violations(conn)
        # (channel, channel_order_no) is unique in the store, so equal counts mean nothing lost or doubled.
        stored = conn.execute(select(func.count()).select_from(orders)).scalar_one()
        queued = conn.execute(
            select(outbox.outbox.c.recipient, outbox.outbox.c.template, outbox.outbox.c.payload)
        ).all()
    engine.dispose()
    # What buyers received, by number, template and order, against what was queued: each exactly once.
    expected = Counter(
        (mainland_mobile(to), TEMPLATE_CODES[tpl], json.loads(p).get("order_no")) for to, tpl, p in queued
    )
    received = Counter((number, code, values.get("order_no")) for number, code, values in gateway.texts)
    return {
        "stock_invariants_hold": not violations,
        "stock_violations": violations[:20],
        "orders_generated_distinct": len(generated),
        "orders_in_store": stored,
        "no_order_lost_or_doubled": stored == len(generated),
        "outbox_messages": len(queued),
        "gateway_requests": gateway.requests,
        "sms_received": received.total(),
        "gateway_duplicates_acknowledged": len(gateway.duplicates),
        "every_message_delivered_once": received == expected
        and max(received.values(), default=1) == 1
        and drain["status"] == {"sent": len(queued)},
    }


def passed(result: dict) -> bool:
    checks = result["checks"]
    return all(checks[k] for k in ("stock_invariants_hold", "no_order_lost_or_doubled", "every_message_delivered_once"))


def clerk_p95(result: dict) -> dict[str, float]:
    return {op: result["latency_ms"][op]["p95"] for op in CLERK_ACTIONS if op in result["latency_ms"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.loadtest", description=__doc__)
    parser.add_argument("--engine", choices=["postgresql", "sqlite", "both"], default="both")
    parser.add_argument("--url", help="PostgreSQL URL of an empty database (default: a private cluster)")
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--rate", type=float, default=1000, help="intake, orders per second")
    args = parser.parse_args(argv)
    ok = True
    for engine in ["postgresql", "sqlite"] if args.engine == "both" else [args.engine]:
        result = _run_on(engine, args)
        result |= {"clerk_p95_ms": clerk_p95(result), "clerk_p95_target_ms": 50, "passed": passed(result)}
        common.write(f"loadtest_{engine}", result)
        ok &= result["passed"]
    return 0 if ok else 1


def _run_on(engine: str, args: argparse.Namespace) -> dict:
    if engine == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            return run(f"sqlite:///{tmp}/orderhub.db", args.seconds, args.rate, MIX["sqlite"])
    if args.url:
        return run(args.url, args.seconds, args.rate, MIX["postgresql"])
    from ops.pgcluster import Cluster

    with Cluster(ROOT / "data" / "team" / "loadtest", port=55433).running() as cluster:
        return run(cluster.fresh_database("loadtest"), args.seconds, args.rate, MIX["postgresql"])


if __name__ == "__main__":
    sys.exit(main())
