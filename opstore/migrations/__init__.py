"""Alembic migrations of the operational store, applied by `opstore.db.open_store`."""
