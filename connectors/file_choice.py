"""Which mapping an import uses: the one given, the channel's, or (auto) the saved or shipped one
that fits best, else the one proposed for the file (connectors/file_inference.py).

Saved mappings are TOML files in data/mappings/ (ORDERHUB_MAPPINGS_DIR), in the format of the
shipped ones in connectors/mappings/; they are offered again for files whose columns they fit.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from connectors.file_inference import has_lines, propose
from connectors.file_mapping import Mapping, Sheet, channels, load_mapping, mapping_toml, read_mapping
from connectors.file_reading import Table
from core.errors import InvalidInput

SAVED = Path(__file__).resolve().parent.parent / "data" / "mappings"


@dataclass(frozen=True)
class Choice:
    """The mapping an import uses, and where it came from: shipped, saved, proposed or given."""

    mapping: Mapping
    name: str
    source: str

    def as_dict(self) -> dict:
        return {"name": self.name, "source": self.source}


def saved_folder() -> Path:
    return Path(os.environ.get("ORDERHUB_MAPPINGS_DIR") or SAVED)


def choose(table: Table, items: Table | None = None, channel: str = "auto", mapping: Mapping | None = None) -> Choice:
    """The mapping for an import: the one given, the channel's, or (auto) the saved or shipped one
    that fits best, else the proposal. A mapping fits when the file has its required columns; the
    best maps the most columns, a saved one winning a tie (it was saved for files like this)."""
    if mapping is not None:
        return Choice(mapping, mapping.title, "given")
    if channel != "auto":
        return Choice(load_mapping(channel), channel, "shipped")
    candidates = [Choice(m, name, "saved") for name, m in saved_mappings()]
    candidates += [Choice(load_mapping(c), c, "shipped") for c in channels()]
    fitting = [c for c in candidates if _fits(c.mapping, table, items)]
    # An order-only mapping on a file with lines would drop them (Taobao's order report has no SKU).
    if items is None and any(not c.mapping.sheet.has_lines for c in fitting) and has_lines(table):
        fitting = [c for c in fitting if c.mapping.sheet.has_lines]
    if fitting:
        # max() keeps the first of equals, and saved mappings are listed first.
        return max(fitting, key=lambda c: _mapped(table, c.mapping.sheet) + _mapped(items, c.mapping.items))
    if items is not None:
        raise InvalidInput(f"No mapping fits {table.name} with {items.name}; give one with --mapping.")
    proposal = propose(table)
    if proposal.mapping is None:
        raise InvalidInput(f"{table.name}: no column looks like an order number; give a mapping with --mapping.")
    return Choice(proposal.mapping, "proposed", "proposed")


def _fits(mapping: Mapping, table: Table, items: Table | None) -> bool:
    """The file (and the items file, if given) has every column the mapping requires."""
    if items is not None and (mapping.items is None or not _has_required(items, mapping.items)):
        return False
    return _has_required(table, mapping.sheet)


def _has_required(table: Table, sheet: Sheet) -> bool:
    present = set(table.frame.columns)
    return all(any(c in present for c in sheet.columns[f]) for f in sheet.required)


def _mapped(table: Table | None, sheet: Sheet | None) -> int:
    """How many of the sheet's fields the file has a column for."""
    if table is None or sheet is None:
        return 0
    present = set(table.frame.columns)
    return sum(any(c in present for c in names) for names in sheet.columns.values())


def unmapped_columns(mapping: Mapping, tables: list[Table]) -> list[str]:
    """The files' columns no field of the mapping reads, in file order, each named once."""
    taken = mapping.columns_taken()
    names = [c for table in tables for c in table.frame.columns if c not in taken]
    return list(dict.fromkeys(names))


def saved_mappings(folder: Path | None = None) -> list[tuple[str, Mapping]]:
    folder = folder or saved_folder()
    return [(path.stem, read_mapping(path)) for path in sorted(folder.glob("*.toml"))]


def save_mapping(mapping: Mapping, name: str, folder: Path | None = None) -> Path:
    """Write the mapping as data/mappings/<name>.toml, the format of connectors/mappings/."""
    if not re.fullmatch(r"\w[\w.-]{0,63}", name) or name.endswith("."):
        raise InvalidInput("A mapping name is letters, digits, '-', '_' and '.', up to 64 characters.")
    folder = folder or saved_folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(mapping_toml(mapping), encoding="utf-8")
    return path
