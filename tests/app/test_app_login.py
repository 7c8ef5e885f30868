"""The frame with AppTest: logging in through the form, each role's home and menu, language, logout."""

from __future__ import annotations

import re

import pytest
from app_pages import ROOT, TIMEOUT, button
from app_shop import PASSWORD
from streamlit.testing.v1 import AppTest

from core import users
from core.i18n import t

HOME_TITLE = {
    "admin": "订单队列",
    "manager": "订单队列",
    "clerk": "订单队列",
    "warehouse": "仓库作业",
    "finance": "订单队列",
    "service": "订单队列",
    "analyst": t("analytics.reports_title"),
}


@pytest.fixture
def store(shop, sqlite_url, monkeypatch):
    monkeypatch.setenv("ORDERHUB_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("ORDERHUB_COOKIE_KEY", "a-test-cookie-key-that-is-long-enough")
    return shop


def log_in(username: str, password: str = PASSWORD) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    button(at, "登录").click().run()
    # In a browser the cookie component reruns the app once the cookie is stored; here we rerun.
    return at.run()


def test_before_logging_in_the_app_shows_only_the_login_form(store):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    assert not at.exception and at.title[0].value == "OrderHub 订单协同"
    assert [box.label for box in at.text_input] == ["用户名", "密码"] and not at.dataframe


@pytest.mark.parametrize("role", sorted(HOME_TITLE))
def test_each_role_logs_in_and_lands_on_its_home_page(store, role):
    at = log_in(role)
    assert not at.exception
    assert at.session_state["user"]["role"] == role
    assert at.title[0].value == HOME_TITLE[role]
    assert at.sidebar.markdown[0].value == f"**{users.DEMO_NAMES[role]}** · {t(f'role.{role}')}"


def test_a_wrong_password_is_refused_with_a_sentence(store):
    at = log_in("clerk", "not-the-password")
    assert at.error[0].value == "用户名或密码不正确，或账号已停用。"
    assert "user" not in at.session_state or at.session_state["user"] is None


def test_a_deactivated_user_cannot_log_in(store, engine):
    users.set_active(engine, "admin", "clerk", False)
    at = log_in("clerk")
    assert at.error and at.title[0].value == "OrderHub 订单协同"


def test_deactivating_a_user_ends_their_session_at_the_next_click(store, engine):
    at = log_in("clerk")
    users.set_active(engine, "admin", "clerk", False)
    at.run()
    assert at.session_state["user"] is None and [box.label for box in at.text_input] == ["用户名", "密码"]


def test_the_language_switch_is_remembered_for_the_user(store, engine):
    at = log_in("clerk")
    at.sidebar.get("button_group")[0].set_value("en").run()
    assert at.title[0].value == "Order queue"
    with engine.connect() as conn:
        assert users.get(conn, "clerk")["language"] == "en"
    again = log_in("clerk")
    assert again.title[0].value == "Order queue"


def test_logging_out_returns_to_the_login_form(store):
    at = log_in("manager")
    [element for element in at.sidebar.button if element.label == "退出登录"][0].click().run()
    assert not at.exception and [box.label for box in at.text_input] == ["用户名", "密码"]


def test_the_first_start_prints_a_random_admin_password_once_and_it_logs_in(engine, sqlite_url, monkeypatch, capsys):
    monkeypatch.setenv("ORDERHUB_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("ORDERHUB_COOKIE_KEY", "a-test-cookie-key-that-is-long-enough")
    AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    printed = capsys.readouterr().out
    password = re.search(r"created user 'admin' with password (\S+)", printed).group(1)
    assert users.DEMO_PASSWORDS["admin"] != password
    AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    assert "created user" not in capsys.readouterr().out  # once, not on every start
    at = log_in("admin", password)
    assert at.session_state["user"]["role"] == "admin" and at.title[0].value == "订单队列"
