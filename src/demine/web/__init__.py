"""The browser UI: the map, record pages, the dashboard and the design calculators (templates and
small JS modules)."""
