"""One pull of one Taobao shop in its own process, for the worker-lock tests.

python -m tests.connectors_api.pull_once DATABASE_URL GATEWAY_URL  → prints the result as JSON.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime

from connectors import sync
from connectors.taobao import TaobaoConnector
from core.store.db import make_engine
from tests.connectors_api.servers import taobao

SHOP = "萌宠天猫旗舰店"
START, NOW = datetime(2026, 11, 20, 8, 0, 0), datetime(2026, 11, 20, 12, 0, 0)


def main(database_url: str, gateway: str) -> None:
    settings = {
        "base_url": gateway,
        "app_key": taobao.APP_KEY,
        "app_secret": taobao.SECRET,
        "session": taobao.SESSION,
        "start": START,
    }
    connector = TaobaoConnector(SHOP, settings, make_engine(database_url))
    result = sync.pull(connector.engine, connector, now=NOW)
    print(json.dumps({"skipped": result.skipped, "new": result.summary.new}), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:3])
