"""Output of the command line: plain lines on stdout, errors on stderr one a line, and the
user's mistakes turned into those errors and a non-zero exit."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy.exc
import typer
from rich.console import Console

from demine.model.problems import ConfigError, InputError
from demine.store import StoreError
from demine.store.hazards import UnknownRecord

# piped output (files, scripts, tests) gets wide tables rather than 80-column wrapping
out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)


def say(text: str) -> None:
    """One line of plain output on stdout, never wrapped or styled."""
    out.print(text, markup=False, highlight=False, soft_wrap=True)


def fail(lines: list[str], code: int = 1) -> typer.Exit:
    for line in lines:
        err.print(line, markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(code)


@contextmanager
def user_errors(source: Path | None = None) -> Iterator[None]:
    """Turn the errors a user can cause into messages on stderr and a non-zero exit (a
    feature's problem naming `source`, the file it is in)."""
    try:
        yield
    except InputError as exc:
        raise fail([f"error: {p.located(source)}" for p in exc.problems]) from None
    except ConfigError as exc:
        raise fail([f"error: {exc.source}: {p}" for p in exc.problems]) from None
    except (StoreError, UnknownRecord, ValueError, KeyError, OSError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        raise fail([f"error: {message}"]) from None
    except sqlalchemy.exc.DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise fail([f"error: the database cannot be used: {reason}"]) from None
    except sqlalchemy.exc.ArgumentError as exc:
        raise fail([f"error: bad database URL: {exc}"]) from None
