"""Run one platform's local server with generated orders, for benchmarks and trying a client by hand.

python -m tests.connectors_api.servers CHANNEL COUNT  → prints the base URL, serves until stdin closes.
Orders are modified every two seconds from 2026-11-20 08:00, over 50 SKUs (SKU-0000…).
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta

from tests.connectors_api.kits import KITS
from tests.connectors_api.servers.base import serving

START = datetime(2026, 11, 20, 8, 0, 0)
STEP = timedelta(seconds=2)
SKUS = 50


def main(channel: str, count: int) -> None:
    kit = next(k for k in KITS if k.channel == channel)
    server = kit.platform()
    server.put(
        *[kit.order(n, "paid", START + n * STEP, [(f"SKU-{n % SKUS:04d}", 1 + n % 3, "59.90")]) for n in range(count)]
    )
    with serving(server) as url:
        print(url, flush=True)
        sys.stdin.read()  # serve until the parent closes our stdin (or ends)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
