"""Storage: SQLModel tables and the one module that commits (``store.py``)."""
