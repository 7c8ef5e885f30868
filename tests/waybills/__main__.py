"""Run the local 快递100 in its own process, for the benchmark and for trying the client by hand.

python -m tests.waybills [BALANCE] → prints the base URL, serves until stdin closes.
"""

from __future__ import annotations

import sys

from tests.connectors_api.servers.base import serving
from tests.waybills.aggregator_server import Aggregator


def main(balance: int) -> None:
    server = Aggregator()
    server.balances["SF-MONTHLY-001"] = balance
    with serving(server) as url:
        print(url, flush=True)
        sys.stdin.read()  # serve until the parent closes our stdin (or ends)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
