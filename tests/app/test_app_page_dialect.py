"""Every page speaks one dialect: one guard first, domain errors shown one way, no SQL or transactions.

Read from the source (ast), so that a new page or widget that slips back into an old habit fails here
with the file and line, before anyone has to find it in review.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from app_pages import ROOT

from ui.navigation import PAGES

PAGE_FILES = sorted((ROOT / "pages").glob("*.py"))
UI_FILES = sorted((ROOT / "ui").glob("*.py"))
GUARD_MODULE = ROOT / "ui" / "auth.py"
ERROR_MODULE = ROOT / "ui" / "widgets.py"
PERMISSION_CALLS = frozenset({"can", "require", "may_open", "role"})
STORE_METHODS = frozenset({"begin", "execute", "exec_driver_sql", "transaction"})  # conn.execute(…), engine.begin()
SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|DROP)\s", re.IGNORECASE)
# ui/ may name the store's types in its signatures, nothing else of SQLAlchemy.
UI_SQLALCHEMY_TYPES = frozenset({"Engine", "Connection"})


def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def called(node: ast.AST) -> str | None:
    """The name a call calls: f(...) → f, a.b.f(...) → f."""
    if not isinstance(node, ast.Call):
        return None
    return node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)


def calls_in(node: ast.AST) -> set[str]:
    return {name for child in ast.walk(node) if (name := called(child))}


def stops(node: ast.AST) -> bool:
    """Whether the code calls st.stop()."""
    return any(
        isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute) and child.func.attr == "stop"
        for child in ast.walk(node)
    )


def where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{node.lineno}"


@pytest.mark.parametrize("path", PAGE_FILES, ids=lambda path: path.name)
def test_a_page_imports_nothing_of_sqlalchemy_nor_the_stores_transaction(path):
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.Import):
            assert not any(alias.name.startswith("sqlalchemy") for alias in node.names), where(path, node)
        if isinstance(node, ast.ImportFrom):
            assert not (node.module or "").startswith("sqlalchemy"), where(path, node)
            assert "transaction" not in {alias.name for alias in node.names}, where(path, node)


@pytest.mark.parametrize("path", [*PAGE_FILES, *UI_FILES, ROOT / "app.py"], ids=lambda path: path.name)
def test_no_page_or_widget_opens_a_transaction_or_writes_sql(path):
    module = tree(path)
    for node in ast.walk(module):
        if isinstance(node, ast.Call):
            method = node.func.attr if isinstance(node.func, ast.Attribute) else None
            assert method not in STORE_METHODS, f"{where(path, node)} calls .{method}(): ask a core service"
            assert called(node) != "transaction", f"{where(path, node)} opens a transaction: ask a core service"
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            assert not SQL.match(node.value), f"{where(path, node)}: SQL belongs in core"
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            names = {alias.name for alias in node.names}
            assert names <= UI_SQLALCHEMY_TYPES, f"{where(path, node)} imports {names - UI_SQLALCHEMY_TYPES}"


def first_action(module: ast.Module) -> ast.stmt:
    """The first statement that does something: not the docstring, an import, a definition, a
    constant (UPPER_CASE) or the page's st.set_page_config."""
    for node in module.body:
        if isinstance(node, ast.Import | ast.ImportFrom | ast.FunctionDef | ast.ClassDef):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if all(isinstance(target, ast.Name) and target.id.isupper() for target in targets):
            continue
        if called(getattr(node, "value", None)) == "set_page_config":
            continue
        return node
    raise AssertionError("the page does nothing")


@pytest.mark.parametrize("path", PAGE_FILES, ids=lambda path: path.name)
def test_every_page_first_calls_the_one_guard_with_its_own_path(path):
    page = f"pages/{path.name}"
    assert page in {spec.path for spec in PAGES}, f"{page} is not in ui.navigation.PAGES"
    first = first_action(tree(path))
    guard = first.value if isinstance(first, ast.Assign | ast.Expr) else None
    assert isinstance(guard, ast.Call) and ast.unparse(guard.func) == "auth.guard", f"{where(path, first)}"
    assert [ast.literal_eval(argument) for argument in guard.args] == [page]


@pytest.mark.parametrize("path", [*PAGE_FILES, *UI_FILES], ids=lambda path: path.name)
def test_no_page_or_widget_has_a_permission_stop_of_its_own(path):
    """A permission check that stops the page is a guard; ui.auth.guard is the only one."""
    if path == GUARD_MODULE:
        return
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.FunctionDef | ast.If) and stops(node):
            checked = calls_in(node if isinstance(node, ast.FunctionDef) else node.test) & PERMISSION_CALLS
            assert not checked, f"{where(path, node)} stops the page after {checked}: call auth.guard first"


@pytest.mark.parametrize("path", [*PAGE_FILES, *UI_FILES, ROOT / "app.py"], ids=lambda path: path.name)
def test_a_domain_error_is_shown_only_through_widgets_show_error(path):
    if path == ERROR_MODULE:
        return
    for node in ast.walk(tree(path)):
        assert called(node) != "explain", f"{where(path, node)}: show the error with widgets.show_error"
        if isinstance(node, ast.FunctionDef):
            assert node.name != "show_error", f"{where(path, node)}: widgets.show_error is the one"


PUBLIC_STREAMLIT = frozenset({"streamlit", "streamlit.components.v1", "streamlit_authenticator"})


@pytest.mark.parametrize("path", [*PAGE_FILES, *UI_FILES, ROOT / "app.py"], ids=lambda path: path.name)
def test_no_page_widget_or_login_reaches_into_streamlits_internals(path):
    """Streamlit's runtime, scriptrunner and the like change without notice between versions."""
    for node in ast.walk(tree(path)):
        modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
        modules += [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        for module in modules:
            if module.startswith("streamlit"):
                assert module in PUBLIC_STREAMLIT, f"{where(path, node)} imports {module}"
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ("st", "stauth"):
            assert not node.attr.startswith("_"), f"{where(path, node)} uses {node.value.id}.{node.attr}"
