"""Problems found in input: one per bad feature and reason, counted from 1 as users count."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """A reason why one feature (or the whole input, index None) cannot be taken."""

    index: int | None
    code: str | None
    reason: str

    def __str__(self) -> str:
        if self.index is None:
            return self.reason
        label = f"feature {self.index}"
        if self.code:
            label += f" ({self.code})"
        return f"{label}: {self.reason}"

    def located(self, source: object | None) -> str:
        """As text, a feature's problem also naming the file it is in."""
        if self.index is None or source is None:
            return str(self)
        label = f"feature {self.index}"
        if self.code:
            label += f" ({self.code})"
        return f"{label} of {source}: {self.reason}"


class InputError(Exception):
    """Input that cannot be taken, with every problem found in it."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class ConfigError(ValueError):
    """A configuration file (scenario, preset) that cannot be used, with every reason found."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__("; ".join(f"{source}: {p}" for p in problems))
