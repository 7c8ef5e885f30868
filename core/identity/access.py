"""Roles, field masks and allowed actions: one policy, as data, enforced below pages and exports.

Every read that returns order data for a user goes through mask_rows()/mask_frame() and every
change checks require(); a page that forgets to ask still gets masked data and refused actions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd
import pyarrow as pa

from core import phones
from core.errors import PermissionDenied

ROLES = ("admin", "manager", "clerk", "warehouse", "finance", "service", "analyst")

# Which columns belong to each protected kind of field, by name, wherever they appear.
FIELD_KINDS: dict[str, frozenset[str]] = {
    "phone": frozenset({"phone", "buyer_phone", "receiver_phone", "mobile"}),
    "price": frozenset(
        {
            "unit_price_cents",
            "goods_cents",
            "paid_cents",
            "platform_discount_cents",
            "seller_coupon_cents",
            "shipping_fee_cents",
            "discount_cents",
            "amount_cents",
            "gmv_cents",
            "total_incl_tax_cents",
            "tax_cents",
            "refund_cents",
            "order_total_cents",
            "net_cents",
        }
    ),
    "cost": frozenset(
        {"unit_cost_cents", "line_cost_cents", "profit_cents", "commission_cents", "shipping_cost_cents", "cost_cents"}
    ),
}
# Free text where buyers and staff write phone numbers ("地址… 联系电话139…"): a role that may not
# see phones gets the numbers inside them masked too.
FREE_TEXT = frozenset(
    {"address", "buyer_remark", "seller_remark", "remark", "notes", "note", "text", "detail", "reason"}
)

# Per role: what happens to each kind of field ("show", "mask" or "hide").
FIELD_POLICY: dict[str, dict[str, str]] = {
    "admin": {"phone": "show", "price": "show", "cost": "show"},
    "manager": {"phone": "mask", "price": "show", "cost": "show"},
    "clerk": {"phone": "show", "price": "show", "cost": "hide"},
    "warehouse": {"phone": "hide", "price": "hide", "cost": "hide"},
    "finance": {"phone": "mask", "price": "show", "cost": "show"},
    "service": {"phone": "show", "price": "show", "cost": "hide"},
    "analyst": {"phone": "mask", "price": "show", "cost": "show"},
}

# Who may do what: every write service checks its action here before it changes anything, and
# the menu lists a page for the roles of the action it names (ui.navigation), so each rule is
# written once. The "view_*" actions only open pages; the others are changes.
ACTIONS: dict[str, frozenset[str]] = {
    "view_orders": frozenset({"admin", "manager", "clerk", "finance", "service"}),
    "view_order": frozenset({"admin", "manager", "clerk", "warehouse", "finance", "service"}),
    "view_stock": frozenset({"admin", "manager", "clerk", "warehouse", "analyst"}),
    "view_reports": frozenset({"admin", "manager", "finance", "analyst"}),
    "change_status": frozenset({"admin", "manager", "clerk"}),
    "override_review": frozenset({"admin", "manager"}),  # release a review hold unapproved, saying why
    "ship": frozenset({"admin", "manager", "clerk", "warehouse"}),
    "adjust_stock": frozenset({"admin", "manager", "warehouse"}),
    # Unit costs (and so every margin and the loss-making rule): never from a warehouse count alone.
    "edit_costs": frozenset({"admin", "manager", "finance"}),
    "import_orders": frozenset({"admin", "manager", "clerk"}),
    "export": frozenset({"admin", "manager", "finance", "analyst"}),
    "edit_tax": frozenset({"admin", "finance"}),
    "manage_users": frozenset({"admin"}),
    "handle_tickets": frozenset({"admin", "manager", "service"}),
    "purchasing": frozenset({"admin", "manager"}),
    "edit_rules": frozenset({"admin", "manager"}),
    "sandbox": frozenset({"admin"}),
    "sync": frozenset({"admin", "manager", "clerk"}),
    "retry_notifications": frozenset({"admin"}),
    "add_note": frozenset({"admin", "manager", "clerk", "warehouse", "service"}),
    "print_labels": frozenset({"admin", "manager", "clerk", "warehouse"}),
    # Upkeep of the store itself (schema, copies, the worker): the command line's administrator.
    "administer_store": frozenset({"admin"}),
}


class Actor(str):
    """Who is acting: the name that audit rows record (the string itself) and the role the policy
    checks. Every write service takes one and calls authorize() before it changes anything.

    Pages pass the signed-in user, the CLI the user of `--as USERNAME` (else the local
    administrator), scripts SYSTEM. It is a str so that the layers below a service, which only
    write the name into ledgers and events, take it as they took a name; a bare str is never an
    Actor, and an Actor's role never changes once made."""

    role: str

    def __new__(cls, username: str, role: str) -> Actor:
        actor = super().__new__(cls, username)
        object.__setattr__(actor, "role", role)
        return actor

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("An Actor does not change; make a new one.")

    def __getnewargs__(self) -> tuple[str, str]:  # copy and pickle (session state) keep the role
        return str(self), self.role

    def __repr__(self) -> str:
        return f"Actor({str(self)!r}, {self.role!r})"

    @property
    def username(self) -> str:
        return str(self)


# Scripts acting as the machine itself (benchmarks, maintenance), with the administrator's rights.
SYSTEM = Actor("system", "admin")


def _check_role(role: str) -> None:
    if role not in FIELD_POLICY:
        raise PermissionDenied(f"Unknown role {role!r}.")


def can(role: str, action: str) -> bool:
    return role in ACTIONS.get(action, frozenset())


def roles_for(action: str) -> frozenset[str]:
    """The roles allowed the action (the page registry lists a page for these)."""
    if action not in ACTIONS:
        raise KeyError(f"{action} is not in core.access.ACTIONS")
    return ACTIONS[action]


def require(role: str, action: str) -> None:
    """Raise PermissionDenied unless the role may perform the action."""
    _check_role(role)
    if not can(role, action):
        raise PermissionDenied(key="error.role_may_not", params={"role": role, "action": action.replace("_", " ")})


def authorize(actor: Actor, action: str) -> None:
    """A write service's first line: refuse unless the acting user's role may perform the action.
    A bare name (no role) is refused too, so a caller that forgot who acts cannot slip through."""
    if not isinstance(actor, Actor):
        raise PermissionDenied(key="error.no_acting_user")
    require(actor.role, action)


def treatment(role: str, column: str) -> str:
    """What the role gets for this column: show, mask or hide; "mask_text" for free text whose
    phone numbers the role may not read."""
    _check_role(role)
    for kind, columns in FIELD_KINDS.items():
        if column in columns:
            return FIELD_POLICY[role][kind]
    if column in FREE_TEXT and FIELD_POLICY[role]["phone"] != "show":
        return "mask_text"
    return "show"


def visible_columns(role: str, columns: Iterable[str]) -> list[str]:
    return [column for column in columns if treatment(role, column) != "hide"]


def mask_phone(phone: Any) -> str:
    """138****1234: enough to confirm with the buyer, not enough to call them."""
    text = "" if phone is None else str(phone)
    return f"{text[:3]}****{text[-4:]}" if len(text) >= 8 else "****" if text else ""


def mask_rows(role: str, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [_mask_row(role, row) for row in rows]


def _mask_row(role: str, row: dict[str, Any]) -> dict[str, Any]:
    masked = {}
    for column, value in row.items():
        rule = treatment(role, column)
        if rule == "show":
            masked[column] = value
        elif rule == "mask":
            masked[column] = mask_phone(value)
        elif rule == "mask_text":
            masked[column] = phones.mask_in_text(value) if isinstance(value, str) else value
    return masked


def mask_frame(role: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as the role may see it: hidden columns dropped, masked ones masked."""
    frame = frame[visible_columns(role, frame.columns)].copy()
    for column in frame.columns:
        rule = treatment(role, column)
        if rule == "mask":
            frame[column] = mask_phones(frame[column])
        elif rule == "mask_text":
            frame[column] = phones.mask_in_texts(frame[column])
    return frame


def mask_table(role: str, table: pa.Table | pa.RecordBatch) -> pa.Table | pa.RecordBatch:
    """mask_frame for Arrow data (exports): hidden columns dropped, masked ones masked."""
    names = visible_columns(role, table.column_names)
    return type(table).from_arrays([_masked_column(role, name, table.column(name)) for name in names], names=names)


def _masked_column(role: str, name: str, column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    rule = treatment(role, name)
    if rule == "mask":
        return pa.array(mask_phones(column.to_pandas()), pa.string())
    if rule == "mask_text" and pa.types.is_string(column.type):
        return pa.array(phones.mask_in_texts(column.to_pandas()), pa.string())
    return column


def mask_phones(values: pd.Series) -> pd.Series:
    """mask_phone over a whole column with string kernels: a million phones in a fraction of a second.

    Missing values (None, NaN) become "" as mask_phone(None) does; everything else is read as text.
    """
    text = values.astype("str").where(values.notna(), "")
    masked = text.str.slice(0, 3) + "****" + text.str.slice(-4)
    return masked.where(text.str.len() >= 8, "****").where(text != "", "")
