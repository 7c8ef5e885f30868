"""core/ is layered: each package imports only the kernel (core's own modules) and the packages
below it, so a newcomer reads the store from the bottom up and no rule reaches above itself."""

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "core"

# Bottom to top. A package may import the packages before it in this list, never after.
LAYERS = [
    "store",
    "identity",
    "messages",
    "stock",
    "orders",
    "review",
    "shipping",
    "intake",
    "aftersales",
    "restock",
    "analytics",
    "copies",
]
# core/schema.py gathers every package's tables; only whole-store code may read it.
WHOLE_STORE = "schema"
OUTSIDE_CORE = ("streamlit", "pages", "ui", "connectors", "commands", "demo", "notify", "app", "cli")


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, as dotted names (`from core import x` counts as core.x)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def owner(module: str) -> str | None:
    """The core package (or `schema`, or the kernel "") a dotted core module belongs to."""
    parts = module.split(".")
    if parts[0] != "core" or len(parts) < 2:
        return None
    if parts[1] in LAYERS or parts[1] == WHOLE_STORE:
        return parts[1]
    return ""


def upward_imports() -> list[str]:
    found = []
    for path in CORE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        here = owner(".".join(path.relative_to(CORE.parent).with_suffix("").parts))
        rank = LAYERS.index(here) if here in LAYERS else -1
        for module in imported_modules(path):
            target = owner(module)
            if target is None or target == here or target == "":
                continue
            if here == WHOLE_STORE and target in LAYERS:
                continue
            allowed = target == WHOLE_STORE and here == "copies" or target in LAYERS[: max(rank, 0)]
            if not allowed:
                found.append(f"{path.relative_to(CORE.parent)} imports {module}")
    return sorted(found)


def test_no_core_package_imports_a_package_above_it():
    assert upward_imports() == []


def test_the_kernel_imports_no_package():
    kernel = [path for path in CORE.glob("*.py") if path.stem != WHOLE_STORE]
    offending = [
        f"{path.name} imports {module}"
        for path in kernel
        for module in imported_modules(path)
        if owner(module) not in (None, "")
    ]
    assert offending == []


def test_core_never_imports_pages_streamlit_connectors_or_the_demo():
    offending = [
        f"{path.relative_to(CORE.parent)} imports {module}"
        for path in CORE.rglob("*.py")
        for module in imported_modules(path)
        if module.split(".")[0] in OUTSIDE_CORE
    ]
    assert offending == []


def test_connectors_reach_the_store_only_through_core_services():
    """Connectors yield and push; what they keep (bookmarks, locks, listings, quarantined rows)
    is written by core.intake, so no connector imports a table or the engine's transactions."""
    connectors = CORE.parent / "connectors"
    offending = [
        f"{path.name} imports {module}"
        for path in connectors.rglob("*.py")
        for module in imported_modules(path)
        if module.startswith("core.") and (".tables" in module or module.startswith("core.store.db.transaction"))
    ]
    assert offending == []
