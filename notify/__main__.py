"""The delivery worker: `python -m notify [--once]` runs outbox passes until stopped."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from datetime import timedelta

from core.copies import sandbox
from core.messages import outbox
from core.store.db import make_engine
from notify.delivery import deliver_pending, transports_from_env

log = logging.getLogger("orderhub.notify")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--once", action="store_true", help="one pass, then print sent/failed/dead counts")
    parser.add_argument("--limit", type=int, default=100, help="messages claimed per pass")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds to wait when nothing was due")
    parser.add_argument("--lease-seconds", type=float, default=outbox.LEASE.total_seconds())
    parser.add_argument("--base-delay-seconds", type=float, default=outbox.BASE_DELAY.total_seconds())
    parser.add_argument("--max-attempts", type=int, default=outbox.MAX_ATTEMPTS)
    parser.add_argument("--json", action="store_true", help="print the --once counts as JSON")


def run(args: argparse.Namespace) -> int:
    engine = make_engine()
    options = {
        "limit": args.limit,
        "lease": timedelta(seconds=args.lease_seconds),
        "base_delay": timedelta(seconds=args.base_delay_seconds),
        "max_attempts": args.max_attempts,
    }
    transports = transports_from_env()
    try:
        if args.once:
            counts = deliver_pending(engine, transports, **options).as_dict()
            print(json.dumps(counts) if args.json else " ".join(f"{k}={v}" for k, v in counts.items()))
            return 0
        while True:
            report = _guarded_pass(engine, transports, options)
            if not (report and (report.sent or report.failed or report.dead)):
                time.sleep(args.interval)
    finally:
        for transport in transports.values():
            transport.close()  # type: ignore[attr-defined]


def _guarded_pass(engine, transports: dict, options: dict) -> outbox.DeliveryReport | None:
    """One pass; a failure (the database restarting, a bug) is logged and the loop goes on, as the
    worker's jobs do: messages claimed and not settled are claimed again once their lease ends."""
    try:
        return deliver_pending(engine, transports, **options)
    except sandbox.SandboxError:  # a sandbox copy never delivers: no pass will do better
        raise
    except Exception:  # noqa: BLE001 - the delivery loop is a boundary, like the worker's
        log.exception("outbox pass failed")
        return None


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="python -m notify", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
