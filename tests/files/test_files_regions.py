"""Provinces: every spelling of the 34 provincial divisions becomes one short name."""

from __future__ import annotations

import csv
import json

import pytest

from core import regions

SHARED = regions.DATA  # the shipped copies of the NBS table and the map of China


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("广东省", "广东"),
        ("广东", "广东"),
        ("Guangdong", "广东"),
        ("guangdong ", "广东"),
        ("CN-GD", "广东"),
        ("GD", "广东"),
        ("廣東", "广东"),
        ("广东省深圳市南山区", "广东"),
        ("内蒙古自治区", "内蒙古"),
        ("Inner Mongolia", "内蒙古"),
        ("Inner Mongol", "内蒙古"),
        ("内蒙", "内蒙古"),
        ("广西壮族自治区", "广西"),
        ("宁夏回族自治区", "宁夏"),
        ("新疆维吾尔自治区", "新疆"),
        ("西藏自治区", "西藏"),
        ("Xizang", "西藏"),
        ("Tibet", "西藏"),
        ("北京市", "北京"),
        ("上海", "上海"),
        ("重庆市", "重庆"),
        ("天津市", "天津"),
        ("Shaanxi", "陕西"),
        ("Shanxi", "山西"),
        ("香港", "香港"),
        ("香港特别行政区", "香港"),
        ("Hong Kong", "香港"),
        ("澳门", "澳门"),
        ("澳門", "澳门"),
        ("Macao", "澳门"),
        ("台湾", "台湾"),
        ("台湾省", "台湾"),
        ("Taiwan", "台湾"),
        ("Ｇｕａｎｇｄｏｎｇ", "广东"),  # full-width letters
        ("Ontario", ""),
        ("", ""),
        ("火星", ""),
    ],
)
def test_a_province_written_any_way_becomes_its_short_name(written, canonical):
    assert regions.normalise_province(written) == canonical


def test_there_are_thirty_four_provincial_divisions_with_distinct_names():
    divisions = regions.provinces()
    assert len(divisions) == 34
    assert len({p.short for p in divisions}) == len({p.iso_3166_2 for p in divisions}) == 34
    assert {"香港", "澳门", "台湾"} <= {p.short for p in divisions}


def test_every_official_name_is_recognised_and_the_map_uses_the_same_34_names():
    with (SHARED / "provinces.csv").open(encoding="utf-8") as fh:
        official = [row["name"] for row in csv.DictReader(fh)]
    features = json.loads((SHARED / "provinces.geojson").read_text(encoding="utf-8"))["features"]
    assert all(regions.normalise_province(name) for name in official)
    by_code = {p.code: p.short for p in regions.provinces()}
    drawn = {f["properties"]["code"]: f["id"] for f in features if f["geometry"]["type"] == "MultiPolygon"}
    assert drawn == by_code


def test_an_address_alone_gives_the_province_and_city():
    found = regions.locate(
        [
            "广东省深圳市南山区科技园路1号",
            "深圳南山区科技园",
            "北京市朝阳区建国路88号",
            "上海浦东新区张江路1号",
            "香港九龙尖沙咀1号",
            "没有地名的地址",
        ]
    )
    assert found["广东省深圳市南山区科技园路1号"] == ("广东", "深圳市")
    assert found["深圳南山区科技园"] == ("广东", "深圳市")  # the province inferred from the city
    assert found["北京市朝阳区建国路88号"] == ("北京", "北京市")  # a municipality is its own city
    assert found["上海浦东新区张江路1号"] == ("上海", "上海市")
    assert found["香港九龙尖沙咀1号"] == ("香港", "")
    assert found["没有地名的地址"] == ("", "")
