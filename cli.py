"""OrderHub's command line: the app's operations for scripts and analysts.

Every command prints a one-line message on stderr and exits non-zero on error, never a
traceback; `--json` output is machine-readable.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from commands import acting, export, imports, orders, rules, setup, stock, sync, tickets, transfer, waybills

AREAS = [setup, stock, orders, imports, transfer, tickets, sync, rules, export, waybills]
log = logging.getLogger("orderhub.cli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cli.py", description="OrderHub command line")
    acting.add_option(parser)
    subparsers = parser.add_subparsers(dest="command", required=True)
    for area in AREAS:
        area.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    from sqlalchemy.exc import StatementError

    from core.errors import OrderHubError, StoreRefused

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # After a failed statement the driver warns that it closed its batch; the error itself is reported below.
    logging.getLogger("psycopg").setLevel(logging.ERROR)
    args = build_parser().parse_args(argv)
    try:
        args.acting = acting.actor_of(args)
        return args.handler(args) or 0
    except OrderHubError as exc:
        print(f"error: {exc}", file=sys.stderr)
    except StatementError as exc:  # its text is the SQL and its parameters: personal data
        log.debug("database error", exc_info=True)
        print(f"error: {StoreRefused.of(exc)}", file=sys.stderr)
    except OSError as exc:
        print(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
    except Exception as exc:  # noqa: BLE001 - the outermost boundary: one line, details in the log
        if os.environ.get("ORDERHUB_DEBUG"):
            raise
        log.debug("unexpected error", exc_info=True)
        print(f"error: unexpected {type(exc).__name__}: {exc}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
