"""Field forms: the shipped XLSForms are valid, and their submissions, exported by KoboToolbox or
ODK Central, land in the registry linked, typed and once."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from demine.io.xlsform import SHIPPED, load_form
from demine.store import open_store
from demine.store.schema import LAYERS
from tests.conftest import Cli
from tests.io.field_exports import Submission, kobo_xlsx, odk_zip

ROOT = Path(__file__).resolve().parents[2]
WRITERS: dict[str, Callable[..., Path]] = {"kobo.xlsx": kobo_xlsx, "odk.zip": odk_zip}
KEYS = ["3f2a9c1b-7d4e-4c55-9a10-5b6c7d8e9f01", "8e1d2c3b-4a59-4687-b7c8-d9e0f1a2b3c4",
        "c0ffee00-1234-4abc-8def-0123456789ab"]


def rows(db: str, layer: str, *columns: str) -> list[tuple[Any, ...]]:
    store = open_store(db)
    try:
        table = LAYERS[layer]
        with store.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(
                select(*(table.c[c] for c in columns)).order_by(table.c.code))]
    finally:
        store.dispose()


def export(tmp_path: Path, kind: str, form: str, submissions: list[Submission]) -> Path:
    return WRITERS[kind](tmp_path / f"{form}-{kind}", load_form(form), submissions)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_forms_convert_with_pyxform(tmp_path: Path, name: str) -> None:
    source = ROOT / "forms" / f"{name}.xlsx"
    assert source.is_file()
    out = tmp_path / f"{name}.xml"
    done = subprocess.run([sys.executable, "-m", "pyxform.xls2xform", str(source), str(out)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr + done.stdout
    xml = out.read_text()
    assert f'id="demine_{name}"' in xml and "<repeat" in xml
    form = load_form(str(source))
    assert form.form_id == f"demine_{name}"


ACCIDENTS = [
    Submission(KEYS[0], {"accident_date": "2026-10-02", "accident_position": "48.51 37.62 120 5",
                         "location": "Kamianka", "category": "AP_MINE", "demining": "no",
                         "activity_at_time": "farming", "description": "tractor in a field"},
               {"victims": [{"sex": "male", "age": 34, "outcome": "injured", "role": "civilian"},
                            {"victim_name": "O. K.", "birth_date": "2014-05-01", "sex": "female",
                             "age": 12, "outcome": "killed", "role": "civilian"}]}),
    Submission(KEYS[1], {"accident_code": "ACC-UA-2026-7", "accident_date": "2026-10-05",
                         "accident_position": "48.60 37.70", "demining": "yes",
                         "category": "AT_MINE"},
               {"victims": [{"sex": "male", "age": 41, "outcome": "injured", "role": "deminer"}]}),
]


@pytest.mark.parametrize("kind", WRITERS)
def test_accident_reports_with_their_victims(cli: Cli, tmp_path: Path, kind: str) -> None:
    path = export(tmp_path, kind, "accident", ACCIDENTS[:1])
    result = cli("import", "submissions", "accident", str(path))
    assert result.exit_code == 0, result.output
    assert "imported 1 submissions" in result.stdout and "2 victims" in result.stdout
    # the tool's export grows: the next one holds the first submission again
    path = export(tmp_path, kind, "accident", ACCIDENTS)
    result = cli("import", "submissions", "accident", str(path))
    assert result.exit_code == 0, result.output
    assert "imported 1 submissions" in result.stdout
    assert "1 submissions of" in result.stdout and "already in the store" in result.stdout
    again = cli("import", "submissions", "accident", str(path))
    assert "2 submissions of" in again.stdout and "imported" not in again.stdout
    accidents = rows(cli.db, "accidents", "code", "accident_date", "category", "demining",
                     "activity_at_time", "location", "geom")
    assert [a[:6] for a in accidents] == [
        ("ACC-3F2A9C1B7D4E", _date("2026-10-02"), "AP_MINE", False, "farming", "Kamianka"),
        ("ACC-UA-2026-7", _date("2026-10-05"), "AT_MINE", True, None, None)]
    assert (accidents[0][6].x, accidents[0][6].y) == pytest.approx((37.62, 48.51))
    victims = rows(cli.db, "victims", "accident", "name", "birth_date", "sex", "age", "outcome",
                   "role")
    assert sorted(victims, key=str) == sorted([
        ("ACC-3F2A9C1B7D4E", None, None, "male", 34, "injured", "civilian"),
        ("ACC-3F2A9C1B7D4E", "O. K.", _date("2014-05-01"), "female", 12, "killed", "civilian"),
        ("ACC-UA-2026-7", None, None, "male", 41, "injured", "deminer")], key=str)
    assert cli.json("stats")["accidents"] == {"count": 2, "killed": 1, "injured": 2}


def _date(text: str) -> Any:
    from datetime import date
    return date.fromisoformat(text)


def nts_survey() -> Submission:
    west = "50.1 36.3 0 3; 50.1 36.3005 0 3; 50.101 36.3005 0 3; 50.101 36.3 0 3; 50.1 36.3 0 3"
    new = "50.12 36.40; 50.12 36.402; 50.122 36.402; 50.122 36.40"
    return Submission(KEYS[2], {
        "organisation": "OPS-1", "team": "NTS-2", "survey_start": "2026-09-01",
        "survey_end": "2026-09-03", "hazard": "HA-1", "location": "Kamianka"},
        {"hazard_areas": [{"area_name": "Behind the school", "classification": "CHA",
                           "contamination": "AP_MINE UXO", "blocked_land_use": "agriculture water",
                           "reported_area_m2": 45000, "beneficiaries": 120, "boundary": new}],
         "cancellations": [{"cancelled_area": west}],
         "indicators": [{"kind": "community_report", "description": "cow killed 2024",
                         "indicator_position": "50.121 36.401"}]})


@pytest.mark.parametrize("kind", WRITERS)
def test_a_non_technical_survey(cli: Cli, tmp_path: Path, hazards_file: Path,
                                kind: str) -> None:
    assert cli("import", "hazards", str(hazards_file)).exit_code == 0
    path = export(tmp_path, kind, "nts", [nts_survey()])
    result = cli("import", "submissions", "nts", str(path))
    assert result.exit_code == 0, result.output
    activity = "ACT-C0FFEE001234"
    assert rows(cli.db, "activities", "code", "type", "hazard", "organisation", "team",
                "start_date", "end_date") == [
        (activity, "NTS", "HA-1", "OPS-1", "NTS-2", _date("2026-09-01"), _date("2026-09-03"))]
    (hazard,) = [h for h in rows(cli.db, "hazard_areas", "code", "name", "classification",
                                 "contamination", "blocked_land_use", "reported_area_m2",
                                 "beneficiaries", "organisation", "info_date", "location",
                                 "area_m2") if h[0].startswith("HA-C0FFEE")]
    assert hazard[:10] == ("HA-C0FFEE001234-1", "Behind the school", "CHA", "AP_MINE,UXO",
                           "agriculture,water", 45000, 120, "OPS-1", _date("2026-09-03"),
                           "Kamianka")
    assert hazard[10] == pytest.approx(0.002 * 0.002 * 111320**2 * 0.64, rel=0.05)
    (release,) = rows(cli.db, "releases", "hazard", "activity", "method", "release_date",
                      "organisation", "area_m2")
    assert release[:5] == ("HA-1", activity, "cancelled", _date("2026-09-03"), "OPS-1")
    remaining = dict(rows(cli.db, "hazard_areas", "code", "remaining_area_m2"))
    total = dict(rows(cli.db, "hazard_areas", "code", "area_m2"))
    assert remaining["HA-1"] == pytest.approx(total["HA-1"] / 2, rel=1e-3)
    (evidence,) = rows(cli.db, "evidence", "kind", "evidence_date", "source", "description")
    assert evidence == ("community_report", _date("2026-09-01"), activity, "cow killed 2024")


def test_an_eo_spot_task_and_a_clearance_daily_report(gpkg_url: str, tmp_path: Path) -> None:
    cli = Cli(gpkg_url)
    spot = Submission(KEYS[0], {"organisation": "OPS-1", "team": "EOD-1",
                                "task_date": "2026-08-14"},
                      {"items": [{"category": "PROJECTILE", "model": "122 mm", "depth_cm": 30,
                                  "condition": "fuzed", "disposal": "destroyed_in_situ",
                                  "position": "49.9 36.2"},
                                 {"category": "GRENADE", "position": "49.9001 36.2001"}]})
    result = cli("import", "submissions", "eo_spot", str(export(tmp_path, "odk.zip", "eo_spot",
                                                                   [spot])))
    assert result.exit_code == 0, result.output
    assert rows(gpkg_url, "activities", "code", "type", "start_date", "end_date") == [
        ("ACT-3F2A9C1B7D4E", "EOD_SPOT", _date("2026-08-14"), _date("2026-08-14"))]
    assert rows(gpkg_url, "finds", "activity", "category", "model", "depth_cm", "condition",
                "disposal", "find_date") == [
        ("ACT-3F2A9C1B7D4E", "PROJECTILE", "122 mm", 30, "fuzed", "destroyed_in_situ",
         _date("2026-08-14")),
        ("ACT-3F2A9C1B7D4E", "GRENADE", None, None, None, None, _date("2026-08-14"))]
    daily = Submission(KEYS[1], {"team": "T-04", "task": "TK-9", "activity": "ACT-3F2A9C1B7D4E",
                                 "report_date": "2026-08-15", "area_m2": "212.5",
                                 "n_ap_mine": 2, "n_uxo": 1},
                       {"finds": [{"category": "AP_MINE", "model": "PMN-2", "depth_cm": 5,
                                   "position": "49.91 36.21"}]})
    result = cli("import", "submissions", "clearance_daily",
                 str(export(tmp_path, "kobo.xlsx", "clearance_daily", [daily])))
    assert result.exit_code == 0, result.output
    # a team and task the registry does not know are imported, and pointed out
    assert "team 'T-04' is not a code in teams" in result.stdout
    (report,) = rows(gpkg_url, "progress_reports", "team", "task", "report_date", "area_m2",
                     "finds_by_category")
    assert report[:4] == ("T-04", "TK-9", _date("2026-08-15"), 212.5)
    assert json.loads(report[4]) == {"AP_MINE": 2, "UXO": 1}
    finds = rows(gpkg_url, "finds", "code", "activity", "model", "find_date")
    assert ("F-8E1D2C3B4A59-1", "ACT-3F2A9C1B7D4E", "PMN-2", _date("2026-08-15")) in finds


def refused(tmp_path: Path, args: list[str], *reasons: str) -> None:
    """Refused, with every reason on stderr, and no database written."""
    db = tmp_path / "never.gpkg"
    result = Cli(f"sqlite:///{db}")("import", "submissions", *args)
    assert result.exit_code != 0, result.output
    for reason in reasons:
        assert reason in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not db.exists() or rows(f"sqlite:///{db}", "accidents", "code") == []


def test_a_bad_answer_refuses_every_submission(tmp_path: Path) -> None:
    bad = [ACCIDENTS[0], Submission(KEYS[2], {
        "accident_date": "2026-10-07", "accident_position": "91.5 37.7", "demining": "maybe",
        "category": "AP_MINE"}, {"victims": [{"sex": "f", "outcome": "killed",
                                              "role": "civilian"}]})]
    path = export(tmp_path, "kobo.xlsx", "accident", bad)
    refused(tmp_path, ["accident", str(path)],
            f"{path}: sheet \"demine accident report\" row 3 ({KEYS[2]}): demining: 'maybe' is "
            "not a choice of demining (expected one of yes, no)",
            "accidents: latitude 91.5 is out of range [-90, 90]; longitude and latitude look "
            "swapped",
            f"{path}: sheet \"victims\" row 4 ({KEYS[2]}): sex: 'f' is not a choice of sex")


def test_an_odk_geopoint_that_is_not_one(tmp_path: Path) -> None:
    bad = [Submission(KEYS[0], {"accident_date": "2026-10-07", "demining": "no",
                                "accident_position": "north 37.7"})]
    path = export(tmp_path, "odk.zip", "accident", bad)
    refused(tmp_path, ["accident", str(path)], "demine_accident.csv line 2",
            "accident_position: 'north 37.7' is not a geopoint")


def test_a_survey_naming_an_unknown_hazard(tmp_path: Path) -> None:
    survey = nts_survey()
    survey.answers["hazard"] = "HA-404"
    survey.repeats["cancellations"] = []
    path = export(tmp_path, "odk.zip", "nts", [survey])
    refused(tmp_path, ["nts", str(path)], "hazard 'HA-404' is not a code in hazard_areas")


def test_a_repeat_row_without_its_submission(tmp_path: Path) -> None:
    path = export(tmp_path, "odk.zip", "accident", ACCIDENTS)
    import zipfile
    with zipfile.ZipFile(path) as z:
        files = {n: z.read(n).decode() for n in z.namelist()}
    files["demine_accident-victims.csv"] = files["demine_accident-victims.csv"].replace(
        f"uuid:{KEYS[1]},", "uuid:0000,", 1)
    with zipfile.ZipFile(path, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    refused(tmp_path, ["accident", str(path)],
            "demine_accident-victims.csv line 4: PARENT_KEY 'uuid:0000' names no submission")


def test_unknown_forms_and_files(tmp_path: Path) -> None:
    refused(tmp_path, ["mine_survey", str(tmp_path / "x.xlsx")], "unknown form 'mine_survey'")
    text = tmp_path / "export.json"
    text.write_text("{}")
    refused(tmp_path, ["accident", str(text)], "unknown export format '.json'")
    broken = tmp_path / "export.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really")
    refused(tmp_path, ["accident", str(broken)], str(broken), "truncated or corrupt")


def test_an_own_xlsform_with_a_bad_target(tmp_path: Path) -> None:
    from openpyxl import Workbook
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    for row in (["type", "name", "label", "demine"],
                ["date", "when", "When", "accidents.accident_date"],
                ["integer", "toes", "Toes", "accidents.toes"],
                ["geopoint", "where", "Where", "accidents.geom"]):
        survey.append(row)
    path = tmp_path / "mine.xlsx"
    book.save(path)
    refused(tmp_path, [str(path), str(tmp_path / "x.zip")],
            f"{path}: question 'toes': accidents has no field 'toes'")


def test_a_kobo_export_with_labels_for_headers_and_answers(gpkg_url: str, tmp_path: Path,
                                                           hazards_file: Path) -> None:
    cli = Cli(gpkg_url)
    assert cli("import", "hazards", str(hazards_file)).exit_code == 0
    path = kobo_xlsx(tmp_path / "labels.xlsx", load_form("nts"), [nts_survey()], labels=True)
    header = [c.value for c in __import__("openpyxl").load_workbook(path)["hazard_areas"][1]]
    assert "Classification" in header and "Land use blocked/Water" in header
    result = cli("import", "submissions", "nts", str(path))
    assert result.exit_code == 0, result.output
    hazards = rows(gpkg_url, "hazard_areas", "code", "classification", "contamination",
                   "blocked_land_use")
    assert ("HA-C0FFEE001234-1", "CHA", "AP_MINE,UXO", "agriculture,water") in hazards
