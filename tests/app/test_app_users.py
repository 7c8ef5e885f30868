"""Users and labels: bcrypt hashes, admin-only management, first start, cookie key, waybill PDFs."""

from __future__ import annotations

import base64
import multiprocessing
import random
import re
import zlib

import pytest
from app_shop import NOW, PASSWORD
from sqlalchemy import select

from core.errors import InvalidInput, PermissionDenied
from core.identity import users
from core.identity.access import ROLES, Actor
from core.identity.tables import users as users_table
from core.shipping import labels, warehouse
from core.store.db import make_engine, migrate, transaction


def test_passwords_are_stored_as_bcrypt_hashes_only(shop, engine):
    with engine.connect() as conn:
        stored = conn.execute(select(users_table.c.password_hash).where(users_table.c.username == "clerk")).scalar()
    assert stored.startswith("$2b$") and PASSWORD not in stored
    assert users.check_password(PASSWORD, stored) and not users.check_password("wrong-pass-1", stored)


def test_only_an_admin_may_add_change_or_deactivate_users(shop, engine):
    for role in set(ROLES) - {"admin"}:
        with pytest.raises(PermissionDenied):
            users.add_user(engine, Actor(role, role), "intruder", "admin", "long-enough-1")
        with pytest.raises(PermissionDenied):
            users.set_role(engine, Actor(role, role), "clerk", "admin")
    users.add_user(engine, Actor("admin", "admin"), "Xiao.Mei", "service", "long-enough-1", "小美")
    users.set_role(engine, Actor("admin", "admin"), "xiao.mei", "clerk")
    with engine.connect() as conn:
        assert users.get(conn, "XIAO.MEI")["role"] == "clerk"


def test_a_deactivated_user_has_no_credentials_to_log_in_with(shop, engine):
    users.set_active(engine, Actor("admin", "admin"), "warehouse", False)
    assert "warehouse" not in users.credentials(engine)["usernames"]
    users.set_active(engine, Actor("admin", "admin"), "warehouse", True)
    assert users.credentials(engine)["usernames"]["warehouse"]["roles"] == ["warehouse"]


def test_a_reset_password_replaces_the_old_one(shop, engine):
    users.reset_password(engine, Actor("admin", "admin"), "clerk", "brand-new-pass")
    stored = users.credentials(engine)["usernames"]["clerk"]["password"]
    assert users.check_password("brand-new-pass", stored) and not users.check_password(PASSWORD, stored)


@pytest.mark.parametrize(
    ("username", "role", "password", "message"),
    [
        ("clerk", "clerk", "long-enough-1", "taken"),
        ("CLERK", "clerk", "long-enough-1", "taken"),
        ("new user", "clerk", "long-enough-1", "username"),
        ("newbie", "boss", "long-enough-1", "Role"),
        ("newbie", "clerk", "short", "at least 8"),
    ],
)
def test_bad_user_input_is_refused_with_a_sentence(shop, engine, username, role, password, message):
    with pytest.raises(InvalidInput, match=message):
        users.add_user(engine, Actor("admin", "admin"), username, role, password)


def test_the_first_start_creates_one_admin_with_a_random_password(engine):
    password = users.ensure_first_admin(engine)
    assert password and len(password) >= 12
    assert users.ensure_first_admin(engine) is None
    stored = users.credentials(engine)["usernames"]["admin"]["password"]
    assert users.check_password(password, stored)
    assert not users.check_password(users.DEMO_PASSWORDS["admin"], stored)


def test_the_demo_seed_creates_one_user_per_role_with_the_readme_passwords(engine):
    with transaction(engine) as conn:
        users.seed(conn, random.Random(7), NOW)
        users.seed(conn, random.Random(7), NOW)  # running the seed again adds nothing
    credentials = users.credentials(engine)["usernames"]
    assert sorted(credentials) == sorted(ROLES)
    assert users.check_password("warehouse-demo-2026", credentials["warehouse"]["password"])


def test_the_cookie_key_comes_from_the_environment_or_is_generated_once(tmp_path, monkeypatch):
    monkeypatch.setattr(users, "SECRETS_DIR", tmp_path / "secrets")
    monkeypatch.delenv("ORDERHUB_COOKIE_KEY", raising=False)
    first = users.cookie_key()
    assert first == users.cookie_key() and len(first) >= 32
    assert (tmp_path / "secrets" / "cookie_key").stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv("ORDERHUB_COOKIE_KEY", "from-the-environment")
    assert users.cookie_key() == "from-the-environment"


def test_labels_print_the_phone_masked_and_the_number_shipping_will_use(shop, engine):
    with engine.connect() as conn:
        found = warehouse.labels_for(conn, "warehouse", [shop["TB20261120001"]], now=NOW)
    label = found[0]
    assert label.phone_masked == "138****1234"
    assert label.tracking_no == f"SF{shop['TB20261120001']:012d}"
    assert label.address == "广东省深圳市南山区科技园路20号"


def test_labels_are_refused_to_roles_that_do_not_ship(shop, engine):
    with engine.connect() as conn, pytest.raises(PermissionDenied):
        warehouse.labels_for(conn, "finance", [shop["TB20261120001"]])


READY = ("TB20261120001", "TB20261122003", "JD300000000005")  # the paid orders that are not held


def test_a_label_pdf_has_one_page_per_order_with_the_cjk_font_and_no_full_phone(shop, engine):
    with engine.connect() as conn:
        found = warehouse.labels_for(conn, "clerk", [shop[no] for no in READY], now=NOW)
    pdf = labels.render(found)
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type /Page\b", pdf)) == len(READY) == 3
    assert b"STSong-Light" in pdf
    printed = "\n".join(pdf_texts(pdf))
    assert f"SF{shop['TB20261120001']:012d}" in printed  # the waybill number under its barcode
    assert "张伟  138****1234" in printed and "收" in printed and "宠物之家旗舰店" in printed
    assert not any(phone in printed for phone in ("13812341234", "15000001111", "13700004444"))


def pdf_texts(pdf: bytes) -> list[str]:
    """Every string the PDF's pages show (reportlab writes ASCII85 + Flate streams, UCS-2 for CID text)."""
    texts = []
    for raw in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        content = zlib.decompress(base64.a85decode(raw.strip().removesuffix(b"~>")))
        for shown in re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", content, re.S):
            unescaped = re.sub(rb"\\([0-7]{1,3}|.)", _unescape, shown)
            texts.append(unescaped.decode("utf-16-be", errors="replace"))
    return texts


def _unescape(match: re.Match) -> bytes:
    code = match.group(1)
    if code.isdigit():
        return bytes([int(code, 8)])
    return {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}.get(code, code)


def _first_start(url: str, results) -> None:
    results.put(users.ensure_first_admin(make_engine(url)))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_app_processes_starting_together_create_exactly_one_first_admin(request, backend):
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url")
    migrate(make_engine(url))
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    starters = [context.Process(target=_first_start, args=(url, results)) for _ in range(4)]
    for process in starters:
        process.start()
    for process in starters:
        process.join(timeout=60)
    passwords = [results.get(timeout=5) for _ in starters]
    assert len([password for password in passwords if password]) == 1
    assert list(users.credentials(make_engine(url))["usernames"]) == ["admin"]
