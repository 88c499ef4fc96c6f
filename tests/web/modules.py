"""Following a page's JavaScript module graph: every import is a file this server serves, and no
module of ours names another host."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from fastapi.testclient import TestClient

IMPORTS = re.compile(r"""(?:\bimport\s*\(?|\bfrom)\s*["'](\.{1,2}/[^"']+)["']""")
"""Static and dynamic imports of a relative module."""
SVG_NAMESPACE = '"http://www.w3.org/2000/svg"'
"""A name, not an address: allowed in modules that draw SVG."""


def assert_modules_served(client: TestClient, start: str) -> set[str]:
    """Every module reachable from `start`, each served as JavaScript; the set of them."""
    pending, seen = [start], set()
    while pending:
        url = pending.pop()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"].startswith("text/javascript"), url
        if "/vendor/" not in url:
            text = response.text.replace(SVG_NAMESPACE, "")
            assert not re.search(r"https?://", text), f"{url} names another host"
            pending += [urljoin(url, target) for target in IMPORTS.findall(response.text)]
    return seen
