"""Who the command line acts as: `--as USERNAME` (that user's role, checked by every service),
otherwise the local administrator — whoever can run cli.py on the server already holds the store."""

from __future__ import annotations

import argparse

from core.errors import InvalidInput
from core.identity import access, users
from core.identity.access import Actor
from core.store.db import open_store

# The name audit rows record for the local administrator when no --actor names them.
LOCAL_ADMIN = "cli"


def add_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as",
        dest="as_user",
        metavar="USERNAME",
        help="act as this user, with their role's permissions (default: the local administrator)",
    )


def add_actor(parser: argparse.ArgumentParser) -> None:
    """--actor: a command's name for the local administrator in audit rows (not with --as)."""
    parser.add_argument("--actor", help="the name audit rows record for the local administrator")


def needs(parser: argparse.ArgumentParser, action: str) -> None:
    """A command that reads (or keeps the store) without a write service to check who acts: with
    --as, the user's role must be allowed this core.access action, as the page that shows it."""
    parser.set_defaults(needs=action)


def actor_of(args: argparse.Namespace) -> Actor:
    """The acting user: the --as user (known, active and allowed the command), else the
    administrator named by --actor."""
    named = getattr(args, "actor", None)
    if args.as_user is None:
        return Actor(named or LOCAL_ADMIN, "admin")
    if named is not None:
        raise InvalidInput(key="error.actor_with_as")
    actor = users.as_actor(open_store(), args.as_user)
    if action := getattr(args, "needs", None):
        access.authorize(actor, action)
    return actor


def shown(args: argparse.Namespace, rows: list[dict]) -> list[dict]:
    """Rows as the acting user may see them (the local administrator sees everything)."""
    return access.mask_rows(args.acting.role, rows)
