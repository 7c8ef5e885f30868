"""A connection-taking service as a unit of work on a store: its own transaction, committed when it returns.

Pages hold an engine, never a transaction: the modules that own the tables offer their write services
to them in this form (e.g. `review.approve_order = unit_of_work(review.approve)`), so that opening,
committing and rolling back stay in core.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.engine import Connection, Engine

from core.store.db import transaction

P = ParamSpec("P")
T = TypeVar("T")


def unit_of_work(service: Callable[Concatenate[Connection, P], T]) -> Callable[Concatenate[Engine, P], T]:
    """`service(conn, …)` as `unit(store, …)`: all of it in one transaction, or nothing when it raises."""

    @functools.wraps(service)
    def unit(store: Engine, *args: P.args, **kwargs: P.kwargs) -> T:
        with transaction(store) as conn:
            return service(conn, *args, **kwargs)

    return unit
