"""Shipped event mappings (TOML); `colombia_events.toml` is the commented reference."""
