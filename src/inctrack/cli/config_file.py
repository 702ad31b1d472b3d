"""``config show`` and ``config set``: the personal settings in effect as records, and
one key of the user's config file written, checked first, the rest of the file kept
as it was (comments, order, keys of other tools)."""

from __future__ import annotations

import json
import os
import re
import stat
from difflib import get_close_matches
from pathlib import Path

from inctrack.cli.config import (
    FORMATS,
    Settings,
    config_path,
    default_timezone,
    load_settings,
    parse_config,
    parse_dayfirst,
    parse_switch,
    read_config_text,
    resolve_timezone,
)
from inctrack.errors import Rejected

SETTING_KEYS = ("key", "value", "source", "detail")
"""The keys of a setting record (``config show -f json``), and its CSV columns."""
_TABLE_HEADER = re.compile(r"^\s*\[")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


def settings_records(settings: Settings) -> list[dict[str, str]]:
    """The config file and each setting: its value in effect, and where it came from.

    A database URL shows with its password hidden; the time zone, when none is
    configured, is the one the machine gives."""
    from inctrack.storage.location import display_url, resolve_url

    zone, zone_origin = settings.timezone_name, settings.origins["timezone"]
    if zone is None:
        zone, zone_origin = default_timezone()
    values = {
        "config_file": str(config_path()), "db": display_url(resolve_url(settings.db)),
        "user": settings.user, "format": settings.format or "table", "timezone": zone,
        "dayfirst": "unset" if settings.dayfirst is None else str(settings.dayfirst).lower(),
        "suggest": str(settings.suggest).lower(),
    }  # fmt: skip
    origins = {**settings.origins, "timezone": zone_origin}
    return [
        {"key": key, "value": value, "source": origins[key].source, "detail": origins[key].detail}
        for key, value in values.items()
    ]


def check_value(key: str, value: str) -> str:
    """``value`` as the config file should hold it for ``key``; Rejected when it is not
    one ``key`` can take (so that a typo fails now, not at the next command)."""
    text = value.strip()
    if not text:
        raise Rejected(f"The {key} is empty; to go back to the default, use `config unset {key}`.")
    if _UNSAFE.search(text):
        raise Rejected(f"The {key} has control characters; type it as plain text.")
    if key == "format" and text.lower() not in FORMATS:
        raise Rejected(f"{text!r} is not an output format; use one of {', '.join(FORMATS)}.")
    if key == "timezone":
        _check_zone(text)
    if key == "dayfirst":
        return str(parse_dayfirst(text)).lower()
    if key == "suggest":
        return str(parse_switch(text, "suggest", "INCTRACK_SUGGEST")).lower()
    if key == "db":
        return _database(text)
    return text.lower() if key == "format" else text


def _check_zone(name: str) -> None:
    try:
        resolve_timezone(name)
    except Rejected:
        from zoneinfo import available_timezones

        close = get_close_matches(name, sorted(available_timezones()), n=1)
        hint = f"did you mean {close[0]}?" if close else "use an IANA name such as Europe/London."
        raise Rejected(f"{name!r} is not a time zone; {hint}") from None


def _database(text: str) -> str:
    """A URL as given (once it parses); a path made absolute, since a relative one would
    be read from wherever inctrack runs next."""
    from inctrack.storage.location import resolve_url

    if "://" in text:
        try:
            resolve_url(text)  # Rejected when it does not parse
        except ValueError:  # what SQLAlchemy raises for some (a bad port, an open bracket)
            raise Rejected(f"{text!r} is not a database URL or a file path.") from None
        return text
    return str(Path(text).expanduser().resolve())


def write_setting(key: str, value: str | None) -> Path:
    """Set ``key`` to ``value`` in the config file (``None`` removes it), creating the
    file (owner-only) when there is none; returns the file written."""
    path = config_path()
    target = path.resolve()  # a symlinked dotfile stays a symlink
    if target.exists() and not target.is_file():
        raise Rejected(f"The config file {path} is not a regular file; set INCTRACK_CONFIG to one.")
    text = read_config_text(target)
    parse_config(text, path)  # a broken file is refused, not rewritten
    edited = _with_key(text, key, value)
    written = parse_config(edited, path).get(key)
    if written != value:  # the old value spanned lines, or the key was quoted
        raise Rejected(f"Cannot change {key} in {path} safely; edit the file by hand.")
    _replace(target, edited)
    return path


def _with_key(text: str, key: str, value: str | None) -> str:
    """``text`` with the top-level line of ``key`` replaced (or added before the first
    table, or removed when ``value`` is None)."""
    lines = text.splitlines(keepends=True)
    end = next((n for n, line in enumerate(lines) if _TABLE_HEADER.match(line)), len(lines))
    assignment = re.compile(rf"^\s*{key}\s*=")
    found = [n for n in range(end) if assignment.match(lines[n])]
    new = [] if value is None else [f"{key} = {_toml_string(value)}\n"]
    if found:
        return "".join(lines[: found[0]] + new + lines[found[0] + 1 :])
    if end and not lines[end - 1].endswith("\n"):
        lines[end - 1] += "\n"
    return "".join(lines[:end] + new + lines[end:])


def _toml_string(value: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's too (control characters are
    refused before this)."""
    return json.dumps(value, ensure_ascii=False)


def _replace(path: Path, text: str) -> None:
    """Write ``path`` whole or not at all, keeping its mode (owner-only when new: it may
    name a database URL with a password)."""
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o600
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode)
        os.fchmod(descriptor, mode)  # exactly this mode, whatever the umask
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise Rejected(f"Cannot write the config file {path}: {exc.strerror}.") from None


def configure(settings: Settings, key: str, value: str | None) -> tuple[dict[str, str], list[str]]:
    """Write ``key`` into the config file (``None`` removes it) for a command whose
    settings were ``settings``; the setting now in effect, and notes for the user (a
    flag or an environment variable that still takes precedence over the file)."""
    write_setting(key, None if value is None else check_value(key, value))
    flags = {name: getattr(settings, name) for name in ("db", "user")
             if settings.origins[name].source == "flag"}  # fmt: skip
    record = next(r for r in settings_records(load_settings(**flags)) if r["key"] == key)
    notes = []
    if value is not None and record["source"] in ("flag", "environment"):
        notes.append(
            f"{key} is written to {config_path()}, but {record['detail']} takes precedence "
            f"over the file here ({record['value']})."
        )
    return record, notes
