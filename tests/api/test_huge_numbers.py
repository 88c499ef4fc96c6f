"""Numbers too large for the database are answered, not crashed on."""

from __future__ import annotations

from tests.api.conftest import Service


def test_a_row_number_beyond_64_bits_is_not_found(service: Service) -> None:
    for key in ("9223372036854775808", "-9223372036854775809", "1" + "0" * 30):
        answer = service.client.get(f"/collections/roads/items/{key}")
        assert answer.status_code == 404, (key, answer.text)


def test_an_offset_beyond_64_bits_gives_an_empty_page(service: Service) -> None:
    answer = service.client.get("/collections/roads/items",
                                params={"offset": "99999999999999999999999"})
    assert answer.status_code == 200
    assert answer.json()["features"] == []
