"""core.orders.status is the one writer of an order's status and hold: in the code, and at run time."""

from __future__ import annotations

import ast
import re
import traceback
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import event, select

from core.identity.access import Actor
from core.intake.ingest import ingest
from core.model import CANCELLED, HOLD_ADDRESS, HOLD_INSUFFICIENT_STOCK, HOLD_REVIEW, ON_HOLD, PAID
from core.orders import holds as order_holds
from core.orders import stock_resume, store_checks, workflow
from core.orders.tables import orders
from core.review import review, rules
from core.shipping import merge
from core.stock import reservations as stock
from core.store.db import MIGRATIONS, ROOT, migrate, transaction
from tests.core.helpers import T0, add_skus, order, order_row

CLERK = Actor("客服-小美", "clerk")
OWNER = ROOT / "core" / "orders" / "status.py"
HOLD_COLUMNS = {"status", "status_before_hold", "hold_reason"}
SOURCES = [*(ROOT / "app.py", ROOT / "cli.py")]
SOURCES += [p for d in ("core", "connectors", "pages", "commands", "ui", "bench") for p in (ROOT / d).rglob("*.py")]
SOURCES = [p for p in SOURCES if "migrations" not in p.parts]  # the schema's history is not a writer
SET_CLAUSE = re.compile(r"^\s*UPDATE\s+orders\s+SET\s+(.*?)\s+WHERE", re.I | re.S)


def _writes_hold_columns(call: ast.Call) -> bool:
    """A `.values(...)` call naming a hold column, on an UPDATE of orders somewhere down its chain."""
    if not (isinstance(call.func, ast.Attribute) and call.func.attr == "values"):
        return False
    if not {keyword.arg for keyword in call.keywords} & HOLD_COLUMNS:
        return False
    chain = ast.unparse(call.func.value)
    return "update(orders)" in chain or "orders.update()" in chain


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_but_the_owner_updates_an_orders_status_or_hold(path: Path):
    if path == OWNER:
        return
    text = path.read_text(encoding="utf-8")
    calls = [node for node in ast.walk(ast.parse(text)) if isinstance(node, ast.Call)]
    assert not [ast.unparse(call)[:80] for call in calls if _writes_hold_columns(call)]
    for match in SET_CLAUSE.finditer(text):
        assert not HOLD_COLUMNS & set(re.findall(r"\b(\w+)\s*=", match.group(1))), match.group(0)[:80]


def test_the_check_itself_sees_such_a_write():
    bad = ast.parse("conn.execute(update(orders).where(orders.c.id == 1).values(hold_reason='manual'))")
    assert any(_writes_hold_columns(node) for node in ast.walk(bad) if isinstance(node, ast.Call))


@pytest.fixture
def writers(any_engine):
    """Every UPDATE of orders setting a hold column, with the module of ours that sent it."""
    seen: list[tuple[str, str]] = []

    def spy(conn, cursor, statement, parameters, context, executemany):
        found = SET_CLAUSE.match(statement)
        if found and HOLD_COLUMNS & set(re.findall(r"\b(\w+)\s*=", found.group(1))):
            ours = [
                f for f in traceback.extract_stack() if f.filename.startswith(str(ROOT)) and ".venv" not in f.filename
            ]
            sender = next(f.filename for f in reversed(ours) if "/tests/" not in f.filename)
            seen.append((str(Path(sender).relative_to(ROOT)), statement.split("SET")[1][:60]))

    event.listen(any_engine, "before_cursor_execute", spy)
    yield any_engine, seen
    event.remove(any_engine, "before_cursor_execute", spy)


def test_every_status_and_hold_change_of_a_busy_day_goes_through_the_owner(writers):
    engine, seen = writers
    ids = add_skus(engine, {"PET-FOOD-2KG": 3, "TOY-PUZZLE-FEEDER": 0, "CAT-LITTER-10L": 5})
    with transaction(engine) as conn:
        rules.enable_all(conn, Actor("admin", "admin"), T0)
    ingest(
        engine,
        [
            order("TB-SHORT", ("TOY-PUZZLE-FEEDER", 1), minute=1),
            order("TB-SPLIT", ("PET-FOOD-2KG", 1), ("TOY-PUZZLE-FEEDER", 2), minute=2, buyer="孙八"),
            order("TB-HAND", ("CAT-LITTER-10L", 1), minute=3, buyer="王芳"),
            order("TB-LATE", status="pending_payment", minute=4, buyer="赵六"),
            order("TB-ASK", ("CAT-LITTER-10L", 1), minute=5, buyer="钱七", buyer_remark="请发顺丰"),
        ],
    )
    ingest(engine, [order("TB-LATE", ("TOY-PUZZLE-FEEDER", 1), minute=4, buyer="赵六")])  # lines come later, paid
    assert order_row(engine, "TB-SPLIT").hold_reason == HOLD_INSUFFICIENT_STOCK
    with transaction(engine) as conn:
        by_no = {no: order_row(engine, no).id for no in ("TB-SHORT", "TB-SPLIT", "TB-HAND", "TB-ASK")}
        order_holds.hold_by_hand(conn, [by_no["TB-HAND"]], "客服-小美", HOLD_ADDRESS, "门牌号缺失", T0)
        order_holds.resume_many(conn, [by_no["TB-HAND"]], "客服-小美", T0)
        merge.split(conn, by_no["TB-SPLIT"], {"TOY-PUZZLE-FEEDER": 2}, CLERK, T0)
        review.fix(conn, by_no["TB-ASK"], {"seller_remark": "已联系"}, CLERK, T0)
        review.approve(conn, by_no["TB-ASK"], CLERK, T0)
        stock.receive(conn, ids["TOY-PUZZLE-FEEDER"], 4, "仓库-老王", "PO-1", T0)
        stock_resume.retry_held(conn, [ids["TOY-PUZZLE-FEEDER"]], T0)
        workflow.advance(conn, by_no["TB-SHORT"], CANCELLED, "客服-小美", "buyer asked", T0)
        assert store_checks.invariant_violations(conn) == []
        kinds = set(conn.execute(select(orders.c.hold_reason).where(orders.c.status == ON_HOLD)).scalars())
    assert kinds <= {HOLD_INSUFFICIENT_STOCK, HOLD_REVIEW}
    assert order_row(engine, "TB-HAND").status == PAID
    senders = {sender for sender, _ in seen}
    assert len(seen) >= 8 and senders == {"core/orders/status.py"}, seen


def _triggers(conn) -> set[str]:
    if conn.dialect.name == "postgresql":
        return set(conn.exec_driver_sql("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal").scalars())
    return set(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars())


def test_upgrading_to_hold_kinds_names_each_hold_and_leaves_the_waits_to_python_on_both_engines(any_engine):
    engine = any_engine
    ids = add_skus(engine, {"TOY-PUZZLE-FEEDER": 0, "PET-FOOD-2KG": 10})
    ingest(engine, [order("TB-SHORT", ("TOY-PUZZLE-FEEDER", 1)), order("TB-TEXT", ("PET-FOOD-2KG", 1), buyer="王芳")])
    ingest(engine, [order("TB-ADDR", ("PET-FOOD-2KG", 1), buyer="赵六")])
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0007_order_amounts")
        assert {"stock_waits_order_changed", "stock_waits_order_held"} & _triggers(conn)
        for no, note in (("TB-TEXT", "买家要求改期"), ("TB-ADDR", "地址不详，待核实")):  # holds of before: free text
            conn.execute(
                orders.update()
                .where(orders.c.channel_order_no == no)
                .values(status=ON_HOLD, status_before_hold=PAID, hold_reason=note)
            )
    migrate(engine)
    with engine.connect() as conn:
        assert not {name for name in _triggers(conn) if name.startswith("stock_waits")}
        assert store_checks.invariant_violations(conn) == []
    kinds = {no: order_row(engine, no).hold_reason for no in ("TB-SHORT", "TB-TEXT", "TB-ADDR")}
    assert kinds == {"TB-SHORT": HOLD_INSUFFICIENT_STOCK, "TB-TEXT": "manual", "TB-ADDR": HOLD_ADDRESS}
    with transaction(engine) as conn:  # Python keeps the waits now: stock back resumes the order
        stock.receive(conn, ids["TOY-PUZZLE-FEEDER"], 1, "仓库-老王", "PO-1", T0)
        assert stock_resume.retry_held(conn, [ids["TOY-PUZZLE-FEEDER"]], T0) == [order_row(engine, "TB-SHORT").id]
