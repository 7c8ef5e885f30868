"""Shared benchmark plumbing: timing, results as JSON, and generated orders."""

from __future__ import annotations

import json
import platform
import random
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from core.model import PAID, NormalisedOrder, OrderLine
from core.store.db import ROOT

RESULTS = Path(__file__).resolve().parent / "results"


@contextmanager
def timer() -> dict:
    """Measures the block's wall time ("seconds") and this process's CPU time ("cpu_seconds").

    CPU time is far less disturbed by other work on a shared machine; both are reported.
    """
    box: dict = {}
    start, cpu_start = time.perf_counter(), time.process_time()
    yield box
    box["seconds"] = round(time.perf_counter() - start, 4)
    box["cpu_seconds"] = round(time.process_time() - cpu_start, 4)


def best_of(runs: int, work: Callable[[], None]) -> float:
    """The fastest of several runs: the least disturbed by a noisy machine."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return round(min(times), 4)


def write(name: str, result: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {
        "benchmark": name,
        "at": datetime.now().isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        **result,
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, ensure_ascii=False))
    return path


def generated_orders(count: int, sku_count: int = 50, seed: int = 7, prefix: str = "TB") -> list[NormalisedOrder]:
    """Paid orders of one or two lines over sku_count SKUs named SKU-0000…"""
    rng = random.Random(seed)
    start = datetime(2026, 11, 1)
    orders = []
    for n in range(count):
        skus = rng.sample(range(sku_count), rng.choice((1, 1, 2)))
        created = start + timedelta(seconds=n * 3)
        orders.append(
            NormalisedOrder(
                channel="taobao",
                channel_order_no=f"{prefix}{n:010d}",
                shop="萌宠天猫旗舰店",
                status=PAID,
                created_at=created,
                paid_at=created + timedelta(minutes=2),
                buyer="张伟",
                phone="13800138000",
                province="广东",
                city="深圳市",
                address="广东省深圳市南山区科技园路1号",
                goods_cents=8900,
                paid_cents=8900,
                lines=tuple(OrderLine(f"SKU-{s:04d}", rng.randint(1, 3), 8900) for s in skus),
            )
        )
    return orders


@contextmanager
def local_server(module: str, *args: str) -> Iterator[str]:
    """A local platform server (`python -m module args…`) in its own process, so its time is not
    OrderHub's: yields the URL it prints, and stops it by closing its stdin."""
    command = [sys.executable, "-m", module, *args]
    server = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        yield server.stdout.readline().strip()
    finally:
        server.stdin.close()
        server.wait(timeout=30)
