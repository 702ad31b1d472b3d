"""Personal settings as a user meets them: `config show` says what is in effect and
where it came from, `config set`/`unset` write the config file, and a key the file
should not have is pointed out.

conftest points INCTRACK_CONFIG at a file in the test's directory (absent at first)
and sets INCTRACK_USER=tester and INCTRACK_TIMEZONE=UTC; the `cli` fixture passes
`--db`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from inctrack import __version__
from inctrack.cli.config import load_settings
from inctrack.cli.config_file import check_value
from inctrack.errors import Rejected

from .helpers import Cli, fails, ok


@pytest.fixture
def config() -> Path:
    return Path(os.environ["INCTRACK_CONFIG"])


def settings(cli: Cli, *args: str) -> dict[str, dict[str, str]]:
    return {record["key"]: record for record in cli.json(*args, "config", "show")}


def test_config_show_names_where_each_setting_came_from(cli: Cli, config: Path) -> None:
    shown = settings(cli)
    assert list(shown) == ["config_file", "db", "user", "format", "timezone", "dayfirst",
                           "suggest"]  # fmt: skip
    assert shown["config_file"] == {
        "key": "config_file", "value": str(config), "source": "environment",
        "detail": "INCTRACK_CONFIG",
    }  # fmt: skip
    assert (shown["db"]["source"], shown["db"]["detail"]) == ("flag", "--db")
    assert shown["user"] == {
        "key": "user", "value": "tester", "source": "environment", "detail": "INCTRACK_USER",
    }  # fmt: skip
    assert shown["format"] == {
        "key": "format", "value": "table", "source": "default", "detail": "",
    }  # fmt: skip
    assert (shown["timezone"]["value"], shown["timezone"]["source"]) == ("UTC", "environment")
    assert (shown["dayfirst"]["value"], shown["dayfirst"]["source"]) == ("unset", "default")
    assert settings(cli, "--as", "sam")["user"]["source"] == "flag"


def test_config_file_values_show_as_coming_from_the_file(
    cli: Cli, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INCTRACK_USER")
    monkeypatch.delenv("INCTRACK_TIMEZONE")
    config.write_text('user = "gina"\ntimezone = "America/New_York"\nformat = "json"\n')
    shown = settings(cli)
    for key, value in (("user", "gina"), ("timezone", "America/New_York"), ("format", "json")):
        assert shown[key] == {
            "key": key, "value": value, "source": "config_file", "detail": str(config),
        }  # fmt: skip
    # The file's format is the default format: `config show` itself prints JSON.
    assert cli("config", "show").stdout.lstrip().startswith("[")


def test_config_show_table_and_csv(cli: Cli, config: Path) -> None:
    table = ok(cli("config", "show"))
    lines = table.splitlines()
    assert lines[1].split() == ["Setting", "Value", "From"]
    assert " user          tester" in table
    assert "environment: INCTRACK_USER" in table
    assert "see `inctrack policy show`" in " ".join(table.split())
    csv = ok(cli("config", "show", "-f", "csv")).splitlines()
    assert csv[0] == "key,value,source,detail"
    assert "user,tester,environment,INCTRACK_USER" in csv


@pytest.mark.parametrize("width", [60, 80, 100, 200])
def test_config_show_fits_the_terminal(
    cli: Cli, width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A value or where it came from wraps rather than being cut: here every word counts."""
    monkeypatch.setenv("COLUMNS", str(width))
    lines = ok(cli("config", "show")).splitlines()
    assert [line for line in lines if len(line) > width or line.endswith(" ")] == []
    assert "INCTRACK_USER" in " ".join(lines)


def test_a_database_url_shows_without_its_password(cli: Cli) -> None:
    url = "postgresql+psycopg://desk:s3cret@db.example.com/inctrack"
    shown = settings(Cli(url))
    assert shown["db"]["value"] == "postgresql+psycopg://desk:***@db.example.com/inctrack"
    assert "s3cret" not in ok(Cli(url)("config", "show", "-f", "csv"))


def test_an_unknown_key_is_one_warning_with_a_guess_and_the_command_still_runs(
    cli: Cli, config: Path
) -> None:
    config.write_text('timzone = "Europe/London"\ndatabase = "x.db"\n')
    result = cli("list")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        f"Warning: The config file {config} has a key inctrack does not know, 'timzone': "
        "did you mean 'timezone'?",
        f"Warning: The config file {config} has a key inctrack does not know, 'database': "
        "did you mean 'db'?",
    ]


def test_config_set_writes_the_file_owner_only_and_takes_effect(
    cli: Cli, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INCTRACK_TIMEZONE")
    out = ok(cli("config", "set", "timezone", "Europe/London"))
    assert "timezone   Europe/London   config file" in out
    assert config.read_text() == 'timezone = "Europe/London"\n'
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    record = cli.json("log", "x", "--at", "2026-07-01 09:00")  # BST: UTC+1
    assert record["reported_at"] == "2026-07-01T08:00:00+00:00"
    assert ok(cli("config", "set", "format", "JSON", "-q")) == "format\n"
    assert config.read_text() == 'timezone = "Europe/London"\nformat = "json"\n'


def test_config_set_keeps_the_rest_of_the_file(
    cli: Cli, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INCTRACK_USER")
    config.write_text('# mine\nuser = "old"  # me\n\n[later]\nuser = "keep"\n')
    config.chmod(0o640)
    for args in (("set", "user", "sam"), ("set", "format", "csv"), ("unset", "user")):
        result = cli("config", *args, "-q")
        assert (result.exit_code, result.stdout) == (0, f"{args[1]}\n")
        assert "has a key inctrack does not know, 'later'" in result.stderr
        if args == ("set", "format", "csv"):
            assert config.read_text() == (
                '# mine\nuser = "sam"\n\nformat = "csv"\n[later]\nuser = "keep"\n'
            )
    assert config.read_text() == '# mine\n\nformat = "csv"\n[later]\nuser = "keep"\n'
    assert stat.S_IMODE(config.stat().st_mode) == 0o640


def test_config_set_says_when_the_environment_still_wins(cli: Cli, config: Path) -> None:
    result = cli("config", "set", "user", "sam", "-f", "json")
    assert result.exit_code == 0
    assert result.stderr == (
        f"Warning: user is written to {config}, but INCTRACK_USER takes precedence over the "
        "file here (tester).\n"
    )
    assert '"source": "environment"' in result.stdout
    assert config.read_text() == 'user = "sam"\n'


def test_a_relative_database_path_is_written_absolute(
    cli: Cli, config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("config", "set", "db", "desk.db", "-q")
    assert (result.exit_code, result.stdout) == (0, "db\n")
    assert "but --db takes precedence" in result.stderr  # the test's own --db
    assert config.read_text() == f'db = "{tmp_path / "desk.db"}"\n'


@pytest.mark.parametrize(
    ("key", "value", "phrase"),
    [
        ("format", "yaml", "'yaml' is not an output format; use one of table, json, csv."),
        ("timezone", "Mars/Olympus", "'Mars/Olympus' is not a time zone"),
        ("user", "  ", "The user is empty"),
        ("user", "sam\x1b[2J", "control characters"),
        ("db", "postgresql+psycopg://[::1", "is not a database URL"),
    ],
)
def test_config_set_refuses_a_value_the_key_cannot_take(
    cli: Cli, config: Path, key: str, value: str, phrase: str
) -> None:
    fails(cli("config", "set", key, value), 4, phrase)
    assert not config.exists()


def test_config_set_refuses_an_unknown_key_as_a_usage_error(cli: Cli, config: Path) -> None:
    fails(cli("config", "set", "colour", "red"), 2, "colour")
    assert not config.exists()


def test_config_set_leaves_a_broken_file_alone(cli: Cli, config: Path) -> None:
    config.write_text("user = \n")
    fails(cli("config", "set", "user", "sam"), 4, "is not valid TOML")
    assert config.read_text() == "user = \n"


def test_config_set_will_not_replace_what_is_not_a_file(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INCTRACK_CONFIG", os.devnull)
    fails(cli("config", "set", "user", "sam"), 4, "is not a regular file")


def test_settings_know_their_origins_in_the_library(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INCTRACK_USER")
    config.write_text('user = "gina"\nusr = "x"\n')
    loaded = load_settings(db="flag.db")
    assert (loaded.db, loaded.origins["db"].source) == ("flag.db", "flag")
    assert (loaded.user, loaded.origins["user"].detail) == ("gina", str(config))
    assert loaded.origins["format"].source == "default"
    assert len(loaded.warnings) == 1
    assert "'usr': did you mean 'user'?" in loaded.warnings[0]


def test_values_are_checked_and_normalised_in_the_library() -> None:
    assert check_value("format", " CSV ") == "csv"
    assert check_value("timezone", "Europe/Paris") == "Europe/Paris"
    assert check_value("db", "sqlite:///x.db") == "sqlite:///x.db"
    with pytest.raises(Rejected, match="not an output format"):
        check_value("format", "xml")


def test_short_version_flag() -> None:
    from typer.testing import CliRunner

    from inctrack.cli import app

    assert CliRunner().invoke(app, ["-V"]).stdout == f"inctrack {__version__}\n"


def test_config_set_dayfirst_then_dates_read_day_first(cli: Cli, config: Path) -> None:
    fails(cli("log", "x", "--at", "5/11/2026 10:00"), 4, "could be")
    ok(cli("config", "set", "dayfirst", "yes", "-q"))
    assert 'dayfirst = "true"' in config.read_text()
    record = cli.json("log", "Printer jams", "--at", "5/11/2026 10:00")
    assert record["reported_at"] == "2026-11-05T10:00:00+00:00"  # 5 November, day first
    fails(cli("config", "set", "dayfirst", "sometimes"), 4, "neither true nor false")
