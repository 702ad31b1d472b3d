"""inctrack: a terminal-first incident tracker for IT service desks.

The package is a library first: everything the command line does is callable
from Python through :class:`inctrack.tracker.Tracker`. This module stays tiny
on purpose, because ``inctrack --help`` imports it.
"""

__version__ = "0.1.0"
