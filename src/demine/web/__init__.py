"""The browser UI: the map, record pages, the dashboard, the plan and the design calculators
(templates and small JS modules)."""
