"""GDAL's OGC API - Features driver (what QGIS and pyogrio use) reads every collection."""

from __future__ import annotations

from collections.abc import Iterator

import pyogrio
import pytest
from sqlalchemy import func, select

from demine.api.collections import COLLECTIONS
from tests.api.conftest import PASSWORDS, Service
from tests.api.live import serving


@pytest.fixture
def basic_auth() -> Iterator[None]:
    pyogrio.set_gdal_config_options({"GDAL_HTTP_AUTH": "BASIC",
                                     "GDAL_HTTP_USERPWD": f"viewer:{PASSWORDS['viewer']}"})
    yield
    pyogrio.set_gdal_config_options({"GDAL_HTTP_AUTH": None, "GDAL_HTTP_USERPWD": None})


def test_gdal_reads_every_collection(service: Service, basic_auth: None) -> None:
    with serving(service.store) as url:
        layers = {str(name) for name, _ in pyogrio.list_layers(f"OAPIF:{url}")}
        assert layers == set(COLLECTIONS)
        for cid, coll in COLLECTIONS.items():
            frame = pyogrio.read_dataframe(f"OAPIF:{url}", layer=cid)
            with service.store.read() as conn:
                stored = conn.execute(select(func.count()).select_from(coll.table)).scalar_one()
            assert len(frame) == stored, cid
            if stored and coll.geometry is not None:
                assert frame.geometry.notna().all(), cid
                assert frame.crs is not None and frame.crs.to_authority() == ("OGC", "CRS84"), cid
        hazards = pyogrio.read_dataframe(f"OAPIF:{url}", layer="hazard_areas",
                                         where="classification = 'CHA'")
        assert set(hazards["classification"]) == {"CHA"}


def test_gdal_without_credentials_sees_the_public_collections(service: Service) -> None:
    with serving(service.store) as url:
        layers = {str(name) for name, _ in pyogrio.list_layers(f"OAPIF:{url}")}
    assert layers == {c.id for c in COLLECTIONS.values() if c.public}
