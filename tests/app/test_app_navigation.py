"""The page registry: who may open what, public and unlisted pages, each role's start page."""

from __future__ import annotations

import pytest

from core.identity.access import ROLES
from ui import navigation

SUPPLIER = navigation.spec("pages/supplier.py")
LOOKUP = navigation.spec("pages/lookup.py")


def test_public_pages_open_without_logging_in_and_only_listed_ones_show_in_the_menu():
    assert LOOKUP.is_public
    assert navigation.open_pages(None) == [LOOKUP, SUPPLIER]
    assert navigation.visible_pages(None) == [LOOKUP]
    assert LOOKUP in navigation.visible_pages("warehouse") and SUPPLIER not in navigation.visible_pages("admin")


def test_staff_pages_need_a_role_that_is_listed_for_them():
    queue = navigation.spec("pages/queue.py")
    assert not navigation.may_open(None, queue) and not navigation.may_open("warehouse", queue)
    assert all(
        navigation.may_open(role, navigation.spec("pages/admin_users.py")) == (role == "admin") for role in ROLES
    )


@pytest.mark.parametrize("role", ROLES)
def test_every_role_has_a_start_page_it_may_open(role):
    start = navigation.home(role)
    assert navigation.may_open(role, start) and start.listed


def test_the_warehouse_starts_on_the_warehouse_page():
    assert navigation.home("warehouse").path == "pages/warehouse.py"
    assert navigation.home("clerk").path == "pages/queue.py"


def test_an_unregistered_page_file_is_a_clear_error():
    with pytest.raises(KeyError, match="not in ui.navigation.PAGES"):
        navigation.spec("pages/nowhere.py")


def test_the_menu_groups_pages_by_section_in_a_fixed_order():
    sections = [page.section for page in navigation.open_pages("admin")]
    assert sections == sorted(sections, key=navigation.SECTIONS.index)
    assert sections[0] == "nav.section.orders" and sections[-1] == "nav.section.public"
