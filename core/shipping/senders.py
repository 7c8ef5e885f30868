"""Who parcels are sent from: the sender's name, phone and address on labels and packing slips.

Each shop may have its own in data/senders.toml (ORDERHUB_SENDERS_FILE names another file; see
data/senders.example.toml). A shop not listed there gets the default sender from the environment,
ORDERHUB_SENDER_NAME, ORDERHUB_SENDER_PHONE and ORDERHUB_SENDER_ADDRESS, and what those leave out
comes from the demo warehouse below, under the shop's own name.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from core.errors import InvalidInput
from core.store.db import ROOT

DEFAULT_FILE = ROOT / "data" / "senders.toml"
DEMO_PHONE = "0571-8888-2026"
DEMO_ADDRESS = "浙江省杭州市余杭区仓前街道文一西路 998 号 OrderHub 演示仓"


@dataclass(frozen=True)
class Sender:
    name: str
    phone: str
    address: str


def senders(path: Path | None = None) -> dict[str, Sender]:
    """The per-shop senders by shop name; none when the file does not exist."""
    path = path or Path(os.environ.get("ORDERHUB_SENDERS_FILE") or DEFAULT_FILE)
    if not path.exists():
        return {}
    try:
        entries = tomllib.loads(path.read_text(encoding="utf-8")).get("sender", [])
        return {entry["shop"]: Sender(entry["name"], entry["phone"], entry["address"]) for entry in entries}
    except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise InvalidInput(f"{path.name} needs shop, name, phone and address in every [[sender]].") from exc


def sender_for(shop: str, configured: dict[str, Sender]) -> Sender:
    """The shop's own sender, else the default one under the shop's name."""
    if shop in configured:
        return configured[shop]
    return Sender(
        os.environ.get("ORDERHUB_SENDER_NAME") or shop,
        os.environ.get("ORDERHUB_SENDER_PHONE") or DEMO_PHONE,
        os.environ.get("ORDERHUB_SENDER_ADDRESS") or DEMO_ADDRESS,
    )
