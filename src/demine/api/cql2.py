"""CQL2-text filters (OGC API - Features Part 3), translated into SQL conditions.

Supported: comparisons (=, <>, <, <=, >, >=), LIKE, IN, BETWEEN, IS [NOT] NULL, AND, OR, NOT and
parentheses over the collection's queryable properties, with text, number, boolean and
DATE('...') / TIMESTAMP('...') literals, and the spatial predicate S_INTERSECTS(geometry, BBOX(...)
or a WKT geometry). Anything else is refused with the reason, never guessed at.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import shapely
from sqlalchemy import ColumnElement, Table, and_, func, not_, or_, text

from demine.store.schema import geometry_column

TOKEN = re.compile(r"""
    \s*(?:
      (?P<string>'(?:[^']|'')*')
    | (?P<number>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
    | (?P<op><>|<=|>=|=|<|>|\(|\)|,)
    | (?P<word>"[^"]+"|[A-Za-z_][A-Za-z0-9_.:]*)
    )""", re.VERBOSE)
WKT_START = ("POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON",
             "GEOMETRYCOLLECTION", "ENVELOPE", "BBOX")


class FilterError(ValueError):
    """A filter that cannot be used, with the reason."""


def tokenize(source: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    source = source.strip()
    while pos < len(source):
        m = TOKEN.match(source, pos)
        if not m or m.end() == pos:
            raise FilterError(f"cannot read the filter at character {pos + 1}: "
                              f"{source[pos:pos + 20]!r}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
        while pos < len(source) and source[pos].isspace():
            pos += 1
    return out


class Parser:
    def __init__(self, source: str, table: Table, queryables: set[str], dialect: str):
        self.source = source
        self.tokens = tokenize(source)
        self.i = 0
        self.table = table
        self.queryables = queryables
        self.dialect = dialect

    def peek(self, offset: int = 0) -> tuple[str, str] | None:
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else None

    def word(self, *words: str) -> bool:
        tok = self.peek()
        if tok and tok[0] == "word" and tok[1].upper() in words:
            self.i += 1
            return True
        return False

    def expect(self, value: str) -> None:
        tok = self.peek()
        if not tok or tok[1].upper() != value:
            raise FilterError(f"expected {value!r} in the filter, found "
                              f"{tok[1] if tok else 'the end'!r}")
        self.i += 1

    def parse(self) -> ColumnElement[bool]:
        expr = self.disjunction()
        if self.peek() is not None:
            raise FilterError(f"unexpected {self.peek()[1]!r} in the filter")  # type: ignore[index]
        return expr

    def disjunction(self) -> ColumnElement[bool]:
        parts = [self.conjunction()]
        while self.word("OR"):
            parts.append(self.conjunction())
        return or_(*parts) if len(parts) > 1 else parts[0]

    def conjunction(self) -> ColumnElement[bool]:
        parts = [self.negation()]
        while self.word("AND"):
            parts.append(self.negation())
        return and_(*parts) if len(parts) > 1 else parts[0]

    def negation(self) -> ColumnElement[bool]:
        if self.word("NOT"):
            return not_(self.negation())
        tok = self.peek()
        if tok and tok[1] == "(":
            self.i += 1
            inner = self.disjunction()
            self.expect(")")
            return inner
        return self.predicate()

    def predicate(self) -> ColumnElement[bool]:
        tok = self.peek()
        if tok and tok[0] == "word" and tok[1].upper() == "S_INTERSECTS":
            return self.spatial()
        column = self.column()
        if self.word("IS"):
            negate = self.word("NOT")
            if not self.word("NULL"):
                raise FilterError("expected NULL after IS")
            return column.is_not(None) if negate else column.is_(None)
        negate = self.word("NOT")
        if self.word("LIKE"):
            cond = column.like(self.literal())
        elif self.word("IN"):
            self.expect("(")
            values = [self.literal()]
            while self.peek() and self.peek()[1] == ",":  # type: ignore[index]
                self.i += 1
                values.append(self.literal())
            self.expect(")")
            cond = column.in_(values)
        elif self.word("BETWEEN"):
            low = self.literal()
            if not self.word("AND"):
                raise FilterError("expected AND in BETWEEN")
            cond = column.between(low, self.literal())
        else:
            if negate:
                raise FilterError("NOT must come before LIKE, IN or BETWEEN here")
            tok = self.peek()
            if not tok or tok[0] != "op" or tok[1] not in ("=", "<>", "<", "<=", ">", ">="):
                raise FilterError(f"expected a comparison after {column.name!r}")
            self.i += 1
            value = self.literal()
            cond = {"=": column == value, "<>": column != value, "<": column < value,
                    "<=": column <= value, ">": column > value, ">=": column >= value}[tok[1]]
        return not_(cond) if negate else cond

    def column(self) -> Any:
        tok = self.peek()
        if not tok or tok[0] != "word":
            raise FilterError(f"expected a property name, found {tok[1] if tok else 'the end'!r}")
        self.i += 1
        name = tok[1].strip('"')
        if name not in self.queryables:
            raise FilterError(f"unknown queryable {name!r} (expected one of "
                              f"{', '.join(sorted(self.queryables))})")
        return self.table.c[name]

    def literal(self) -> Any:
        tok = self.peek()
        if tok is None:
            raise FilterError("the filter ends where a value was expected")
        self.i += 1
        kind, value = tok
        if kind == "string":
            return value[1:-1].replace("''", "'")
        if kind == "number":
            return float(value) if any(c in value for c in ".eE") else int(value)
        if kind == "word" and value.upper() in ("TRUE", "FALSE"):
            return value.upper() == "TRUE"
        if kind == "word" and value.upper() in ("DATE", "TIMESTAMP"):
            self.expect("(")
            text_value = self.literal()
            self.expect(")")
            try:
                return date.fromisoformat(str(text_value)[:10])
            except ValueError:
                raise FilterError(f"{text_value!r} is not a date") from None
        raise FilterError(f"expected a value, found {value!r}")

    def spatial(self) -> ColumnElement[bool]:
        self.i += 1
        self.expect("(")
        geom = geometry_column(self.table)
        name = self.peek()
        if geom is None or not name or name[1].strip('"') not in ("geometry", "geom"):
            raise FilterError("S_INTERSECTS takes the geometry property first")
        self.i += 1
        self.expect(",")
        shape = self.geometry_literal()
        self.expect(")")
        minx, miny, maxx, maxy = shape.bounds
        if self.dialect == "sqlite":
            rtree = f"rtree_{self.table.name}_{geom.name}"
            box = self.table.c.fid.in_(text(
                f'SELECT id FROM "{rtree}" WHERE minx <= :maxx AND maxx >= :minx '
                "AND miny <= :maxy AND maxy >= :miny").bindparams(
                    minx=minx, miny=miny, maxx=maxx, maxy=maxy))
            return and_(box, func.ST_Intersects(geom, shapely.to_wkb(shape)) == 1)
        envelope = func.ST_GeomFromText(shape.wkt, 4326)
        return func.ST_Intersects(geom, envelope)

    def geometry_literal(self) -> shapely.Geometry:
        tok = self.peek()
        if not tok or tok[0] != "word" or tok[1].upper() not in WKT_START:
            raise FilterError("expected BBOX(...) or a WKT geometry")
        start = self.i
        depth = 0
        self.i += 1
        while self.i < len(self.tokens):
            _kind, value = self.tokens[self.i]
            self.i += 1
            if value == "(":
                depth += 1
            elif value == ")":
                depth -= 1
                if depth == 0:
                    break
        text_value = " ".join(v for _, v in self.tokens[start:self.i])
        text_value = text_value.replace("( ", "(").replace(" )", ")").replace(" ,", ",")
        if text_value.upper().startswith(("BBOX", "ENVELOPE")):
            numbers = [float(v) for k, v in self.tokens[start:self.i] if k == "number"]
            if len(numbers) != 4:
                raise FilterError("BBOX takes four numbers")
            return shapely.box(*numbers)
        try:
            return shapely.from_wkt(text_value)
        except shapely.errors.GEOSException as exc:
            raise FilterError(f"cannot read the geometry: {exc}") from None


def parse_filter(source: str, table: Table, queryables: set[str], dialect: str
                 ) -> ColumnElement[bool]:
    """A CQL2-text filter as a SQL condition on `table`."""
    if not source.strip():
        raise FilterError("the filter is empty")
    return Parser(source, table, queryables, dialect).parse()
