"""The public status page: what the people affected may see, as a static site.

- :mod:`~inctrack.statuspage.content`: :func:`gather` reads the database into a
  :class:`Page` holding only public facts (services, their status and daily history,
  public incidents with their public updates, upcoming maintenance).
- :mod:`~inctrack.statuspage.api`: that page in the shape of Atlassian Statuspage's
  public API v2 (``summary.json``, ``status.json``, ``components.json``, ``incidents.json``).
- :mod:`~inctrack.statuspage.site`: the HTML (Jinja2, autoescaped), the Atom feed and
  the atomic write of the whole site.

Nothing internal is ever read into a :class:`Page`: no work notes, internal updates,
reporters, contacts, assignees or hold reasons, so no template can leak them.
"""
