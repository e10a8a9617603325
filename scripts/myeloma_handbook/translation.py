"""`scripts/handbook.py translation-status`: for every page, is it there in
every language, does each translation follow its source as the source is
now, and has its structure drifted?

- *missing twin*: a language lacks the page (fails);
- *drift*: headings, heading ids, tables, evidence labels, citation keys or
  numbers differ from the source (fails). Citation keys and clinical
  numbers are compared by the same gate the build runs
  (checks.check_twin_content, which honours `twin_differences`); the rest
  here, on the masked source so that code examples do not count;
- *no record*: a translation does not say which source version it follows
  (fails: run `--mark` once it is up to date);
- *behind*: the source changed since the version the translation records
  (a reminder, with the date and the diff: translation_records.py).

`mark` and `mark_wording_only` write the records.
"""
from __future__ import annotations

import datetime as dt
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from . import translation_records as records
from .checks import Project, check_twin_content
from .markdown_source import mask_code, scan_evidence_labels

HEADING = re.compile(r"^(#{1,6})[ \t]+\S", re.M)
HEADING_ID = re.compile(r"\{[^}\n]*#([\w-]+)[^}\n]*\}[ \t]*$")
TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


@dataclass
class Structure:
    headings: list[int]  # the level of every heading, in order
    heading_ids: list[str]  # explicit {#id}s, in order (link targets must exist in both twins)
    tables: list[int]  # body rows of every table, in order
    evidence: list[str]  # evidence levels, in order


def structure(text: str) -> Structure:
    masked = mask_code(text)
    lines = masked.split("\n")
    headings, ids = [], []
    for match in HEADING.finditer(masked):
        headings.append(len(match.group(1)))
        line = lines[masked.count("\n", 0, match.start())]
        found = HEADING_ID.search(line)
        if found:
            ids.append(found.group(1))
    tables = []
    for index, line in enumerate(lines):
        if index and TABLE_SEPARATOR.match(line) and "|" in line and "|" in lines[index - 1]:
            rows = 0
            for body in lines[index + 1:]:
                if not body.strip() or "|" not in body:
                    break
                rows += 1
            tables.append(rows)
    return Structure(headings, ids, tables, [level for _, level in scan_evidence_labels(text)])


def _describe_headings(levels: list[int]) -> str:
    counts = {level: levels.count(level) for level in sorted(set(levels))}
    return f"{len(levels)} (" + ", ".join(f"h{lvl}×{n}" for lvl, n in counts.items()) + ")"


def structural_drift(source: Structure, translation: Structure, names: tuple[str, str]) -> list[str]:
    """What differs in the structure of a translation and its source;
    names: their language codes, as the messages show them."""
    a, b = names
    drift = []
    if source.headings != translation.headings:
        drift.append(f"headings: {a} {_describe_headings(source.headings)}, "
                     f"{b} {_describe_headings(translation.headings)}")
    if source.heading_ids != translation.heading_ids:
        only_a = sorted(set(source.heading_ids) - set(translation.heading_ids))
        only_b = sorted(set(translation.heading_ids) - set(source.heading_ids))
        detail = "; ".join(part for part in (
            f"only {a}: {', '.join('#' + i for i in only_a)}" if only_a else "",
            f"only {b}: {', '.join('#' + i for i in only_b)}" if only_b else "") if part) or "different order"
        drift.append(f"heading ids: {detail}")
    if source.tables != translation.tables:
        drift.append(f"tables (body rows): {a} {source.tables or 'none'}, {b} {translation.tables or 'none'}")
    if source.evidence != translation.evidence:
        drift.append(f"evidence labels: {a} {len(source.evidence)}, {b} {len(translation.evidence)}"
                     + ("" if len(source.evidence) != len(translation.evidence) else " (different levels or order)"))
    return drift


@dataclass
class PageStatus:
    name: str  # path below docs/<language>/
    missing: list[str] = field(default_factory=list)  # languages without the page
    drift: list[str] = field(default_factory=list)
    unrecorded: list[str] = field(default_factory=list)  # translations without `translated_from`
    behind: list[records.Behind] = field(default_factory=list)
    new_behind: set[str] = field(default_factory=set)  # languages behind now but not at the base revision

    @property
    def failing(self) -> bool:
        return bool(self.missing or self.drift or self.unrecorded)

    @property
    def state(self) -> str:
        if self.missing:
            return "missing twin"
        if self.drift:
            return "drift"
        if self.unrecorded:
            return "no record"
        if self.behind:
            return "behind"
        return "ok"


def page_statuses(project: Project, use_git: bool = True, base: str | None = None,
                  names: set[str] | None = None) -> list[PageStatus]:
    """use_git: read the source's history for the dates and diffs of
    translations that are behind; base: a git revision (the pull request's
    target) to tell which translations fell behind since; names: only these
    pages (paths below docs/<language>/)."""
    languages = project.languages
    pages = {lang: project.pages(lang) for lang in languages.all}
    statuses = []
    for name in sorted(set().union(*pages.values())):
        if names is not None and name not in names:
            continue
        status = PageStatus(name, missing=[lang for lang in languages.all if name not in pages[lang]])
        if not status.missing:
            paths = {lang: pages[lang][name] for lang in languages.all}
            texts = {lang: path.read_text(encoding="utf-8") for lang, path in paths.items()}
            source = structure(texts[languages.source])
            for translation in languages.translations:
                status.drift += structural_drift(source, structure(texts[translation]),
                                                 (languages.source, translation))
            status.drift += [f"{p.path}:{p.line}: {p.message}" for p in check_twin_content(project, name)]
            versions = None
            for translation in languages.translations:
                record = records.record_of(texts[translation])
                if record is None:
                    status.unrecorded.append(translation)
                    continue
                if use_git and versions is None and record != records.fingerprint(texts[languages.source]):
                    versions = records.history(project.root, paths[languages.source])
                late = records.behind(project.root, translation, paths[translation], paths[languages.source], record,
                                      versions if use_git else [_now(paths[languages.source])])
                if late:
                    status.behind.append(late)
                    if base and not _behind_at(project, base, paths[translation], paths[languages.source]):
                        status.new_behind.add(translation)
        statuses.append(status)
    return statuses


def _now(path: Path) -> records.Version:
    return records.Version(None, dt.date.fromtimestamp(path.stat().st_mtime), path.read_text(encoding="utf-8"))


def _behind_at(project: Project, revision: str, translation: Path, source: Path) -> bool:
    """Was the translation already behind its source at revision?"""
    def show(path: Path) -> str | None:
        result = subprocess.run(["git", "-C", str(project.root), "show",
                                 f"{revision}:./{path.relative_to(project.root).as_posix()}"],
                                capture_output=True, text=True)
        return result.stdout if result.returncode == 0 else None

    old_translation, old_source = show(translation), show(source)
    if old_translation is None or old_source is None:
        return False  # a new page: it cannot have been behind
    record = records.record_of(old_translation)
    return record is None or record != records.fingerprint(old_source)


# ------------------------------------------------------------------ records

def mark(project: Project, paths: list[Path]) -> list[str]:
    """Record that each translation follows its source as the source is now.
    A source page (or a folder) stands for every translation of (in) it.
    Returns what was done, one line each."""
    languages = project.languages
    done = []
    for translation in _translations(project, paths):
        language, name = _language_and_name(project, translation)
        source = project.docs / languages.source / name
        if not source.is_file():
            done.append(f"{project.rel(translation)}: no source page {project.rel(source)}; not marked")
            continue
        value = records.fingerprint(source.read_text(encoding="utf-8"))
        changed = records.write_record(translation, value)
        done.append(f"{project.rel(translation)}: follows {project.rel(source)} as it is now ({value})"
                    + ("" if changed else ", as recorded already"))
    return done


def mark_wording_only(project: Project, paths: list[Path]) -> list[str]:
    """The source's last change was wording only: translations that followed
    its previous version now follow it as it is. Translations already behind
    an earlier change stay behind."""
    languages = project.languages
    done = []
    for source in _expand(paths):
        language, name = _language_and_name(project, source)
        if language != languages.source:
            done.append(f"{project.rel(source)}: not a page of the source language ({languages.source}); "
                        "give the source page whose change needs no translation")
            continue
        previous = records.previous_fingerprint(project.root, source)
        value = records.fingerprint(source.read_text(encoding="utf-8"))
        for translation_language in languages.translations:
            translation = project.docs / translation_language / name
            if not translation.is_file():
                continue
            record = records.record_of(translation.read_text(encoding="utf-8"))
            if record == value:
                done.append(f"{project.rel(translation)}: follows the source already")
            elif previous is not None and record == previous:
                records.write_record(translation, value)
                done.append(f"{project.rel(translation)}: follows {project.rel(source)} as it is now ({value}): "
                            "its last change was wording only")
            else:
                done.append(f"{project.rel(translation)}: left behind: it did not follow the source's previous "
                            f"version ({previous or 'not in the git history'}), so an earlier change is still "
                            "to translate")
    return done


def _expand(paths: list[Path]) -> list[Path]:
    found = []
    for path in paths:
        path = path.resolve()
        found += sorted(path.rglob("*.md")) if path.is_dir() else [path]
    return found


def _language_and_name(project: Project, path: Path) -> tuple[str, str]:
    parts = path.resolve().relative_to(project.docs.resolve()).parts
    return parts[0], "/".join(parts[1:])


def _translations(project: Project, paths: list[Path]) -> list[Path]:
    languages = project.languages
    found = []
    for path in _expand(paths):
        language, name = _language_and_name(project, path)
        if language == languages.source:
            found += [project.docs / other / name for other in languages.translations
                      if (project.docs / other / name).is_file()]
        elif language in languages.translations:
            found.append(path)
    return found


# ------------------------------------------------------------------ reports

def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _behind_line(project: Project, late: records.Behind, new: bool) -> str:
    since = (f"as of {late.since.name} ({late.since.date.isoformat()})" if late.since
             else f"as of a version not in the git history ({late.record})")
    return (f"{project.rel(late.path)} follows {project.rel(late.source)} {since}; the source changed on "
            f"{late.changed_on.isoformat()}" + (" (fell behind in this pull request)" if new else ""))


def as_markdown(statuses: list[PageStatus], project: Project) -> str:
    """A table for a pull-request comment; pages in sync are folded away, the
    source's changes since each translation that is behind shown as diffs."""
    attention = [s for s in statuses if s.state != "ok"]
    ok = [s for s in statuses if s.state == "ok"]
    out = ["### Translation status", ""]
    if attention:
        out += ["| page | status | details |", "| --- | --- | --- |"]
        for s in attention:
            details = []
            if s.missing:
                details.append("no " + " and no ".join(f"`docs/{lang}/{s.name}`" for lang in s.missing))
            details += [_cell(d) for d in s.drift]
            details += [f"`docs/{lang}/{s.name}` records no source version: run "
                        f"`scripts/handbook.py translation-status --mark docs/{lang}/{s.name}` once it is up to date"
                        for lang in s.unrecorded]
            details += [_cell(_behind_line(project, late, late.language in s.new_behind)) for late in s.behind]
            out.append(f"| `{s.name}` | {s.state} | {'<br>'.join(details)} |")
        out.append("")
    out.append(summary(statuses))
    for s in statuses:
        for late in s.behind:
            if late.diff:
                out += ["", f"<details><summary>What changed in <code>{project.rel(late.source)}</code> since "
                            f"<code>{project.rel(late.path)}</code> followed it</summary>", "", "```diff",
                        late.diff.rstrip("\n").replace("```", "` ` `"), "```", "", "</details>"]
    if ok:
        out += ["", f"<details><summary>{len(ok)} page(s) in sync</summary>", "",
                *[f"- `{s.name}`" for s in ok], "", "</details>"]
    return "\n".join(out) + "\n"


def as_text(statuses: list[PageStatus], project: Project, diffs: bool = True) -> str:
    out = []
    for s in statuses:
        if s.state == "ok":
            continue
        if s.missing:
            out.append(f"{s.name}: missing twin: no {', '.join(f'docs/{lang}/{s.name}' for lang in s.missing)}")
        for drift in s.drift:
            out.append(f"{s.name}: drift: {drift}")
        for lang in s.unrecorded:
            out.append(f"{s.name}: no record: docs/{lang}/{s.name} does not say which source version it follows; "
                       f"once it is up to date, run scripts/handbook.py translation-status --mark docs/{lang}/{s.name}")
        for late in s.behind:
            out.append(f"{s.name}: behind: {_behind_line(project, late, late.language in s.new_behind)}")
            if diffs and late.diff:
                out += ["    " + line for line in late.diff.rstrip("\n").split("\n")]
            elif diffs:
                out.append("    (no diff: the recorded version is not in the source's git history)")
    out.append(summary(statuses))
    return "\n".join(out) + "\n"


def summary(statuses: list[PageStatus]) -> str:
    states = ("missing twin", "drift", "no record", "behind", "ok")
    counts = {state: sum(s.state == state for s in statuses) for state in states}
    return (f"{len(statuses)} page(s): {counts['ok']} in sync, {counts['behind']} with a translation behind its "
            f"source, {counts['no record']} without a record, {counts['drift']} drifted, "
            f"{counts['missing twin']} missing a twin.")
