"""The PostgreSQL pool hands out live connections without pinging the server for each one."""

from __future__ import annotations

import time

from sqlalchemy import func, select, text

from core.store.db import make_engine


def _backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.pg_backend_pid())).scalar_one()


def test_a_connection_the_server_dropped_while_pooled_is_replaced_before_use(pg_url):
    engine, admin = make_engine(pg_url), make_engine(pg_url)
    try:
        first = _backend_pid(engine)
        assert _backend_pid(engine) == first  # a live pooled connection is used again
        with admin.connect() as conn:
            assert conn.execute(select(func.pg_terminate_backend(first))).scalar_one()
        time.sleep(0.5)  # the server's goodbye reaches the pooled socket
        replaced = _backend_pid(engine)  # no error reaches the caller
        assert replaced != first
    finally:
        engine.dispose()
        admin.dispose()


def test_taking_a_pooled_connection_sends_nothing_to_the_server(pg_url):
    """pool_pre_ping sent an empty query per checkout; under load each round trip waits for a CPU."""
    engine, admin = make_engine(pg_url), make_engine(pg_url)
    try:
        pid = _backend_pid(engine)  # its last statement: the ROLLBACK of the pool's reset
        for _ in range(5):
            with engine.connect():
                pass
        with admin.connect() as conn:
            last = conn.execute(text("SELECT query FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}).scalar_one()
        assert last == "ROLLBACK"
    finally:
        engine.dispose()
        admin.dispose()
