"""How every command's ``--help`` names values, lists choices and shows examples.

Typer names an option's value by its Python type (``<bool>``, ``<str>``,
``<list[p1|p2]>``) and lowercases the choices of a case-insensitive option. Here,
for every command (:func:`polish`, called when the root group builds a command, so a
new command or option gets it without asking):

- a flag shows no value; a value is named ``TEXT``, ``N``, ``NUMBER`` or ``PATH``,
  or by the ``metavar`` the option gives; an argument shows its NAME alone;
- choices are shown as they are typed (``P1``, not ``p1``; parsing stays
  case-insensitive): a short list in place of the value name (``table|json|csv``),
  a long one as a sentence at the end of the help text, which wraps between words
  (an enum's members, or a ``{a|b|c}`` metavar: see ``options.checked_choice``);
- a command listed in :data:`EXAMPLES` ends with an "Examples" section, as ``gh``
  does; ``tests/test_help.py`` runs every line of them.
- a help text with no Markdown in it but code spans (most) is printed without
  building a Markdown parser for it (:class:`Paragraph`), exactly as Markdown prints
  it; Markdown itself, and the syntax highlighter of tracebacks, are imported only
  when a help text needs them (:func:`_rich_utils`).
"""

from __future__ import annotations

import inspect
import re
import sys
import types
from importlib import import_module
from typing import Any

from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

CHOICES_INLINE = 16
"""The longest ``a|b|c`` list shown in place of the value name; longer ones move to
the help text, so that they never wrap in the middle of a word at 80 columns."""

EXAMPLE_PROMPT = "$ "

EXAMPLES: dict[str, tuple[str, ...]] = {
    "log": (
        'inctrack log "VPN down for the sales floor" --impact high --urgency high',
        'inctrack log "Outlook keeps asking for a password" -r dana --channel email',
        'inctrack log "Password reset" --resolve --code fixed --note "Reset it"',
    ),
    "show": (
        "inctrack show INC-1",
        "inctrack show 1 -f json",
    ),
    "list": (
        "inctrack list",
        "inctrack list -p P1 -p P2 --unassigned",
        "inctrack list --all --since monday -f csv",
        "inctrack list -q --sort reported",
    ),
    "respond": (
        'inctrack respond INC-1 "Looking at the VPN concentrator"',
        "inctrack respond 2 'Called back: it is the new password policy'",
    ),
    "assign": (
        "inctrack assign INC-1 --to tester",
        "inctrack assign 2 --to tester -q",
    ),
    "escalate": (
        'inctrack escalate INC-1 --tier 2 --reason "Needs the network team"',
        'inctrack escalate 1 --major --reason "Whole floor offline"',
    ),
    "resolve": (
        'inctrack resolve INC-1 --code fixed --note "Restarted the concentrator"',
        'inctrack resolve 2 --code workaround --note "Webmail until the fix"',
    ),
    "close": (
        "inctrack close INC-1 --confirmed-by tester",
        'inctrack close 2 --unconfirmed --reason "No answer in three days"',
        "inctrack close --stale 7d",
    ),
    "export": (
        "inctrack export -o incidents.jsonl",
        "inctrack export -f csv --since 2026-01-01 -o incidents.csv",
    ),
    "import": (
        "inctrack import incidents.jsonl --dry-run",
        "inctrack import incidents.jsonl --on-conflict update",
        "inctrack import incidents.csv --input-format csv --summary json",
    ),
    "search": (
        "inctrack search vpn",
        "inctrack search '\"password policy\" -printer' --all",
        "inctrack search concentr* -f json",
    ),
    "kb search": (
        "inctrack kb search vpn",
        "inctrack kb search '\"password policy\" -printer' --all -f json",
        "inctrack kb search pritner",
    ),
    "report sla": (
        "inctrack report sla",
        "inctrack report sla --breached -p P1",
        "inctrack report sla --fail-on-breach --quiet-if-none",
    ),
}
"""Command path -> example command lines, run in the order of ``inctrack --help``.

Each line must work against the database the lines before it made (the test runs
them one after the other on a fresh one) and fit an 80-column terminal.
"""


def examples_epilog(lines: tuple[str, ...]) -> str:
    """An "Examples" section that reads the same in Rich and Markdown help.

    A line break is a Markdown hard break (two spaces, then a newline), which Rich
    text prints as it is.
    """
    body = "  \n".join(EXAMPLE_PROMPT + line for line in lines)
    return f"Examples:\n\n{body}"


def polish(top: Any, at: tuple[str, ...]) -> None:
    """Give every parameter of the command ``top`` (at path ``at``, ``("report",)``) and
    of every command under it a readable help line; once per command."""
    for path, command in ((at, top), *walk(top, at)):
        for param in command.params:
            if isinstance(param, TyperOption | TyperArgument):
                _polish_param(param)
        lines = EXAMPLES.get(" ".join(path))
        if lines:
            command.epilog = examples_epilog(lines)


def walk(group: Any, path: tuple[str, ...] = ()) -> Any:
    """Every command and group under ``group``, with its path (``("report", "sla")``)."""
    for name, command in getattr(group, "commands", {}).items():
        yield (*path, name), command
        yield from walk(command, (*path, name))


def choices(param: TyperOption | TyperArgument) -> list[str]:
    """The values a choice parameter takes, as a user types them (``P1``)."""
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or not descriptor.is_choice:
        return []
    return [str(getattr(choice, "value", choice)) for choice in descriptor.choices or ()]


def _polish_param(param: TyperOption | TyperArgument) -> None:
    listed = choices(param)
    if not listed and param.metavar and re.fullmatch(r"\{[^{}]+\}", param.metavar):
        listed = param.metavar[1:-1].split("|")  # checked_choice: a list the core checks
    if isinstance(param, TyperOption) and (param.is_flag or param.count):
        return
    inline = "|".join(listed)
    if listed and len(inline) <= CHOICES_INLINE and isinstance(param, TyperOption):
        param.metavar = inline
        return
    if listed:
        if param.metavar is None or param.metavar.startswith("{"):
            param.metavar = _name(param)
        param.help = f"{(param.help or '').rstrip()} Choices: {', '.join(listed)}.".lstrip()
    elif isinstance(param, TyperOption) and param.metavar is None:
        param.metavar = _value_name(param)


def _name(param: TyperOption | TyperArgument) -> str:
    longs = [opt for opt in param.opts if opt.startswith("--")]
    base = longs[0].lstrip("-") if longs else (param.name or "value")
    return base.upper()


def _value_name(param: TyperOption) -> str:
    descriptor = param.type_descriptor
    if descriptor.is_path:
        return "PATH"
    annotation = descriptor.annotation
    args = getattr(annotation, "__args__", None)
    element = args[0] if args else annotation
    if element is int:
        return "N"
    if element is float:
        return "NUMBER"
    if element is str:
        return "TEXT"
    return _name(param)


def _option_value(self: TyperOption, ctx: Any) -> str | None:
    """An option's value in help: none for a flag, else its (polished) metavar."""
    if self.is_flag or self.count:
        return None
    return self.metavar if self.metavar is not None else _value_name(self)


def _argument_value(self: TyperArgument, ctx: Any) -> str | None:
    """An argument shows its NAME in the first column, and nothing more."""
    return None


def install() -> None:
    """Name values the way :func:`polish` does, for the options Typer adds itself
    (``--help``, ``--install-completion``) and any it builds later."""
    TyperOption.display_type_rich = _option_value  # type: ignore[method-assign]
    TyperArgument.display_type_rich = _argument_value  # type: ignore[method-assign,assignment]
    TyperArgument._usage_display_name = _usage_name  # type: ignore[method-assign]
    for cls in (TyperCommand, TyperGroup):
        cls.format_help = _with_plain_paragraphs(cls.format_help)  # type: ignore[method-assign]


def _usage_name(self: TyperArgument) -> str:
    """An argument in the usage line as man pages write it: ``ID`` when required,
    ``[TITLE]`` when not (Typer writes ``{ID}``, which reads like a set of choices)."""
    name = self.display_name_raw
    if self.nargs != 1 and not name.endswith("..."):
        name += "..."
    return name if self.required else f"[{name}]"


_PLAIN = re.compile(r"(?:[^\W_]|[ ,.;:()'\"/%=?!\u2192\u2026\u2013\u2014_-])*")
"""Text that Markdown prints as it is: letters, digits, spaces and punctuation that
starts no Markdown construct (no ``* [ < & \\ # | ~``, no line break; ``_`` only
inside a word, where it cannot emphasise)."""
_LOOSE_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
_CODE = re.compile(r"`([^`\n]+)`")
"""A code span: one backtick each side, no space just inside them."""


def plain_runs(text: str) -> list[tuple[str, bool]] | None:
    """``text`` as runs of (words, is code) when Markdown prints it as one paragraph of
    those words, the code spans without their backticks; None for anything else."""
    if not text or text != text.strip() or "  " in text:
        return None
    if text.startswith(("-", "+")) or re.match(r"\d+[.)]", text):  # a list or a rule
        return None
    runs: list[tuple[str, bool]] = []
    done = 0
    for span in (*_CODE.finditer(text), None):
        words = text[done : span.start() if span else len(text)]
        if not _PLAIN.fullmatch(words) or _LOOSE_UNDERSCORE.search(words):
            return None
        if words:
            runs.append((words, False))
        if span is None:
            return runs
        code = span.group(1)
        if code != code.strip():
            return None
        runs.append((code, True))
        done = span.end()
    return runs  # not reached: the loop ends on None


def is_plain(text: str) -> bool:
    return plain_runs(text) is not None


class Paragraph:
    """One paragraph of plain text and code spans, printed exactly as
    ``rich.markdown.Markdown`` prints it (a left-justified Text in the paragraph style
    over ``style``, code in the code style; no measure of its own, as Markdown has
    none), without building a Markdown parser for it."""

    def __init__(self, runs: list[tuple[str, bool]], style: str) -> None:
        self.runs, self.style = runs, style

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.text import Text

        style = console.get_style(self.style, default="none")
        style += console.get_style("markdown.paragraph", default="none")
        code = style + console.get_style("markdown.code", default="none")
        text = Text(justify="left")
        for words, is_code in self.runs:
            text.append(words, code if is_code else style)
        yield from console.render(text, options.update(height=None))


def _plain_as_paragraphs(make: Any) -> Any:
    """Typer's help text maker, answering :class:`Paragraph` for a plain Markdown text
    (most help lines): a Markdown parser costs about 1 ms a text, and a help page has
    dozens."""

    def make_rich_text(*, text: str, style: str = "", markup_mode: str) -> Any:
        if markup_mode == "markdown":
            from rich.emoji import Emoji

            runs = plain_runs(Emoji.replace(inspect.cleandoc(text)))
            if runs is not None:
                return Paragraph(runs, style)
        return make(text=text, style=style, markup_mode=markup_mode)

    make_rich_text.plain = True  # type: ignore[attr-defined]
    return make_rich_text


_DEFERRED = {"rich.markdown": "Markdown", "rich.traceback": "Traceback"}
"""What ``typer.rich_utils`` imports though help rarely uses it: Markdown (markdown_it)
only for a help text with Markdown in it, Traceback (pygments) only for a developer's
traceback; together about a third of the imports of a help page."""


def _later(module: str, name: str) -> Any:
    """A class standing in for ``module.name``: calling it or reading an attribute of
    it (``Traceback.from_exception``) imports the real one and hands over to it."""

    class Later(type):
        def __getattr__(cls, attribute: str) -> Any:
            return getattr(getattr(import_module(module), name), attribute)

    def new(cls: Any, *args: Any, **kwargs: Any) -> Any:
        return getattr(import_module(module), name)(*args, **kwargs)

    return Later(name, (), {"__new__": new})


def _rich_utils() -> Any:
    """``typer.rich_utils``, imported with stand-in modules for :data:`_DEFERRED`, which
    are gone once it is: whoever imports those modules later gets the real ones."""
    if "typer.rich_utils" not in sys.modules:
        stand_ins = {}
        for module, name in _DEFERRED.items():
            if module not in sys.modules:
                stand_ins[module] = sys.modules[module] = types.ModuleType(module)
                setattr(stand_ins[module], name, _later(module, name))
        try:
            import_module("typer.rich_utils")
        finally:
            for module, stand_in in stand_ins.items():
                if sys.modules.get(module) is stand_in:
                    del sys.modules[module]
    return import_module("typer.rich_utils")


def _with_plain_paragraphs(format_help: Any) -> Any:
    def formatted(self: Any, ctx: Any, formatter: Any) -> Any:
        rich_utils = _rich_utils()
        if not getattr(rich_utils._make_rich_text, "plain", False):
            rich_utils._make_rich_text = _plain_as_paragraphs(rich_utils._make_rich_text)
        return format_help(self, ctx, formatter)

    return formatted
