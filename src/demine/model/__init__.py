"""Pure domain: vocabularies, entities, validation rules and land-release accounting (no I/O)."""
