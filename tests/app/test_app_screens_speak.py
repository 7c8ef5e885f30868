"""Every page, for every role, in both languages, on the demo store: nothing shows a raw key or code,
an empty value as None/nan, English on a Chinese page or Streamlit's own English placeholder.

What counts as such text is in app_text.py. Streamlit's file uploader writes its own English
("Upload", "200MB per file") in the browser, out of AppTest's sight: the app's style sheet says it
in the reader's language (ui.widgets.widget_chrome), checked by the browser journey of the import.
"""

from __future__ import annotations

import shutil

import pytest
from app_pages import open_page, shown_text
from app_text import faults
from sqlalchemy import select

from core.aftersales.returns_sla import list_tickets
from core.aftersales.tables import service_agents, tickets
from core.i18n import t
from core.identity.access import ROLES
from core.identity.tables import users
from core.orders.tables import order_events, orders
from core.review.tables import review_rules
from core.store.db import make_engine
from ui.navigation import PAGES, may_open

# The import and export pages are being reworked elsewhere and are not yet part of this check.
NOT_YET = ()
CHECKED = [page for page in PAGES if page.path not in NOT_YET]
COOKIE_KEY = "a-test-cookie-key-that-is-long-enough"


@pytest.fixture(scope="module")
def demo(demo_template, tmp_path_factory):
    """One copy of the demo store for the module's read-only page runs, named as the app finds it."""
    path = tmp_path_factory.mktemp("screens") / "demo.db"
    shutil.copyfile(demo_template, path)
    engine = make_engine(f"sqlite:///{path}")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ORDERHUB_DATABASE_URL", f"sqlite:///{path}")
        env.setenv("ORDERHUB_COOKIE_KEY", COOKIE_KEY)
        yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def names(demo) -> list[str]:
    """Usernames: data written in letters, shown as they are on any page."""
    with demo.connect() as conn:
        return [
            *conn.execute(select(users.c.username)).scalars(),
            *conn.execute(select(service_agents.c.username)).scalars(),
        ]


def roles_of(page) -> list[str]:
    """Who opens the page: every role allowed (a public page once, as a visitor would see it)."""
    return ["admin"] if page.is_public else [role for role in ROLES if may_open(role, page)]


def deeper(path: str, demo, lang: str) -> list[dict]:
    """Extra states of a page that show more text: an order's history, a chosen ticket."""
    if path == "pages/order.py":
        with demo.connect() as conn:
            reviewed = conn.execute(
                select(orders.c.channel_order_no)
                .join(order_events, order_events.c.order_id == orders.c.id)
                .where(order_events.c.reason.like("review:%"))
                .limit(1)
            ).scalar_one()
            shipped = conn.execute(select(orders.c.channel_order_no).where(orders.c.tracking_no.is_not(None))).first()
        return [{"query": {"order": reviewed}}, {"query": {"order": shipped[0]}}]
    return [{}]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", CHECKED, ids=lambda page: page.url_path)
def test_every_page_speaks_the_readers_language_only(demo, names, page, lang):
    found = []
    for role in roles_of(page):
        for state in deeper(page.path, demo, lang):
            at = open_page(page.path, role, lang, **state)
            assert not at.exception, at.exception[0].value
            found += [f"{role}: {fault}" for fault in faults(at, lang, names)]
    assert found == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_chosen_ticket_shows_its_lines_and_history_in_the_readers_language(demo, names, lang):
    with demo.connect() as conn:
        number = list_tickets(conn)[0]["number"]
    at = open_page("pages/returns.py", "manager", lang, ticket=number)
    history = at.dataframe[-1].value
    assert t("col.action", lang) in history.columns and len(history)
    assert faults(at, lang, names) == []


def test_a_clerk_reads_that_an_order_loses_money_but_not_by_how_much(demo):
    clerk, manager = (shown_text(open_page("pages/exceptions.py", role)) for role in ("clerk", "manager"))
    assert "毛利低于下限" in clerk and "毛利 ¥" not in clerk
    assert "毛利 ¥" in manager


@pytest.mark.parametrize(("lang", "sentence"), [("zh", "订单 TB404 不存在。"), ("en", "Order TB404 does not exist.")])
def test_a_missing_order_is_reported_in_the_readers_language(demo, lang, sentence):
    at = open_page("pages/order.py", "clerk", lang, query={"order": "TB404"})
    assert [error.value for error in at.error] == [sentence]


def test_the_minimum_margin_is_entered_in_yuan_and_kept_in_cents(demo_url, monkeypatch):
    monkeypatch.setenv("ORDERHUB_DATABASE_URL", demo_url)
    at = open_page("pages/rules_admin.py", "manager")
    margin = at.number_input(key="loss_making.min_margin_cents")
    assert margin.label == "最低毛利（元）" and margin.value == 0.0
    margin.set_value(5.5)
    at.button(key="FormSubmitter:rule-loss_making-保存").click().run()
    with make_engine(demo_url).connect() as conn:
        stored = conn.execute(select(review_rules.c.params).where(review_rules.c.code == "loss_making")).scalar_one()
    assert '"min_margin_cents": 550' in stored


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_public_lookup_shows_a_tickets_progress_in_the_readers_language(demo, names, lang):
    with demo.connect() as conn:
        number, phone = conn.execute(
            select(tickets.c.number, orders.c.phone).join(orders, orders.c.id == tickets.c.order_id).limit(1)
        ).one()
    at = open_page("pages/lookup.py", None, lang)
    at.text_input[0].input(number)
    at.text_input[1].input(phone[-4:])
    at.button[0].click().run()
    assert at.success and at.markdown
    assert faults(at, lang, names) == []
