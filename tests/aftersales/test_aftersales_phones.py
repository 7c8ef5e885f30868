"""Mainland mobile numbers: what an SMS may go to, and the digits the lookup page asks for."""

import pytest

from core.errors import InvalidInput
from core.phones import last_four, mainland_mobile


@pytest.mark.parametrize("raw", ["13812345678", "+86 138 1234 5678", "0086-138-1234-5678", "86 19912345678"])
def test_a_mainland_mobile_is_accepted_in_the_ways_people_write_it(raw):
    assert len(mainland_mobile(raw)) == 11 and mainland_mobile(raw).startswith("1")


@pytest.mark.parametrize("raw", ["", "021-68888888", "1381234567", "138123456789", "12812345678", "+1 415 555 0100"])
def test_landlines_short_long_and_foreign_numbers_are_refused_with_a_reason(raw):
    with pytest.raises(InvalidInput, match="not a mainland China mobile number"):
        mainland_mobile(raw)


def test_the_last_four_digits_ignore_spacing_and_prefixes():
    assert last_four("+86 138-1234-5678") == "5678" and last_four("") == ""
