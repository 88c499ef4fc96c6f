"""Readers and writers of files; each reader yields records plus problems, never half a record."""
