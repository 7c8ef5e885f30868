"""Shops and their API credentials, from data/channels.toml or the environment, never from code.

Any string value written as "env:NAME" is read from the environment variable NAME, so a
config file can be committed to a deployment repository without its secrets.
ORDERHUB_CHANNELS_FILE points at another file.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from connectors.base import ApiConnector, ConfigError, connector_class
from core.store.db import ROOT

DEFAULT_FILE = ROOT / "data" / "channels.toml"
DEFAULT_EVERY_MINUTES = 10
REQUIRED = {
    "taobao": ("app_key", "app_secret", "session"),
    "pdd": ("client_id", "client_secret", "access_token"),
    "jd": ("app_key", "app_secret", "access_token"),
    "shopify": ("store", "access_token"),
    "demo": (),
}


@dataclass(frozen=True)
class ShopConfig:
    name: str
    channel: str
    every_minutes: int = DEFAULT_EVERY_MINUTES
    settings: dict[str, Any] = field(default_factory=dict)

    def connector(self, engine: Engine) -> ApiConnector:
        return connector_class(self.channel)(self.name, self.settings, engine)


def config_file() -> Path:
    return Path(os.environ.get("ORDERHUB_CHANNELS_FILE") or DEFAULT_FILE)


def load_shops(path: Path | None = None) -> list[ShopConfig]:
    """The configured shops ([[shop]] tables); none when the file does not exist."""
    path = path or config_file()
    if not path.exists():
        return []
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}.") from exc
    return [_shop(path, entry) for entry in document.get("shop", [])]


def _shop(path: Path, entry: dict[str, Any]) -> ShopConfig:
    values = {key: _resolved(path, key, value) for key, value in entry.items()}
    name, channel = values.pop("name", None), values.pop("channel", None)
    if not name or channel not in REQUIRED:
        raise ConfigError(f"Every [[shop]] in {path} needs a name and a channel ({', '.join(REQUIRED)}).")
    missing = [key for key in REQUIRED[channel] if not values.get(key)]
    if missing:
        raise ConfigError(f"Shop {name} in {path} lacks {', '.join(missing)}.")
    every = values.pop("every_minutes", DEFAULT_EVERY_MINUTES)
    if not isinstance(every, int) or every < 1:
        raise ConfigError(f"Shop {name} in {path}: every_minutes must be a whole number of minutes.")
    if isinstance(values.get("start"), str):
        values["start"] = datetime.fromisoformat(values["start"])
    return ShopConfig(name, channel, every, values)


def _resolved(path: Path, key: str, value: Any) -> Any:
    if isinstance(value, str) and value.startswith("env:"):
        variable = value.removeprefix("env:")
        if variable not in os.environ:
            raise ConfigError(f"{path} takes {key} from the environment variable {variable}, which is not set.")
        return os.environ[variable]
    return value
