"""The systemd units in deploy/systemd, read so the team demo runs exactly their commands."""

from __future__ import annotations

import shlex
from pathlib import Path

from core.store.db import ROOT

UNITS = ROOT / "deploy" / "systemd"
INSTALL_PREFIX = "/opt/orderhub"  # where the units expect the checkout


def localised(unit: str, root: Path = ROOT) -> str:
    """The unit's text with the install prefix pointing at this checkout."""
    return (UNITS / unit).read_text().replace(INSTALL_PREFIX, str(root))


def exec_start(unit: str, instance: str = "", root: Path = ROOT) -> list[str]:
    """The unit's ExecStart as an argument list (%i is the instance, e.g. a replica's port),
    under `nice` when the unit sets Nice=."""
    command = shlex.split(_setting(unit, "ExecStart", root).replace("%i", instance))
    return ["nice", "-n", str(nice(unit)), *command] if nice(unit) else command


def nice(unit: str) -> int:
    """The unit's Nice= (CPU priority; 0 when it sets none)."""
    return int(_setting(unit, "Nice") or 0)


def _setting(unit: str, name: str, root: Path = ROOT) -> str:
    lines = localised(unit, root).splitlines()
    return next((line.split("=", 1)[1] for line in lines if line.startswith(f"{name}=")), "")
