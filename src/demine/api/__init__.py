"""The web service: OGC API - Features, the registry API, accounts, the public endpoint, the UI."""
