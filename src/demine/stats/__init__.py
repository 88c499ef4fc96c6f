"""Statistics of the registry: land release, finds, accidents; one source for every output."""
