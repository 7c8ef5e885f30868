"""`make bench`: run every benchmark (or those named on the command line); JSON in bench/results/."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = [
    "intake",
    "api_pull",
    "import_file",
    "import_inference",
    "review",
    "analytics",
    "queue_query",
    "labels",
    "pages",
    "waybills",
]


def main(names: list[str]) -> int:
    for name in names or BENCHMARKS:
        if name not in BENCHMARKS:
            print(f"unknown benchmark {name!r}; choose from {', '.join(BENCHMARKS)}", file=sys.stderr)
            return 1
        importlib.import_module(f"bench.{name}").main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
