"""The survey-design calculators page without a browser: a form per calculator, rendered from
CALCULATORS, and the registry's two plans behind a login."""

from __future__ import annotations

import inspect
import re
from typing import Any
from urllib.parse import urlencode

from fastapi.testclient import TestClient
from markupsafe import escape

from demine.api import design
from demine.stats.calculators import CALCULATORS, REQUIRED, Param
from tests.web.conftest import log_in
from tests.web.test_pages import Tags

SECTION = re.compile(r'<section class="calculator" id="calc-([^"]+)".*?</section>', re.S)
SAMPLES = {"semi_major": "10", "spacing": "20", "semi_minor": "5", "swath_width": "2",
           "probability": "0.9", "p": "0.01", "confidence": "0.95", "lot_size": "1000",
           "aql": "1.0", "n": "80", "ac": "2", "max_items": "4", "fraction_surveyed": "0.5",
           "prior": "0.5", "detection_probabilities": "0.9, 0.8"}
"""A value for each required argument, as someone would type it."""


def sections(page: str) -> dict[str, str]:
    return {m.group(1): m.group(0) for m in SECTION.finditer(page)}


def fields(section: str) -> list[tuple[str, dict[str, str | None]]]:
    """The named inputs and selects of a section's form, in order."""
    return [(t, a) for t, a in Tags(section).tags if t in ("input", "select") and a.get("name")]


def selected(section: str, name: str) -> list[str]:
    """The options of a select, and which is chosen (as `*value`)."""
    found = re.search(rf'<select[^>]* name="{name}"[^>]*>(.*?)</select>', section, re.S)
    assert found, name
    return [("*" if chosen else "") + value for value, chosen in re.findall(
        r'<option value="([^"]*)"( selected)?>', found.group(1))]


def check_input(tag: str, attrs: dict[str, str | None], param: Param) -> None:
    where = f"{param.name}: {tag} {attrs}"
    assert attrs["name"] == param.name
    assert ("required" in attrs) == (param.default is REQUIRED), where
    assert attrs.get("id") and attrs.get("aria-describedby"), where
    if param.choices:
        assert tag == "select", where
        return
    assert tag == "input", where
    default = "" if param.default in (None, REQUIRED) else str(param.default)
    assert attrs["value"] == default, where
    if param.kind is float:
        assert (attrs["type"], attrs["step"]) == ("number", "any"), where
    elif param.kind is int:
        assert (attrs["type"], attrs["step"]) == ("number", "1"), where
    else:
        assert attrs["type"] == "text", where


def test_the_page_has_a_form_per_calculator(client: TestClient) -> None:
    response = client.get("/calculators")
    assert response.status_code == 200
    page = response.text
    tags = Tags(page)
    assert "<title>Survey design calculators · demine</title>" in page
    assert "<h1>Survey design calculators</h1>" in page
    assert tags.find("a", href="/calculators"), "the header links the page"
    assert tags.find("script", type="module", src="/static/js/calculators.js")
    links = [a.get("href") or a.get("src") or "" for _, a in tags.tags]
    assert not [u for u in links if u.startswith(("http:", "https:", "//"))], links

    found = sections(page)
    assert list(found) == [*CALCULATORS, "qc", "ts"]
    for name, calc in CALCULATORS.items():
        section = found[name]
        [form] = Tags(section).find("form")
        assert form["data-url"] == f"/design/{name}"
        assert str(escape(calc.summary)) in section
        inputs = fields(section)
        assert [a["name"] for _, a in inputs] == [p.name for p in calc.params]
        for (tag, attrs), param in zip(inputs, calc.params, strict=True):
            check_input(tag, attrs, param)
            assert Tags(section).find("label", **{"for": attrs["id"] or ""}), param.name
            if param.choices:
                assert selected(section, param.name) == [
                    ("*" if c == param.default else "") + c for c in param.choices]
            if param.kind is list:
                assert "comma-separated" in section
        assert Tags(section).find("div", role="status", **{"aria-live": "polite"})
        assert Tags(section).find("div", role="alert")


def test_the_registry_plans_need_a_login(client: TestClient) -> None:
    anonymous = sections(client.get("/calculators").text)
    for name, title in (("qc", "Quality control of a cleared area"),
                        ("ts", "Technical survey lanes")):
        assert title in anonymous[name]
        assert Tags(anonymous[name]).find("a", href="/login?next=/calculators")
        assert not Tags(anonymous[name]).find("form") and not fields(anonymous[name])

    log_in(client, "viewer")
    shown = sections(client.get("/calculators").text)
    for name, handler in (("qc", design.qc), ("ts", design.ts)):
        section = shown[name]
        assert "/login" not in section
        [form] = Tags(section).find("form")
        assert form["data-url"] == f"/design/{name}/{{hazard}}"
        # The inputs are the API's query parameters, with its defaults.
        query = [p for p in inspect.signature(handler).parameters.values()
                 if p.name not in ("request", "code")]
        inputs = fields(section)
        assert [a["name"] for _, a in inputs] == ["hazard", *(p.name for p in query)]
        assert "required" in inputs[0][1]
        for (_, attrs), param in zip(inputs[1:], query, strict=True):
            if param.default is inspect.Parameter.empty:
                assert "required" in attrs and attrs.get("value") == "", param.name
            elif param.name == "level":
                assert "*II" in selected(section, "level")
            else:
                assert attrs["value"] == str(param.default), param.name


def test_each_form_as_sent_is_answered(client: TestClient) -> None:
    """What calculators.js sends (the prefilled values, empty fields left out) is answered."""
    page = sections(client.get("/calculators").text)
    for name, calc in CALCULATORS.items():
        query: list[tuple[str, str]] = []
        for tag, attrs in fields(page[name]):
            field = attrs["name"] or ""
            if tag == "select":
                value = next(v[1:] for v in selected(page[name], field) if v.startswith("*"))
            else:
                value = attrs.get("value") or (SAMPLES[field] if "required" in attrs else "")
            if value:
                query.append((field, value))
        answer = client.get(f"/design/{name}?{urlencode(query)}")
        assert answer.status_code == 200, (name, answer.text)
        document: dict[str, Any] = answer.json()
        assert set(document["inputs"]) == {p.name for p in calc.params}
