"""Business time: naive datetimes in Asia/Shanghai, the time zone the platforms report in."""

from datetime import datetime
from zoneinfo import ZoneInfo

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    """The current business time, to the second."""
    return datetime.now(BUSINESS_TZ).replace(tzinfo=None, microsecond=0)
