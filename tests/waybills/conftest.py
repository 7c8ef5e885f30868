"""The local 快递100 and a client on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.kuaidi100 import Account, Kuaidi100, Party, WaybillRequest
from tests.connectors_api.servers.base import serving
from tests.waybills.aggregator_server import Aggregator

KEY, SECRET, CUSTOMER = "KD100KEY", "kd100-secret", "CUSTOMER01"
ACCOUNT = Account("SF-MONTHLY-001", partner_key="sf-pass")
SENDER = Party("萌宠天猫旗舰店", "0571-88886666", "浙江省杭州市余杭区仓前街道文一西路 1500 号")
RECEIVER = Party("张伟", "13812341234", "广东省深圳市南山区科技园南区高新南七道 18 号")


@pytest.fixture
def aggregator() -> Iterator[tuple[Aggregator, str]]:
    server = Aggregator(KEY, SECRET, CUSTOMER)
    with serving(server) as url:
        yield server, url


def client_for(url: str, secret: str = SECRET, key: str = KEY, attempts: int = 3) -> Kuaidi100:
    return Kuaidi100(
        key,
        secret,
        CUSTOMER,
        label_url=f"{url}/label/order",
        subscribe_url=f"{url}/poll",
        query_url=f"{url}/poll/query.do",
        attempts=attempts,
    )


def request(order_key: str = "OH-1001", receiver: Party = RECEIVER, account: Account = ACCOUNT) -> WaybillRequest:
    return WaybillRequest(order_key, "SF", account, SENDER, receiver, "成犬粮 2kg×2")
