"""Every text the app's pages ask for exists in Chinese and English."""

from __future__ import annotations

import re

from app_pages import ROOT

from core.i18n import catalogue
from core.identity.access import ROLES
from core.model import STATUSES
from core.shipping.batch import PERMISSION
from ui.navigation import PAGES

SOURCES = [ROOT / "app.py", *sorted((ROOT / "ui").glob("*.py")), *(ROOT / page.path for page in PAGES)]


def keys_in_sources() -> set[str]:
    found = set()
    for source in SOURCES:
        found |= set(re.findall(r"""\btr\(\s*["']([a-z_.]+)["']""", source.read_text(encoding="utf-8")))
    return {key for key in found if not key.endswith(".")}  # "col." + name: checked per family below


def test_every_literal_text_key_used_by_the_pages_has_chinese_and_english():
    keys = keys_in_sources()
    assert len(keys) > 80  # the scan found the pages' texts
    missing = sorted(key for key in keys if not {"zh", "en"} <= set(catalogue().get(key, {})))
    assert missing == []


def test_every_role_status_action_and_page_title_has_chinese_and_english():
    keys = {f"role.{role}" for role in ROLES} | {f"status.{status}" for status in STATUSES}
    keys |= {f"action.{action}" for action in PERMISSION} | {page.title_key for page in PAGES}
    keys |= {page.section for page in PAGES}
    missing = sorted(key for key in keys if not {"zh", "en"} <= set(catalogue().get(key, {})))
    assert missing == []


def test_statuses_read_as_the_chinese_clerks_know_them():
    names = {status: catalogue()[f"status.{status}"]["zh"] for status in STATUSES}
    assert names["pending_payment"] == "待付款" and names["paid"] == "已支付"
    assert names["shipped"] == "已出库" and names["completed"] == "已完成"
