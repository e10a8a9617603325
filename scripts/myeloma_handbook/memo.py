"""Answers of pure functions of a text, kept while the process runs.

`mkdocs serve` runs every source check again after each save, in the same
process, and one check run reads each page's front matter several times.
The functions kept here (front matter as YAML, a page's terminology
problems, a page's rendered ids) depend on nothing but their arguments,
and each answer is kept under the whole of them: the text itself and the
rules or settings applied to it. A changed page, term list or setting is a
different key, so a kept answer is never stale; answers used least recently
go first once LIMIT are kept (README, "Performance budgets").
"""
from __future__ import annotations

import copy
from collections import OrderedDict
from typing import Callable, Hashable, TypeVar

T = TypeVar("T")
LIMIT = 4096  # answers; a page's front matter, problems or ids are a few KB at most
_kept: OrderedDict = OrderedDict()
stats = {"kept": 0, "computed": 0}  # for tests and the curious


def remembered(kind: str, key: Hashable, compute: Callable[[], T]) -> T:
    """compute(), or the answer it gave for the same kind and key. The answer
    is the caller's own copy (deep-copied): changing it changes nothing kept."""
    full = (kind, key)
    if full in _kept:
        _kept.move_to_end(full)
        stats["kept"] += 1
        return copy.deepcopy(_kept[full])
    value = compute()  # an exception is raised to the caller and nothing is kept
    stats["computed"] += 1
    _kept[full] = copy.deepcopy(value)
    while len(_kept) > LIMIT:
        _kept.popitem(last=False)
    return value


def forget() -> None:
    _kept.clear()
