"""The sections of a review the team writes, and reading them back from Markdown.

A review opens in ``$EDITOR`` as the whole review in Markdown; only the text under
the team's ``## `` headings is read back, so the generated parts cannot be edited
by mistake, and a heading the team does not own ends the section above it.
"""

from __future__ import annotations

from inctrack.errors import Rejected

SECTIONS: dict[str, str] = {
    "what-happened": "What happened",
    "contributing-factors": "Contributing factors",
    "went-well": "What went well",
    "to-improve": "What to improve",
}
"""Section name (as ``--section`` takes it) -> its heading."""

EMPTY = "_Not written yet._"
"""What an unwritten section shows; read back as nothing."""

MAX_SECTION = 20_000


def section_name(text: str) -> str:
    """The section ``text`` names (its name or its heading, any case), or Rejected."""
    typed = text.strip().lower()
    for name, heading in SECTIONS.items():
        if typed in (name, heading.lower(), name.replace("-", "_")):
            return name
    raise Rejected(f"There is no review section {text!r}; the sections are {', '.join(SECTIONS)}.")


def parse_markdown(text: str) -> dict[str, str]:
    """The team's sections found in ``text`` (a review as Markdown), heading -> body.

    A section left out of the text is left out of the result (not cleared); one
    whose body is empty or the placeholder is returned as ``""``.
    """
    headings = {heading.lower(): name for name, heading in SECTIONS.items()}
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("## ") or line.startswith("# "):
            name = headings.get(line.lstrip("#").strip().lower())
            current = found.setdefault(name, []) if name else None
        elif current is not None:
            current.append(line)
    bodies = {name: "\n".join(lines).strip() for name, lines in found.items()}
    return {name: "" if body == EMPTY else body for name, body in bodies.items()}
