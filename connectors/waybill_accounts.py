"""Each shop's waybill account: the aggregator's key and secret, the carrier, the 月结账号 or outlet,
and the sender, from [[waybill]] tables in data/channels.toml (values may be "env:NAME").

A shop without an account ships with numbers OrderHub makes up, as before, unless
ORDERHUB_WAYBILL_DEMO=1 (what `make run` sets): then it uses the local double in
connectors/waybill_demo.py, whose labels say 演示.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectors.base import ConfigError
from connectors.config import _resolved, config_file
from connectors.kuaidi100 import COMPANY, LABEL_URL, QUERY_URL, SUBSCRIBE_URL, Account, Kuaidi100, Party
from connectors.waybill_demo import DemoAggregator
from core.shipping.senders import Sender

REQUIRED = ("shop", "key", "secret", "carrier", "partner_id", "sender_name", "sender_phone", "sender_address")


@dataclass(frozen=True)
class WaybillAccount:
    shop: str
    carrier: str
    account: Account
    sender: Party
    key: str = ""
    secret: str = ""
    customer: str = ""  # the real-time query's company id
    callback_url: str = ""  # where the aggregator pushes tracking; empty: polling only
    print_type: str = "NON"  # IMAGE: the carrier's own label image too (a link, kept with the waybill)
    label_url: str = LABEL_URL
    subscribe_url: str = SUBSCRIBE_URL
    query_url: str = QUERY_URL
    demo: bool = False

    def client(self) -> Kuaidi100 | DemoAggregator:
        if self.demo:
            return DemoAggregator()
        return Kuaidi100(
            self.key, self.secret, self.customer, self.label_url, self.subscribe_url, self.query_url
        )  # fmt: skip

    def masked(self) -> str:
        """The monthly account as a page may show it: its last four characters."""
        return "****" + self.account.partner_id[-4:] if not self.demo else ""


def load_accounts(path: Path | None = None) -> dict[str, WaybillAccount]:
    """The configured accounts by shop name; none when the file does not exist."""
    path = path or config_file()
    if not path.exists():
        return {}
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}.") from exc
    accounts = [_account(path, entry) for entry in document.get("waybill", [])]
    return {account.shop: account for account in accounts}


def _account(path: Path, entry: dict[str, Any]) -> WaybillAccount:
    values = {key: _resolved(path, key, value) for key, value in entry.items()}
    missing = [key for key in REQUIRED if not values.get(key)]
    if missing:
        shop = values.get("shop") or "?"
        raise ConfigError(f"The [[waybill]] of shop {shop} in {path} lacks {', '.join(missing)}.")
    if values["carrier"] not in COMPANY:
        raise ConfigError(f"The [[waybill]] of shop {values['shop']}: carrier must be one of {', '.join(COMPANY)}.")
    account = Account(
        str(values["partner_id"]), str(values.get("partner_key", "")), str(values.get("partner_secret", "")),
        str(values.get("partner_name", "")), str(values.get("net", "")),
    )  # fmt: skip
    sender = Party(str(values["sender_name"]), str(values["sender_phone"]), str(values["sender_address"]))
    urls = {name: str(values[name]) for name in ("label_url", "subscribe_url", "query_url") if values.get(name)}
    return WaybillAccount(
        shop=str(values["shop"]), carrier=str(values["carrier"]), account=account, sender=sender,
        key=str(values["key"]), secret=str(values["secret"]), customer=str(values.get("customer", "")),
        callback_url=str(values.get("callback_url", "")), print_type=str(values.get("print_type", "NON")), **urls,
    )  # fmt: skip


def demo_enabled() -> bool:
    return os.environ.get("ORDERHUB_WAYBILL_DEMO", "0") == "1"


def account_for(shop: str, accounts: dict[str, WaybillAccount], sender: Sender) -> WaybillAccount | None:
    """The shop's account; the demo double's when demo waybills are on; else None (own numbers)."""
    if shop in accounts:
        return accounts[shop]
    return demo_account(shop, sender) if demo_enabled() else None


def demo_account(shop: str, sender: Sender) -> WaybillAccount:
    """The demo double's account for the shop (its waybills say 演示)."""
    return WaybillAccount(shop, "SF", Account("DEMO"), Party(sender.name, sender.phone, sender.address), demo=True)


def status(shops: list[str], accounts: dict[str, WaybillAccount]) -> list[dict]:
    """Per shop, what the 渠道同步 page shows: the carrier, the account (masked) and how it ships."""
    rows = []
    for shop in shops:
        account = accounts.get(shop)
        mode = "kuaidi100" if account else "demo" if demo_enabled() else "none"
        rows.append(
            {
                "shop": shop,
                "mode": mode,
                "carrier": account.carrier if account else ("SF" if mode == "demo" else ""),
                "account": account.masked() if account else "",
                "tracking": ("push" if account.callback_url else "poll") if account else "",
            }
        )
    return rows
