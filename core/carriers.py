"""Carriers: their codes and names, and which carrier a scanned waybill number belongs to."""

from __future__ import annotations

DEFAULT_CARRIER = "SF"
CARRIER_NAMES = {
    "SF": "顺丰速运",
    "ZTO": "中通快递",
    "YTO": "圆通速递",
    "YD": "韵达快递",
    "STO": "申通快递",
    "JT": "极兔速递",
    "JD": "京东物流",
    "EMS": "EMS",
}
# Only the carriers whose numbers start with letters of their own can be told by the number:
# 圆通 YT…, 顺丰 SF…, 极兔 JT…, 京东 JD…/JDV…. 中通, 申通, 韵达 and EMS issue digits only, and their
# ranges overlap, so such a number keeps the carrier chosen for the order or the batch.
PREFIXES = (("YT", "YTO"), ("SF", "SF"), ("JT", "JT"), ("JD", "JD"))


def carrier_of(tracking_no: str) -> str | None:
    """The carrier a waybill number's prefix names, or None when the prefix does not tell."""
    number = tracking_no.strip().upper()
    return next((carrier for prefix, carrier in PREFIXES if number.startswith(prefix)), None)
