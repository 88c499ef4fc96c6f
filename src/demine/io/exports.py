"""The submissions of a field form as KoboToolbox and ODK Central export them.

KoboToolbox gives one XLSX workbook: the submissions on the first sheet, each repeat group on a
sheet of its own name whose rows point at their submission by `_parent_index` (or
`_submission__uuid`). ODK Central gives a ZIP of CSV files: `FORM.csv` for the submissions and
`FORM-REPEAT.csv` per repeat group, linked by `KEY` and `PARENT_KEY`. Both become `Table`s whose
rows know their submission's key, so the rest of the import need not care which tool it was.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pandas as pd

from demine.io.safety import check_archive, refuse

KEY_COLUMNS = ("KEY", "meta-instanceID", "meta/instanceID", "instanceID", "_uuid")
"""Columns holding a submission's instance ID, in the order they are trusted."""
LINKS = (("PARENT_KEY", "KEY"), ("_submission__uuid", "_uuid"), ("_parent_index", "_index"))
"""(column of a repeat row, column of the submission it names), in the order they are tried."""


@dataclass
class Table:
    """Rows of one sheet or CSV file, all values as text ('' when blank)."""

    name: str
    where: str
    """How messages name a row's place: 'sheet "victims"' or 'form-victims.csv'."""
    frame: pd.DataFrame
    keys: list[str]
    """The instance ID of each row's submission (without the 'uuid:' prefix)."""

    def value(self, row: int, column: str) -> str:
        """The text of one cell (0-based row)."""
        return str(self.frame.at[row, column])

    def place(self, row: int) -> str:
        """Where the 0-based `row` is, as a user finds it (the header is line or row 1)."""
        unit = "row" if self.where.startswith("sheet") else "line"
        return f"{self.where} {unit} {row + 2}"


def _text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as trimmed text, dates as ISO dates, blanks as ''."""
    def cell(value: object) -> str:
        if value is None or (isinstance(value, float) and value != value):
            return ""
        if isinstance(value, pd.Timestamp):
            return value.date().isoformat() if value == value.normalize() else value.isoformat()
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.map(cell) if len(frame) else frame.astype(str)


def _workbook(path: Path) -> list[tuple[str, str, pd.DataFrame]]:
    check_archive(path)
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise refuse(path, f"cannot be read as an XLSX workbook ({exc})") from None
    return [(name, f'sheet "{name}"', _text(frame)) for name, frame in sheets.items()]


def _csv(path: Path, name: str, data: bytes) -> pd.DataFrame:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise refuse(path, f"{name} is not UTF-8 text (byte {exc.start}); export it again "
                           "as UTF-8") from None
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise refuse(path, f"{name} is not a readable CSV file ({exc})") from None
    return _text(frame)


def _csv_archive(path: Path) -> list[tuple[str, str, pd.DataFrame]]:
    check_archive(path)
    tables = []
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            inner = PurePosixPath(member.filename)
            if member.is_dir() or inner.suffix.lower() != ".csv" or "media" in inner.parts:
                continue
            frame = _csv(path, inner.name, archive.read(member))
            tables.append((inner.stem, inner.name, frame))
    if not tables:
        raise refuse(path, "holds no CSV file (expected the form's CSV export)")
    return tables


def read_export(path: str | Path, repeats: list[str]) -> tuple[Table, dict[str, Table]]:
    """The submissions table and the table of each repeat group found, keyed by repeat name."""
    path = Path(path)
    if not path.is_file():
        raise refuse(path, "no such file")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        raw = _workbook(path)
    elif suffix == ".zip":
        raw = _csv_archive(path)
    elif suffix == ".csv":
        raw = [(path.stem, path.name, _csv(path, path.name, path.read_bytes()))]
    else:
        raise refuse(path, f"unknown export format {suffix or '(no extension)'!r} (expected "
                           ".xlsx from KoboToolbox, or .zip of CSV files from ODK Central)")
    by_repeat: dict[str, tuple[str, str, pd.DataFrame]] = {}
    rest = []
    for name, where, frame in raw:
        repeat = next((r for r in repeats if name in (r, r[:31]) or name.endswith(f"-{r}")),
                      None)
        if repeat is not None and repeat not in by_repeat:
            by_repeat[repeat] = (name, where, frame)
        else:
            rest.append((name, where, frame))
    if not rest:
        raise refuse(path, "holds no table of submissions (only repeat groups)")
    if len(rest) > 1 and suffix == ".zip":
        names = ", ".join(where for _, where, _ in rest)
        raise refuse(path, f"holds several tables that are not repeat groups of the form "
                           f"({names}); is it the export of another form?")
    name, where, frame = rest[0]
    main = Table(name, where, frame, _submission_keys(path, where, frame))
    tables = {r: _repeat(path, main, *by_repeat[r]) for r in by_repeat}
    return main, tables


def _normal(key: str) -> str:
    return key.strip().removeprefix("uuid:")


def _submission_keys(path: Path, where: str, frame: pd.DataFrame) -> list[str]:
    column = next((c for c in KEY_COLUMNS if c in frame.columns), None)
    if column is None:
        raise refuse(path, f"{where} has no column with the submissions' instance IDs "
                           f"(expected one of {', '.join(KEY_COLUMNS)})")
    keys = [_normal(v) for v in frame[column]]
    for i, key in enumerate(keys):
        if not key:
            raise refuse(path, f"{where} row {i + 2}: the instance ID ({column}) is empty")
    return keys


def _repeat(path: Path, main: Table, name: str, where: str, frame: pd.DataFrame) -> Table:
    """A repeat group's rows, each given the key of the submission it belongs to."""
    for own, theirs in LINKS:
        if own in frame.columns and theirs in main.frame.columns:
            by_link = {_normal(v): k for v, k in zip(main.frame[theirs], main.keys, strict=True)}
            keys = []
            for i, value in enumerate(frame[own]):
                # a nested path (uuid:x/victims[1]) names its submission by what comes first
                link = _normal(value).split("/")[0] if own == "PARENT_KEY" else _normal(value)
                if link not in by_link:
                    raise refuse(path, f"{where} {'row' if where.startswith('sheet') else 'line'}"
                                       f" {i + 2}: {own} {value!r} names no submission in "
                                       f"{main.where}")
                keys.append(by_link[link])
            return Table(name, where, frame, keys)
    raise refuse(path, f"{where} has no column linking its rows to their submissions "
                       f"(expected {', '.join(own for own, _ in LINKS)})")
