"""Personal settings: who I am, where my database is, how I like output.

Resolution order for each setting: command-line flag, then environment
variable, then the user's config file (``inctrack/config.toml`` in the
platform's config dir, or ``INCTRACK_CONFIG``), then the default; every
:class:`Settings` keeps where each value came from (``config show``). Team
settings (taxonomy, matrix, SLA policy, calendars) live in the database.
Writing the file (``config set``) is :mod:`inctrack.cli.config_file`'s.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import tzinfo
from difflib import get_close_matches
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from inctrack.domain import os_login, unicode_text
from inctrack.errors import Rejected

APP_NAME = "inctrack"
KNOWN_KEYS = ("db", "user", "format", "timezone", "dayfirst", "suggest")
FORMATS = ("table", "json", "csv")
ENVIRONMENT = {
    "db": "INCTRACK_DB", "user": "INCTRACK_USER", "format": "INCTRACK_FORMAT",
    "timezone": "INCTRACK_TIMEZONE", "dayfirst": "INCTRACK_DAYFIRST",
    "suggest": "INCTRACK_SUGGEST",
}  # fmt: skip
FLAGS = {"db": "--db", "user": "--as"}
DEFAULTS = {"db": "the platform's user data dir", "user": "your login name", "format": "",
            "dayfirst": "unset: dates like 5/12/2026 are refused",
            "suggest": "true: log and show suggest published articles"}  # fmt: skip
"""How each default is found (the time zone's depends on the machine)."""
LIKELY = {"database": "db", "url": "db", "path": "db", "name": "user", "username": "user",
          "as": "user", "tz": "timezone", "zone": "timezone", "output": "format"}  # fmt: skip
"""Keys people write for the known ones, for a did-you-mean that spelling cannot find."""


@dataclass(frozen=True)
class Origin:
    """Where a setting's value came from."""

    source: str
    """``flag``, ``environment``, ``config_file`` or ``default``."""
    detail: str
    """The flag, the variable, the file, or how the default was found."""


@dataclass(frozen=True)
class Settings:
    db: str
    """A file path or a SQLAlchemy URL."""
    user: str
    format: str | None
    timezone_name: str | None
    dayfirst_text: str | None = None
    """How to read 5/12/2026: ``true`` (5 December), ``false`` (12 May), unset (refused)."""
    suggest_text: str | None = None
    """Whether ``log`` and ``show`` print suggested articles (unset: they do)."""
    origins: dict[str, Origin] = field(default_factory=dict)
    """Setting -> where its value came from (``config_file`` for the file itself)."""
    warnings: tuple[str, ...] = ()
    """One sentence per unknown key in the config file."""

    @property
    def asserted_user(self) -> str | None:
        """The identity given by --as, INCTRACK_USER or the config file; None when the
        user is the OS login's (the database then says who that is)."""
        origin = self.origins.get("user")
        return None if origin is None or origin.source == "default" else self.user

    @property
    def timezone(self) -> tzinfo:
        return resolve_timezone(self.timezone_name)

    @property
    def dayfirst(self) -> bool | None:
        return parse_dayfirst(self.dayfirst_text)

    @property
    def suggest(self) -> bool:
        return parse_switch(self.suggest_text, "suggest", "INCTRACK_SUGGEST") is not False


def config_path() -> Path:
    override = os.environ.get("INCTRACK_CONFIG")
    if override:
        return Path(override)
    from platformdirs import user_config_path

    return user_config_path(APP_NAME) / "config.toml"


def default_db_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP_NAME) / "inctrack.db"


def load_settings(*, db: str | None = None, user: str | None = None) -> Settings:
    path = config_path()
    file_values, unknown = read_config_file(path)
    flags = {"db": db, "user": user}
    values: dict[str, str | None] = {}
    origins = {"config_file": _file_origin(path)}
    for key in KNOWN_KEYS:
        values[key], origins[key] = _pick(key, flags.get(key), file_values, path)
    return Settings(
        db=values["db"] or str(default_db_path()),
        user=values["user"] or os_login(),
        format=values["format"],
        timezone_name=values["timezone"],
        dayfirst_text=values["dayfirst"],
        suggest_text=values["suggest"],
        origins=origins,
        warnings=tuple(unknown_key_warning(key, path) for key in unknown),
    )


def parse_dayfirst(text: str | None) -> bool | None:
    """``dayfirst`` as configured: true, false, or None when not set."""
    return parse_switch(text, "dayfirst", "INCTRACK_DAYFIRST")


def parse_switch(text: str | None, key: str, variable: str) -> bool | None:
    """A true/false setting as configured: true, false, or None when not set."""
    if text is None:
        return None
    value = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
    try:
        return value[text.strip().lower()]
    except KeyError:
        raise Rejected(
            f"{key} = {text!r} is neither true nor false; fix `{key}` in your config file "
            f"or {variable}."
        ) from None


def _pick(
    key: str, flag: str | None, file_values: dict[str, str], path: Path
) -> tuple[str | None, Origin]:
    """The first value that is set (an empty one is not), and where it came from."""
    if flag:
        return flag, Origin("flag", FLAGS[key])
    variable = ENVIRONMENT[key]
    if os.environ.get(variable):
        return unicode_text(os.environ[variable], variable), Origin("environment", variable)
    if file_values.get(key):
        return file_values[key], Origin("config_file", str(path))
    return None, Origin("default", DEFAULTS.get(key, ""))


def _file_origin(path: Path) -> Origin:
    if os.environ.get("INCTRACK_CONFIG"):
        return Origin("environment", "INCTRACK_CONFIG")
    return Origin("default", "the platform's config dir")


def read_config_file(path: Path) -> tuple[dict[str, str], list[str]]:
    """The known keys' values in the file at ``path`` (none when there is no file), and
    the keys it has that inctrack does not know."""
    data = parse_config(read_config_text(path), path)
    values = {key: str(data[key]) for key in KNOWN_KEYS if key in data}
    return values, [key for key in data if key not in KNOWN_KEYS]


def read_config_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
    except OSError as exc:
        raise Rejected(f"Cannot read the config file {path}: {exc.strerror}.") from None


def parse_config(text: str, path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise Rejected(
            f"The config file {path} is not valid TOML ({exc}); fix or remove it."
        ) from None


def unknown_key_warning(key: str, path: Path) -> str:
    known = ", ".join(KNOWN_KEYS)
    guess = LIKELY.get(key.lower()) or next(iter(get_close_matches(key, KNOWN_KEYS, n=1)), None)
    hint = f"did you mean {guess!r}?" if guess else f"the keys it may have are {known}."
    return f"The config file {path} has a key inctrack does not know, {key!r}: {hint}"


def resolve_timezone(name: str | None) -> tzinfo:
    """The configured zone, else ``TZ``, else the system zone, else UTC."""
    if name:
        return _zone(name, "the configured timezone")
    return ZoneInfo(default_timezone()[0])


def default_timezone() -> tuple[str, Origin]:
    """The zone used when none is configured, and where it came from: ``TZ`` (IANA
    names and ``UTC`` only), else the system's (``/etc/localtime``), else UTC."""
    env = os.environ.get("TZ", "").lstrip(":")
    if ("/" in env) or env == "UTC":
        try:
            ZoneInfo(env)
            return env, Origin("environment", "TZ")
        except (ZoneInfoNotFoundError, ValueError):
            pass
    try:
        target = os.readlink("/etc/localtime")
        if "zoneinfo/" in target:
            name = target.split("zoneinfo/", 1)[1]
            ZoneInfo(name)
            return name, Origin("default", "the system's, /etc/localtime")
    except (OSError, ZoneInfoNotFoundError, ValueError):
        pass
    return "UTC", Origin("default", "no system time zone found")


def _zone(name: str, what: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Rejected(
            f"{name!r} is not a time zone ({what}); use an IANA name such as Europe/London."
        ) from None
