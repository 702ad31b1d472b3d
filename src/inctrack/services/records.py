"""The public records of services, their status changes, maintenance and updates:
what ``--format json`` prints and the CSV columns, built from rows."""

from __future__ import annotations

from inctrack.domain import format_incident_id, format_maintenance_id
from inctrack.records import Record, timestamp
from inctrack.services.status import ServiceStatus
from inctrack.storage.models import MaintenanceWindow, Service, ServiceStatusChange, Update


def service_record(service: Service, *, status: ServiceStatus) -> Record:
    """A service with its status now (``status``: maintenance windows included)."""
    return {
        "name": service.name,
        "title": service.title,
        "group": service.group_name,
        "description": service.description,
        "status": status.value,
        "status_set_by_hand": service.manual_status is not None,
        "status_reason": service.manual_reason,
        "retired": service.retired_at is not None,
        "retired_at": timestamp(service.retired_at),
        "created_at": timestamp(service.created_at),
    }


SERVICE_CSV_COLUMNS = ("name", "title", "group", "description", "status", "status_set_by_hand",
                       "status_reason", "retired", "retired_at", "created_at")  # fmt: skip


def status_change_record(change: ServiceStatusChange) -> Record:
    """One change of a service's recorded status (``service show``'s history)."""
    return {
        "at": timestamp(change.at),
        "actor": change.actor,
        "old": change.old,
        "status": change.status,
        "cause": change.cause,
        "incident": None if change.incident_id is None else format_incident_id(change.incident_id),
        "reason": change.reason,
    }


def maintenance_record(window: MaintenanceWindow, service: Service) -> Record:
    return {
        "id": format_maintenance_id(window.id),
        "service": service.name,
        "starts_at": timestamp(window.starts_at),
        "ends_at": timestamp(window.ends_at),
        "message": window.message,
        "created_at": timestamp(window.created_at),
        "created_by": window.created_by,
        "cancelled": window.cancelled_at is not None,
        "cancelled_at": timestamp(window.cancelled_at),
        "cancelled_by": window.cancelled_by,
    }


MAINTENANCE_CSV_COLUMNS = ("id", "service", "starts_at", "ends_at", "message", "created_at",
                           "created_by", "cancelled", "cancelled_at", "cancelled_by")  # fmt: skip


def update_record(update: Update) -> Record:
    """A stakeholder update, as ``show`` lists it under ``updates``."""
    return {
        "at": timestamp(update.at),
        "actor": update.actor,
        "state": update.state,
        "public": update.public,
        "message": update.message,
    }
