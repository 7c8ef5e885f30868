"""Login rules on both engines: the per-username lockout and revoking earlier logins."""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from datetime import datetime, timedelta

import pytest

from core import clock
from core.identity import logins, users
from core.identity.access import Actor
from core.identity.logins import FAILED, LOCKED, SIGNED_IN
from core.store.db import make_engine, transaction

T0 = datetime(2026, 11, 26, 9, 0)
PASSWORD = "right-password-1"


@pytest.fixture
def engine(any_engine):
    with transaction(any_engine) as conn:
        users.create(conn, "clerk", "clerk", PASSWORD, rounds=4)
    return any_engine


def fail(engine, times: int, username: str = "clerk", at: datetime = T0) -> list[str]:
    return [logins.sign_in(engine, username, "wrong-guess", at + timedelta(seconds=i)) for i in range(times)]


def test_the_fifth_failure_locks_the_username_even_for_the_right_password(engine):
    assert fail(engine, 5) == [FAILED] * 4 + [LOCKED]
    assert logins.sign_in(engine, "clerk", PASSWORD, T0 + timedelta(minutes=14)) == LOCKED
    assert logins.sign_in(engine, " Clerk ", PASSWORD, T0 + timedelta(minutes=16)) == SIGNED_IN


def test_a_success_clears_the_count(engine):
    fail(engine, 4)
    assert logins.sign_in(engine, "clerk", PASSWORD, T0 + timedelta(minutes=1)) == SIGNED_IN
    assert fail(engine, 4, at=T0 + timedelta(minutes=2)) == [FAILED] * 4


def test_failures_further_apart_than_the_window_do_not_add_up(engine):
    fail(engine, 4)
    assert fail(engine, 4, at=T0 + timedelta(minutes=15)) == [FAILED] * 4
    assert fail(engine, 1, at=T0 + timedelta(minutes=16)) == [LOCKED]


def test_an_unknown_username_locks_the_same_way_so_the_lock_reveals_nothing(engine):
    assert fail(engine, 5, username="nobody") == [FAILED] * 4 + [LOCKED]
    assert logins.sign_in(engine, "clerk", PASSWORD, T0) == SIGNED_IN  # another username is not affected


def test_a_deactivated_user_cannot_sign_in(engine):
    users.set_active(engine, Actor("admin", "admin"), "clerk", False)
    assert logins.sign_in(engine, "clerk", PASSWORD) == FAILED


def session_user(engine, signed_in_at):
    with engine.connect() as conn:
        return logins.session_user(conn, "clerk", signed_in_at)


@pytest.mark.parametrize("revoke", ["reset", "deactivate"])
def test_logins_begun_before_a_reset_or_deactivation_no_longer_count(engine, revoke):
    before = clock.instant()
    assert session_user(engine, before)["role"] == "clerk"
    if revoke == "reset":
        users.reset_password(engine, Actor("admin", "admin"), "clerk", "a-new-password")
    else:
        users.set_active(engine, Actor("admin", "admin"), "clerk", False)
        users.set_active(engine, Actor("admin", "admin"), "clerk", True)
    after = clock.instant()
    assert session_user(engine, before) is None and session_user(engine, None) is None
    assert session_user(engine, after)["username"] == "clerk"


def test_a_cookie_was_issued_its_lifetime_before_it_expires():
    expires = datetime(2026, 12, 3, 9, 0, 0, 250000, tzinfo=clock.BUSINESS_TZ)
    assert logins.cookie_issued_at(expires.timestamp(), 7) == datetime(2026, 11, 26, 9, 0, 0, 250000)


def test_an_unknown_username_takes_as_long_to_refuse_as_a_wrong_password(any_engine):
    """Response time must not tell which usernames exist: both run a full-cost bcrypt check."""
    with transaction(any_engine) as conn:
        users.create(conn, "manager", "manager", PASSWORD)  # the default cost, as real users have
    logins.sign_in(any_engine, "nobody", "guess", T0)  # the decoy hash is made once, on first use
    wrong = _seconds(lambda: logins.sign_in(any_engine, "manager", "guess", T0 + timedelta(minutes=20)))
    unknown = _seconds(lambda: logins.sign_in(any_engine, "nobody-else", "guess", T0 + timedelta(minutes=20)))
    assert unknown > wrong / 2


def _seconds(work) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


GUESSERS = 12
spawn = multiprocessing.get_context("spawn")


def test_guesses_sent_side_by_side_get_no_more_password_checks_than_guesses_in_a_row(any_engine):
    """Twelve processes (as many connections or replicas) guess at once: five are checked, as
    five in a row would be, and the rest are refused unchecked."""
    with transaction(any_engine) as conn:
        users.create(conn, "manager", "manager", PASSWORD)  # full-cost bcrypt: a wide window for a race
    start, answers = spawn.Barrier(GUESSERS), spawn.Queue()
    url = any_engine.url.render_as_string(hide_password=False)
    guessers = [spawn.Process(target=_guess, args=(url, f"guess-{n}", start, answers)) for n in range(GUESSERS)]
    for guesser in guessers:
        guesser.start()
    results = [answers.get(timeout=120) for _ in guessers]
    for guesser in guessers:
        guesser.join(timeout=30)
    checked = Counter(outcome for outcome, was_checked in results if was_checked)
    refused = Counter(outcome for outcome, was_checked in results if not was_checked)
    assert checked == {FAILED: logins.MAX_FAILURES - 1, LOCKED: 1}
    assert refused == {LOCKED: GUESSERS - logins.MAX_FAILURES}
    assert logins.sign_in(any_engine, "manager", PASSWORD, T0 + timedelta(minutes=1)) == LOCKED


def _guess(url: str, password: str, start, answers) -> None:
    """One guesser process: sign in once, as the others do, and say whether its password was checked."""
    checks = []
    real_check = logins.check_password
    logins.check_password = lambda *args: checks.append(args) or real_check(*args)
    engine = make_engine(url)
    start.wait()
    outcome = logins.sign_in(engine, "manager", password, T0)
    answers.put((outcome, bool(checks)))
    engine.dispose()
