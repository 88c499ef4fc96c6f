"""Configuration files (scenarios, priority presets, event mappings): a shipped one by name or a
user's TOML file by path, read and parsed with the same errors, `extends` resolved."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

Refusal = Callable[[str, list[str]], Exception]
"""How a kind of file refuses: its error class, called with the source and the reasons."""


def shipped(folder: Traversable) -> list[str]:
    """Names of the TOML files shipped in a package folder."""
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir()
                  if p.name.endswith(".toml"))


def read_toml(name_or_path: str, folder: Traversable, kind: str, refuse: Refusal,
              extends: bool = True, seen: tuple[str, ...] = ()
              ) -> tuple[dict[str, Any], str, str]:
    """(table, source as messages name it, name) of a shipped file or a path; with `extends`,
    a file's `extends = "NAME"` starts it from that file, section by section."""
    path = Path(name_or_path)
    names = shipped(folder)
    if name_or_path in names:
        text = folder.joinpath(f"{name_or_path}.toml").read_text("utf-8")
        source, name = f"{kind} {name_or_path!r}", name_or_path
    elif path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise refuse(str(path), ["no such file"])
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise refuse(str(path), [f"cannot be read ({exc})"]) from None
        source, name = str(path), path.stem
    else:
        raise refuse(name_or_path, [f"not a shipped {kind} (expected one of "
                                    f"{', '.join(names)}) nor a .toml file"])
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise refuse(source, [f"not valid TOML: {exc}"]) from None
    base = raw.pop("extends", None) if extends else None
    if base is None:
        return raw, source, name
    if not isinstance(base, str) or base in seen:
        raise refuse(source, [f"extends: {base!r} is not a {kind} this file can extend"])
    merged, _, _ = read_toml(base, folder, kind, refuse, True, (*seen, name_or_path))
    for section, table in raw.items():
        if isinstance(table, dict) and isinstance(merged.get(section), dict):
            merged[section] = {**merged[section], **table}
        else:
            merged[section] = table
    return merged, source, name
