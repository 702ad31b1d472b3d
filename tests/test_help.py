"""Every command's --help, as a new user reads it at 80 columns.

The whole command tree is walked, so a command or option added later is held to
the same rules: help text on every parameter, values named in words a person uses
(never Typer's ``<bool>``/``<str>``), choices spelled as they are typed and never
broken in the middle of a word, no line wider than the terminal, and examples that
run.
"""

from __future__ import annotations

import inspect
import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from inctrack.cli import app
from inctrack.cli.commands import COMMANDS as COMMANDS_TABLE

from .helpers import Cli, ok

HELP_ENV = {"COLUMNS": "80", "LINES": "50", "NO_COLOR": "1", "TERM": "dumb"}
TYPE_METAVAR = re.compile(r"<[a-z][\w |\[\],-]*>")
"""Typer's own value names: <bool>, <str>, <int range>, <list[...]>, <a|b|c>."""

COMMON = (
    "log", "list", "show", "respond", "assign", "escalate", "resolve", "close",
    "report sla", "import", "export", "search",
)  # fmt: skip
"""The commands a new analyst meets first: each shows examples (issue 13)."""


def tree(command: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    found = [(path, command)]
    for name, sub in getattr(command, "commands", {}).items():
        found += tree(sub, (*path, name))
    return found


ROOT = typer.main.get_command(app)
COMMANDS = tree(ROOT)
PATHS = [path for path, _ in COMMANDS]


def help_of(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], env=HELP_ENV, prog_name="inctrack")
    assert result.exit_code == 0, result.output
    return str(result.output)


def example_lines(command: Any) -> list[str]:
    """The ``$ inctrack ...`` lines of a command's Examples section."""
    return [
        line.strip()[2:]
        for line in (command.epilog or "").splitlines()
        if line.strip().startswith("$ inctrack ")
    ]


def test_every_option_and_argument_says_what_it_is_for() -> None:
    missing = [
        f"inctrack {' '.join(path)} {param.opts[0]}"
        for path, command in COMMANDS
        for param in command.params
        if not re.sub(r"\s*Choices: .*", "", getattr(param, "help", None) or "").strip()
    ]  # the list of choices, which help adds, does not count
    assert not missing, "no help text:\n" + "\n".join(missing)


@pytest.mark.parametrize("path", PATHS, ids=lambda path: " ".join(path) or "inctrack")
def test_help_reads_well_at_80_columns(path: tuple[str, ...]) -> None:
    text = help_of(path)
    assert not TYPE_METAVAR.findall(text), TYPE_METAVAR.findall(text)
    too_wide = [line for line in text.splitlines() if len(line) > 80]
    assert not too_wide, too_wide
    command = dict(COMMANDS)[path]
    words = set(re.findall(r"[\w-]+", text))
    for param in command.params:
        descriptor = getattr(param, "type_descriptor", None)
        if param.hidden or descriptor is None or not descriptor.is_choice:
            continue
        for choice in descriptor.choices or ():
            value = str(
                getattr(choice, "value", choice)
            )  # whole, as typed: P1 (not p1), walk-in (not walk- / in)
            assert value in words, f"{param.opts[0]}: {value!r} is not shown whole"
            if value != value.lower():
                assert value.lower() not in words, f"{param.opts[0]}: {value.lower()!r}"


def test_values_are_named_in_words() -> None:
    log = help_of(("log",))
    assert re.search(r"--resolve +Fixed at first contact", log)  # a flag takes no value
    assert re.search(r"--reporter +-r +TEXT +Who reported it", log)
    assert re.search(r"--format +-f +table\|json\|csv +Output format", log)
    assert re.search(r"--channel +CHANNEL +How it reached you\. Choices: phone,", log)
    assert re.search(r"│ +TITLE +What is wrong", log)  # an argument: its name, no type
    listing = help_of(("list",))
    assert re.search(r"--priority +-p +P1\|P2\|P3\|P4\|P5 +Only these", listing)
    assert re.search(r"--limit +-L +N \[x>=0\]", listing)
    assert re.search(r"--status +-s +STATUS +Only these \(repeatable\)\. Choices: new,", listing)
    imported = help_of(("import",))  # a metavar with a bar is not a list of choices
    assert re.search(r"│ \* +FILE\|- +The file; - reads stdin\. *│", imported)
    policy = help_of(("policy", "set"))
    assert re.search(r"│ +PRIORITY +The priority whose targets change\. Choices: P1, P2,", policy)


def test_usage_names_arguments_as_man_pages_do() -> None:
    """Required plain (not ``{ID}``, which reads like a set of choices), optional in
    brackets, repeated with one ellipsis."""
    assert "Usage: inctrack show [OPTIONS] ID " in help_of(("show",))
    assert "Usage: inctrack log [OPTIONS] [TITLE] " in help_of(("log",))
    assert "Usage: inctrack problem link [OPTIONS] PRB INC... " in help_of(("problem", "link"))
    for path, _command in COMMANDS:
        assert "{" not in help_of(path).splitlines()[1], path


def test_choices_are_still_typed_in_any_case(cli: Cli) -> None:
    ok(cli("log", "Mail down", "--impact", "HIGH", "--urgency", "High"))
    ok(cli("log", "Printer jam", "--impact", "low", "--urgency", "low"))
    assert [row["id"] for row in cli.json("list", "-p", "p1")] == ["INC-1"]


def test_a_short_flag_means_one_thing_everywhere() -> None:
    """-f is the output format on every command; -q, -d, -c, -p, -s... likewise one each.

    The exceptions are documented: -r is --reporter where a reporter is given (log,
    edit, template add) and --reverse where a list is sorted; -d is the text an
    incident (--description) or an article (--body) holds; -i names the incident or
    incidents a command works on.
    """
    meanings: dict[str, set[str]] = {}
    for _, command in COMMANDS:
        for param in command.params:
            longs = [opt for opt in param.opts if opt.startswith("--")]
            for short in (opt for opt in param.opts if re.fullmatch(r"-\w", opt)):
                meanings.setdefault(short, set()).update(longs)
    mixed = {short: longs for short, longs in meanings.items() if len(longs) > 1}
    assert mixed == {
        "-r": {"--reporter", "--reverse"},
        "-d": {"--description", "--body"},
        "-i": {"--incident", "--incidents"},
    }
    assert meanings["-f"] == {"--format"}
    assert meanings["-c"] == {"--category"}


def test_log_takes_c_for_category_like_list(cli: Cli) -> None:
    logged = cli.json("log", "VPN drops", "-c", "network/vpn")
    assert (logged["category"], logged["subcategory"]) == ("network", "vpn")
    assert [row["id"] for row in cli.json("list", "-c", "network")] == [logged["id"]]


@pytest.mark.parametrize("path", [tuple(c.split()) for c in COMMON], ids=list(COMMON))
def test_common_commands_show_examples(path: tuple[str, ...]) -> None:
    lines = example_lines(dict(COMMANDS)[path])
    assert 2 <= len(lines) <= 4
    text = help_of(path)
    assert "Examples:" in text
    for line in lines:  # printed as written: one line, no markup eaten
        assert f"$ {line}" in text


def test_every_example_runs(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every example, in the order `--help` lists the commands, on one fresh database."""
    monkeypatch.chdir(tmp_path)  # where `export -o` writes and `import` reads
    ran = []
    for path, command in COMMANDS:
        for line in example_lines(command):
            argv = shlex.split(line)[1:]
            assert tuple(argv[: len(path)]) == path, line
            result = cli(*argv)
            assert result.exit_code == 0, (line, result.stdout, result.stderr)
            ran.append(line)
    assert len(ran) >= 2 * len(COMMON)
    listed = {row["id"]: row for row in cli.json("list", "--all")}
    assert listed["INC-1"]["status"] == "closed"
    assert listed["INC-1"]["major"] is True
    assert listed["INC-3"]["resolution_code"] == "fixed"


# -- import: the input format has its own name; -f is the output format elsewhere ---


def one_line_export(cli: Cli, tmp_path: Path) -> Path:
    ok(cli("log", "Printer jam"))
    path = tmp_path / "desk.txt"  # a name that says nothing of the format
    path.write_text(ok(cli("export")), encoding="utf-8")
    return path


def test_import_input_format(cli: Cli, tmp_path: Path) -> None:
    path = one_line_export(cli, tmp_path)
    result = cli("import", str(path), "--input-format", "jsonl", "--summary", "json")
    assert json.loads(ok(result))["skipped"] == 1
    unknown = cli("import", str(path))
    assert unknown.exit_code == 2
    assert "say --input-format jsonl, json or csv" in unknown.stderr


@pytest.mark.parametrize("spelling", ["--format", "-f"])
def test_import_format_still_works_with_a_warning(cli: Cli, tmp_path: Path, spelling: str) -> None:
    path = one_line_export(cli, tmp_path)
    result = cli("import", str(path), spelling, "jsonl", "--summary", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["skipped"] == 1
    assert result.stderr == ("Warning: import --format is deprecated; say --input-format jsonl.\n")
    assert "--format" not in help_of(("import",)).replace("--input-format", "")


def test_import_format_and_input_format_must_agree(cli: Cli, tmp_path: Path) -> None:
    path = one_line_export(cli, tmp_path)
    result = cli("import", str(path), "--input-format", "csv", "-f", "jsonl")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "Error: --input-format csv and --format jsonl disagree; give --input-format alone.\n"
    )
    assert cli.json("list", "--all")[0]["id"] == "INC-1"


def test_the_command_table_says_what_the_modules_declare() -> None:
    """`inctrack --help` and completion list the commands from ``cli.commands.COMMANDS``
    without importing them: every entry builds, under its name, in the listed order, and
    its summary is the first paragraph of the help its module gives it."""
    built = [(name, command) for name, command in ROOT.commands.items()]
    assert [name for name, _ in built] == [entry.name for entry in COMMANDS_TABLE]
    for entry, (name, command) in zip(COMMANDS_TABLE, built, strict=True):
        first = inspect.cleandoc(command.short_help or command.help or "").split("\n\n")[0]
        assert (command.name, first.replace("\n", " ")) == (name, entry.summary), (
            f"cli/commands.py: the summary of {name!r} is not its help's first paragraph"
        )
        assert (command.hidden, command.deprecated) == (False, False), name
        assert not getattr(command, "rich_help_panel", None), name  # one "Commands" panel


def test_listing_from_the_table_reads_as_from_the_commands(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Top-level help and completion, first from the table alone, then with every
    command built: the same text, the same suggestions."""
    fresh = typer.main.get_command(app)
    monkeypatch.setattr("typer.testing._get_command", lambda _: fresh)

    def listed() -> tuple[str, list[tuple[str, str]]]:
        with fresh.make_context("inctrack", [], resilient_parsing=True) as ctx:
            items = fresh.shell_complete(ctx, "")
        shown = CliRunner().invoke(app, ["--help"], env=HELP_ENV, prog_name="inctrack")
        return shown.output, [(item.value, item.help) for item in items]

    from_table = listed()
    assert not fresh.table._built  # nothing was imported to list the commands
    assert len(list(fresh.commands.values())) == len(COMMANDS_TABLE)  # build them all
    assert listed() == from_table
    assert "│ queue " in from_table[0]
    assert ("link", "Link an incident: --duplicate-of INC-n...") in from_table[1]


def test_plain_help_text_prints_as_markdown_does() -> None:
    """Help lines without Markdown skip the Markdown parser (``helptext.Paragraph``):
    each prints the same, styles included, in a table cell or alone, at any width."""
    import io

    from rich.console import Console
    from rich.markdown import Markdown
    from rich.table import Table

    from inctrack.cli.helptext import Paragraph, is_plain, plain_runs

    texts = {
        inspect.cleandoc(text)
        for _, command in COMMANDS
        for text in [command.help or "", *(getattr(p, "help", "") or "" for p in command.params)]
    }
    plain = sorted(text for text in texts if is_plain(text))
    assert len(plain) > 200  # most help lines take the short way
    assert any("`" in text for text in plain)
    assert any("_" in text for text in plain)
    assert not is_plain("1. first")  # a numbered list
    assert not is_plain("use *this*")
    assert not is_plain("a _word_ or ` code `")
    assert not is_plain("a _word_")

    def printed(make: Any, width: int) -> str:
        out = io.StringIO()
        console = Console(file=out, width=width, force_terminal=True, color_system="truecolor")
        for text in plain:
            console.print(make(text))
            table = Table("name", "help", expand=True)
            table.add_column("more", ratio=10)
            table.add_row("--option", make(text), "x")
            console.print(table)
        return out.getvalue()

    for width in (30, 100):
        assert printed(lambda t: Paragraph(plain_runs(t) or [], "dim"), width) == printed(
            lambda t: Markdown(t, style="dim"), width
        )
