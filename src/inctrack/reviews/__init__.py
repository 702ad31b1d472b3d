"""Post-incident reviews: the record generated from a timeline, the sections the team
writes, action items, and the report of reviews and actions still owed.

``sections`` (the team's headings and their Markdown) imports no database library,
so the command line and the renderers may use it; ``facts`` (what the timeline
says), ``verbs`` (the :class:`~inctrack.reviews.verbs.Reviews` service) and
``actions`` are the library.
"""
