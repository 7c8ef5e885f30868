"""What the queue's one search box finds, and how each part of it is looked up by an index.

A whole order number finds just that order. A pasted list of order numbers (words with digits,
split by spaces, commas or lines) finds those orders. One word finds the orders whose number
contains it, whose buyer starts with it, whose tracking number or SKU it is and, for a role that
sees phones, whose phone is it or ends with its four digits (a role that may not read a phone may
not find by it).

Each part is a set of order ids an index yields, so a search costs what it finds, not the size of
the store: "contains" and "ends with" are served by trigram indexes (migration 0010: SQLite's FTS5
table order_search, PostgreSQL's pg_trgm), buyers by their B-tree, SKUs by the order lines' index.
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, Select, and_, column, select, table, union
from sqlalchemy.engine import Connection

from core import phones
from core.identity import access
from core.orders.tables import order_lines, orders
from core.stock.tables import skus
from core.store.db import is_postgres

_WORDS = re.compile(r"[\s,，;；、]+")
_DIGIT = re.compile(r"[0-9]")
_LAST_FOUR = re.compile(r"[0-9]{4}")
_LIKE_SPECIAL = re.compile(r"[%_\\/]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# The highest code point: `buyer >= s and buyer < s + TOP` is a prefix match any index can serve.
TOP = "\U0010ffff"
# SQLite's trigram index (rowid = orders.id), kept by triggers on orders; not part of the schema's
# tables, so a whole-store copy rebuilds it rather than copying it.
ORDER_SEARCH = table("order_search", column("rowid"), column("channel_order_no"), column("phone"))
INDEX_TABLES = re.compile(r"order_search(_\w+)?")


def matching(conn: Connection, text: str, role: str) -> ColumnElement[bool] | None:
    """The search box's condition on orders for the role, or None when the box is empty. Control
    characters (a NUL pasted from a chat, which PostgreSQL cannot even compare) separate words."""
    text = _CONTROL.sub(" ", text).strip()
    if not text:
        return None
    with_phones = access.treatment(role, "phone") == "show"
    if conn.execute(select(orders.c.id).where(orders.c.channel_order_no == text).limit(1)).first():
        return orders.c.channel_order_no == text
    words = [word for word in _WORDS.split(text) if word]
    mobile = phones.as_mobile(text)  # "150 0000 1111" is one phone, not three order numbers
    if len(words) > 1 and all(_DIGIT.search(word) for word in words) and not mobile:
        return orders.c.channel_order_no.in_(words)
    found = [
        _like(conn, "channel_order_no", text, "%{}%"),
        select(orders.c.id).where(and_(orders.c.buyer >= text, orders.c.buyer < text + TOP)),
        select(orders.c.id).where(orders.c.tracking_no == text),
        select(order_lines.c.order_id).where(order_lines.c.sku_id == _sku_id(text)),
    ]
    if with_phones and _LAST_FOUR.fullmatch(text):
        found.append(_like(conn, "phone", text, "%{}"))
    if with_phones and mobile:
        found += [_like(conn, "phone", number, "{}") for number in {text, mobile}]
    return orders.c.id.in_(union(*found))


def is_index_table(name: str) -> bool:
    """Whether a table in the store is the search index (derived from orders, never copied)."""
    return INDEX_TABLES.fullmatch(name) is not None


def _like(conn: Connection, name: str, text: str, pattern: str) -> Select:
    """Ids of orders whose column `name` is like pattern.format(text), case-insensitively on both
    engines, through the trigram index (text with LIKE's wildcards in it is rare: it is escaped and
    read from the orders themselves, which SQLite's trigram index cannot take)."""
    if _LIKE_SPECIAL.search(text):
        escaped = pattern.format(_LIKE_SPECIAL.sub(lambda m: "/" + m.group(), text))
        return select(orders.c.id).where(orders.c[name].ilike(escaped, escape="/"))
    if is_postgres(conn):
        return select(orders.c.id).where(orders.c[name].ilike(pattern.format(text)))
    return select(ORDER_SEARCH.c.rowid).where(ORDER_SEARCH.c[name].like(pattern.format(text)))


def _sku_id(code: str) -> ColumnElement:
    return select(skus.c.id).where(skus.c.sku == code).scalar_subquery()
