"""Debian's chromium for the real-browser tests: one launch recipe, one skip rule."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Without the networking flags chromium keeps trying hosts this machine cannot reach.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium: run `make test-deps` as root (apt-get install chromium fonts-noto-cjk); "
    "Playwright never downloads a browser here",
)


def launch(playwright):
    """A headless Debian chromium driven by Playwright."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
