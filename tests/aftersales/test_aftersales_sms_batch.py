"""SMS at volume: Aliyun SendBatchSms (ORDERHUB_SMS_BATCH_SIZE), against the local gateway."""

from __future__ import annotations

import signal
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import event

from core.errors import InvalidInput
from notify import deliver_pending, transports_from_env
from notify.aliyun_sms import SmsSettings
from tests.aftersales.providers import TEMPLATE_CODES, AliyunGateway
from tests.aftersales.test_aftersales_notify import SHIPPED, queue, rows
from tests.aftersales.test_aftersales_outbox_crash import start_worker, statuses, wait_for
from tests.aftersales.ticketdata import T0


@pytest.fixture
def gateway():
    server = AliyunGateway()
    yield server
    server.close()


def batched(gateway: AliyunGateway, size: int = 100):
    return transports_from_env(gateway.env() | {"ORDERHUB_SMS_BATCH_SIZE": str(size)})


def paid(n: int) -> tuple:
    return (f"sms:paid:{n}", "sms", f"139{n:08d}", "order_paid", {"order_no": f"TB{n:06d}", "buyer": "张伟"})


def test_at_volume_sms_go_out_as_signed_batches_and_each_reaches_its_buyer_once(engine, gateway):
    queue(engine, *[paid(n) for n in range(250)])
    queue(engine, *[(f"sms:shipped:{n}", "sms", f"138{n:08d}", "order_shipped", SHIPPED) for n in range(30)])
    report = deliver_pending(engine, batched(gateway), limit=500, now=T0)
    assert report.as_dict() == {"sent": 280, "failed": 0, "dead": 0}
    # Claimed in order: 100 paid, 100 paid, then 50 paid and 30 shipped, one request per template.
    assert gateway.requests == 4 and not gateway.rejected
    assert {params["Action"] for params in gateway.accepted.values()} == {"SendBatchSms"}
    texts = Counter((number, code, values["order_no"]) for number, code, values in gateway.texts)
    assert texts == Counter(
        [(f"139{n:08d}", TEMPLATE_CODES["order_paid"], f"TB{n:06d}") for n in range(250)]
        + [(f"138{n:08d}", TEMPLATE_CODES["order_shipped"], SHIPPED["order_no"]) for n in range(30)]
    )
    assert set(rows(engine).values()) == {("sent", 1)}


def test_a_batchs_sends_are_settled_in_one_update(any_engine, gateway):
    queue(any_engine, *[paid(n) for n in range(5)])
    statements: list[str] = []
    listener = lambda conn, cursor, statement, *args: statements.append(statement)  # noqa: E731
    event.listen(any_engine, "before_cursor_execute", listener)
    report = deliver_pending(any_engine, batched(gateway), now=T0)
    event.remove(any_engine, "before_cursor_execute", listener)
    assert report.sent == 5 and gateway.requests == 1
    assert len([sql for sql in statements if sql.startswith("UPDATE outbox SET status")]) == 2  # claim, settle
    assert set(rows(any_engine).values()) == {("sent", 1)}


def test_a_number_the_gateway_refuses_fails_alone_and_the_rest_of_its_batch_is_sent(engine, gateway):
    queue(engine, *[paid(n) for n in range(5)])
    gateway.refused = {f"139{2:08d}"}  # Aliyun refuses the whole batch without naming the number
    report = deliver_pending(engine, batched(gateway), now=T0)
    assert report.as_dict() == {"sent": 4, "failed": 0, "dead": 1}
    assert rows(engine)["sms:paid:2"] == ("dead", 1)
    assert sorted(number for number, *_ in gateway.texts) == [f"139{n:08d}" for n in (0, 1, 3, 4)]
    assert gateway.rejected == ["isv.MOBILE_NUMBER_ILLEGAL"] * 2  # the batch, then that number alone


def test_a_batch_the_gateway_cannot_take_now_is_retried_whole_and_sent_once(engine, gateway):
    queue(engine, *[paid(n) for n in range(5)])
    gateway.fail_every = 1
    assert deliver_pending(engine, batched(gateway), now=T0).as_dict() == {"sent": 0, "failed": 5, "dead": 0}
    gateway.fail_every = 0
    assert deliver_pending(engine, batched(gateway), now=T0 + timedelta(hours=1)).sent == 5
    assert set(rows(engine).values()) == {("sent", 2)}
    assert len(gateway.texts) == 5 and gateway.duplicates == []


def test_an_invalid_number_never_reaches_the_gateway_and_does_not_hold_up_its_batch(engine, gateway):
    queue(engine, *[paid(n) for n in range(3)], ("sms:paid:x", "sms", "021-6888 8888", "order_paid", {}))
    assert deliver_pending(engine, batched(gateway), now=T0).as_dict() == {"sent": 3, "failed": 0, "dead": 1}
    assert gateway.requests == 1 and len(gateway.texts) == 3


@pytest.mark.parametrize("size", ["0", "101", "lots"])
def test_a_batch_size_outside_what_aliyun_takes_is_a_clear_error(size):
    with pytest.raises(InvalidInput, match="ORDERHUB_SMS_BATCH_SIZE"):
        SmsSettings.from_env({"ORDERHUB_SMS_ACCESS_KEY_ID": "LTAI5t", "ORDERHUB_SMS_BATCH_SIZE": size})


def test_a_worker_killed_mid_batch_loses_nothing_and_resends_at_most_its_batch(engine, sqlite_url, gateway):
    queue(engine, *[paid(n) for n in range(40)])
    gateway.delay = 0.05
    env = gateway.env() | {"ORDERHUB_SMS_BATCH_SIZE": "5"}
    kills = 0
    for goal in (10, 25):
        worker = start_worker(sqlite_url, env)
        wait_for(lambda g=goal: len(gateway.texts) >= g, 30)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        kills += 1
    worker = start_worker(sqlite_url, env)
    try:
        wait_for(lambda: statuses(engine) == {"sent": 40}, 45)
    finally:
        worker.terminate()
        worker.wait(10)
    received = Counter(number for number, *_ in gateway.texts)
    assert sorted(received) == sorted(f"139{n:08d}" for n in range(40))
    assert received.total() - 40 <= kills * 5  # only the batch in flight at a kill may go out again
