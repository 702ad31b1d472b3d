"""The command line as a user meets it: exit codes, stdout, stderr."""

from __future__ import annotations

import csv
import io
import json

import pytest

from inctrack.records import INCIDENT_CSV_COLUMNS

from .helpers import INCIDENT_KEYS, Cli


def test_log_prints_the_new_incident(cli: Cli) -> None:
    result = cli("log", "Email down", "--reporter", "Bob Smith", "-d", "Outlook cannot connect")
    assert result.exit_code == 0, result.stderr
    assert "INC-1" in result.stdout
    assert "Email down" in result.stdout
    assert "Bob Smith" in result.stdout
    assert "Outlook cannot connect" in result.stdout
    assert result.stderr == ""


def test_quiet_prints_only_the_id(cli: Cli) -> None:
    assert cli("log", "one", "-q").stdout == "INC-1\n"
    assert cli("log", "two", "--quiet").stdout == "INC-2\n"


def test_description_from_stdin(cli: Cli) -> None:
    cli("log", "VPN flaky", "-d", "-", "-q", input="drops every 10 minutes\nsince Monday\n")
    assert cli.json("show", "1")["description"] == "drops every 10 minutes\nsince Monday"


def test_json_record_has_every_promised_key_with_nulls(cli: Cli) -> None:
    record = cli.json("log", "Email down")
    assert set(record) >= INCIDENT_KEYS
    assert record["description"] is None
    assert record["priority"] is None
    assert record["roles"] == {"commander": None, "manager": None, "comms": None}
    assert set(record["sla"]) == {"response", "resolution"}
    assert set(record["sla"]["response"]) >= {
        "target", "due_at", "elapsed_seconds", "remaining_seconds", "state"
    }  # fmt: skip


def test_show_accepts_every_id_form_and_has_the_timeline(cli: Cli) -> None:
    cli("log", "Email down", "-q", actor="dave")
    for ref in ("INC-1", "inc-1", "1"):
        shown = cli.json("show", ref)
        assert shown["id"] == "INC-1"
        assert shown["logged_by"] == "dave"
        assert [(e["kind"], e["actor"]) for e in shown["events"]] == [("logged", "dave")]
    table = cli("show", "1").stdout
    assert "Timeline" in table
    assert "logged" in table


def test_identity_from_environment(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INCTRACK_USER", "erin")
    assert cli.json("log", "Email down")["logged_by"] == "erin"
    assert cli.json("log", "Email down", actor="frank")["logged_by"] == "frank"


def test_back_dated_with_at(cli: Cli) -> None:
    record = cli.json("log", "Email down", "--at", "2026-11-20 09:30")
    assert record["reported_at"] == "2026-11-20T09:30:00+00:00"
    assert record["logged_at"] != record["reported_at"]
    assert cli.json("log", "VPN", "--at", "2h ago")["reported_at"] < record["logged_at"]


def test_all_log_fields_are_accepted(cli: Cli) -> None:
    cli.services("Remote access")
    record = cli.json(
        "log", "VPN down", "--channel", "walk-in", "--service", "Remote access",
        "--category", "network/vpn", "--impact", "1", "--urgency", "LOW",
    )  # fmt: skip
    assert record["channel"] == "walk-in"
    assert record["service"] == "Remote access"
    assert (record["category"], record["subcategory"]) == ("network", "vpn")
    assert (record["impact"], record["urgency"], record["priority"]) == ("high", "low", "P3")


def test_list_is_open_incidents_worst_first(cli: Cli) -> None:
    cli("log", "low one", "--impact", "low", "--urgency", "low", "-q")
    cli("log", "critical", "--impact", "high", "--urgency", "high", "-q")
    cli("log", "untriaged", "-q")
    assert [r["title"] for r in cli.json("list")] == ["untriaged", "critical", "low one"]
    assert [r["title"] for r in cli.json("queue", "--limit", "1")] == ["untriaged"]


def test_list_filters_and_limit_notice(cli: Cli) -> None:
    cli("log", "Printer jam", "--at", "2026-11-01 10:00", "-q")
    cli("log", "Email down", "--at", "2026-11-10 10:00", "-q")
    assert [r["id"] for r in cli.json("list", "--search", "PRINTER")] == ["INC-1"]
    assert [r["id"] for r in cli.json("list", "--since", "2026-11-05")] == ["INC-2"]
    assert [r["id"] for r in cli.json("list", "--until", "2026-11-05")] == ["INC-1"]
    assert [r["id"] for r in cli.json("list", "--status", "new", "--all")] == ["INC-1", "INC-2"]
    assert cli.json("list", "--status", "resolved") == []
    limited = cli("list", "--limit", "1")
    assert "Showing 1 of 2; raise --limit" in limited.stderr
    assert "INC-1" in limited.stdout
    assert "INC-2" not in limited.stdout


def test_csv_has_the_documented_columns(cli: Cli) -> None:
    cli("log", "Email, down", "-d", 'quote " and\nnewline', "-q")
    rows = list(csv.DictReader(io.StringIO(cli("list", "-f", "csv").stdout)))
    assert tuple(rows[0]) == INCIDENT_CSV_COLUMNS
    assert rows[0]["title"] == "Email, down"
    assert rows[0]["description"] == 'quote " and\nnewline'
    assert rows[0]["sla_response_state"] == "none"
    assert cli("list", "-f", "csv", "--status", "closed").stdout.startswith("id,title,")


def test_empty_list(cli: Cli) -> None:
    assert cli.json("list") == []
    assert "No incidents" in cli("list").stdout


def test_user_text_is_never_markup_nor_terminal_control(cli: Cli) -> None:
    cli("log", "[bold red]boom[/] \x1b[31mred\x1b[0m \x07bell", "-q")
    out = cli("show", "1").stdout
    assert "[bold red]boom[/]" in out
    assert "\x1b" not in out
    assert "\x07" not in out
    assert cli.json("show", "1")["title"] == "[bold red]boom[/] \x1b[31mred\x1b[0m \x07bell"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("show", "INC-9"), 3, "There is no incident INC-9"),
        (("show", "PRB-1"), 4, "not an incident ID"),
        (("log", " "), 4, "title is empty"),
        (("log", "x", "--at", "soonish"), 4, "is not a time"),
        (("log", "x", "--at", "2099-01-01"), 4, "in the future"),
        (("log", "x", "--category", "a/b/c"), 4, "not a category"),
        (("list", "--since", "last blue moon"), 4, "is not a time"),
        (("log", "x", "--channel", "fax"), 2, "fax"),
        (("log", "x", "--impact", "9"), 2, "9"),
        (("log",), 2, "Missing argument"),
        (("list", "--limit", "-1"), 2, "--limit"),
        (("frobnicate",), 2, "No such command"),
    ],
)
def test_errors_are_one_sentence_and_an_exit_code(
    cli: Cli, args: tuple[str, ...], code: int, message: str
) -> None:
    result = cli(*args)
    assert result.exit_code == code
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_a_rejected_write_leaves_nothing_behind(cli: Cli) -> None:
    assert cli("log", "x", "--at", "2099-01-01").exit_code == 4
    assert cli.json("list", "--all") == []
    assert cli("log", "first", "-q").stdout == "INC-1\n"


def test_a_bug_says_so_and_exits_1(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from inctrack.incidents import intake

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(intake.Intake, "log", broken)
    result = cli("log", "x")
    assert result.exit_code == 1
    assert "internal error, which is a bug" in result.stderr
    assert "INCTRACK_DEBUG=1" in result.stderr
    assert "Traceback" not in result.stderr
    monkeypatch.setenv("INCTRACK_DEBUG", "1")
    assert isinstance(cli("log", "x").exception, ZeroDivisionError)


def test_configured_default_format(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INCTRACK_FORMAT", "json")
    cli("log", "x", "-q")
    assert json.loads(cli("list").stdout)[0]["id"] == "INC-1"
    monkeypatch.setenv("INCTRACK_FORMAT", "yaml")
    result = cli("list")
    assert result.exit_code == 4
    assert "not one of table, json, csv" in result.stderr


def test_config_file_sets_identity_and_timezone(
    cli: Cli, tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    monkeypatch.delenv("INCTRACK_USER")
    monkeypatch.delenv("INCTRACK_TIMEZONE")
    with open(os.environ["INCTRACK_CONFIG"], "w", encoding="utf-8") as config:
        config.write('user = "gina"\ntimezone = "America/New_York"\n')
    record = cli.json("log", "x", "--at", "2026-11-20 09:30")
    assert record["logged_by"] == "gina"
    assert record["reported_at"] == "2026-11-20T14:30:00+00:00"


def test_broken_config_file_is_one_sentence(cli: Cli) -> None:
    import os

    with open(os.environ["INCTRACK_CONFIG"], "w", encoding="utf-8") as config:
        config.write("user = \n")
    result = cli("list")
    assert result.exit_code == 4
    assert "is not valid TOML" in result.stderr


def test_version() -> None:
    from typer.testing import CliRunner

    from inctrack import __version__
    from inctrack.cli import app

    assert CliRunner().invoke(app, ["--version"]).stdout == f"inctrack {__version__}\n"


def test_list_sorts_reverses_and_prints_ids_for_scripts(cli: Cli) -> None:
    cli("log", "Printer jam", "--impact", "low", "--urgency", "low", "--at", "2026-11-01 10:00")
    cli("log", "Email down", "--impact", "high", "--urgency", "high", "--at", "2026-11-03 10:00")
    cli("log", "Untriaged call", "--at", "2026-11-02 10:00", "-q")
    cli("assign", "INC-1", "--to", "zed", "-q")
    cli("assign", "INC-2", "--to", "amy", "-q")
    ids = lambda *args: cli("list", "-q", *args).stdout.split()  # noqa: E731
    assert ids() == ["INC-3", "INC-2", "INC-1"]  # worst first: untriaged, P1, P4
    assert ids("--reverse") == ["INC-1", "INC-2", "INC-3"]
    assert ids("--sort", "reported") == ["INC-1", "INC-3", "INC-2"]
    assert ids("--sort", "reported", "-r") == ["INC-2", "INC-3", "INC-1"]
    assert ids("--sort", "assignee") == ["INC-2", "INC-1", "INC-3"]  # nobody's comes last
    assert ids("--sort", "title") == ["INC-2", "INC-1", "INC-3"]
    assert ids("--sort", "priority") == ["INC-3", "INC-2", "INC-1"]
    limited = cli("list", "-q", "--limit", "2", "--sort", "id")
    assert (limited.stdout, limited.exit_code) == ("INC-1\nINC-2\n", 0)
    assert "Showing 2 of 3" in limited.stderr
    refused = cli("list", "--sort", "colour")
    assert refused.exit_code == 4
    assert "'colour' is not a sort key; use one of id, priority" in refused.stderr
    assert cli("list", "-q", "--status", "resolved").stdout == ""
