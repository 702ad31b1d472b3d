"""Services: the registry incidents name, their status and its history, maintenance.

- :mod:`~inctrack.services.registry`: :class:`Services` (``tracker.services``):
  add, retire, look up with "did you mean", set a status by hand, history.
- :mod:`~inctrack.services.status`: :class:`ServiceStatus`, how open incidents
  give a service its status, the history kept as they change, and
  :func:`status_timeline` (status over any past stretch, maintenance included).
- :mod:`~inctrack.services.maintenance`: :class:`Maintenance` windows ``MNT-n``.
- :mod:`~inctrack.services.records`: their JSON/CSV records.
"""
