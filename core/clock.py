"""Business time: naive datetimes in Asia/Shanghai, the time zone the platforms report in."""

from datetime import datetime
from zoneinfo import ZoneInfo

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    """The current business time, to the second."""
    return datetime.now(BUSINESS_TZ).replace(tzinfo=None, microsecond=0)


def instant() -> datetime:
    """The current business time to the microsecond, where a second is too coarse (e.g. a login
    cookie issued in the same second as a password reset must still be told apart from it)."""
    return datetime.now(BUSINESS_TZ).replace(tzinfo=None)
