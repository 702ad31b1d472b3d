"""Incidents: logging (one way in for every new incident), the verbs of the process, queries."""
