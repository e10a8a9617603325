"""One way to report bad input: the file, the line and what to do about it."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    path: str  # relative to the project root, e.g. docs/sl/myeloma/diagnosis.md
    line: int  # 1-based; 0 when the problem belongs to the whole file
    message: str  # what is wrong
    fix: str = ""  # what to do about it

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: {self.message}"
        return f"{text} -> {self.fix}" if self.fix else text
