"""Chinese provinces: one canonical short name (广东, 内蒙古, 香港) for the 34 provincial divisions."""

from __future__ import annotations

import csv
import re
import unicodedata
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data" / "china"
# cpca names a municipality's city level 市辖区 ("districts under the city"): the city is the
# municipality itself. Other placeholders name no city at all.
_MUNICIPAL_CITY = "市辖区"
_NO_CITY = ("省直辖县级行政区划", "自治区直辖县级行政区划", "县")


@dataclass(frozen=True)
class Province:
    code: str  # 国家统计局 code: 44 = 广东
    short: str  # canonical name everywhere in OrderHub
    name_zh: str  # official full name: 广东省
    name_en: str
    iso_3166_2: str  # CN-GD


@cache
def provinces() -> tuple[Province, ...]:
    """The 31 mainland divisions of the NBS table plus Taiwan, Hong Kong and Macau."""
    with (DATA / "provinces.csv").open(encoding="utf-8") as fh:
        official = {row["code"]: row["name"] for row in csv.DictReader(fh)}
    with (DATA / "province_names.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return tuple(
        Province(
            row["code"],
            row["short"],
            official.get(row["code"]) or row["aliases"].split("|")[0],
            row["name_en"],
            row["iso_3166_2"],
        )
        for row in rows
    )


def _key(text: str) -> str:
    """Comparable form: NFKC (full-width letters), no spaces or dots, case-folded."""
    return re.sub(r"[\s.·]+", "", unicodedata.normalize("NFKC", text)).casefold()


@cache
def _by_alias() -> dict[str, str]:
    with (DATA / "province_names.csv").open(encoding="utf-8") as fh:
        extra = {row["code"]: [a for a in row["aliases"].split("|") if a] for row in csv.DictReader(fh)}
    table: dict[str, str] = {}
    for p in provinces():
        suffix = p.iso_3166_2.split("-")[1]  # GD: Shopify's and others' province code
        for alias in (p.short, p.name_zh, p.name_en, p.iso_3166_2, suffix, *extra[p.code]):
            table[_key(alias)] = p.short
    return table


@cache
def _prefixes() -> tuple[tuple[str, str], ...]:
    """Chinese names, longest first, to recognise 广东省深圳市… or 广东深圳 by their start."""
    names = [(p.name_zh, p.short) for p in provinces()] + [(p.short, p.short) for p in provinces()]
    return tuple(sorted(names, key=lambda pair: -len(pair[0])))


@lru_cache(maxsize=4096)  # a batch spells the same few dozen provinces over and over
def normalise_province(text: str | None) -> str:
    """The canonical short name for any spelling (广东省, 广东, Guangdong, CN-GD), else ""."""
    if not text or not text.strip():
        return ""
    found = _by_alias().get(_key(text))
    if found:
        return found
    plain = unicodedata.normalize("NFKC", text).strip()
    return next((short for name, short in _prefixes() if plain.startswith(name)), "")


def full_name(short: str) -> str:
    """广东 → 广东省 (empty for an unknown name)."""
    return next((p.name_zh for p in provinces() if p.short == short), "")


def locate(addresses: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Province (short name) and city found in each free-text address, e.g. 深圳南山区… → (广东, 深圳市).

    Uses cpca's offline division data; an address naming no known place gives ("", "").
    """
    unique = sorted({a for a in addresses if a and a.strip()})
    if not unique:
        return {}
    with warnings.catch_warnings():  # cpca's pandas code warns about its own chained assignment
        warnings.simplefilter("ignore")
        import cpca

        frame = cpca.transform(unique)
    found = {}
    for address, province, city in zip(unique, frame["省"], frame["市"], strict=True):
        short = normalise_province(province if isinstance(province, str) else "")
        found[address] = (short, _city_name(short, city))
    return found


def _city_name(short: str, city: object) -> str:
    if not isinstance(city, str) or not short or city in _NO_CITY:
        return ""
    return full_name(short) if city == _MUNICIPAL_CITY else city


# Countries as files and APIs write them. China (any of these names) is stored as CN; Hong Kong,
# Macau and Taiwan, which some channels list as countries, are provinces of their own in the
# reports; any other country is abroad (海外) and keeps its own region as the channel wrote it.
CHINA = "CN"
_CHINA_NAMES = frozenset(
    {"cn", "chn", "china", "中国", "中國", "中国大陆", "prc", "中华人民共和国", "peoplesrepublicofchina"}
)
_REGIONS_AS_COUNTRIES = {
    **dict.fromkeys(("hk", "hkg", "hongkong", "香港", "中国香港"), "香港"),
    **dict.fromkeys(("mo", "mac", "macau", "macao", "澳门", "澳門", "中国澳门"), "澳门"),
    **dict.fromkeys(("tw", "twn", "taiwan", "台湾", "臺灣", "中国台湾"), "台湾"),
}


@lru_cache(maxsize=1024)
def normalise_country(text: str | None) -> str:
    """CN for China by any name, "" when none is given, else the country as written (trimmed)."""
    if not text or not text.strip():
        return ""
    return CHINA if _key(text) in _CHINA_NAMES else unicodedata.normalize("NFKC", text).strip()


@lru_cache(maxsize=1024)
def is_abroad(country: str | None) -> bool:
    """Whether an order's country is another than China (with Hong Kong, Macau and Taiwan)."""
    key = _key(country or "")
    return bool(key) and key not in _CHINA_NAMES and key not in _REGIONS_AS_COUNTRIES


def region_of_country(country: str | None) -> str:
    """香港, 澳门 or 台湾 for those written as a country, else ""."""
    return _REGIONS_AS_COUNTRIES.get(_key(country or ""), "")
