"""Team settings that drive the SLA clocks: targets, the at-risk threshold, the
impact x urgency matrix, the business calendar and its holidays.

They live in the database, so everyone who shares it shares them; changing
them is for admins (``manage-policy``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from inctrack.domain import Level, Priority, optional_text
from inctrack.errors import NotFound, Rejected
from inctrack.sla import policy as policy_store
from inctrack.sla.hours import parse_hours
from inctrack.sla.policy import Policy
from inctrack.storage.models import Holiday
from inctrack.work import UnitOfWork


class TeamSettings:
    """The team's SLA policy and calendar, changed inside one unit of work."""

    def __init__(self, work: UnitOfWork) -> None:
        self.work = work

    def set_target(
        self,
        priority: Priority | str,
        *,
        respond: str | None = None,
        resolve: str | None = None,
        calendar: str | None = None,
    ) -> Policy:
        """Change one priority's response/resolution targets or calendar."""
        self.work.authorize("manage-policy")
        if calendar is not None and calendar not in ("24x7", "business"):
            raise Rejected(f"{calendar!r} is not a calendar; use 24x7 or business.")
        policy_store.set_target(
            self.work.session,
            Priority.parse(priority),
            respond=respond,
            resolve=resolve,
            calendar=calendar,  # type: ignore[arg-type]
        )
        self.work.policy_changed("targets")
        return self.work.policy()

    def set_update_every(self, priority: Priority | str, every: str) -> Policy:
        """Change how often stakeholders must hear of an incident of ``priority``
        (``30m``, ``1h``, or ``none``); ``report comms`` lists those overdue."""
        self.work.authorize("manage-policy")
        self.work.policy_changed()  # a cadence, not a clock
        return policy_store.set_update_every(self.work.session, Priority.parse(priority), every)

    def set_at_risk(self, threshold: str) -> Policy:
        self.work.authorize("manage-policy")
        policy_store.save(self.work.session, "at_risk", policy_store.parse_percent(threshold))
        self.work.policy_changed()  # a state's threshold: no due time moves
        return self.work.policy()

    def set_matrix(self, cells: Sequence[str]) -> Policy:
        """Change cells of the impact x urgency matrix: ``high/low=P2``."""
        self.work.authorize("manage-policy")
        stored = {f"{i}/{u}": p.value for (i, u), p in self.work.policy().matrix.items()}
        for cell in cells:
            key, sep, value = cell.partition("=")
            impact, slash, urgency = key.partition("/")
            if not sep or not slash:
                raise Rejected(
                    f"{cell!r} is not a matrix cell; write IMPACT/URGENCY=PRIORITY (high/low=P2)."
                )
            stored[f"{Level.parse(impact)}/{Level.parse(urgency)}"] = Priority.parse(value).value
        policy_store.save(self.work.session, "matrix", stored)
        self.work.policy_changed()  # priorities of incidents to come
        return self.work.policy()

    def set_calendar(self, *, timezone: str | None = None, hours: str | None = None) -> Policy:
        """The business calendar: its time zone and weekly working hours."""
        self.work.authorize("manage-policy")
        current = self.work.policy()
        value = {
            "timezone": policy_store.check_timezone(timezone) if timezone else current.timezone,
            "hours": parse_hours(hours).describe() if hours is not None else current.hours,
        }
        policy_store.save(self.work.session, "calendar", value)
        self.work.policy_changed("calendar")
        return self.work.policy()

    def add_holiday(self, day: date, *, name: str | None = None) -> Policy:
        self.work.authorize("manage-policy")
        holiday = self.work.session.get(Holiday, day)
        if holiday is None:
            self.work.session.add(Holiday(day=day, name=optional_text(name)))
        elif name is not None:
            holiday.name = optional_text(name)
        self.work.session.flush()
        self.work.policy_changed("calendar")
        return self.work.policy()

    def remove_holiday(self, day: date) -> Policy:
        self.work.authorize("manage-policy")
        holiday = self.work.session.get(Holiday, day)
        if holiday is None:
            raise NotFound(f"{day.isoformat()} is not a holiday; `inctrack calendar holiday list`.")
        self.work.session.delete(holiday)
        self.work.session.flush()
        self.work.policy_changed("calendar")
        return self.work.policy()

    def import_holidays(
        self, country: str, years: Sequence[int], *, subdivision: str | None = None
    ) -> list[tuple[date, str]]:
        """Public holidays of a country (the ``holidays`` package); returns those added."""
        self.work.authorize("manage-policy")
        import holidays as holiday_data

        try:
            found = holiday_data.country_holidays(
                country.upper(), subdiv=subdivision, years=list(years)
            )
        except NotImplementedError:
            where = repr(country)
            if subdivision:
                where += f" with subdivision {subdivision!r}"
            raise NotFound(
                f"The holidays package knows no country {where}; use ISO codes like GB, or "
                "GB with --subdivision SCT."
            ) from None
        added = []
        for day, name in sorted(found.items()):
            if self.work.session.get(Holiday, day) is None:
                self.work.session.add(Holiday(day=day, name=name))
                added.append((day, name))
        self.work.session.flush()
        self.work.policy_changed("calendar")
        return added
