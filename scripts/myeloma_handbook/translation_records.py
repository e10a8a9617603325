"""What each translation was translated from.

Every translated page records, in its front matter, the fingerprint of its
source page (the page with the same path in the source language) as it was
when the translation was last brought up to date:

    translated_from: "3f2a9c1b7e04"

The fingerprint is the start of the SHA-256 of the source's title,
description and body with white space collapsed, so re-wrapping a paragraph
changes nothing. The tooling writes it, nobody types it:
`scripts/handbook.py translation-status --mark FILE` (this translation now
follows its source), `--wording-only FILE` (the source's last change was
wording only: translations that followed its previous version follow this
one) and `new` (a new page's translations follow its skeleton).

A translation is **behind** when its record differs from its source's
fingerprint. The source's git history says which version the translation
follows (the newest commit whose fingerprint is the record), when the source
changed after it (the first later version that differs) and what changed (a
diff). Without that history (no git, a shallow clone, a record of a version
never committed) the date is the source's last commit or modification and
no diff can be shown.
"""
from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .front_matter import read_front_matter
from .markdown_source import FRONT_MATTER

RECORD_KEY = "translated_from"
RECORD_SYNTAX = r"^[0-9a-f]{12}$"
RECORD_LINE = re.compile(rf"^{RECORD_KEY}:.*$", re.M)


def fingerprint(text: str) -> str:
    """The source's title, description and body, white space collapsed, hashed."""
    meta = read_front_matter(text)
    body = FRONT_MATTER.sub("", text, count=1)
    normalised = " ".join(" ".join(str(part) for part in (meta.get("title", ""), meta.get("description", ""), body))
                          .split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:12]


def record_of(text: str) -> str | None:
    value = read_front_matter(text).get(RECORD_KEY)
    return str(value) if value else None


def with_record(text: str, value: str) -> str:
    """The page's text with `translated_from: value` in its front matter
    (replaced where it is, or added as the last key)."""
    match = FRONT_MATTER.match(text)
    if not match:
        raise ValueError("the page has no front matter")
    yaml_text = match.group(1) or ""
    line = f'{RECORD_KEY}: "{value}"'  # quoted: digits alone would read as a number
    yaml_text = RECORD_LINE.sub(line, yaml_text) if RECORD_LINE.search(yaml_text) else yaml_text + line + "\n"
    return f"---\n{yaml_text}---" + text[match.end() - len(match.group(2)):]


def write_record(path: Path, value: str) -> bool:
    """Record value in the page at path; False when it was recorded already."""
    text = path.read_text(encoding="utf-8")
    new = with_record(text, value)
    if new == text:
        return False
    path.write_text(new, encoding="utf-8")
    return True


# ------------------------------------------------------------------ history

@dataclass(frozen=True)
class Version:
    """One version of a source page: a commit, or the file as it is now."""
    commit: str | None  # None: the working tree, not (yet) committed
    date: dt.date
    text: str

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.text)

    @property
    def name(self) -> str:
        return f"commit {self.commit[:10]}" if self.commit else "the working tree"


def _git(root: Path, *args: str) -> str | None:
    try:
        result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout if result.returncode == 0 else None


def history(root: Path, path: Path) -> list[Version]:
    """The versions of a page, newest first: the working tree (when it
    differs from the last commit), then every commit that touched it."""
    rel = path.relative_to(root).as_posix()
    current = path.read_text(encoding="utf-8")
    versions = []
    log = _git(root, "log", "--format=%H %cs", "--", rel) or ""
    for line in log.splitlines():
        commit, day = line.split()
        text = _git(root, "show", f"{commit}:./{rel}")
        if text is not None:
            versions.append(Version(commit, dt.date.fromisoformat(day), text))
    if not versions or versions[0].text != current:
        modified = dt.date.fromtimestamp(path.stat().st_mtime)
        versions.insert(0, Version(None, modified, current))
    return versions


@dataclass
class Behind:
    """A translation whose source changed since its record."""
    language: str
    path: Path  # the translation
    source: Path
    record: str
    current: str  # the source's fingerprint now
    changed_on: dt.date  # when the source first changed after the recorded version
    since: Version | None  # the recorded version of the source (None: not found in its history)
    diff: str | None  # the source's diff since that version


def behind(root: Path, language: str, translation: Path, source: Path, record: str,
           versions: list[Version] | None = None) -> Behind | None:
    """None when the translation follows its source as it is now."""
    current = fingerprint(source.read_text(encoding="utf-8"))
    if record == current:
        return None
    versions = versions if versions is not None else history(root, source)
    found = next((index for index, version in enumerate(versions) if version.fingerprint == record), None)
    if found is None:
        return Behind(language, translation, source, record, current, versions[0].date, None, None)
    # the oldest newer version that differs from the recorded one: the first change
    changed = next(versions[index] for index in range(found - 1, -1, -1) if versions[index].fingerprint != record)
    rel = source.relative_to(root).as_posix()
    diff = "".join(difflib.unified_diff(
        versions[found].text.splitlines(keepends=True), versions[0].text.splitlines(keepends=True),
        f"{rel} ({versions[found].name}, {versions[found].date.isoformat()}: translated)",
        f"{rel} (now)", n=2))
    return Behind(language, translation, source, record, current, changed.date, versions[found], diff)


def previous_fingerprint(root: Path, source: Path) -> str | None:
    """The fingerprint of the source's previous version: the newest earlier
    version (the last commit, when the file has changed since) that reads
    differently from the source now."""
    versions = history(root, source)
    now = versions[0].fingerprint
    return next((version.fingerprint for version in versions[1:] if version.fingerprint != now), None)
