"""The whole schema: every package's tables on the one MetaData, for what walks all of them
(whole-store copies, the sandbox, migration checks). A package imports only its own tables."""

from core.aftersales import tables as aftersales_tables
from core.copies import tables as copies_tables
from core.identity import tables as identity_tables
from core.intake import tables as intake_tables
from core.messages import tables as messages_tables
from core.orders import tables as orders_tables
from core.restock import tables as restock_tables
from core.review import tables as review_tables
from core.shipping import tables as shipping_tables
from core.stock import tables as stock_tables
from core.store import tables as store_tables
from core.store.db import metadata

PACKAGE_TABLES = (
    store_tables,
    identity_tables,
    messages_tables,
    stock_tables,
    orders_tables,
    review_tables,
    shipping_tables,
    intake_tables,
    aftersales_tables,
    restock_tables,
    copies_tables,
)

__all__ = ["PACKAGE_TABLES", "metadata"]
