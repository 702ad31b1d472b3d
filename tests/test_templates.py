"""template add|list|show|remove and log --template: presets that explicit options override."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inctrack.errors import NotFound, PermissionDenied, Rejected
from inctrack.incidents.requests import LogRequest

from .helpers import Cli, Desk

TEMPLATE_KEYS = {
    "name", "title", "reporter", "contact", "description", "channel", "service", "category",
    "impact", "urgency", "dedup_key", "created_at", "created_by",
}  # fmt: skip
"""Written out here, as docs/reference/formats.md promises them."""


def _add_printer_jam(cli: Cli) -> dict[str, object]:
    cli.services("print01")
    record: dict[str, object] = cli.json(
        "template", "add", "Printer-Jam", "--title", "Printer jammed", "--category",
        "Hardware/Printer", "--impact", "3", "--urgency", "medium", "--channel", "PHONE",
        "--service", " print01 ",
    )  # fmt: skip
    return record


def test_add_stores_checked_values(cli: Cli) -> None:
    record = _add_printer_jam(cli)
    assert set(record) == TEMPLATE_KEYS
    assert record == {
        "name": "printer-jam", "title": "Printer jammed", "reporter": None, "contact": None,
        "description": None, "channel": "phone", "service": "print01",
        "category": "hardware/printer", "impact": "low", "urgency": "medium",
        "dedup_key": None, "created_at": record["created_at"], "created_by": "tester",
    }  # fmt: skip
    assert cli.json("template", "show", "PRINTER-JAM") == record


def test_list_show_remove(cli: Cli) -> None:
    assert cli.json("template", "list") == []
    assert "No templates yet" in cli("template", "list").stdout
    _add_printer_jam(cli)
    cli("template", "add", "vpn", "--category", "network/vpn", "-q")
    assert [t["name"] for t in cli.json("template", "list")] == ["printer-jam", "vpn"]
    table = cli("template", "list").stdout
    assert "printer-jam" in table
    assert "hardware/printer" in table
    csv_out = cli("template", "list", "-f", "csv").stdout.splitlines()
    assert csv_out[0] == (
        "name,title,reporter,contact,description,channel,service,category,impact,urgency,"
        "dedup_key,created_at,created_by"
    )
    assert csv_out[2].startswith("vpn,,,,,,,network/vpn,,,,")
    assert "Printer jammed" in cli("template", "show", "printer-jam").stdout
    removed = cli("template", "remove", "printer-jam", "-q")
    assert (removed.exit_code, removed.stdout) == (0, "printer-jam\n")
    assert [t["name"] for t in cli.json("template", "list")] == ["vpn"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("template", "add", "x", "--category", "hardwar/printer"), 3,
         "did you mean hardware/printer"),
        (("template", "add", "x", "--impact", "huge"), 2, "huge"),
        (("template", "add", "x"), 4, "needs at least one value"),
        (("template", "add", "no spaces", "--title", "t"), 4, "is not a template name"),
        (("template", "add", "-bad", "--title", "t"), 2, "No such option"),
        (("template", "add", "x", "--title", "   "), 4, "The title is empty"),
        (("template", "add", "x", "--title", "t" * 201), 4, "more than 200"),
        (("template", "show", "printer-jm"), 3,
         "There is no template 'printer-jm'; did you mean printer-jam?"),
        (("template", "remove", "nothing-like-it"), 3, "`inctrack template list` shows them"),
        (("template", "add", "printer-jam", "--title", "again"), 4,
         "already a template printer-jam"),
    ],
)  # fmt: skip
def test_template_errors(cli: Cli, args: tuple[str, ...], code: int, message: str) -> None:
    _add_printer_jam(cli)
    result = cli(*args)
    assert result.exit_code == code
    assert message in " ".join(result.stderr.split())
    assert result.stdout == ""
    assert [t["name"] for t in cli.json("template", "list")] == ["printer-jam"]


def test_a_retired_category_cannot_be_preset(cli: Cli) -> None:
    cli("category", "retire", "hardware/printer")
    result = cli("template", "add", "x", "--category", "hardware/printer")
    assert result.exit_code == 4
    assert "retired" in result.stderr


def test_log_from_a_template(cli: Cli) -> None:
    _add_printer_jam(cli)
    record = cli.json("log", "--template", "printer-jam", "--reporter", "Ann")
    assert (record["title"], record["reporter"], record["category"], record["subcategory"]) == (
        "Printer jammed", "Ann", "hardware", "printer",
    )  # fmt: skip
    assert (record["impact"], record["urgency"], record["priority"]) == ("low", "medium", "P4")
    assert (record["channel"], record["service"]) == ("phone", "print01")


def test_explicit_values_override_the_template(cli: Cli) -> None:
    _add_printer_jam(cli)
    record = cli.json(
        "log", "Printer smoking", "-t", "printer-jam", "--impact", "high", "--urgency", "high",
        "--channel", "walk-in", "--category", "hardware/peripheral",
    )  # fmt: skip
    assert (record["title"], record["priority"], record["channel"]) == (
        "Printer smoking", "P1", "walk-in",
    )  # fmt: skip
    assert (record["category"], record["subcategory"], record["service"]) == (
        "hardware", "peripheral", "print01",
    )  # fmt: skip


def test_a_template_without_title_needs_one(cli: Cli) -> None:
    cli("template", "add", "vpn", "--category", "network/vpn", "-q")
    result = cli("log", "--template", "vpn")
    assert result.exit_code == 2
    assert "TITLE" in result.stderr
    assert cli.json("log", "VPN drops", "--template", "vpn")["subcategory"] == "vpn"
    assert cli("log").exit_code == 2


def test_unknown_template_in_log(cli: Cli) -> None:
    _add_printer_jam(cli)
    result = cli("log", "--template", "printer", "-q")
    assert result.exit_code == 3
    assert "did you mean printer-jam?" in result.stderr
    assert cli.json("list", "--all") == []


def test_a_template_dedup_key_folds_repeats(cli: Cli) -> None:
    cli("template", "add", "disk", "--title", "Disk full on db01", "--dedup-key", "disk-db01")
    assert cli("log", "-t", "disk", "-q").stdout == "INC-1\n"
    assert cli("log", "-t", "disk", "-q").stdout == "INC-1\n"
    assert cli.json("show", "1")["occurrences"] == 2


def test_batch_lines_name_templates(cli: Cli, tmp_path: Path) -> None:
    _add_printer_jam(cli)
    path = tmp_path / "calls.jsonl"
    lines = [
        {"template": "printer-jam", "reporter": "Ann"},
        {"template": "printer-jam", "title": "Toner everywhere", "impact": "medium"},
        {"title": "No template"},
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    records = cli.json("log", "--batch", str(path))
    assert [(r["title"], r["priority"], r["subcategory"]) for r in records] == [
        ("Printer jammed", "P4", "printer"), ("Toner everywhere", "P3", "printer"),
        ("No template", None, None),
    ]  # fmt: skip
    path.write_text('{"title": "a"}\n{"template": "printer-jm"}\n', encoding="utf-8")
    result = cli("log", "--batch", str(path))
    assert result.exit_code == 4
    assert "Line 2 of the batch was refused" in result.stderr
    assert "did you mean printer-jam?" in result.stderr
    assert len(cli.json("list")) == 3


def test_batch_default_template_from_the_command_line(cli: Cli) -> None:
    _add_printer_jam(cli)
    result = cli("log", "--batch", "-", "-t", "printer-jam", "-q", input='{}\n{"title": "x"}\n')
    assert result.stdout == "INC-1\nINC-2\n"
    assert [r["title"] for r in cli.json("list")] == ["Printer jammed", "x"]


def test_who_may_manage_templates(cli: Cli) -> None:
    cli("user", "add", "root", "--role", "admin", actor="root")
    cli("user", "add", "desk", "--role", "service-desk", actor="root")
    cli("user", "add", "eng", "--role", "responder", actor="root")
    refused = cli("template", "add", "x", "--title", "t", actor="eng")
    assert refused.exit_code == 5
    assert "Changing the log templates needs the service-desk or admin role" in refused.stderr
    assert cli("template", "add", "x", "--title", "t", "-q", actor="desk").exit_code == 0
    assert cli("template", "add", "y", "--title", "t", "-q", actor="root").exit_code == 0
    assert cli("template", "remove", "x", actor="eng").exit_code == 5
    assert [t["name"] for t in cli.json("template", "list", actor="eng")] == ["x", "y"]
    assert cli.json("log", "-t", "x", actor="eng")["title"] == "t"


# -- the library ---------------------------------------------------------------------


def test_library_templates(desk: Desk) -> None:
    with desk.tracker() as tracker:
        template = tracker.templates.add("vpn", LogRequest(category="network/vpn", urgency="1"))
        assert (template.name, template.fields) == (
            "vpn", {"category": "network/vpn", "urgency": "high"},
        )  # fmt: skip
    with desk.tracker() as tracker:
        logged = tracker.intake.log(LogRequest(title="VPN", template="VPN", impact="2"))
        [incident] = tracker.incidents([logged.number])
        assert (incident.subcategory, incident.priority) == ("vpn", "P2")
    with desk.tracker() as tracker:
        with pytest.raises(Rejected, match="cannot hold a time"):
            tracker.templates.add("t", LogRequest(title="x", template="vpn"))
        tracker.templates.remove("vpn")
        with pytest.raises(NotFound):
            tracker.templates.get_or_raise("vpn")


def test_library_permission(desk: Desk) -> None:
    with desk.tracker("root") as tracker:
        tracker.users.add("root", roles=["admin"])
        tracker.users.add("eng", roles=["responder"])
    with desk.tracker("eng") as tracker, pytest.raises(PermissionDenied):
        tracker.templates.add("t", LogRequest(title="x"))
