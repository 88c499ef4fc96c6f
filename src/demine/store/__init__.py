"""Persistence behind one interface: the embedded GeoPackage store and the PostGIS store."""

from demine.store.base import Store, StoreError, open_store

__all__ = ["Store", "StoreError", "open_store"]
