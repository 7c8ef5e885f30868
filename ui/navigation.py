"""The page registry, as data: page file → title key → icon → the core.identity.access action that opens it
(or PUBLIC, no login). Who may open a page is never written here: it is the roles core.identity.access
allows that action, so the menu and the services below it read one policy."""

from __future__ import annotations

from dataclasses import dataclass

from core.identity import access

PUBLIC = None  # reachable without logging in (order lookup, supplier links)


@dataclass(frozen=True)
class PageSpec:
    path: str
    title_key: str
    icon: str
    action: str | None  # the core.identity.access action whose roles may open the page; PUBLIC: anyone
    section: str = "nav.section.orders"
    listed: bool = True  # False: reachable by its URL (e.g. a supplier's token link) but not in the menu

    @property
    def url_path(self) -> str:
        return self.path.removeprefix("pages/").removesuffix(".py")

    @property
    def is_public(self) -> bool:
        return self.action is PUBLIC

    @property
    def roles(self) -> frozenset[str]:
        """The roles that may open the page (none named for a public one: everybody may)."""
        return frozenset() if self.is_public else access.roles_for(self.action)


# The lead adds the other areas' pages here at merge; order here is the order in the sidebar.
PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/queue.py", "nav.queue", ":material/list_alt:", "view_orders"),
    PageSpec("pages/order.py", "nav.order", ":material/receipt_long:", "view_order"),
    PageSpec(
        "pages/warehouse.py", "nav.warehouse", ":material/local_shipping:", "ship", section="nav.section.warehouse"
    ),
    PageSpec("pages/stock.py", "nav.stock", ":material/inventory_2:", "view_stock", section="nav.section.warehouse"),
    PageSpec("pages/import.py", "import.title", ":material/upload_file:", "import_orders"),
    PageSpec(
        "pages/returns.py",
        "aftersales.page.title",
        ":material/assignment_return:",
        "handle_tickets",
        section="nav.section.aftersales",
    ),
    PageSpec("pages/sync.py", "sync.title", ":material/sync:", "sync", section="nav.section.admin"),
    PageSpec(
        "pages/outbox.py",
        "aftersales.outbox.title",
        ":material/outgoing_mail:",
        "retry_notifications",
        section="nav.section.admin",
    ),
    PageSpec(
        "pages/lookup.py", "aftersales.lookup.title", ":material/travel_explore:", PUBLIC, section="nav.section.public"
    ),
    PageSpec("pages/exceptions.py", "exceptions.title", ":material/report:", "change_status"),
    PageSpec(
        "pages/purchasing.py",
        "purchasing.title",
        ":material/shopping_cart:",
        "purchasing",
        section="nav.section.warehouse",
    ),
    PageSpec(
        "pages/reports.py",
        "analytics.reports_title",
        ":material/monitoring:",
        "view_reports",
        section="nav.section.analytics",
    ),
    PageSpec(
        "pages/big_screen.py",
        "analytics.screen_title",
        ":material/tv:",
        "view_reports",
        section="nav.section.analytics",
    ),
    PageSpec(
        "pages/export.py", "analytics.export_title", ":material/download:", "export", section="nav.section.analytics"
    ),
    PageSpec("pages/rules_admin.py", "rules.title", ":material/rule:", "edit_rules", section="nav.section.admin"),
    PageSpec("pages/sandbox.py", "sandbox.title", ":material/science:", "sandbox", section="nav.section.admin"),
    PageSpec(
        "pages/supplier.py", "supplier.title", ":material/factory:", PUBLIC, section="nav.section.public", listed=False
    ),
    PageSpec(
        "pages/admin_users.py", "nav.users", ":material/manage_accounts:", "manage_users", section="nav.section.admin"
    ),
)


# The menu's sections, top to bottom: daily work first, self-service links last.
SECTIONS = (
    "nav.section.orders",
    "nav.section.warehouse",
    "nav.section.aftersales",
    "nav.section.analytics",
    "nav.section.admin",
    "nav.section.public",
)

# Where a role lands after logging in, when not on the first page it may open.
HOME_OF = {"warehouse": "pages/warehouse.py", "analyst": "pages/reports.py"}


def home(role: str) -> PageSpec:
    """The page a role starts on."""
    return spec(HOME_OF[role]) if role in HOME_OF else visible_pages(role)[0]


def spec(path: str) -> PageSpec:
    """The registry entry of a page file (pages/queue.py)."""
    for page in PAGES:
        if page.path == path:
            return page
    raise KeyError(f"{path} is not in ui.navigation.PAGES")


def may_open(role: str | None, page: PageSpec) -> bool:
    """Public pages are open to anyone; the others to logged-in users whose role core.identity.access allows
    the page's action."""
    return page.is_public or (role is not None and access.can(role, page.action))


def open_pages(role: str | None) -> list[PageSpec]:
    """Every page the role may open, listed in the menu or not, grouped in the menu's section order."""
    allowed = [page for page in PAGES if may_open(role, page)]
    return sorted(allowed, key=lambda page: SECTIONS.index(page.section))


def visible_pages(role: str | None) -> list[PageSpec]:
    """The pages the role's menu lists."""
    return [page for page in open_pages(role) if page.listed]
