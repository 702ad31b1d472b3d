"""Personal settings: who I am, where my database is, how I like output.

Resolution order for each setting: command-line flag, then environment
variable, then the user's config file (``inctrack/config.toml`` in the
platform's config dir, or ``INCTRACK_CONFIG``), then the default. Team
settings (taxonomy, matrix, SLA policy, calendars) live in the database.
"""

from __future__ import annotations

import getpass
import os
import tomllib
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from inctrack.errors import Rejected

APP_NAME = "inctrack"
KNOWN_KEYS = ("db", "user", "format", "timezone", "dayfirst")


def config_path() -> Path:
    override = os.environ.get("INCTRACK_CONFIG")
    if override:
        return Path(override)
    from platformdirs import user_config_path

    return user_config_path(APP_NAME) / "config.toml"


def default_db_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP_NAME) / "inctrack.db"


@dataclass(frozen=True)
class Settings:
    db: str
    """A file path or a SQLAlchemy URL."""
    user: str
    format: str | None
    timezone_name: str | None
    dayfirst_text: str | None = None
    """How to read 5/12/2026: ``true`` (5 December), ``false`` (12 May), unset (refused)."""

    @property
    def timezone(self) -> tzinfo:
        return resolve_timezone(self.timezone_name)

    @property
    def dayfirst(self) -> bool | None:
        return parse_dayfirst(self.dayfirst_text)


def load_settings(*, db: str | None = None, user: str | None = None) -> Settings:
    file_values = _read_config_file(config_path())
    return Settings(
        db=db or os.environ.get("INCTRACK_DB") or file_values.get("db") or str(default_db_path()),
        user=user or os.environ.get("INCTRACK_USER") or file_values.get("user") or _os_login(),
        format=os.environ.get("INCTRACK_FORMAT") or file_values.get("format"),
        timezone_name=os.environ.get("INCTRACK_TIMEZONE") or file_values.get("timezone"),
        dayfirst_text=os.environ.get("INCTRACK_DAYFIRST") or file_values.get("dayfirst"),
    )


def parse_dayfirst(text: str | None) -> bool | None:
    """``dayfirst`` as configured: true, false, or None when not set."""
    if text is None:
        return None
    value = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
    try:
        return value[text.strip().lower()]
    except KeyError:
        raise Rejected(
            f"dayfirst = {text!r} is neither true nor false; fix `dayfirst` in your config file "
            "or INCTRACK_DAYFIRST."
        ) from None


def _read_config_file(path: Path) -> dict[str, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise Rejected(f"Cannot read the config file {path}: {exc.strerror}.") from None
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise Rejected(
            f"The config file {path} is not valid TOML ({exc}); fix or remove it."
        ) from None
    return {key: str(data[key]) for key in KNOWN_KEYS if key in data}


def _os_login() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def resolve_timezone(name: str | None) -> tzinfo:
    """The configured zone, else ``TZ``, else the system zone, else UTC."""
    if name:
        return _zone(name, "the configured timezone")
    env = os.environ.get("TZ", "").lstrip(":")
    if ("/" in env) or env == "UTC":
        try:
            return ZoneInfo(env)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    localtime = Path("/etc/localtime")
    try:
        target = os.readlink(localtime)
        if "zoneinfo/" in target:
            return ZoneInfo(target.split("zoneinfo/", 1)[1])
    except (OSError, ZoneInfoNotFoundError, ValueError):
        pass
    return ZoneInfo("UTC")


def _zone(name: str, what: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Rejected(
            f"{name!r} is not a time zone ({what}); use an IANA name such as Europe/London."
        ) from None
