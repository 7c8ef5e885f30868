"""Intake with the review rules on vs. off, on realistic orders (distinct buyers, a few remarks,
bad phones, short addresses and repeat buyers), plus a full re-check of the open orders.

Usage: python -m bench.review [DATABASE_URL_PREFIX]; writes bench/results/review.json.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
from dataclasses import replace

from bench.common import generated_orders, timer, write
from bench.intake import fresh_store
from core.identity.access import SYSTEM
from core.intake import ingest
from core.review import review, rules
from core.store.db import transaction

COUNT = int(os.environ.get("BENCH_REVIEW_ORDERS", "50000"))
CITIES = [
    ("广东", "深圳市", "南山区科技园南路"),
    ("浙江", "杭州市", "西湖区文三路"),
    ("北京", "北京市", "朝阳区建国路"),
    ("四川", "成都市", "武侯区天府大道"),
    ("江苏", "南京市", "鼓楼区中山路"),
]


def realistic(count: int, seed: int = 11) -> list:
    """Generated paid orders given distinct buyers and the usual few percent of problems."""
    rng = random.Random(seed)
    made = []
    for n, order in enumerate(generated_orders(count, 50)):
        province, city, street = rng.choice(CITIES)
        buyer = f"买家{rng.randrange(count // 50)}" if rng.random() < 0.02 else f"买家{n}"  # 2 % repeat buyers
        fields = {
            "buyer": buyer,
            "phone": f"13{rng.randrange(10**9):09d}",
            "province": province,
            "city": city,
            "address": f"{province}省{city}{street}{n % 900 + 1}号",
        }
        roll = rng.random()
        if roll < 0.03:
            fields["buyer_remark"] = "请周末送货"
        elif roll < 0.04:
            fields["phone"] = "1380013"
        elif roll < 0.05:
            fields["address"] = f"{province}省{city}"
        made.append(replace(order, **fields))
    return made


def intake(url: str, orders: list, rules_on: bool) -> dict:
    engine = fresh_store(url)
    if rules_on:
        with transaction(engine) as conn:
            rules.enable_all(conn, SYSTEM)
    with timer() as took:
        summary = ingest.ingest(engine, orders, "bench", batch_size=5000, history=True)
    with timer() as recheck:
        queue = review.recheck_open_orders(engine, SYSTEM)
    engine.dispose()
    return {
        **took,
        "orders_per_s": round(len(orders) / took["seconds"]),
        "held": summary.held,
        "exceptions": len(queue),
        "recheck_seconds": recheck["seconds"],
    }


def run(prefix: str | None = None) -> dict:
    orders = realistic(COUNT)
    with tempfile.TemporaryDirectory() as tmp:
        base = prefix or f"sqlite:///{tmp}/review"
        on = intake(f"{base}_on.db" if not prefix else f"{base}_on", orders, True)
        off = intake(f"{base}_off.db" if not prefix else f"{base}_off", orders, False)
    return {
        "orders": COUNT,
        "engine": (prefix or "sqlite").split(":")[0],
        "rules_on": on,
        "rules_off": off,
        "intake_ratio_on_vs_off": round(on["orders_per_s"] / off["orders_per_s"], 3),
    }


def main() -> None:
    write("review", run(sys.argv[1] if len(sys.argv) > 1 and "://" in sys.argv[1] else None))


if __name__ == "__main__":
    main()
