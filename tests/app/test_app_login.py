"""The frame with AppTest: logging in through the form, each role's home and menu, language, logout."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest
from app_pages import ROOT, TIMEOUT, button
from app_shop import PASSWORD
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.scriptrunner_utils.script_requests import RerunData
from streamlit.testing.v1 import AppTest

from core.i18n import t
from core.identity import logins, users
from core.identity.access import Actor
from ui.auth import COOKIE_NAME, COOKIE_STORED

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


def submit_login(username: str, password: str = PASSWORD) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    return button(at, "登录").click().run()


def log_in(username: str, password: str = PASSWORD) -> AppTest:
    # In a browser the cookie component's report then reruns the app; here we rerun.
    return submit_login(username, password).run()


def login_cookie(username: str) -> str:
    """The login cookie the app hands the browser when the user logs in through the form."""
    at = submit_login(username)
    calls = [json.loads(element.proto.json_args) for element in at.get("component_instance")]
    (stored,) = [call["value"] for call in calls if call["method"] == "set" and call["cookie"] == COOKIE_NAME]
    return stored


def cookie_writes(at: AppTest) -> int:
    calls = [json.loads(element.proto.json_args) for element in at.get("component_instance")]
    return sum(call["method"] == "set" and call["cookie"] == COOKIE_NAME for call in calls)


def test_the_cookie_component_stays_until_the_browser_reports_the_cookie_stored(store):
    at = submit_login("clerk")
    assert cookie_writes(at) == 1
    at.run()  # a rerun started by something else before the browser ran the component
    assert at.session_state["user"]["role"] == "clerk" and cookie_writes(at) == 1  # still asked for
    at.session_state[COOKIE_STORED] = True  # what the component reports once the cookie is stored
    at.run()
    assert cookie_writes(at) == 0 and at.session_state["user"]["role"] == "clerk"
    at.run()
    assert cookie_writes(at) == 0


def come_back_with(cookie: str, monkeypatch) -> AppTest:
    """A new session of a browser that sends the login cookie (AppTest cannot send cookies itself)."""
    browser = SimpleNamespace(cookies={COOKIE_NAME: cookie})
    monkeypatch.setattr("streamlit.runtime.context._get_client_context", lambda: browser)
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()


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
    users.set_active(engine, Actor("admin", "admin"), "clerk", False)
    at = log_in("clerk")
    assert at.error and at.title[0].value == "OrderHub 订单协同"


def test_deactivating_a_user_ends_their_session_at_the_next_click(store, engine):
    at = log_in("clerk")
    users.set_active(engine, Actor("admin", "admin"), "clerk", False)
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


def test_a_login_cookie_logs_the_user_in_again_in_a_new_session(store, monkeypatch):
    at = come_back_with(login_cookie("clerk"), monkeypatch)
    assert not at.exception and at.session_state["user"]["role"] == "clerk"


@pytest.mark.parametrize("revoke", ["reset", "deactivate"])
def test_a_cookie_issued_before_a_password_reset_or_deactivation_no_longer_logs_in(store, engine, monkeypatch, revoke):
    old_cookie = login_cookie("clerk")
    if revoke == "reset":
        users.reset_password(engine, Actor("admin", "admin"), "clerk", PASSWORD)
    else:
        users.set_active(engine, Actor("admin", "admin"), "clerk", False)
        users.set_active(engine, Actor("admin", "admin"), "clerk", True)
    new_cookie = login_cookie("clerk")
    refused = come_back_with(old_cookie, monkeypatch)
    assert refused.session_state["user"] is None and [box.label for box in refused.text_input] == ["用户名", "密码"]
    assert come_back_with(new_cookie, monkeypatch).session_state["user"]["role"] == "clerk"


def test_a_password_reset_ends_an_open_session_at_the_next_click(store, engine):
    at = log_in("clerk")
    users.reset_password(engine, Actor("admin", "admin"), "clerk", "brand-new-pass")
    at.run()
    assert at.session_state["user"] is None and [box.label for box in at.text_input] == ["用户名", "密码"]


@pytest.mark.parametrize("username", ["clerk", "nobody"])
def test_five_wrong_passwords_lock_the_username_whether_or_not_it_exists(store, username):
    for _ in range(4):
        assert log_in(username, "wrong-guess").error[0].value == "用户名或密码不正确，或账号已停用。"
    locked = "登录失败次数过多，该用户名已暂时锁定，请 15 分钟后再试。"
    assert log_in(username, "wrong-guess").error[0].value == locked
    again = log_in(username)  # even the right password, for a while
    assert again.error[0].value == locked and not again.session_state["authentication_status"]
    assert log_in("manager").session_state["user"]["role"] == "manager"  # other usernames are not locked


def test_a_sign_in_when_a_rerun_cuts_in_during_the_password_check_still_signs_in(store, monkeypatch):
    """The cookie reader asks for a rerun once after each page load; a click in that moment used to
    leave the form with no answer (see ui.handover)."""
    checked = logins.sign_in

    def sign_in_while_the_cookie_reader_reports(*args):
        get_script_run_ctx().script_requests.request_rerun(RerunData())
        return checked(*args)

    monkeypatch.setattr(logins, "sign_in", sign_in_while_the_cookie_reader_reports)
    at = submit_login("clerk")
    assert not at.exception and at.session_state["user"]["role"] == "clerk"
    assert at.title[0].value == HOME_TITLE["clerk"]
