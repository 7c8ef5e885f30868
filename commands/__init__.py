"""CLI commands, one module per area; each has register(subparsers) and is listed in cli.py."""
