"""Pages of the browser UI."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
