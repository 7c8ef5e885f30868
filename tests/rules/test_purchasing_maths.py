"""Reorder maths against hand-computed cases (no database)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from core.restock.purchasing import order_quantity, velocity, whole_packs


def test_velocity_takes_the_faster_of_the_last_14_and_30_days():
    assert velocity(28, 30) == 2  # 2/day recently beats 1/day over the month
    assert velocity(7, 60) == 2  # a slow fortnight does not hide a busy month
    assert velocity(10, 10) == Fraction(5, 7)


@pytest.mark.parametrize(
    ("position", "safety", "per_day", "lead", "pack", "moq", "expected", "why"),
    [
        # reorder point 20 + 2*7 = 34; up to 34 + 2*14 = 62; need 32 -> 3 packs of 12
        (30, 20, Fraction(2), 7, 12, 24, 36, "below the reorder point, rounded up to whole packs"),
        (34, 20, Fraction(2), 7, 12, 24, 0, "exactly at the reorder point nothing is ordered"),
        (40, 20, Fraction(2), 7, 12, 24, 0, "covered until the goods would arrive"),
        # reorder point 0 + 1*3 = 3; need 3 + 14 - 2 = 15 -> 3 packs of 6 = 18, but MOQ 50 -> 9 packs = 54
        (2, 0, Fraction(1), 3, 6, 50, 54, "the minimum order wins, itself rounded to whole packs"),
        # no sales: only the safety stock matters; need 20 - 5 = 15
        (5, 20, Fraction(0), 10, 1, 1, 15, "under safety stock with no sales"),
        # 5/7 a day over 7 days is exactly 5: reorder point 5; up to 5 + ceil(10) = 15; need 15 - 4 = 11
        (4, 0, Fraction(5, 7), 7, 1, 1, 11, "fractional velocity is rounded up only once, exactly"),
        # negative position (more reserved than arrives) still counts: 20 + 14 = 34 up to 62; need 72 -> 6 packs
        (-10, 20, Fraction(2), 7, 12, 1, 72, "a backlog of held orders is added to the need"),
    ],
)
def test_order_quantity(position, safety, per_day, lead, pack, moq, expected, why):
    assert order_quantity(position, safety, per_day, lead, pack, moq, cover_days=14) == expected, why


@pytest.mark.parametrize(
    ("qty", "pack", "moq", "expected"),
    [(36, 12, 24, 36), (30, 12, 24, 36), (12, 12, 24, 24), (7, 1, 1, 7), (5, 10, 25, 30)],
)
def test_whole_packs_is_the_least_the_supplier_accepts_that_covers_the_quantity(qty, pack, moq, expected):
    assert whole_packs(qty, pack, moq) == expected
