"""The systemd units in deploy/systemd, read so the team demo runs exactly their commands."""

from __future__ import annotations

import shlex
from pathlib import Path

from core.db import ROOT

UNITS = ROOT / "deploy" / "systemd"
INSTALL_PREFIX = "/opt/orderhub"  # where the units expect the checkout


def localised(unit: str, root: Path = ROOT) -> str:
    """The unit's text with the install prefix pointing at this checkout."""
    return (UNITS / unit).read_text().replace(INSTALL_PREFIX, str(root))


def exec_start(unit: str, instance: str = "", root: Path = ROOT) -> list[str]:
    """The unit's ExecStart as an argument list (%i is the instance, e.g. a replica's port)."""
    line = next(line for line in localised(unit, root).splitlines() if line.startswith("ExecStart="))
    return shlex.split(line.removeprefix("ExecStart=").replace("%i", instance))
