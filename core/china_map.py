"""Province buckets for reports and the shipped Natural Earth map of mainland China (no download).

Orders carry canonical short province names (广东, 内蒙古, 香港) written by the address
normaliser; reports group them into the 31 mainland provinces the map draws, Hong Kong, Macau
and Taiwan as buckets of their own (not on the Natural Earth China layer), and 未知 for the rest.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

GEOJSON = Path(__file__).resolve().parent.parent / "data" / "china" / "provinces_ne50m.geojson"
UNKNOWN = "未知"
# Regions outside the Natural Earth China layer: each is its own bucket, never "unknown".
OFF_MAP = {"香港": "香港", "澳门": "澳门", "澳門": "澳门", "台湾": "台湾", "臺灣": "台湾", "台灣": "台湾"}
# Longest first, so 广西壮族自治区 loses its whole suffix and not just 自治区.
SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")


@cache
def geojson() -> dict[str, Any]:
    """The 31 mainland provinces; each feature's id is its canonical short name."""
    data = json.loads(GEOJSON.read_text(encoding="utf-8"))
    for feature in data["features"]:
        feature["id"] = short_name(feature["properties"]["name_zh"])
    return data


@cache
def mainland() -> tuple[str, ...]:
    return tuple(feature["id"] for feature in geojson()["features"])


def short_name(name: str) -> str:
    """广西壮族自治区 → 广西, 上海市 → 上海; short names pass through."""
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def bucket(province: str | None) -> str:
    """The report bucket of an order's province: a mainland province, 香港/澳门/台湾, or 未知."""
    name = short_name((province or "").strip())
    if name in OFF_MAP:
        return OFF_MAP[name]
    return name if name in mainland() else UNKNOWN
