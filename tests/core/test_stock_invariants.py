"""Stock invariants hold under any sequence of reserve/release/ship/receive/adjust."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert

from core.errors import InsufficientStock
from core.orders import store_checks
from core.orders.tables import orders
from core.stock import reservations as stock
from core.store.db import make_engine, migrate, transaction
from core.store.tables import channels, shops
from tests.core.helpers import T0, add_skus

SKUS = ("PET-FOOD-2KG", "CAT-LITTER-TOFU-6L", "TOY-FEATHER-WAND")
ORDERS = range(1, 6)

demand = st.dictionaries(st.sampled_from(range(1, 4)), st.integers(1, 4), min_size=1, max_size=3)
operation = st.one_of(
    st.tuples(st.just("reserve"), st.sampled_from(ORDERS), demand),
    st.tuples(st.just("release"), st.sampled_from(ORDERS)),
    st.tuples(st.just("ship"), st.sampled_from(ORDERS)),
    st.tuples(st.just("receive"), st.sampled_from(range(1, 4)), st.integers(1, 6)),
    st.tuples(st.just("adjust"), st.sampled_from(range(1, 4)), st.integers(-6, 6)),
)


def fresh_store(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('inv') / 'inv.db'}")
    migrate(engine)
    add_skus(engine, dict.fromkeys(SKUS, 5))
    with transaction(engine) as conn:
        conn.execute(insert(channels).values(code="taobao", name="淘宝"))
        conn.execute(insert(shops).values(name="萌宠天猫旗舰店", channel="taobao"))
        conn.execute(
            insert(orders),
            [
                {
                    "id": n,
                    "channel": "taobao",
                    "channel_order_no": f"TB{n}",
                    "shop_id": 1,
                    "status": "paid",
                    "platform_status": "paid",
                    "created_at": T0,
                    "updated_at": T0,
                    "source_hash": "-",
                }
                for n in ORDERS
            ],
        )
    return engine


class Model:
    """The plain-Python truth the database must agree with."""

    def __init__(self):
        self.on_hand = dict.fromkeys(range(1, 4), 5)
        self.held: dict[int, dict[int, int]] = {}

    def reserved(self, sku: int) -> int:
        return sum(d.get(sku, 0) for d in self.held.values())

    def available(self, sku: int) -> int:
        return self.on_hand[sku] - self.reserved(sku)


def apply(conn, model: Model, op: tuple) -> None:
    kind, target, *rest = op
    if kind == "reserve":
        wanted = {s: q for s, q in rest[0].items() if s not in model.held.get(target, {})}
        fits = all(model.available(s) >= q for s, q in wanted.items())
        try:
            stock.reserve(conn, target, rest[0], T0)
            assert fits, "the database reserved what the model says is not there"
            model.held.setdefault(target, {}).update(wanted)
        except InsufficientStock:
            assert not fits, "the database refused a reservation that fits"
    elif kind == "release":
        stock.release(conn, target, T0)
        model.held.pop(target, None)
    elif kind == "ship":
        stock.ship(conn, target, "test", T0)
        for sku, qty in model.held.pop(target, {}).items():
            model.on_hand[sku] -= qty
    elif kind == "receive":
        stock.receive(conn, target, rest[0], "test", "po", T0)
        model.on_hand[target] += rest[0]
    else:
        delta = rest[0]
        allowed = delta == 0 or model.on_hand[target] + delta >= model.reserved(target)
        try:
            stock.adjust(conn, target, delta, "counted", "test", T0)
            assert allowed
            model.on_hand[target] += delta
        except InsufficientStock:
            assert not allowed


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, min_size=1, max_size=25))
def test_stock_invariants_hold_under_any_operation_sequence(tmp_path_factory, operations):
    engine = fresh_store(tmp_path_factory)
    model = Model()
    for op in operations:
        with transaction(engine) as conn:
            apply(conn, model, op)
        with engine.connect() as conn:
            assert store_checks.invariant_violations(conn) == []
            for sku in range(1, 4):
                assert stock.available(conn, sku) == model.available(sku)
    engine.dispose()


def test_reserving_the_same_order_twice_is_a_no_op(engine):
    ids = add_skus(engine, {"PET-FOOD-2KG": 10})
    fresh_store_order(engine)
    for _ in range(2):
        with transaction(engine) as conn:
            stock.reserve(conn, 1, {ids["PET-FOOD-2KG"]: 3}, T0)
    with engine.connect() as conn:
        assert stock.available(conn, ids["PET-FOOD-2KG"]) == 7
        assert store_checks.invariant_violations(conn) == []


def test_a_reservation_that_does_not_fit_reserves_nothing_at_all(engine):
    ids = add_skus(engine, {"PET-FOOD-2KG": 10, "TOY-FEATHER-WAND": 1})
    fresh_store_order(engine)
    try:
        with transaction(engine) as conn:
            stock.reserve(conn, 1, {ids["PET-FOOD-2KG"]: 3, ids["TOY-FEATHER-WAND"]: 2}, T0)
    except InsufficientStock as shortage:
        assert "TOY-FEATHER-WAND" in str(shortage)
    with engine.connect() as conn:
        assert stock.available(conn, ids["PET-FOOD-2KG"]) == 10
        assert stock.available(conn, ids["TOY-FEATHER-WAND"]) == 1


def fresh_store_order(engine) -> None:
    with transaction(engine) as conn:
        conn.execute(insert(channels).values(code="taobao", name="淘宝"))
        conn.execute(insert(shops).values(name="萌宠天猫旗舰店", channel="taobao"))
        conn.execute(
            insert(orders).values(
                id=1,
                channel="taobao",
                channel_order_no="TB1",
                shop_id=1,
                status="paid",
                platform_status="paid",
                created_at=T0,
                updated_at=T0,
                source_hash="-",
            )
        )
