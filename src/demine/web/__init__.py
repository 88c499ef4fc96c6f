"""The browser UI: the map, record pages and the dashboard (templates and small JS modules)."""
