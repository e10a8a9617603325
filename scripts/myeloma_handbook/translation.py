"""`scripts/handbook.py translation-status`: for every page, is its twin
there, is it older than its counterpart, and has its structure drifted?

Citation keys and clinical numbers are compared by the same gate the build
runs (checks.check_twin_content, which honours `twin_differences`); headings,
tables and evidence labels are compared here, on the masked source so that
code examples do not count.
"""
from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .checks import Project, check_twin_content
from .markdown_source import mask_code, scan_evidence_labels

HEADING = re.compile(r"^(#{1,6})[ \t]+\S", re.M)
HEADING_ID = re.compile(r"\{[^}\n]*#([\w-]+)[^}\n]*\}[ \t]*$")
TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
DAY = 86400


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


def last_commit_time(root: Path, path: Path) -> int | None:
    """Unix time of the last commit that touched path (None: not committed, or no git)."""
    try:
        result = subprocess.run(["git", "log", "-1", "--format=%ct", "--", str(path)], cwd=root,
                                capture_output=True, text=True, check=False)
    except FileNotFoundError:
        return None
    value = result.stdout.strip()
    return int(value) if result.returncode == 0 and value.isdigit() else None


@dataclass
class PageStatus:
    name: str  # path below docs/<language>/
    missing: list[str] = field(default_factory=list)  # languages without the page
    older: str = ""  # e.g. "sl is 12 days older than en"
    drift: list[str] = field(default_factory=list)

    @property
    def failing(self) -> bool:
        return bool(self.missing or self.drift)

    @property
    def state(self) -> str:
        if self.missing:
            return "missing twin"
        if self.drift:
            return "drift"
        if self.older:
            return "older twin"
        return "ok"


def page_statuses(project: Project, use_git: bool = True) -> list[PageStatus]:
    languages = project.languages
    pages = {lang: project.pages(lang) for lang in languages.all}
    statuses = []
    for name in sorted(set().union(*pages.values())):
        status = PageStatus(name, missing=[lang for lang in languages.all if name not in pages[lang]])
        if not status.missing:
            paths = {lang: pages[lang][name] for lang in languages.all}
            texts = {lang: path.read_text(encoding="utf-8") for lang, path in paths.items()}
            source = structure(texts[languages.source])
            for translation in languages.translations:
                status.drift += structural_drift(source, structure(texts[translation]),
                                                 (languages.source, translation))
            status.drift += [f"{p.path}:{p.line}: {p.message}" for p in check_twin_content(project, name)]
            if use_git:
                times = {lang: last_commit_time(project.root, path) for lang, path in paths.items()}
                older = []
                for translation in languages.translations:
                    pair = (languages.source, translation)
                    if times[pair[0]] and times[pair[1]] and times[pair[0]] != times[pair[1]]:
                        old, new = sorted(pair, key=lambda lang: times[lang])
                        days = (times[new] - times[old]) / DAY
                        age = f"{days:.0f} day(s)" if days >= 1 else "less than a day"
                        older.append(f"{old} is older: {new} changed {age} later; check {old} still says the same")
                status.older = "; ".join(older)
        statuses.append(status)
    return statuses


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def as_markdown(statuses: list[PageStatus]) -> str:
    """A table for a pull-request comment; pages in sync are folded away."""
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
            if s.older:
                details.append(s.older)
            out.append(f"| `{s.name}` | {s.state} | {'<br>'.join(details)} |")
        out.append("")
    out.append(summary(statuses))
    if ok:
        out += ["", f"<details><summary>{len(ok)} page(s) in sync</summary>", "",
                *[f"- `{s.name}`" for s in ok], "", "</details>"]
    return "\n".join(out) + "\n"


def as_text(statuses: list[PageStatus]) -> str:
    out = []
    for s in statuses:
        if s.state == "ok":
            continue
        if s.missing:
            out.append(f"{s.name}: missing twin: no {', '.join(f'docs/{lang}/{s.name}' for lang in s.missing)}")
        for drift in s.drift:
            out.append(f"{s.name}: drift: {drift}")
        if s.older:
            out.append(f"{s.name}: older twin: {s.older}")
    out.append(summary(statuses))
    return "\n".join(out) + "\n"


def summary(statuses: list[PageStatus]) -> str:
    counts = {state: sum(s.state == state for s in statuses) for state in ("missing twin", "drift", "older twin", "ok")}
    return (f"{len(statuses)} page(s): {counts['ok']} in sync, {counts['older twin']} with an older twin, "
            f"{counts['drift']} drifted, {counts['missing twin']} missing a twin.")
