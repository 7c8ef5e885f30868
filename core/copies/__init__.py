"""Whole-store copies: moving a store to another database, and the sandbox to try configuration on."""
