"""The 1M-line import with mapping inference (channel auto) vs the same file with a fixed mapping.

The file is bench.import_file's generated export under English report headers no shipped mapping
has, so `auto` looks at every shipped and saved mapping, finds none fits, and proposes one from
the headers and a sample. The fixed run imports with that proposal written out as TOML and read
back (what `--mapping` does). Both land in fresh SQLite stores, one after the other in one run.

Target (issue 17): inference costs < 10 % of the import. The JSON gives the end-to-end ratio and,
less disturbed by a busy machine, the choice alone (connectors.file_choice.choose) as a share
of the fixed import. `python -m bench import_inference` (BENCH_IMPORT_LINES=100000 for a quick run).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.common import timer, write
from bench.import_file import LINES, generate
from bench.intake import fresh_store
from connectors.file_choice import choose, save_mapping
from connectors.file_mapping import read_mapping
from connectors.file_reading import read_table
from connectors.files import import_file

TARGET_RATIO = 1.10
# The generic export's columns as an English order report names them.
HEADERS = {
    "order_no": "Order ID",
    "created_at": "Order Date",
    "paid_at": "Paid at",
    "status": "Order Status",
    "buyer": "Ship Name",
    "phone": "Phone",
    "province": "State",
    "city": "City",
    "address": "Address",
    "sku": "SKU",
    "qty": "Quantity",
    "unit_price": "Unit Price",
    "discount": "Line Discount",
    "shipping_fee": "Shipping Fee",
}


def english_export(path: Path, lines: int) -> int:
    """bench.import_file's export with its header line renamed; returns the number of orders."""
    orders = generate(path, lines)
    data = path.read_bytes()
    end = data.index(b"\n")
    header = ",".join(HEADERS[name] for name in data[:end].decode().split(","))
    path.write_bytes(header.encode() + data[end:])
    return orders


def run(lines: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "orders.csv"
        orders = english_export(export, lines)
        table = read_table(export)
        with timer() as inference:
            choice = choose(table)
        del table
        fixed = read_mapping(save_mapping(choice.mapping, "bench", Path(tmp)))
        assert choice.source == "proposed" and fixed == choice.mapping, choice
        results = {}
        for label, options in (("fixed", {"mapping": fixed}), ("auto", {})):
            engine = fresh_store(f"sqlite:///{tmp}/{label}.db")
            with timer() as took:
                summary = import_file(engine, "auto", export, **options)
            engine.dispose()
            assert summary.new == orders and summary.rejected == 0, summary.as_dict()
            results[label] = {**took, "phases_seconds": summary.seconds, "mapping": summary.mapping}
    ratio = results["auto"]["seconds"] / results["fixed"]["seconds"]
    share = inference["seconds"] / results["fixed"]["seconds"]
    return {
        "lines": lines,
        "orders": orders,
        **results,
        "ratio_auto_to_fixed": round(ratio, 3),
        "cpu_ratio_auto_to_fixed": round(results["auto"]["cpu_seconds"] / results["fixed"]["cpu_seconds"], 3),
        "inference_alone": {**inference, "share_of_fixed_import": round(share, 4)},
        "unmapped_columns": summary.unmapped_columns,
        "target_ratio": TARGET_RATIO,
        "target_met": 1 + share < TARGET_RATIO,
    }


def main() -> None:
    write("import_inference", run(LINES))


if __name__ == "__main__":
    main()
