"""Province buckets for reports and the shipped Natural Earth map of mainland China (no download).

Names are canonicalised by core.regions (广东省, Guangdong, CN-GD → 广东). Reports group orders
into the 31 mainland provinces the map draws, Hong Kong, Macau and Taiwan as buckets of their own
(they are not on the Natural Earth China layer), 海外 for orders to any other country, and 未知 for
addresses no province was found in.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from core import regions

GEOJSON = Path(__file__).resolve().parent.parent / "data" / "china" / "provinces_ne50m.geojson"
UNKNOWN = "未知"
OVERSEAS = "海外"
OFF_MAP = ("香港", "澳门", "台湾")


@cache
def geojson() -> dict[str, Any]:
    """The 31 mainland provinces; each feature's id is its canonical short name."""
    short_of = {province.iso_3166_2: province.short for province in regions.provinces()}
    data = json.loads(GEOJSON.read_text(encoding="utf-8"))
    for feature in data["features"]:
        feature["id"] = short_of[feature["properties"]["iso_3166_2"]]
    return data


@cache
def mainland() -> tuple[str, ...]:
    return tuple(feature["id"] for feature in geojson()["features"])


@cache
def bucket(province: str | None, country: str | None = "") -> str:
    """The report bucket of an order's place: a mainland province, 香港/澳门/台湾, 海外 (another
    country), or 未知."""
    if regions.is_abroad(country):
        return OVERSEAS
    name = regions.normalise_province(province) or regions.region_of_country(country)
    return name if name in mainland() or name in OFF_MAP else UNKNOWN
