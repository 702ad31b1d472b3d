"""Log templates: named sets of ``log`` values for the calls that come in every week.

``log --template NAME`` fills what the request leaves out from the template;
a template's values are checked as ``log`` would check them when it is saved.
"""

from __future__ import annotations

import difflib
import re

from sqlalchemy import select
from sqlmodel import col

from inctrack.admin.taxonomy import Taxonomy, join
from inctrack.domain import MAX_TITLE, Level, optional_text, parse_channel, required_text
from inctrack.errors import NotFound, Rejected
from inctrack.incidents.requests import MAX_KEY, LogRequest
from inctrack.records import TEMPLATE_KEYS
from inctrack.storage.models import Template
from inctrack.work import UnitOfWork

MAX_TEMPLATE_NAME = 64
_TEMPLATE_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


class Templates:
    """Named sets of ``log`` values (the ``templates`` table)."""

    def __init__(self, work: UnitOfWork) -> None:
        self.work = work
        self.session = work.session
        self._defaults: dict[str, LogRequest] = {}

    def all(self) -> list[Template]:
        return list(self.session.scalars(select(Template).order_by(col(Template.name))))

    def get(self, name: str) -> Template | None:
        return self.session.get(Template, name.strip().lower())

    def get_or_raise(self, name: str) -> Template:
        template = self.get(name)
        if template is None:
            known = [t.name for t in self.all()]
            close = difflib.get_close_matches(name.strip().lower(), known, n=3, cutoff=0.5)
            hint = (
                "did you mean " + " or ".join(close) + "?"
                if close
                else "`inctrack template list` shows them."
            )
            raise NotFound(f"There is no template {name.strip()!r}; {hint}")
        return template

    def defaults(self, name: str) -> LogRequest:
        """The template's preset values as a request, read once per intake."""
        key = name.strip().lower()
        if key not in self._defaults:
            preset = self.get_or_raise(name).fields or {}
            self._defaults[key] = LogRequest(**{k: preset[k] for k in TEMPLATE_KEYS if k in preset})
        return self._defaults[key]

    def add(self, name: str, preset: LogRequest) -> Template:
        """A new template; its values are checked as ``log`` would check them."""
        self.work.authorize("manage-templates")
        template_name = _template_name(name)
        if preset.reported_at is not None or preset.template is not None:
            raise Rejected("A template presets log's values; it cannot hold a time or a template.")
        values = self._checked(preset)
        if not values:
            raise Rejected(
                "A template needs at least one value to preset, such as --title, --category, "
                "--impact or --channel."
            )
        if self.session.get(Template, template_name) is not None:
            raise Rejected(
                f"There is already a template {template_name}; remove it first "
                f"(`inctrack template remove {template_name}`) to replace it."
            )
        template = Template(
            name=template_name, fields=values, created_at=self.work.now(),
            created_by=self.work.actor,
        )  # fmt: skip
        self.session.add(template)
        self.session.flush()
        return template

    def remove(self, name: str) -> Template:
        """Delete a template; incidents logged with it keep their values."""
        self.work.authorize("manage-templates")
        template = self.get_or_raise(name)
        self.session.delete(template)
        self.session.flush()
        return template

    def _checked(self, preset: LogRequest) -> dict[str, str]:
        values: dict[str, str | None] = {
            "title": (
                required_text(preset.title, "title", limit=MAX_TITLE)
                if preset.title is not None
                else None
            ),
            "reporter": optional_text(preset.reporter),
            "contact": optional_text(preset.contact),
            "description": optional_text(preset.description),
            "channel": parse_channel(preset.channel),
            "service": optional_text(preset.service),
            "category": (
                join(*Taxonomy(self.session).validate(preset.category)) if preset.category else None
            ),
            "impact": Level.parse(preset.impact).value if preset.impact is not None else None,
            "urgency": Level.parse(preset.urgency).value if preset.urgency is not None else None,
            "dedup_key": optional_text(preset.dedup_key),
        }
        key = values["dedup_key"]
        if key is not None and len(key) > MAX_KEY:
            raise Rejected(f"The dedup key has {len(key)} characters, more than {MAX_KEY}.")
        return {k: v for k, v in values.items() if v is not None}


def _template_name(name: str) -> str:
    cleaned = name.strip().lower()
    if not _TEMPLATE_NAME.match(cleaned) or len(cleaned) > MAX_TEMPLATE_NAME:
        raise Rejected(
            f"{name!r} is not a template name; use letters, digits, '-', '_' and '.', "
            f"starting with a letter or digit, at most {MAX_TEMPLATE_NAME} characters "
            "(printer-jam)."
        )
    return cleaned
