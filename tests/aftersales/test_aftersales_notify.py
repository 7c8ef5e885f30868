"""Delivery: Aliyun-signed SMS and real SMTP against local servers, backoff, dead letters, templates."""

from __future__ import annotations

import ssl
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from core.i18n import catalogue
from core.identity.access import Actor
from core.messages import outbox
from core.store.db import make_engine, transaction
from notify import deliver_pending, transports_from_env
from notify.aliyun_sms import canonical_query, percent_encode, sign
from notify.templates import TEMPLATES, render
from tests.aftersales.providers import TEMPLATE_CODES, AliyunGateway, SmtpSink
from tests.aftersales.ticketdata import T0

SHIPPED = {"order_no": "TB4081726354001", "carrier": "顺丰速运", "tracking_no": "SF1234567890123"}
OVERDUE = {"number": "AS20261126-0007", "order_no": "TB4081726354001", "owner": "li.na", "due": "2026-11-27 09:30",
           "stage": "首次响应", "level": "已超时"}  # fmt: skip


def queue(engine, *messages: tuple[str, str, str, str, dict]) -> None:
    with transaction(engine) as conn:
        outbox.enqueue(
            conn, [outbox.message(key, kind, to, tpl, payload, T0) for key, kind, to, tpl, payload in messages]
        )


def rows(engine) -> dict[str, tuple]:
    with engine.connect() as conn:
        found = conn.execute(select(outbox.outbox.c.idempotency_key, outbox.outbox.c.status, outbox.outbox.c.attempts))
        return {key: (status, attempts) for key, status, attempts in found}


@pytest.fixture
def gateway():
    server = AliyunGateway()
    yield server
    server.close()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[str, str]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return str(cert), str(key)


def server_context(certificate) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def test_an_sms_is_signed_as_aliyun_documents_and_sent_with_its_key(engine, gateway):
    queue(engine, ("sms:shipped:1", "sms", "+86 138 1234 5678", "order_shipped", SHIPPED))
    report = deliver_pending(engine, transports_from_env(gateway.env()), now=T0)
    assert report.as_dict() == {"sent": 1, "failed": 0, "dead": 0}
    sent = gateway.accepted["sms:shipped:1"]
    assert sent["PhoneNumbers"] == "13812345678" and sent["TemplateCode"] == TEMPLATE_CODES["order_shipped"]
    assert sent["SignName"] == "宠物生活" and '"tracking_no": "SF1234567890123"' in sent["TemplateParam"]


def test_the_signature_matches_aliyuns_published_worked_example():
    params = {
        "AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123", "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou", "SignName": "阿里云短信测试专用", "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466", "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007", "TemplateParam": '{"customer":"test"}', "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }  # fmt: skip
    assert sign("testSecret", "GET", params) == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    assert canonical_query(params).startswith("AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123&")
    assert "SignName=%E9%98%BF%E9%87%8C%E4%BA%91" in canonical_query(params)
    assert "TemplateParam=%7B%22customer%22%3A%22test%22%7D&Timestamp=2017-07-12T02%3A42%3A19Z" in canonical_query(
        params
    )


def test_percent_encoding_follows_rfc_3986_as_aliyun_requires():
    assert percent_encode("a b*c~d+e/é") == "a%20b%2Ac~d%2Be%2F%C3%A9"


def test_a_wrong_secret_is_refused_by_the_gateway_and_the_message_is_dead_at_once(engine, gateway):
    queue(engine, ("sms:paid:2", "sms", "13812345678", "order_paid", {"order_no": "TB1", "buyer": "张伟"}))
    report = deliver_pending(engine, transports_from_env(gateway.env(secret="wrong")), now=T0)
    assert report.dead == 1 and gateway.rejected == ["SignatureDoesNotMatch"] and not gateway.accepted


def test_an_invalid_mobile_number_never_reaches_the_gateway(engine, gateway):
    queue(engine, ("sms:paid:3", "sms", "021-6888 8888", "order_paid", {"order_no": "TB1", "buyer": "张伟"}))
    assert deliver_pending(engine, transports_from_env(gateway.env()), now=T0).dead == 1
    assert gateway.requests == 0


def test_failures_back_off_exponentially_then_dead_letter_and_an_admin_retry_delivers(engine, gateway):
    gateway.fail_every = 1  # the gateway is down
    queue(engine, ("sms:shipped:4", "sms", "13812345678", "order_shipped", SHIPPED))
    transports = transports_from_env(gateway.env())
    due_times, now = [], T0
    for _ in range(4):
        deliver_pending(engine, transports, now=now, max_attempts=4)
        with engine.connect() as conn:
            due_times.append(conn.execute(select(outbox.outbox.c.next_attempt_at)).scalar_one() - now)
        now += timedelta(hours=1)
    assert due_times[:3] == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]
    assert rows(engine)["sms:shipped:4"] == ("dead", 4)
    with engine.connect() as conn:
        dead = outbox.dead_letters(conn)
    assert [d["idempotency_key"] for d in dead] == ["sms:shipped:4"] and "503" in dead[0]["last_error"]
    gateway.fail_every = 0
    with transaction(engine) as conn:
        assert outbox.retry(conn, [dead[0]["id"]], Actor("admin", "admin"), now) == 1
    assert deliver_pending(engine, transports, now=now).sent == 1
    assert rows(engine)["sms:shipped:4"] == ("sent", 1)


def test_messages_of_a_kind_without_a_transport_wait_instead_of_failing(engine, gateway):
    queue(engine, ("stock_push:1", "stock_push", "taobao", "stock", {"sku": "PET-FOOD-2KG"}))
    assert deliver_pending(engine, transports_from_env(gateway.env()), now=T0).as_dict() == {
        "sent": 0, "failed": 0, "dead": 0,
    }  # fmt: skip
    assert rows(engine)["stock_push:1"] == ("pending", 0)


def test_email_goes_over_starttls_with_auth_to_a_real_smtp_server(engine, certificate):
    sink = SmtpSink(tls=server_context(certificate), credentials=("orderhub", "Mail-Pa55word"))
    try:
        queue(engine, ("email:overdue:1", "email", "李娜 <li.na@shop.example>", "ticket_overdue", OVERDUE))
        env = sink.env("starttls", "orderhub", "Mail-Pa55word", cafile=certificate[0])
        assert deliver_pending(engine, transports_from_env(env), now=T0).sent == 1
    finally:
        sink.close()
    (mail,) = sink.messages.values()
    assert mail["Subject"] == "售后工单AS20261126-0007首次响应已超时"
    assert mail["To"] == "李娜 <li.na@shop.example>" and mail["X-Idempotency-Key"] == "email:overdue:1"
    assert "TB4081726354001" in mail.get_content()


def test_a_wrong_smtp_password_is_never_delivered_and_a_non_ascii_one_is_refused_at_start(engine, certificate):
    sink = SmtpSink(tls=server_context(certificate), credentials=("orderhub", "Mail-Pa55word"))
    try:
        queue(engine, ("email:overdue:9", "email", "li.na@shop.example", "ticket_overdue", OVERDUE))
        env = sink.env("starttls", "orderhub", "wrong", cafile=certificate[0])
        assert deliver_pending(engine, transports_from_env(env), now=T0).dead == 1  # 535: configuration, not luck
        with pytest.raises(ValueError, match="must be ASCII"):
            transports_from_env(sink.env("starttls", "orderhub", "邮件密码"))
    finally:
        sink.close()
    assert not sink.messages


def test_email_goes_over_implicit_tls(engine, certificate):
    sink = SmtpSink(implicit_tls=server_context(certificate))
    try:
        queue(engine, ("email:overdue:2", "email", "li.na@shop.example", "ticket_overdue", OVERDUE | {"lang": "en"}))
        env = sink.env("ssl", cafile=certificate[0])
        assert deliver_pending(engine, transports_from_env(env), now=T0).sent == 1
    finally:
        sink.close()
    (mail,) = sink.messages.values()
    assert mail["Subject"] == "After-sales ticket AS20261126-0007: 首次响应 已超时"


def test_a_refused_mailbox_is_dead_and_a_busy_one_is_retried(engine):
    sink = SmtpSink()
    try:
        queue(
            engine,
            ("email:a", "email", "bounce@shop.example", "ticket_overdue", OVERDUE),
            ("email:b", "email", "busy@shop.example", "ticket_overdue", OVERDUE),
            ("email:c", "email", "li.na@shop.example", "ticket_overdue", OVERDUE),
        )
        report = deliver_pending(engine, transports_from_env(sink.env()), now=T0)
    finally:
        sink.close()
    assert report.as_dict() == {"sent": 1, "failed": 1, "dead": 1}
    assert rows(engine) == {"email:a": ("dead", 1), "email:b": ("pending", 1), "email:c": ("sent", 1)}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_renders_fully_in_both_languages(template, lang):
    payload = {**SHIPPED, **OVERDUE, "buyer": "张伟", "po_no": "PO20261126-003", "supplier": "宁波宠物用品有限公司",
               "expected_at": "2026-12-01", "items": "PET-FOOD-2KG × 200", "lang": lang,
               "link": "https://hub.example/supplier?token=x", "link_expires_at": "2026-12-10 10:00"}  # fmt: skip
    parts = [part for part in ("sms", "subject", "body") if f"notify.{template}.{part}" in catalogue()]
    assert {"subject", "body"} <= set(parts)
    for part in parts:
        text = render(template, payload, part)
        assert text and "{" not in text
        assert any("\u4e00" <= ch <= "\u9fff" for ch in catalogue()[f"notify.{template}.{part}"][lang]) == (
            lang == "zh"
        )


def test_a_message_missing_a_value_its_template_needs_is_a_permanent_failure():
    with pytest.raises(outbox.PermanentFailure, match="tracking_no"):
        render("order_shipped", {"order_no": "TB1", "carrier": "SF"}, "sms")


def test_two_workers_delivering_at_once_never_send_the_same_message_twice(any_engine, gateway):
    gateway.delay = 0.005
    queue(any_engine, *[(f"sms:shipped:{n}", "sms", f"139{n:08d}", "order_shipped", SHIPPED) for n in range(40)])
    engines = [make_engine(any_engine.url.render_as_string(hide_password=False)) for _ in range(2)]

    def work(engine) -> int:
        transports, sent = transports_from_env(gateway.env()), 0
        while report := deliver_pending(engine, transports, limit=5, now=T0).sent:
            sent += report
        return sent

    with ThreadPoolExecutor(2) as pool:
        shares = list(pool.map(work, engines))
    for engine in engines:
        engine.dispose()
    assert sum(shares) == 40 and min(shares) > 0  # both worked, neither took the other's messages
    assert len(gateway.accepted) == 40 and gateway.duplicates == []


def test_a_pass_settles_without_waiting_for_the_disk_each_time_then_waits_once(any_engine, gateway):
    """On PostgreSQL a settle that waited for its WAL flush was most of a message's time under load;
    the pass makes its settles durable with one wait at its end, before it reports them sent."""
    queue(any_engine, *[(f"sms:shipped:{n}", "sms", f"139{n:08d}", "order_shipped", SHIPPED) for n in range(3)])
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(any_engine, "before_cursor_execute", record)
    report = deliver_pending(any_engine, transports_from_env(gateway.env()), now=T0)
    event.remove(any_engine, "before_cursor_execute", record)
    assert report.sent == 3 and rows(any_engine) == {f"sms:shipped:{n}": ("sent", 1) for n in range(3)}
    settles = [n for n, sql in enumerate(statements) if sql.startswith("UPDATE outbox SET status")]
    assert len(settles) == 3 + 1  # the claim, then one settle per message
    if any_engine.dialect.name == "postgresql":
        assert all(statements[n - 1] == "SET LOCAL synchronous_commit TO OFF" for n in settles[1:])
        assert "pg_logical_emit_message" in statements[-1]
    else:
        assert not any("synchronous_commit" in sql or "pg_" in sql for sql in statements)
