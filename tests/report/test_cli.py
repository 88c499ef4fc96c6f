"""`demine report` on a simulated region: the PDF says what `demine stats --json` says, every
page renders, the HTML is self-contained, and bad input writes nothing."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from demine.store.schema import audit_log, releases
from tests.report.conftest import NAME, Region, no_leftovers, poppler

PERIODS = [(), ("--from", "2025-04-01", "--to", "2025-05-31")]


def m2(value: float) -> str:
    return f"{value:,.0f}"


def pdf_text(pdftotext: str, path: Path, layout: bool = True) -> str:
    return subprocess.run([pdftotext, *(["-layout"] if layout else []), str(path), "-"],
                          check=True, capture_output=True, text=True).stdout


def report(region: Region, *args: str) -> None:
    result = region.cli("report", *args)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("period", PERIODS, ids=["all", "april-may"])
def test_progress_pdf_has_the_figures_of_stats(region: Region, tmp_path: Path, pdftotext: str,
                                               printer: None, period: tuple[str, ...]) -> None:
    stats = region.cli.json("stats", *period)
    out = tmp_path / "progress.pdf"
    report(region, "progress", *period, "--format", "pdf", "--out", str(out))
    assert out.read_bytes().startswith(b"%PDF")
    text = pdf_text(pdftotext, out)
    areas = stats["area_m2"]
    assert stats["area_m2"]["released"] > 0
    for key in ("cancelled", "reduced", "cleared", "released", "remaining", "remaining_SHA",
                "remaining_CHA", "initial"):
        assert re.search(rf"{re.escape(m2(areas[key]))}\b", text), (key, areas[key])
    assert f"{stats['finds']['count']:,} devices were found" in text
    acc = stats["accidents"]
    assert f"{acc['count']} accident" in text
    assert f"{acc['killed']} killed and {acc['injured']} injured" in text
    for category, count in stats["finds"]["by_category"].items():
        assert re.search(rf"finds\.by_category\.{category}\s+{count}\b", text)
    for key, value in areas.items():  # the annex: unrounded keys of stats --json
        assert re.search(rf"area_m2\.{key}\s+{value:.0f}\b", text), key


def test_every_page_renders_with_the_map_and_charts(region: Region, tmp_path: Path,
                                                    pdftoppm: str, printer: None) -> None:
    out = tmp_path / "progress.pdf"
    report(region, "progress", "--out", str(out))  # the format from the extension
    subprocess.run([pdftoppm, "-r", "20", "-png", str(out), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2 and all(p.stat().st_size > 0 for p in pages)
    # the charts and the map are vector drawings: many path operators in the page streams
    subprocess.run([poppler("pdftocairo"), "-svg", str(out), str(tmp_path / "pages.svg")],
                   check=True, capture_output=True)
    drawing = (tmp_path / "pages.svg").read_text()
    assert drawing.count("<path") > 500


def test_html_is_self_contained_with_charts_and_map(region: Region, tmp_path: Path) -> None:
    out = tmp_path / "progress.html"
    report(region, "progress", "--format", "html", "--out", str(out))
    html = out.read_text()
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 3
    assert html.count('class="map"') == 1
    assert "<table" in html and "<script" not in html
    outside = set(re.findall(r"(?:https?:)?//[\w.-]+[^\s\"'<>)]*", html))
    assert outside <= {"http://www.w3.org/2000/svg"}, outside
    assert not re.search(r"(src|href)=\"(?!#)", html)


def test_admin_unit_by_code_or_name(region: Region, tmp_path: Path) -> None:
    by_code, by_name = tmp_path / "a.html", tmp_path / "b.html"
    report(region, "progress", "--admin", "ADM2-1", "--format", "html", "--out", str(by_code))
    report(region, "progress", "--admin", "northern district", "--format", "html",
           "--out", str(by_name))
    strip = re.compile(r"Made by demine on [^.]*\.")
    assert strip.sub("", by_code.read_text()) == strip.sub("", by_name.read_text())
    assert "Northern district (ADM2-1, admin2)" in by_code.read_text()
    assert "Riverside district (ADM2-2)" not in by_code.read_text()


def test_empty_period_says_so(region: Region, tmp_path: Path, pdftotext: str,
                              printer: None) -> None:
    out = tmp_path / "empty.pdf"
    report(region, "progress", "--from", "2031-01-01", "--to", "2031-03-31", "--format", "pdf",
           "--out", str(out))
    text = " ".join(pdf_text(pdftotext, out).split())
    assert "Nothing was recorded in this period" in text
    assert "No land was released in this period" in text
    acc = tmp_path / "accidents.html"
    report(region, "accidents", "--from", "2031-01-01", "--to", "2031-03-31",
           "--format", "html", "--out", str(acc))
    assert "No accident was recorded in this period" in acc.read_text()


def test_handover_of_a_closed_area_lists_its_turning_points(
        region: Region, tmp_path: Path, pdftotext: str, printer: None) -> None:
    out = tmp_path / "handover.pdf"
    report(region, "handover", region.closed, "--format", "pdf", "--out", str(out))
    text = " ".join(pdf_text(pdftotext, out, layout=False).split())
    assert "Completion and handover certificate" in text and region.closed in text
    with region.store.read() as conn:
        shapes = conn.execute(select(releases.c.code, releases.c.geom)
                              .where(releases.c.hazard == region.closed)).all()
    assert shapes
    for code, geom in shapes:
        lon, lat = geom.geoms[0].exterior.coords[0]
        assert code in text
        assert f"{lon:.6f}" in text and f"{lat:.6f}" in text
    for who in ("For the operator", "For the national mine action authority",
                "Community representative"):
        assert who in text


def test_accidents_hide_names_unless_asked_and_audit_the_asking(region: Region,
                                                                tmp_path: Path) -> None:
    start, end = region.victim_period
    plain, personal = tmp_path / "plain.html", tmp_path / "personal.html"
    report(region, "accidents", "--from", start, "--to", end, "--format", "html",
           "--out", str(plain))
    assert NAME not in plain.read_text()
    assert "date of birth" not in plain.read_text()
    with region.store.read() as conn:
        before = conn.execute(select(audit_log.c.seq).order_by(audit_log.c.seq.desc())).scalar()
    result = region.cli("--as", "m.officer", "report", "accidents", "--from", start, "--to",
                        end, "--format", "html", "--out", str(personal), "--include-personal")
    assert result.exit_code == 0, result.output
    assert NAME in personal.read_text()
    with region.store.read() as conn:
        entries = conn.execute(select(audit_log).where(audit_log.c.seq > before)).mappings().all()
    assert [(e["actor"], e["action"], e["entity"]) for e in entries] == [
        ("m.officer", "read_personal", "victims")]


@pytest.mark.parametrize("args, message", [
    (("handover", "HA-999999"), "unknown hazard area"),
    (("handover", "{open}"), "is not closed"),
    (("progress", "--from", "2025-06-01", "--to", "2025-03-01"), "starts (2025-06-01) after"),
    (("accidents", "--from", "2025-06-01", "--to", "2025-03-01"), "starts (2025-06-01) after"),
    (("progress", "--admin", "Atlantis"), "unknown admin unit 'Atlantis'"),
    (("accidents", "--admin", "ADM9-9"), "known admin units: ADM1-1"),
    (("progress", "--from", "June"), "is not a date"),
    (("progress", "--format", "docx"), "--format must be pdf or html"),
])
def test_bad_input_is_refused_and_writes_nothing(region: Region, tmp_path: Path,
                                                 args: tuple[str, ...], message: str) -> None:
    args = tuple(a.format(open=region.open) for a in args)
    fmt = () if "--format" in args else ("--format", "html")
    result = region.cli("report", *args, *fmt, "--out", str(tmp_path / "r.html"))
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert no_leftovers(tmp_path) == []


def test_no_folder_no_file(region: Region, tmp_path: Path) -> None:
    result = region.cli("report", "progress", "--format", "html",
                        "--out", str(tmp_path / "missing" / "r.html"))
    assert result.exit_code == 1 and "no folder" in result.stderr
    assert no_leftovers(tmp_path) == []


def test_pdf_without_chromium_says_how_to_get_it(region: Region, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("demine.report.output.CHROMIUM", tmp_path / "no-chromium")
    result = region.cli("report", "progress", "--format", "pdf", "--out", str(tmp_path / "r.pdf"))
    assert result.exit_code == 1 and "make test" in result.stderr
    assert no_leftovers(tmp_path) == []
