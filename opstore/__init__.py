"""The operational store: subscriptions, deliveries, tokens and run leases.

State that people and the web app write, many small transactions from several processes at
once: SQLite in WAL mode beside the warehouse by default, Postgres by URL (SQLAlchemy 2 Core,
schema by Alembic migrations shipped here and applied when the store is opened).
"""
