"""A review hold is released by its review only: resume, the batch, the CLI and stock never skip it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import select

from core.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied, ReviewPending
from core.identity import users
from core.identity.access import Actor
from core.intake.ingest import ingest
from core.model import HOLD_INSUFFICIENT_STOCK, HOLD_REVIEW, ON_HOLD, PAID
from core.orders import holds as order_holds
from core.orders import stock_resume, store_checks, workflow
from core.orders.queue import QueueFilter, hold_counts, page
from core.orders.tables import order_events
from core.review import review
from core.review.tables import order_exceptions
from core.shipping import batch
from core.stock import reservations as stock
from core.store.db import ROOT, transaction
from tests.app.app_pages import button, open_page
from tests.rules.shop import NOW, id_of, on_both_engines, order, status_of, stock_shop

LOSS = "3312600000077"  # PET-FOOD-2KG costs ¥40; sold at ¥10, the order loses money


@pytest.fixture
def loss(any_store):
    """A paid order the loss_making rule holds for review, in a shop with every rule on."""
    stock_shop(any_store)
    ingest(any_store, [order(LOSS, ("PET-FOOD-2KG", 1, 1_000))], now=NOW)
    assert status_of(any_store, LOSS) == (ON_HOLD, HOLD_REVIEW)
    return any_store


@on_both_engines
def test_resuming_a_review_hold_is_refused_and_approving_the_review_releases_it(loss):
    order_id = id_of(loss, LOSS)
    with pytest.raises(ReviewPending) as refused, transaction(loss) as conn:
        workflow.resume(conn, order_id, "李客服", NOW)
    assert (refused.value.key, refused.value.params) == ("error.review_pending", {"order_no": LOSS})
    for attempt in (
        lambda conn: order_holds.resume_many(conn, [order_id], "李客服", NOW),
        lambda conn: workflow.advance(conn, order_id, PAID, "李客服", "", NOW),  # the same as resuming
    ):
        with pytest.raises(ReviewPending), transaction(loss) as conn:
            attempt(conn)
    assert status_of(loss, LOSS) == (ON_HOLD, HOLD_REVIEW)
    with transaction(loss) as conn:
        assert review.approve(conn, order_id, Actor("王主管", "manager"), NOW) == PAID
    assert status_of(loss, LOSS) == (PAID, None)


@on_both_engines
def test_the_batch_release_refuses_a_review_hold_in_chinese_and_leaves_it_held(loss):
    result = batch.run(loss, Actor("李客服", "clerk"), "resume", [id_of(loss, LOSS)], now=NOW)
    assert result.done == []
    [(number, error)] = result.failed
    assert number == LOSS and isinstance(error, ReviewPending)
    assert status_of(loss, LOSS) == (ON_HOLD, HOLD_REVIEW)


@on_both_engines
def test_stock_coming_back_never_releases_a_review_hold(loss):
    with transaction(loss) as conn:
        sku = stock.sku_id(conn, "PET-FOOD-2KG")
        stock.receive(conn, sku, 5, "仓库", "PO-1", NOW)
        assert stock_resume.retry_held(conn, [sku], NOW) == []
        assert stock_resume.release_fitting_held(conn, "李客服", NOW) == []
    assert status_of(loss, LOSS) == (ON_HOLD, HOLD_REVIEW)


@on_both_engines
def test_an_order_held_for_stock_then_flagged_waits_for_its_review_first(any_store):
    stock_shop(any_store)
    ingest(any_store, [order(LOSS, ("DOG-LEASH-RED", 30, 100))], now=NOW)  # 20 in stock, and a loss
    assert status_of(any_store, LOSS) == (ON_HOLD, HOLD_REVIEW)
    with transaction(any_store) as conn:
        assert review.approve(conn, id_of(any_store, LOSS), Actor("王主管", "manager"), NOW) == ON_HOLD
        assert store_checks.invariant_violations(conn) == []  # it waits for its stock now
    assert status_of(any_store, LOSS) == (ON_HOLD, HOLD_INSUFFICIENT_STOCK)


def test_only_a_role_allowed_to_may_override_a_review_and_it_is_audited_with_who_and_why(loss):
    order_id = id_of(loss, LOSS)
    with pytest.raises(PermissionDenied), transaction(loss) as conn:
        review.override(conn, order_id, Actor("李客服", "clerk"), "老客户，亏本也发", NOW)
    with pytest.raises(InvalidInput), transaction(loss) as conn:
        review.override(conn, order_id, Actor("王主管", "manager"), "  ", NOW)
    with transaction(loss) as conn:
        assert review.override(conn, order_id, Actor("王主管", "manager"), "老客户补偿单，亏本也发", NOW) == PAID
        last = conn.execute(select(order_events).order_by(order_events.c.id.desc()).limit(1)).one()
        closed = conn.execute(select(order_exceptions.c.status, order_exceptions.c.resolved_by)).all()
    assert (last.actor, last.to_status) == ("王主管", PAID)
    assert last.reason == "review overridden by 王主管: 老客户补偿单，亏本也发"
    assert closed == [("overridden", "王主管")]
    with pytest.raises(InvalidInput), transaction(loss) as conn:  # nothing left to override
        review.override(conn, order_id, Actor("王主管", "manager"), "again", NOW)


def test_a_hold_by_hand_has_its_kind_and_is_all_or_nothing(loss):
    ingest(loss, [order("3312600000078", ("CAT-TOY-MOUSE", 1, 1_990), buyer="李四")], now=NOW)
    fine = id_of(loss, "3312600000078")
    assert status_of(loss, "3312600000078") == (PAID, None)
    with transaction(loss) as conn, pytest.raises(IllegalTransition):  # the review hold is no order to hold again
        order_holds.hold_by_hand(conn, [fine, id_of(loss, LOSS)], "李客服", "address", "门牌号缺失", NOW)
    with transaction(loss) as conn:
        order_holds.hold_by_hand(conn, [fine], "李客服", "address", "门牌号缺失", NOW)
    assert status_of(loss, "3312600000078") == (ON_HOLD, "address")


def test_the_queue_counts_a_review_hold_as_待审核_and_its_filter_finds_it(loss):
    with loss.connect() as conn:
        assert hold_counts(conn, QueueFilter(), "clerk") == {HOLD_REVIEW: 1}
        found = page(conn, "clerk", QueueFilter(status=ON_HOLD, hold_reason=HOLD_REVIEW)).rows
        assert [row["channel_order_no"] for row in found] == [LOSS]
        assert page(conn, "clerk", QueueFilter(hold_reason="manual")).rows == []


def test_a_clerk_clicking_resume_on_the_order_page_is_refused_and_the_review_then_releases_it(
    loss, sqlite_url, monkeypatch
):
    monkeypatch.setenv("ORDERHUB_DATABASE_URL", sqlite_url)
    with transaction(loss) as conn:  # the page acts as the signed-in user, read from the store
        users.create(conn, "clerk", "clerk", "secret-pass-1", name=users.DEMO_NAMES["clerk"], now=NOW, rounds=4)
    queue = open_page("pages/queue.py", "clerk")
    queue.segmented_control(key="f_status").set_value("on_hold").run()
    assert list(queue.segmented_control(key="f_hold_tab").options) == ["全部 · 1", "待审核（异常订单） · 1"]
    at = open_page("pages/order.py", "clerk", query={"order": LOSS})
    button(at, "恢复挂起").click().run()
    at.button(key="order_yes").click().run()
    assert not at.exception
    shown = " ".join(str(element.value) for element in at.error)
    assert f"订单 {LOSS} 被审单规则挂起（待审核），「恢复挂起」不会跳过审核" in shown
    assert status_of(loss, LOSS) == (ON_HOLD, HOLD_REVIEW)
    exceptions = open_page("pages/exceptions.py", "clerk")
    button(exceptions, "审核通过").click().run()
    assert not exceptions.exception
    assert status_of(loss, LOSS) == (PAID, None)


def test_the_cli_refuses_to_resume_a_review_hold_in_one_line_and_overrides_only_with_a_reason(loss, sqlite_url):
    def cli(*args: str) -> subprocess.CompletedProcess:
        env = os.environ | {"ORDERHUB_DATABASE_URL": sqlite_url}
        return subprocess.run(
            [sys.executable, "cli.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )

    refused = cli("orders", "advance", LOSS, "resume")
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert refused.stderr.strip().splitlines() == [
        f"error: Order {LOSS} is held for review; resuming does not skip the review: "
        "approve, fix or cancel it in the exception queue."
    ]
    assert status_of(loss, LOSS) == (ON_HOLD, HOLD_REVIEW)
    overridden = cli("orders", "advance", LOSS, "resume", "--override-review", "老客户补偿单", "--actor", "店长")
    assert overridden.returncode == 0, overridden.stderr
    assert status_of(loss, LOSS) == (PAID, None)


def test_approving_or_overriding_an_order_that_does_not_exist_says_so(any_store):
    with transaction(any_store) as conn:
        with pytest.raises(NotFound):
            review.approve(conn, 987654, Actor("王主管", "manager"), NOW)
        with pytest.raises(NotFound):
            review.override(conn, 987654, Actor("王主管", "manager"), "测试", NOW)
