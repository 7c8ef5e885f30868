"""The shipped map of China: all 34 provincial divisions, 台湾 included, and the South China Sea islands."""

from __future__ import annotations

import re

from core import regions
from core.analytics import china_map
from ui import svg_charts


def test_the_map_has_the_34_provincial_divisions_by_their_canonical_names():
    drawn = [feature["id"] for feature in china_map.provinces()]
    assert len(drawn) == 34
    assert set(drawn) == {p.short for p in regions.provinces()}
    assert {"台湾", "香港", "澳门", "海南"} <= set(drawn)
    taiwan = next(f for f in china_map.provinces() if f["id"] == "台湾")
    lon, lat = zip(*(point for polygon in taiwan["geometry"]["coordinates"] for point in polygon[0]), strict=True)
    assert min(lon) > 119 and max(lon) < 123 and min(lat) > 21 and max(lat) < 26.5  # the island, where it is


def test_the_south_china_sea_islands_and_the_maritime_line_are_on_the_map():
    hainan = next(f for f in china_map.provinces() if f["id"] == "海南")
    islands = [p for p in hainan["geometry"]["coordinates"] if max(lat for _, lat in p[0]) < china_map.ISLANDS_NORTH]
    assert len(islands) > 100  # 西沙, 中沙, 南沙 …
    assert min(lat for polygon in islands for _, lat in polygon[0]) < 4.5  # down to 曾母暗沙
    line = china_map.maritime_line()
    assert len(line) >= 10  # the dashes
    assert all(105 < lon < 125 and 3 < lat < 25 for part in line for lon, lat in part)


def test_the_drawn_map_shows_every_division_and_the_islands_in_an_inset():
    svg = svg_charts.china({"台湾": 5, "广东": 10}, (706, 332), True, 16, "订单地区分布")
    assert len(re.findall(r"<title>", svg)) == 34
    assert "<title>台湾: 5</title>" in svg and "<title>澳门: 0</title>" in svg
    inset = svg[svg.index('clip-path="url(#inset-clip)"') :]
    assert inset.count("<path") >= 5  # the coast near it, the islands and the line


def test_orders_to_taiwan_hong_kong_and_macau_are_on_the_map():
    assert {china_map.bucket(p) for p in ("台湾省", "香港特别行政区", "澳门")} <= china_map.on_map()
    assert china_map.bucket("Taipei", "Taiwan") == "台湾"
    assert china_map.bucket("火星") == china_map.UNKNOWN
    assert china_map.bucket("California", "US") == china_map.OVERSEAS
