"""The command line: parse, make one core call, render.

Nothing here imports SQLAlchemy, SQLModel or Alembic at module level, so that
``inctrack --help`` and shell completion start fast; commands import the core
when they run.
"""

from inctrack.cli.root import app, main

__all__ = ["app", "main"]
