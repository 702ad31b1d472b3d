"""The tables the everyday commands do not need, one module per concern.

Building an SQLModel table class costs a few milliseconds (a Pydantic model and
an SQLAlchemy mapping); :mod:`inctrack.storage.models` builds these only when
someone first names one (``from inctrack.storage.models import Article``), and
all of them for whatever needs the whole schema (:func:`~inctrack.storage.models.load_all`).
"""
