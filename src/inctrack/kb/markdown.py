"""Articles as Markdown files: front matter in, front matter out, diagnostic steps.

A file is an optional YAML block between two ``---`` lines, then the Markdown
body. The keys inctrack reads are :data:`KEYS`; others are left alone (a wiki's
``author`` or ``date``). Steps to run are fenced code blocks whose info string
is ``diagnostic``, found with the same Markdown parser that renders articles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from inctrack.errors import Rejected

KEYS = ("id", "title", "tags", "category", "service", "status")
"""Front-matter keys inctrack reads, in the order ``kb export`` writes them."""

DIAGNOSTIC = "diagnostic"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""The safe loader, in C when PyYAML was built with libyaml (ten times faster)."""


@dataclass
class Page:
    """One Markdown file, read: its front matter and its body."""

    meta: dict[str, Any] = field(default_factory=dict)
    body: str = ""

    def title(self, fallback: str) -> str:
        """The ``title`` key, else the first ``# `` heading, else ``fallback`` (the file name)."""
        given = self.meta.get("title")
        if given is not None and str(given).strip():
            return str(given).strip()
        for line in self.body.splitlines():
            if line.startswith("# ") and line[2:].strip():
                return line[2:].strip().rstrip("#").strip()
        return fallback

    def tags(self) -> list[str] | None:
        value = self.meta.get("tags")
        if value is None:
            return None
        if isinstance(value, str):
            return value.split(",")
        if isinstance(value, list):
            return [str(tag) for tag in value]
        raise Rejected("`tags` must be a list or a comma-separated string.")

    def text(self, key: str) -> str | None:
        value = self.meta.get(key)
        return None if value is None else str(value).strip()


def read_page(text: str, *, name: str) -> Page:
    """Split ``text`` into front matter and body; Rejected naming ``name`` when the
    front matter is not a YAML mapping."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return Page(body=text)
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "..."))
    except StopIteration:
        raise Rejected(
            f"{name}: the front matter opened by `---` on line 1 is never closed by a `---` line."
        ) from None
    try:
        meta = yaml.load("\n".join(lines[1:end]), Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        raise Rejected(f"{name}: the front matter is not valid YAML{where}.") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise Rejected(f"{name}: the front matter must be `key: value` lines.")
    return Page(meta={str(k): v for k, v in meta.items()}, body="\n".join(lines[end + 1 :]))


def write_page(meta: dict[str, Any], body: str) -> str:
    """A Markdown file: the keys of :data:`KEYS` that have a value, then the body."""
    kept = {key: meta[key] for key in KEYS if meta.get(key) not in (None, "", [])}
    front = yaml.safe_dump(kept, sort_keys=False, allow_unicode=True, default_flow_style=False)
    return f"---\n{front}---\n\n{body}\n" if body else f"---\n{front}---\n"


def diagnostic_steps(body: str) -> list[str]:
    """The commands of the article's ``diagnostic`` fenced blocks, in order."""
    from markdown_it import MarkdownIt

    steps = []
    for token in MarkdownIt("commonmark").parse(body):
        if token.type == "fence" and token.info.strip().split(" ")[0] == DIAGNOSTIC:
            command = token.content.strip("\n")
            if command.strip():
                steps.append(command)
    return steps
