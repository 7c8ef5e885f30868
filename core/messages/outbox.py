"""The outbox: messages written in the same transaction as the change that causes them.

A worker delivers them later (at-least-once, by idempotency key); writing the same key twice
is a no-op, so a retried transaction never queues a message twice. Delivery states:
pending -> sending (leased; the lease expiry lives in next_attempt_at) -> sent, or back to
pending with exponential backoff, or dead after MAX_ATTEMPTS (an admin may retry). Transports,
which do the I/O, are passed in: core never imports an HTTP or SMTP client.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Protocol

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.engine import Connection, Engine

from core import clock
from core.errors import OrderHubError
from core.identity import access
from core.identity.access import Actor
from core.messages.tables import outbox
from core.store.db import bulk_insert, commit_without_waiting_for_disk, is_postgres, transaction, wait_for_disk
from core.store.unit_of_work import unit_of_work

# One encoder for every message: json.dumps with options builds a new encoder per call, which
# costs about a quarter of the encoding of every payment SMS queued at intake.
_PAYLOAD_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)


def message(key: str, kind: str, recipient: str, template: str, payload: dict[str, Any], now: datetime) -> dict:
    """An outbox row, ready for insert (single or executemany)."""
    return {
        "idempotency_key": key,
        "kind": kind,
        "recipient": recipient,
        "template": template,
        "payload": _PAYLOAD_ENCODER.encode(payload),
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def enqueue(conn: Connection, rows: list[dict]) -> int:
    """Queue the messages whose keys are not queued yet; returns how many were new."""
    return bulk_insert(conn, outbox, rows, skip_existing=("idempotency_key",))


# --- delivery: claim with a lease, send with the key, settle under a fence ---

PENDING, SENDING, SENT, DEAD = "pending", "sending", "sent", "dead"
MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=2)
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=6)


class DeliveryFailure(OrderHubError):
    """The provider did not take the message this time; it is retried with backoff."""


class PermanentFailure(DeliveryFailure):
    """The message can never be delivered as it is (bad number, unknown template); no retry."""


@dataclass(frozen=True)
class Envelope:
    """One claimed message as a transport sees it; attempt is the fencing token of the claim."""

    id: int
    key: str
    kind: str
    recipient: str
    template: str
    payload: dict[str, Any]
    attempt: int


Transport = Callable[[Envelope], None]  # raises DeliveryFailure; anything else is a bug


class BatchTransport(Protocol):
    """A transport that also sends many envelopes in one call (batch_size > 1: Aliyun's
    SendBatchSms); send_batch returns each envelope's outcome, None for sent."""

    batch_size: int

    def __call__(self, envelope: Envelope) -> None: ...

    def send_batch(self, envelopes: list[Envelope]) -> list[DeliveryFailure | None]: ...


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"sent": self.sent, "failed": self.failed, "dead": self.dead}


def backoff(attempt: int, base: timedelta = BASE_DELAY, cap: timedelta = MAX_DELAY) -> timedelta:
    """Exponential: base, 2 x base, 4 x base ... never more than cap."""
    return min(cap, base * 2 ** max(attempt - 1, 0))


def deliver(
    engine: Engine,
    transports: Mapping[str, Transport | BatchTransport],
    *,
    limit: int = 100,
    now: datetime | None = None,
    lease: timedelta = LEASE,
    max_attempts: int = MAX_ATTEMPTS,
    base_delay: timedelta = BASE_DELAY,
) -> DeliveryReport:
    """One pass: claim due messages of the kinds we have transports for, send them, settle them.

    Each send is settled in its own transaction right after it, so a worker killed mid-pass
    leaves at most the send in flight unsettled; its lease then expires and it is sent again
    with the same idempotency key. A send is one message, or one batch where the transport
    sends batches (its batch_size). The settles do not wait for the disk one by one (on
    PostgreSQL that wait was most of a message's time); the pass waits once at its end, so
    only a database crash during the pass can make its messages be sent again, with their keys.
    """
    report = DeliveryReport()
    envelopes, report.dead = claim(engine, sorted(transports), limit, now or clock.now(), lease, max_attempts)
    for kind in sorted({envelope.kind for envelope in envelopes}):
        transport = transports[kind]
        size = getattr(transport, "batch_size", 1)
        mine = [envelope for envelope in envelopes if envelope.kind == kind]
        for start in range(0, len(mine), size):
            sent = mine[start : start + size]
            errors = transport.send_batch(sent) if size > 1 else [outcome_of(partial(transport, sent[0]))]
            outcomes = settle_all(engine, list(zip(sent, errors)), now or clock.now(), max_attempts, base_delay)
            for outcome in outcomes:
                setattr(report, outcome, getattr(report, outcome) + 1)
    if envelopes:
        wait_for_disk(engine)
    return report


def outcome_of(send: Callable[[], None]) -> DeliveryFailure | None:
    """None when the send went through, else why it did not."""
    try:
        send()
    except DeliveryFailure as failure:
        return failure
    return None


def claim(
    engine: Engine, kinds: list[str], limit: int, now: datetime, lease: timedelta, max_attempts: int
) -> tuple[list[Envelope], int]:
    """Lease up to limit due messages; a lost lease (crashed worker) is due again when it expires.

    Returns the envelopes and how many messages were dead-lettered instead because workers
    kept dying on them (a message that crashes its sender must not stop the queue forever).
    """
    due = (outbox.c.status.in_([PENDING, SENDING])) & (outbox.c.next_attempt_at <= now) & outbox.c.kind.in_(kinds)
    query = select(outbox).where(due).order_by(outbox.c.next_attempt_at, outbox.c.id).limit(limit)
    with transaction(engine) as conn:
        if is_postgres(conn):
            query = query.with_for_update(skip_locked=True)
        rows = conn.execute(query).all()
        abandoned = {row.id for row in rows if row.status == SENDING and row.attempts >= max_attempts}
        if abandoned:
            note = f"Abandoned by workers {max_attempts} times."
            conn.execute(update(outbox).where(outbox.c.id.in_(abandoned)).values(status=DEAD, last_error=note))
        live = [row for row in rows if row.id not in abandoned]
        if live:
            conn.execute(
                update(outbox)
                .where(outbox.c.id.in_([row.id for row in live]))
                .values(status=SENDING, attempts=outbox.c.attempts + 1, next_attempt_at=now + lease)
            )
    envelopes = [
        Envelope(r.id, r.idempotency_key, r.kind, r.recipient, r.template, json.loads(r.payload), r.attempts + 1)
        for r in live
    ]
    return envelopes, len(abandoned)


def settle_all(
    engine: Engine,
    results: list[tuple[Envelope, DeliveryFailure | None]],
    now: datetime,
    max_attempts: int = MAX_ATTEMPTS,
    base_delay: timedelta = BASE_DELAY,
) -> list[str]:
    """Record the outcomes of sends in one transaction that does not wait for the disk (the
    caller calls core.store.db.wait_for_disk before it reports them); returns each one's outcome:
    "sent", "failed" (retry later) or "dead".

    Each update is fenced by the attempt number, so a worker whose lease was taken over cannot
    overwrite the newer claim's outcome. The sent ones, nearly all, take one UPDATE together.
    """
    statuses = [_status(envelope, error, max_attempts) for envelope, error in results]
    sent = [envelope for (envelope, _), status in zip(results, statuses) if status == SENT]
    with transaction(engine) as conn:
        commit_without_waiting_for_disk(conn)
        if sent:
            ids = outbox.c.id.in_([e.id for e in sent])  # the primary key finds them; the pairs fence them
            fence = tuple_(outbox.c.id, outbox.c.attempts).in_([(e.id, e.attempt) for e in sent])
            values = {"status": SENT, "sent_at": now, "last_error": None}
            conn.execute(update(outbox).where(ids, fence, outbox.c.status == SENDING).values(**values))
        for (envelope, error), status in zip(results, statuses):
            if status == SENT:
                continue
            values = {"status": status, "last_error": str(error)[:2000]}
            if status == PENDING:
                values["next_attempt_at"] = now + backoff(envelope.attempt, base_delay)
            fence = (
                (outbox.c.id == envelope.id) & (outbox.c.status == SENDING) & (outbox.c.attempts == envelope.attempt)
            )
            conn.execute(update(outbox).where(fence).values(**values))
    return [{SENT: "sent", PENDING: "failed", DEAD: "dead"}[status] for status in statuses]


def _status(envelope: Envelope, error: DeliveryFailure | None, max_attempts: int) -> str:
    if error is None:
        return SENT
    if isinstance(error, PermanentFailure) or envelope.attempt >= max_attempts:
        return DEAD
    return PENDING


def dead_letters(conn: Connection, limit: int = 500) -> list[dict[str, Any]]:
    """Messages that gave up, newest first, for the admin page."""
    query = select(outbox).where(outbox.c.status == DEAD).order_by(outbox.c.id.desc()).limit(limit)
    return [dict(row._mapping) for row in conn.execute(query)]


def retry(conn: Connection, ids: list[int], actor: Actor, now: datetime | None = None) -> int:
    """Give dead messages a fresh set of attempts; returns how many were revived."""
    access.authorize(actor, "retry_notifications")
    revived = conn.execute(
        update(outbox)
        .where(outbox.c.id.in_(ids), outbox.c.status == DEAD)
        .values(status=PENDING, attempts=0, next_attempt_at=now or clock.now())
    )
    return revived.rowcount


def status_counts(conn: Connection) -> dict[str, int]:
    return dict(conn.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status)).all())


retry_dead = unit_of_work(retry)  # the outbox page's retry button
