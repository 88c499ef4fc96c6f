"""The risk map as an OGC API collection: login only, bbox and date filters, paging, pages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
import shapely
import shapely.geometry
from fastapi.testclient import TestClient
from httpx import Response

from demine.api.app import create_app
from demine.store import open_store
from demine.store.accounts import add_user
from tests.api.conftest import PASSWORDS, Service
from tests.api.test_ogc import all_items
from tests.conftest import BACKENDS, Cli
from tests.postgis import new_database
from tests.riskgrid import AS_OF, grid

ITEMS = "/collections/risk_cells/items"


def viewed(served: Service, url: str) -> Response:
    """A page as a logged-in viewer sees it."""
    return served.client.get(url, headers=served.headers("viewer"))


@pytest.fixture(scope="module", params=BACKENDS)
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Service]:
    """A registry holding nothing but a risk map of 4 by 3 cells, and two users."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('risk') / 'risk.gpkg'}"
    else:
        url = new_database(request.getfixturevalue("postgis_admin"), "risk_api")
    store = open_store(url)
    store.init()
    for name in ("admin", "viewer"):
        add_user(store, name, name, None, PASSWORDS[name], "test")
    with store.write() as conn:
        grid(36.30, 50.10, 4, 3, hazard="HA-1").write(conn)
    svc = Service(TestClient(create_app(store)), store, Cli(url))
    yield svc
    svc.client.close()
    store.dispose()


def test_the_risk_map_is_for_logged_in_users(served: Service) -> None:
    anonymous = served.client.get("/collections").json()["collections"]
    assert "risk_cells" not in {c["id"] for c in anonymous}
    assert served.client.get(ITEMS).status_code == 401
    doc = viewed(served, "/collections/risk_cells").json()
    assert doc["title"] == "Contamination risk"
    assert doc["extent"]["spatial"]["bbox"][0] == pytest.approx([36.30, 50.10, 36.312, 50.109])
    assert doc["extent"]["temporal"]["interval"] == [["2025-06-01T00:00:00Z"] * 2]


def test_every_cell_once_through_the_pages(served: Service) -> None:
    first = viewed(served, f"{ITEMS}?limit=5").json()
    assert first["numberMatched"] == 12 and first["numberReturned"] == 5
    cells = all_items(served, f"{ITEMS}?limit=5")
    assert len(cells) == 12 and len({c["properties"]["cell"] for c in cells}) == 12
    corner = next(c for c in cells if c["properties"]["cell"] == "250m:E003N002")
    assert corner["properties"]["risk"] == 1.0 and corner["properties"]["hazard"] == "HA-1"
    assert corner["properties"]["as_of"] == "2025-06-01"
    assert '"distance_to_front_line": 1.0' in corner["properties"]["contributions"]
    assert corner["geometry"]["type"] == "Polygon" and isinstance(corner["id"], int)


def test_bbox_pages_hold_the_cells_they_touch(served: Service) -> None:
    everything = all_items(served, f"{ITEMS}?limit=100")
    shapes = {f["properties"]["cell"]: shapely.geometry.shape(f["geometry"]) for f in everything}
    box = (36.3035, 50.1045, 36.3065, 50.1075)  # inside the second and third columns, rows 1-2
    inside = all_items(served, f"{ITEMS}?limit=2&bbox="
                       + ",".join(map(str, box)))
    expected = {c for c, g in shapes.items() if g.intersects(shapely.box(*box))}
    assert {f["properties"]["cell"] for f in inside} == expected
    assert len(expected) == 4
    page = viewed(served, f"{ITEMS}?limit=3&bbox=" + ",".join(map(str, box))).json()
    assert page["numberMatched"] == 4 and page["numberReturned"] == 3
    far = viewed(served, f"{ITEMS}?bbox=10,10,11,11").json()
    assert far["numberMatched"] == 0 and far["features"] == []


def test_date_and_property_filters(served: Service) -> None:
    assert len(all_items(served, f"{ITEMS}?datetime=2025-06-01")) == 12
    assert all_items(served, f"{ITEMS}?datetime=2025-07-01/..") == []
    high = all_items(served, f"{ITEMS}?filter=risk >= 0.6")
    assert high and all(f["properties"]["risk"] >= 0.6 for f in high)
    queryables = viewed(served, "/collections/risk_cells/queryables").json()
    assert {"cell", "risk", "as_of", "hazard", "contributions"} <= set(queryables["properties"])
    assert queryables["properties"]["risk"]["type"] == "number"


def test_one_cell_and_the_html_pages(served: Service) -> None:
    cells = all_items(served, f"{ITEMS}?limit=100")
    fid = cells[0]["id"]
    one = viewed(served, f"{ITEMS}/{fid}")
    assert one.status_code == 200 and one.json()["properties"]["cell"] == "250m:E000N000"
    page = viewed(served, f"{ITEMS}?f=html&limit=3")
    assert page.status_code == 200 and "250m:E000N000" in page.text
    item = viewed(served, f"{ITEMS}/{fid}?f=html")
    assert item.status_code == 200 and "250m:E000N000" in item.text
    assert viewed(served, f"{ITEMS}/999999").status_code == 404


def test_a_new_map_is_served_at_once(served: Service) -> None:
    before = viewed(served, f"{ITEMS}?bbox=36.29,50.09,36.32,50.12").json()
    later = date(2025, 9, 1)
    with served.store.write() as conn:
        grid(36.30, 50.10, 2, 1).write(conn, later)
    try:
        after = viewed(served, f"{ITEMS}?bbox=36.29,50.09,36.32,50.12").json()
        assert before["numberMatched"] == 12 and after["numberMatched"] == 2
        assert {f["properties"]["as_of"] for f in after["features"]} == {later.isoformat()}
    finally:
        with served.store.write() as conn:
            grid(36.30, 50.10, 4, 3, hazard="HA-1").write(conn, AS_OF)
