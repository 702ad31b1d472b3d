"""The status page as Atlassian Statuspage's public API v2, so the widgets and monitors
that read a Statuspage can read ours: ``api/v2/summary.json``, ``status.json``,
``components.json`` and ``incidents.json``. Service names are the component ids,
``INC-n`` the incident ids, ``MNT-n`` the maintenance ids."""

from __future__ import annotations

from typing import Any

from inctrack.records import timestamp
from inctrack.services.status import ServiceStatus
from inctrack.statuspage.content import IncidentView, MaintenanceView, Page, ServiceView

PAGE_ID = "inctrack"
COMPONENT_STATUS = {
    ServiceStatus.OPERATIONAL: "operational",
    ServiceStatus.MAINTENANCE: "under_maintenance",
    ServiceStatus.DEGRADED: "degraded_performance",
    ServiceStatus.PARTIAL_OUTAGE: "partial_outage",
    ServiceStatus.MAJOR_OUTAGE: "major_outage",
}
INDICATOR = {
    ServiceStatus.OPERATIONAL: ("none", "All Systems Operational"),
    ServiceStatus.MAINTENANCE: ("maintenance", "Service Under Maintenance"),
    ServiceStatus.DEGRADED: ("minor", "Minor Service Outage"),
    ServiceStatus.PARTIAL_OUTAGE: ("major", "Partial System Outage"),
    ServiceStatus.MAJOR_OUTAGE: ("critical", "Major System Outage"),
}
INCIDENTS_LISTED = 50
"""incidents.json lists the 50 most recent incidents, as Statuspage does."""


def page(view: Page) -> dict[str, Any]:
    return {
        "id": PAGE_ID,
        "name": view.title,
        "url": view.base_url,
        "time_zone": "Etc/UTC",
        "updated_at": timestamp(view.now),
    }


def status(view: Page) -> dict[str, str]:
    indicator, description = INDICATOR[view.status]
    return {"indicator": indicator, "description": description}


def component(service: ServiceView, position: int) -> dict[str, Any]:
    return {
        "id": service.name,
        "name": service.title,
        "status": COMPONENT_STATUS[service.status],
        "created_at": timestamp(service.created_at),
        "updated_at": timestamp(service.created_at),
        "position": position,
        "description": service.description,
        "showcase": True,
        "start_date": service.created_at.date().isoformat(),
        "group_id": None,
        "page_id": PAGE_ID,
        "group": False,
        "only_show_if_degraded": False,
    }


def incident(view: IncidentView, page_view: Page) -> dict[str, Any]:
    monitoring = [u.at for u in view.updates if u.state == "monitoring"]
    affected = [s for s in page_view.services if s.name == view.service]
    return {
        "id": view.id,
        "name": view.title,
        "status": view.state if view.active else "resolved",
        "created_at": timestamp(view.started_at),
        "updated_at": timestamp(view.updated_at),
        "monitoring_at": timestamp(min(monitoring)) if monitoring else None,
        "resolved_at": timestamp(view.resolved_at),
        "impact": view.impact,
        "shortlink": f"{page_view.base_url}/incidents/{view.id}.html",
        "started_at": timestamp(view.started_at),
        "page_id": PAGE_ID,
        "incident_updates": [
            {
                "id": f"{view.id}-{update.number}",
                "status": update.state,
                "body": update.message,
                "incident_id": view.id,
                "created_at": timestamp(update.at),
                "updated_at": timestamp(update.at),
                "display_at": timestamp(update.at),
                "affected_components": None,
                "deliver_notifications": True,
            }
            for update in view.updates
        ],
        "components": [component(s, page_view.services.index(s) + 1) for s in affected],
    }


def maintenance(view: MaintenanceView, page_view: Page) -> dict[str, Any]:
    started = view.starts_at <= page_view.now
    affected = [s for s in page_view.services if s.name == view.service]
    return {
        "id": view.id,
        "name": view.message,
        "status": "in_progress" if started else "scheduled",
        "created_at": timestamp(view.created_at),
        "updated_at": timestamp(view.created_at),
        "monitoring_at": None,
        "resolved_at": None,
        "impact": "maintenance",
        "shortlink": f"{page_view.base_url}/index.html#{view.id}",
        "started_at": timestamp(view.starts_at),
        "page_id": PAGE_ID,
        "incident_updates": [],
        "components": [component(s, page_view.services.index(s) + 1) for s in affected],
        "scheduled_for": timestamp(view.starts_at),
        "scheduled_until": timestamp(view.ends_at),
    }


def documents(view: Page) -> dict[str, dict[str, Any]]:
    """File name (under ``api/v2/``) -> its JSON document."""
    components = [component(s, position) for position, s in enumerate(view.services, 1)]
    head = page(view)
    return {
        "summary.json": {
            "page": head,
            "components": components,
            "incidents": [incident(i, view) for i in view.active],
            "scheduled_maintenances": [maintenance(m, view) for m in view.maintenance],
            "status": status(view),
        },
        "status.json": {"page": head, "status": status(view)},
        "components.json": {"page": head, "components": components},
        "incidents.json": {
            "page": head,
            "incidents": [incident(i, view) for i in view.incidents[:INCIDENTS_LISTED]],
        },
    }


def terminal_record(view: Page) -> dict[str, Any]:
    """``statuspage show``: the API v2 summary plus the day bars and uptime per service."""
    summary = documents(view)["summary.json"]
    for record, service in zip(summary["components"], view.services, strict=True):
        record["uptime"] = round(service.uptime, 2)
        record["days"] = [COMPONENT_STATUS[day.status] for day in service.days]
    return summary
