"""How long each text field of an incoming order may be: the length of the column it lands in, so
an import refuses an over-long value with its row instead of the database refusing the batch."""

from core.orders.tables import orders
from core.stock.tables import skus
from core.store.tables import shops

_COLUMN_OF = {
    "order_no": orders.c.channel_order_no,
    "sku": skus.c.sku,
    "phone": orders.c.phone,
    "tracking_no": orders.c.tracking_no,
    "carrier": orders.c.carrier,
    "shop": shops.c.name,
    "buyer": orders.c.buyer,
    "address": orders.c.address,
    "province": orders.c.province,
    "city": orders.c.city,
    "buyer_remark": orders.c.buyer_remark,
    "seller_remark": orders.c.seller_remark,
}
FIELD_LENGTHS: dict[str, int] = {name: column.type.length for name, column in _COLUMN_OF.items()}
