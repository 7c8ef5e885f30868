"""Reading the store in parts (core.store.arrow_source): order kept, early exits tidy, failures reported."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from core.store.arrow_source import SHARED_MEMORY, SourceError, arrow_source, id_ranges, whole
from core.store.db import transaction


@pytest.fixture
def numbers(engine):
    """A store with a table of ids 1–100."""
    with transaction(engine) as conn:
        conn.execute(text("CREATE TABLE numbers (id INTEGER PRIMARY KEY, word TEXT)"))
        conn.execute(text("INSERT INTO numbers VALUES " + ", ".join(f"({n}, 'n{n}')" for n in range(1, 101))))
    return engine


def in_ranges(ranges: list[tuple[int, int | None]]) -> list[str]:
    return [f"SELECT id FROM numbers WHERE id >= {low}" + (f" AND id < {high}" if high else "") for low, high in ranges]


def scratch_dirs() -> set[str]:
    return {name for name in os.listdir(SHARED_MEMORY) if name.startswith("orderhub-arrow-")}


def test_parts_come_back_in_the_order_asked_though_read_side_by_side(numbers):
    source = arrow_source(numbers)
    ranges = id_ranges(source, "numbers", size=7)
    assert len(ranges) == 15 and ranges[0] == (1, 8) and ranges[-1] == (99, None)
    with source.parts(in_ranges(ranges)) as parts:
        ids = [whole(part).column("id").to_pylist() for part in parts]
    assert [len(chunk) for chunk in ids] == [7] * 14 + [2]
    assert sum(ids, []) == list(range(1, 101))


def test_an_empty_table_is_one_open_range_that_still_names_the_columns(numbers):
    with transaction(numbers) as conn:
        conn.execute(text("DELETE FROM numbers"))
    source = arrow_source(numbers)
    assert id_ranges(source, "numbers") == [(0, None)]
    with source.parts(in_ranges([(0, None)])) as parts:
        assert whole(next(parts)).column_names == ["id"]


@pytest.mark.skipif(not os.path.isdir(SHARED_MEMORY), reason="no shared memory to look into")
def test_leaving_early_stops_the_readers_and_leaves_no_files(numbers):
    source = arrow_source(numbers)
    before = scratch_dirs()
    with source.parts(in_ranges(id_ranges(source, "numbers", size=3))) as parts:
        assert whole(next(parts)).num_rows == 3
    assert scratch_dirs() == before
    with source.parts(["SELECT count(*) AS n FROM numbers"]) as parts:  # the helpers are free again
        assert whole(next(parts)).column("n").to_pylist() == [100]


def test_a_failing_query_is_reported_and_the_next_one_still_works(numbers):
    source = arrow_source(numbers)
    with pytest.raises(SourceError, match="no such table"), source.parts(["SELECT * FROM nowhere"]) as parts:
        next(parts)
    with source.parts(["SELECT max(id) AS top FROM numbers"]) as parts:
        assert whole(next(parts)).column("top").to_pylist() == [100]
