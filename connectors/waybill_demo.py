"""The demo shops' waybill aggregator: the 快递100 client's methods, answered in process, so that
`make run` shows the whole flow without an account. Its numbers carry DEMO and the minute they were
issued; its parcels move on by themselves (揽收 after 2 minutes, 在途, 派件, 签收 after 8), so the
worker's polling completes demo orders. Labels from it say 演示: nobody may ship with them.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from connectors.kuaidi100 import Account, TrackEvent, Tracking, Waybill, WaybillRefused, WaybillRequest
from core import clock

EPOCH = datetime(2026, 1, 1)
STEPS = (
    (2, "1", "揽收", "【演示】快递员已揽收"),
    (4, "0", "在途", "【演示】快件已到达杭州转运中心"),
    (6, "5", "派件", "【演示】快件正在派送中"),
    (8, "3", "签收", "【演示】已签收，签收人：本人"),
)
_serials = itertools.count(1)


class DemoAggregator:
    """Same methods as connectors.kuaidi100.Kuaidi100; no network, no account."""

    def order(self, request: WaybillRequest) -> Waybill:
        minute = int((clock.now() - EPOCH).total_seconds() // 60)
        number = f"{request.carrier}DEMO{minute:08d}{next(_serials) % 1000:03d}"
        return Waybill(request.carrier, number, routing="演示-杭州-余杭", sort_code="DEMO-571-000")

    def cancel(self, waybill: Waybill, account: Account, reason: str) -> None:
        if self.query(waybill.carrier, waybill.tracking_no).events:
            raise WaybillRefused("30004", "快件已揽收，无法取消")

    def subscribe(self, carrier: str, tracking_no: str, callback_url: str, salt: str, phone: str = "") -> None:
        """Nothing to do: the demo's parcels are polled."""

    def query(self, carrier: str, tracking_no: str, phone: str = "") -> Tracking:
        issued = EPOCH + timedelta(minutes=int(tracking_no.split("DEMO", 1)[1][:8]))
        passed = [step for step in STEPS if issued + timedelta(minutes=step[0]) <= clock.now()]
        events = tuple(TrackEvent(issued + timedelta(minutes=m), context, name) for m, _, name, context in passed)
        return Tracking(tracking_no, passed[-1][1] if passed else "", events)

    def close(self) -> None:
        """Nothing to close."""
