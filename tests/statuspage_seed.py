"""A database for the status page tests: public and internal facts side by side.

Shared by tests/test_statuspage.py and tests/test_statuspage_browser.py, as
helpers.py is shared by all (test modules never import from each other).
"""

from __future__ import annotations

from datetime import timedelta

from inctrack.clock import FixedClock

from .helpers import START, Desk

H, DAY = timedelta(hours=1), timedelta(days=1)

SECRETS = {
    "reporter": "Zebulon Quartermain",
    "contact": "zebulon.q@secret.example",
    "description": "DESCRIPTION-kraken-7731",
    "note": "WORKNOTE-basilisk-1182",
    "internal update": "INTERNAL-UPDATE-manticore-5521",
    "hold note": "HOLDNOTE-chimera-9034",
    "assignee": "yolanda-assignee",
    "commander": "xavier-commander",
    "resolution note": "RESOLUTION-griffin-4410",
    "private incident": "PRIVATE-TITLE-hydra-2297",
    "escalation reason": "ESCALATION-wyvern-6650",
}


def seed(desk: Desk, clock: FixedClock, *, title: str = "Mail is not delivered") -> None:
    """Three services; a major email outage two days ago, resolved after an hour and
    told in public; a VPN incident still open with one public update; an incident told
    only internally; maintenance of the wiki tomorrow. Every internal field is seeded
    with a string found nowhere else."""
    clock.set(START - 10 * DAY)
    with desk.tracker() as tracker:
        tracker.services.add("email", title="Email", description="Mail for everyone")
        tracker.services.add("vpn", title="VPN")
        tracker.services.add("wiki", title="Wiki")
        tracker.users.add("alice", roles=["admin", "service-desk", "incident-manager"])
        tracker.users.add(SECRETS["assignee"], roles=["responder"])
        tracker.users.add(SECRETS["commander"], roles=["incident-manager"])
    clock.set(START - 2 * DAY)
    with desk.tracker() as tracker:
        mail = tracker.log(
            title, service="email", impact="high", urgency="high",
            reporter=SECRETS["reporter"], reporter_contact=SECRETS["contact"],
            description=SECRETS["description"],
        )  # fmt: skip
        tracker.escalate(mail.id, reason=SECRETS["escalation reason"], major=True)
        tracker.set_role(mail.id, "commander", SECRETS["commander"])
        tracker.assign(mail.id, to=SECRETS["assignee"])
        tracker.note(mail.id, SECRETS["note"])
        tracker.updates.post(mail.id, "Mail is delayed; we are looking.", state="investigating",
                             public=True)  # fmt: skip
        tracker.updates.post(mail.id, SECRETS["internal update"], state="investigating")
    clock.advance(H / 2)
    with desk.tracker() as tracker:
        tracker.updates.post(1, "A full disk on the relay.", state="identified", public=True)
    clock.advance(H / 2)
    with desk.tracker() as tracker:
        tracker.resolve(1, code="fixed", note=SECRETS["resolution note"])
        tracker.updates.post(1, "Mail flows again.", state="resolved", public=True)
    clock.set(START - H)
    with desk.tracker() as tracker:
        vpn = tracker.log("VPN drops every few minutes", service="vpn", impact="medium",
                          urgency="medium", reporter=SECRETS["reporter"])  # fmt: skip
        tracker.updates.post(vpn.id, "Some VPN users are disconnected.", state="investigating",
                             public=True)  # fmt: skip
        tracker.respond(vpn.id, "On it")
        tracker.hold(vpn.id, "awaiting-vendor", note=SECRETS["hold note"])
        hidden = tracker.log(SECRETS["private incident"], service="wiki", impact="low",
                             urgency="low", reporter=SECRETS["reporter"])  # fmt: skip
        tracker.updates.post(hidden.id, "only for us", state="investigating")
        tracker.maintenance.add("wiki", starts_at=START + DAY, ends_at=START + DAY + 2 * H,
                                message="Upgrading the wiki")  # fmt: skip
    clock.set(START)
