"""Every role against every write service: the policy, written out as a table and asserted exactly.

A service that stops checking who acts (or checks after it looked something up) lets a denied role
through to its own "not found" — and its row here fails. The table is written by hand on purpose:
it is what the business agreed, not a copy of core.access.ACTIONS.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from connectors import files, pulls
from core.aftersales import returns
from core.copies import sandbox
from core.errors import OrderHubError, PermissionDenied
from core.identity import users
from core.identity.access import ROLES, Actor
from core.messages import outbox
from core.orders import order_detail
from core.restock import catalog, purchase_orders, purchasing, stock_levels
from core.review import review, rules
from core.shipping import batch, merge
from core.store.db import metadata, transaction

# Columns: the roles, in core.access.ROLES order. "Y": may; ".": refused before anything changes.
POLICY = """
service                         admin manager clerk warehouse finance service analyst
review.approve                    Y     Y      Y      .        .       .       .
review.cancel                     Y     Y      Y      .        .       .       .
review.fix                        Y     Y      Y      .        .       .       .
review.recheck_open_orders        Y     Y      .      .        .       .       .
merge.merge                       Y     Y      Y      .        .       .       .
merge.unmerge                     Y     Y      Y      .        .       .       .
merge.split                       Y     Y      Y      .        .       .       .
batch.run confirm_payment         Y     Y      Y      .        .       .       .
batch.run ship                    Y     Y      Y      Y        .       .       .
batch.run cancel                  Y     Y      Y      .        .       .       .
batch.run resume                  Y     Y      Y      .        .       .       .
batch.move cancelled              Y     Y      Y      .        .       .       .
batch.move shipped                Y     Y      Y      Y        .       .       .
batch.hold                        Y     Y      Y      .        .       .       .
review.override                   Y     Y      .      .        .       .       .
stock_levels.release_fitting      Y     Y      Y      .        .       .       .
stock_levels.adjust               Y     Y      .      Y        .       .       .
stock_levels.receive              Y     Y      .      Y        .       .       .
catalog.import_stock counts       Y     Y      .      Y        .       .       .
catalog.import_stock costs        Y     Y      .      .        .       .       .
purchase_orders.receive           Y     Y      .      Y        .       .       .
purchase_orders.create            Y     Y      .      .        .       .       .
purchasing.save_supplier          Y     Y      .      .        .       .       .
rules.save_rule                   Y     Y      .      .        .       .       .
rules.enable_all                  Y     Y      .      .        .       .       .
rules.add_to_blacklist            Y     Y      .      .        .       .       .
rules.remove_from_blacklist       Y     Y      .      .        .       .       .
returns.open_ticket               Y     Y      .      .        .       Y       .
returns.open_as                   Y     Y      .      .        .       Y       .
returns.open_for_order_no         Y     Y      .      .        .       Y       .
returns.advance                   Y     Y      .      .        .       Y       .
returns.reassign                  Y     Y      .      .        .       Y       .
returns.add_note                  Y     Y      .      .        .       Y       .
order_detail.add_note             Y     Y      Y      Y        .       Y       .
files.import_file                 Y     Y      Y      .        .       .       .
pulls.sync_now                   Y     Y      Y      .        .       .       .
outbox.retry                      Y     .      .      .        .       .       .
sandbox.create                    Y     .      .      .        .       .       .
sandbox.promote                   Y     .      .      .        .       .       .
sandbox.drop                      Y     .      .      .        .       .       .
users.add_user                    Y     .      .      .        .       .       .
users.set_role                    Y     .      .      .        .       .       .
users.reset_password              Y     .      .      .        .       .       .
users.set_active                  Y     .      .      .        .       .       .
"""


def _table() -> dict[str, dict[str, bool]]:
    header, *rows = POLICY.strip().splitlines()
    roles = header.split()[1:]
    assert tuple(roles) == ROLES
    table = {}
    for row in rows:
        words = row.split()
        table[" ".join(words[: -len(roles)])] = dict(
            zip(roles, (mark == "Y" for mark in words[-len(roles) :]), strict=True)
        )
    return table


TABLE = _table()


def _in(engine: Engine, call: Callable[[Connection], object]) -> object:
    with transaction(engine) as conn:
        return call(conn)


# Each service called with a valid shape but nothing to act on: an allowed role gets through to
# "not found" (or does the harmless thing); a refused one must be stopped before that.
CALLS: dict[str, Callable[[Engine, Actor], object]] = {
    "review.approve": lambda e, a: _in(e, lambda c: review.approve(c, 404, a)),
    "review.cancel": lambda e, a: _in(e, lambda c: review.cancel(c, 404, a)),
    "review.fix": lambda e, a: _in(e, lambda c: review.fix(c, 404, {"address": "南山区科技园南路88号"}, a)),
    "review.recheck_open_orders": lambda e, a: review.recheck_open_orders(e, a),
    "merge.merge": lambda e, a: _in(e, lambda c: merge.merge(c, [404, 405], a)),
    "merge.unmerge": lambda e, a: _in(e, lambda c: merge.unmerge(c, 404, a)),
    "merge.split": lambda e, a: _in(e, lambda c: merge.split(c, 404, {"PET-FOOD-2KG": 1}, a)),
    "batch.run confirm_payment": lambda e, a: batch.run(e, a, "confirm_payment", [404]),
    "batch.run ship": lambda e, a: batch.run(e, a, "ship", [404]),
    "batch.run cancel": lambda e, a: batch.run(e, a, "cancel", [404]),
    "batch.run resume": lambda e, a: batch.run(e, a, "resume", [404]),
    "batch.move cancelled": lambda e, a: _in(e, lambda c: batch.move(c, 404, "cancelled", a)),
    "batch.move shipped": lambda e, a: _in(e, lambda c: batch.move(c, 404, "shipped", a)),
    "batch.hold": lambda e, a: _in(e, lambda c: batch.hold(c, [404], a, "manual", "买家要求暂缓发货")),
    "review.override": lambda e, a: _in(e, lambda c: review.override(c, 404, a, "老客户，电话确认过")),
    "stock_levels.release_fitting": lambda e, a: stock_levels.release_fitting(e, a),
    "stock_levels.adjust": lambda e, a: stock_levels.adjust(e, a, "PET-FOOD-2KG", 5, "盘点"),
    "stock_levels.receive": lambda e, a: stock_levels.receive(e, a, "PET-FOOD-2KG", 5),
    "catalog.import_stock counts": lambda e, a: catalog.import_stock(e, [{"sku": "NEW-1", "on_hand": "3"}], a, "x"),
    "catalog.import_stock costs": lambda e, a: catalog.import_stock(
        e, [{"sku": "NEW-2", "on_hand": "3", "unit_cost": "999"}], a, "x"
    ),
    "purchase_orders.receive": lambda e, a: _in(e, lambda c: purchase_orders.receive_purchase_order(c, "PO-0", a)),
    "purchase_orders.create": lambda e, a: _in(e, lambda c: purchase_orders.create_purchase_order(c, "无此厂", a)),
    "purchasing.save_supplier": lambda e, a: _in(
        e, lambda c: purchasing.save_supplier(c, "汪汪宠物食品厂", "sales@wangwang.example", 7, 12, 24, a)
    ),
    "rules.save_rule": lambda e, a: _in(e, lambda c: rules.save_rule(c, "buyer_remark", False, {}, a)),
    "rules.enable_all": lambda e, a: _in(e, lambda c: rules.enable_all(c, a)),
    "rules.add_to_blacklist": lambda e, a: _in(e, lambda c: rules.add_to_blacklist(c, "buyer", "职业差评师", "", a)),
    "rules.remove_from_blacklist": lambda e, a: _in(e, lambda c: rules.remove_from_blacklist(c, "buyer", "某人", a)),
    "returns.open_ticket": lambda e, a: _in(e, lambda c: returns.open_ticket(c, 404, "refund", "damaged", a)),
    "returns.open_as": lambda e, a: _in(e, lambda c: returns.open_as(c, 404, "refund", "damaged", a)),
    "returns.open_for_order_no": lambda e, a: _in(
        e, lambda c: returns.open_for_order_no(c, "TB404", "refund", "damaged", a)
    ),
    "returns.advance": lambda e, a: _in(e, lambda c: returns.advance(c, "AS404", "approved", a)),
    "returns.reassign": lambda e, a: _in(e, lambda c: returns.reassign(c, "AS404", "li.na", a)),
    "returns.add_note": lambda e, a: _in(e, lambda c: returns.add_note(c, "AS404", a, "买家来电")),
    "order_detail.add_note": lambda e, a: order_detail.add_note(e, a, 404, "买家来电催发货"),
    "files.import_file": lambda e, a: files.import_file(e, "auto", "/nonexistent/orders.csv", actor=a),
    "pulls.sync_now": lambda e, a: pulls.sync_now(e, a, shops=[]),
    "outbox.retry": lambda e, a: _in(e, lambda c: outbox.retry(c, [404], a)),
    "sandbox.create": lambda e, a: sandbox.create(e, a),
    "sandbox.promote": lambda e, a: sandbox.promote(e, a),
    "sandbox.drop": lambda e, a: sandbox.drop(e, a),
    "users.add_user": lambda e, a: users.add_user(e, a, "new.clerk", "clerk", "long-enough-1"),
    "users.set_role": lambda e, a: users.set_role(e, a, "nobody", "admin"),
    "users.reset_password": lambda e, a: users.reset_password(e, a, "nobody", "long-enough-1"),
    "users.set_active": lambda e, a: users.set_active(e, a, "nobody", False),
}


def _row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: conn.execute(select(func.count()).select_from(t)).scalar() for name, t in metadata.tables.items()}


def _outcome(engine: Engine, service: str, role: str) -> bool:
    """True when the role got past the permission check (whatever happened next)."""
    try:
        CALLS[service](engine, Actor(f"{role}-user", role))
    except PermissionDenied as refusal:
        assert refusal.key == "error.role_may_not" and role in str(refusal)
        return False
    except (OrderHubError, OSError):  # through the check, then stopped by the empty store or the missing file
        return True
    return True


def test_the_table_names_every_service_called():
    assert set(TABLE) == set(CALLS)


@pytest.mark.parametrize("service", list(CALLS))
def test_each_role_may_or_may_not_use_the_service_exactly_as_the_policy_says(sqlite_engine, service):
    before = _row_counts(sqlite_engine)
    refused = [role for role in ROLES if not TABLE[service][role]]
    assert {role: _outcome(sqlite_engine, service, role) for role in refused} == dict.fromkeys(refused, False)
    assert _row_counts(sqlite_engine) == before, "a refused role changed something"
    allowed = [role for role in ROLES if TABLE[service][role]]
    assert {role: _outcome(sqlite_engine, service, role) for role in allowed} == dict.fromkeys(allowed, True)


@pytest.mark.parametrize("service", ["review.approve", "stock_levels.adjust", "users.set_role", "sandbox.create"])
def test_a_bare_name_without_a_role_is_refused(sqlite_engine, service):
    with pytest.raises(PermissionDenied, match="No acting user"):
        CALLS[service](sqlite_engine, "admin")  # a str, not an Actor: who acts is unknown


def test_an_actors_role_cannot_be_raised_after_it_is_made():
    clerk = Actor("李客服", "clerk")
    with pytest.raises(AttributeError):
        clerk.role = "admin"
    assert (clerk, clerk.role) == ("李客服", "clerk")
