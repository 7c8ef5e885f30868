"""Connectors: one file per channel, each yielding normalised orders behind connectors.base."""
