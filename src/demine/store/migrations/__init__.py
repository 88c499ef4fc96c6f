"""Alembic migrations of the registry schema (both stores)."""
