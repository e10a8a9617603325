"""Verification records of bibliography.bib (bibliography-checks.yml).

Each entry of bibliography.bib is checked by a person against a record of
the work itself (PubMed or PMC, the publisher's page, a repository record,
the trial registry, the regulator's page or label), field by field. What
was seen is kept beside the bibliography as data, one record per key:

    kyle2003review:
      status: verified            # verified | partial | unverifiable | unchecked
      checked: 2026-12-06         # when the record was read
      record: https://pubmed.ncbi.nlm.nih.gov/12528874/
      via: ...                    # optional: how it was read (e.g. through a copy)
      matched: [author, title, journal, year, volume, number, pages, doi, pmid]
      unconfirmed: [...]          # partial: fields of the entry no record showed
      corrections: [...]          # what was changed in the entry to match the record
      reason: ...                 # unverifiable, unchecked: why
      note: ...                   # optional
      fingerprint: 0a1b2c3d4e5f   # the entry's fields as verified

The fingerprint is a hash of the entry's fields (not its layout), so an entry
edited after its check fails the gate until someone checks it again and
records it (`handbook.py references --record KEY ...`). `keywords` (our own
labels: veterinary, congress, news) is left out of the fingerprint.

Written once, used by the source gates (checks.py: the build hook, `handbook.py
check`, the tests), by the `references --record` command and by the reader-facing
notes (which entries say "not verified")."""
from __future__ import annotations

import copy
import datetime as dt
import functools
import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import bibliography as bib
from .i18n import catalogue
from .problems import Problem

RECORDS_FILE = "bibliography-checks.yml"  # beside bibliography.bib
SUMMARY = "<!-- bibliography-checks -->"  # on the References page: how the entries were checked
STATUSES = ("verified", "partial", "unverifiable", "unchecked")
# Statuses without a record that was read: they say why (reason), and the
# reader sees "not verified" beside the reference.
WITHOUT_RECORD = ("unverifiable", "unchecked")
# Our own labels (keywords = {news} or {congress}): shown beside the reference
# in the page's language (veterinary has its own box in the text).
KINDS = ("news", "congress")
RECORD_KEYS = ("status", "checked", "record", "via", "matched", "unconfirmed", "corrections", "reason", "note",
               "fingerprint")
# The fields a record must account for (matched or unconfirmed) when the entry has them.
CHECKED_FIELDS = ("author", "editor", "title", "journal", "booktitle", "howpublished", "organization", "publisher",
                  "year", "volume", "number", "pages", "doi", "pmid", "url")
NOT_FINGERPRINTED = ("keywords",)
HEADER = """\
# Verification records of bibliography.bib: one per entry, what a person saw
# when checking the entry against a record of the work itself (PubMed/PMC,
# the publisher, a repository, the trial registry, the regulator).
# Written by `python3 scripts/handbook.py references --record KEY ...`
# (CONTRIBUTING.md, "Adding a reference"); the source gates fail on an entry
# without a record or edited after it (fingerprint), naming bibliography.bib:line.
# status: verified (every field of the entry seen in the record), partial
# (`unconfirmed` lists what no record showed), unverifiable (`reason`: no
# record of the work could be found), unchecked (`reason`: nobody has checked
# it yet; readers see "not verified" until someone does).
"""


# ------------------------------------------------------------ fingerprints

def _normal(value: str) -> str:
    return " ".join(str(value).split())


def fingerprint(entry) -> str:
    """12 hex digits of a hash over the entry's type, fields and names,
    independent of layout, field order and white space."""
    fields = {name.lower(): _normal(value) for name, value in entry.fields.items()
              if name.lower() not in NOT_FINGERPRINTED}
    persons = {role.lower(): [_normal(str(person)) for person in people] for role, people in entry.persons.items()}
    canonical = json.dumps({"type": entry.type.lower(), "fields": fields, "persons": persons},
                           sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


def checkable_fields(entry) -> list[str]:
    """The entry's fields a record must account for, in CHECKED_FIELDS order."""
    present = {name.lower() for name, value in entry.fields.items() if str(value).strip()}
    present |= {role.lower() for role, people in entry.persons.items() if people}
    return [name for name in CHECKED_FIELDS if name in present]


# ------------------------------------------------------------------ reading

@dataclass
class Records:
    data: dict  # key -> record (a dict as written)
    lines: dict[str, int] = field(default_factory=dict)  # key -> line in the records file
    problems: list[Problem] = field(default_factory=list)  # the file itself is broken


# libyaml's loader when PyYAML has it (the pinned wheels do): the records file
# is read several times per build, and the pure-Python parser took about 1.2 s
# each time.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(path: Path, rel: str = RECORDS_FILE) -> Records:
    """Read the records; a missing file is an empty set of records."""
    if not path.is_file():
        return Records({})
    text = path.read_text(encoding="utf-8")
    return copy.deepcopy(_parse(text, rel))


@functools.lru_cache(maxsize=8)
def _parse(text: str, rel: str) -> Records:
    """Parse once per distinct text (callers get a copy from `load`)."""
    loader = _YAML_LOADER(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        return Records({}, problems=[Problem(rel, mark.line + 1 if mark else 0, "not valid YAML",
                                             "fix the record near this line (two-space indents, `key: value`)")])
    finally:
        loader.dispose()
    if data is None:
        return Records({})
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        return Records({}, problems=[Problem(rel, 1, "is not a mapping of entry keys to records",
                                             "write one `key:` per entry, its record indented below it")])
    lines = {str(key.value): key.start_mark.line + 1 for key, _ in node.value}
    return Records({str(k): v for k, v in data.items()}, lines)


# ----------------------------------------------------------------- checking

def _as_list(value) -> list | None:
    if value is None:
        return []
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


def record_problems(key: str, record, entry, rel: str, line: int, today: dt.date) -> list[Problem]:
    """What is malformed in one record (the entry exists)."""
    def problem(message: str, fix: str) -> Problem:
        return Problem(rel, line, f"record '{key}' {message}", fix)

    if not isinstance(record, dict):
        return [problem("is not a mapping", "write status, checked, record, matched and fingerprint below the key")]
    problems = []
    unknown = sorted(set(map(str, record)) - set(RECORD_KEYS))
    if unknown:
        problems.append(problem(f"has unknown field(s) {', '.join(unknown)}", f"use only {', '.join(RECORD_KEYS)}"))
    status = record.get("status")
    if status not in STATUSES:
        problems.append(problem(f"has status '{status}'", f"write one of {', '.join(STATUSES)}"))
    checked = record.get("checked")
    if isinstance(checked, str):
        try:
            checked = dt.date.fromisoformat(checked)
        except ValueError:
            pass
    if not isinstance(checked, dt.date):
        problems.append(problem(f"has checked '{checked}'", "write the date the record was read, YYYY-MM-DD"))
    elif checked > today:
        problems.append(problem(f"is dated {checked.isoformat()}, in the future", "write the date it was read"))
    address = record.get("record")
    if status not in WITHOUT_RECORD and not (isinstance(address, str) and bib.URL_SYNTAX.match(address)):
        problems.append(problem("does not give the address of the record that was read",
                                "write record: https://... (PubMed, the publisher, the registry, the regulator)"))
    lists = {name: _as_list(record.get(name)) for name in ("matched", "unconfirmed", "corrections")}
    for name, value in lists.items():
        if value is None:
            problems.append(problem(f"'{name}' is not a list of words", f"write {name}: [a, b] or leave it out"))
    matched, unconfirmed = lists["matched"] or [], lists["unconfirmed"] or []
    fields = checkable_fields(entry)
    named = set(matched) | set(unconfirmed)
    strange = sorted(named - set(fields))
    if strange:
        problems.append(problem(f"names field(s) the entry does not have: {', '.join(strange)}",
                                f"the entry's fields are {', '.join(fields)}"))
    if status in ("verified", "partial") and None not in lists.values():
        silent = [name for name in fields if name not in named]
        if silent:
            problems.append(problem(f"does not say whether {', '.join(silent)} matched",
                                    "list each field under matched or unconfirmed"))
    if status == "verified" and unconfirmed:
        problems.append(problem("is 'verified' but lists unconfirmed fields", "make it status: partial"))
    if status == "partial" and not unconfirmed:
        problems.append(problem("is 'partial' but lists no unconfirmed field", "name them, or make it verified"))
    if status in WITHOUT_RECORD and not (isinstance(record.get("reason"), str) and record["reason"].strip()):
        problems.append(problem(f"is '{status}' without a reason",
                                "write reason: what was looked for and not found" if status == "unverifiable"
                                else "write reason: why it has not been checked yet"))
    if not (isinstance(record.get("fingerprint"), str) and re.fullmatch(r"[0-9a-f]{12}", record["fingerprint"])):
        problems.append(problem("has no valid fingerprint",
                                f"let `python3 scripts/handbook.py references --record {key} ...` write it"))
    return problems


def check(bibliography: bib.Bibliography, records: Records, bib_rel: str = "bibliography.bib",
          records_rel: str = RECORDS_FILE, today: dt.date | None = None) -> list[Problem]:
    """Every entry has a well-formed record whose fingerprint is the entry's."""
    today = today or dt.date.today()
    problems = list(records.problems)
    if not bibliography.readable or records.problems:
        return problems  # a syntax error in either file comes first (not one "no record" per entry)
    entries = bibliography.entries.entries
    for key, record in records.data.items():
        line = records.lines.get(key, 0)
        if key not in entries:
            problems.append(Problem(records_rel, line, f"record '{key}' names no entry of {bib_rel}",
                                    "remove the record, or correct its key to the entry's"))
            continue
        problems.extend(record_problems(key, record, entries[key], records_rel, line, today))
    for key, entry in entries.items():
        line = bibliography.lines.get(key, 0)
        record = records.data.get(key)
        if record is None:
            problems.append(Problem(bib_rel, line, f"entry '{key}' has no verification record in {records_rel}",
                                    "check every field against PubMed or the publisher's page, then run "
                                    f"`python3 scripts/handbook.py references --record {key} --url ... "
                                    "--fields ...`"))
            continue
        recorded = record.get("fingerprint") if isinstance(record, dict) else None
        if isinstance(recorded, str) and re.fullmatch(r"[0-9a-f]{12}", recorded) and recorded != fingerprint(entry):
            problems.append(Problem(bib_rel, line, f"entry '{key}' was edited after its verification of "
                                    f"{record.get('checked')} (fingerprint {fingerprint(entry)}, recorded {recorded})",
                                    "check the changed fields against the record, then run `python3 "
                                    f"scripts/handbook.py references --record {key} --url ... --fields ...` again"))
    return problems


# ------------------------------------------------------------------ writing

def make_record(entry, url: str | None, matched: list[str], unconfirmed: list[str] | None = None,
                corrections: list[str] | None = None, reason: str | None = None, via: str | None = None,
                note: str | None = None, checked: dt.date | None = None, unchecked: bool = False) -> dict:
    """A record for an entry just checked; the status follows from what was given
    (unchecked: a placeholder saying, with its reason, that nobody has checked it)."""
    unconfirmed = list(unconfirmed or [])
    status = ("unchecked" if unchecked else "unverifiable" if reason and not url
              else "partial" if unconfirmed else "verified")
    record = {"status": status, "checked": checked or dt.date.today()}
    if url:
        record["record"] = url
    if via:
        record["via"] = via
    if matched:
        record["matched"] = list(matched)
    if unconfirmed:
        record["unconfirmed"] = unconfirmed
    if corrections:
        record["corrections"] = list(corrections)
    if reason:
        record["reason"] = reason
    if note:
        record["note"] = note
    record["fingerprint"] = fingerprint(entry)
    return record


class _Dumper(yaml.SafeDumper):
    """Records in block style, their lists of field names on one line."""


_Dumper.add_representer(list, lambda dumper, value: dumper.represent_sequence(
    "tag:yaml.org,2002:seq", value, flow_style=all(isinstance(v, str) and len(v) < 20 for v in value)))


def dump(records: dict) -> str:
    """The records file: header, then one record per key in alphabetical order
    (new keys land all over the file, so parallel additions rarely conflict)."""
    body = yaml.dump({key: records[key] for key in sorted(records)}, Dumper=_Dumper, sort_keys=False,
                     allow_unicode=True, width=120, default_flow_style=False)
    # A blank line between records, for reading and for merges.
    body = re.sub(r"\n(?=[^\s#])", "\n\n", body)
    return HEADER + "\n" + body


def save(path: Path, records: dict) -> None:
    path.write_text(dump(records), encoding="utf-8")


def write_record(bib_path: Path, key: str, **options) -> dict:
    """Check nothing, record what the person says they checked: the entry must
    exist and the fields named must be the entry's. Raises ValueError."""
    bibliography = bib.load(bib_path)
    if not bibliography.readable:
        raise ValueError("bibliography.bib cannot be read: " + "; ".join(map(str, bibliography.problems)))
    entry = bibliography.entries.entries.get(key)
    if entry is None:
        raise ValueError(f"no entry '{key}' in {bib_path.name}")
    path = bib_path.with_name(RECORDS_FILE)
    loaded = load(path)
    if loaded.problems:
        raise ValueError("; ".join(map(str, loaded.problems)))
    record = make_record(entry, **options)
    problems = record_problems(key, record, entry, RECORDS_FILE, 0, dt.date.today() + dt.timedelta(days=1))
    if problems:
        raise ValueError("; ".join(p.message + " -> " + p.fix for p in problems))
    loaded.data[key] = record
    save(path, loaded.data)
    return record


# ------------------------------------------------------------ what readers see

def state(key: str, entry, records: Records) -> str:
    """verified | partial | unverifiable | unrecorded | stale, for the reader's marker."""
    record = records.data.get(key)
    if not isinstance(record, dict):
        return "unrecorded"
    if record.get("fingerprint") != fingerprint(entry):
        return "stale"
    return record.get("status") if record.get("status") in STATUSES else "unrecorded"


def kinds(entry) -> list[str]:
    """Our labels of the entry (news, congress), from its keywords."""
    words = {w.strip().lower() for w in entry.fields.get("keywords", "").split(",")}
    return [kind for kind in KINDS if kind in words]


def _span(state: str, text: str, title: str) -> str:
    return (f'<span class="reference-check reference-check--{state}" title="{html.escape(title)}">'
            f'{html.escape(text)}</span>')


def reader_note(key: str, entry, records: Records, language: str) -> str:
    """What follows a reference in the page's language: its kind (news report,
    congress abstract), and a marker only when something is not verified
    (not verified; partly verified, with the fields no record showed). A
    verified entry gets no marker."""
    words = catalogue(language).get("records")
    parts = [f'<span class="reference-kind reference-kind--{kind}" '
             f'title="{html.escape(words["kinds"][kind + "_title"])}">{html.escape(words["kinds"][kind])}</span>'
             for kind in kinds(entry)]
    current = state(key, entry, records)
    if current == "partial":
        fields = [words["fields"].get(name, name) for name in records.data[key].get("unconfirmed") or []]
        parts.append(_span("partial", words["partial"], words["partial_title"].format(fields=", ".join(fields))))
    elif current != "verified":
        title = {"stale": "stale_title", "unverifiable": "unverifiable_title"}.get(current, "unchecked_title")
        parts.append(_span("unverified", words["not_verified"], words[title]))
    return " ".join(parts)


def counts(bibliography: bib.Bibliography, records: Records) -> dict[str, int]:
    """How many entries are in each reader state (unrecorded and stale count as unchecked)."""
    found = {status: 0 for status in STATUSES}
    for key, entry in bibliography.entries.entries.items():
        current = state(key, entry, records)
        found[current if current in STATUSES else "unchecked"] += 1
    return found


def _dates(records: Records) -> list[dt.date]:
    out = []
    for record in records.data.values():
        checked = record.get("checked") if isinstance(record, dict) else None
        if isinstance(checked, str):
            try:
                checked = dt.date.fromisoformat(checked)
            except ValueError:
                continue
        if isinstance(checked, dt.date) and record.get("status") != "unchecked":
            out.append(checked)
    return sorted(out)


def summary(bibliography: bib.Bibliography, records: Records, registry_cache: dict, language: str) -> str:
    """The References page's statement, from the data: how many entries were
    verified, how and when, and when the registries last answered."""
    words = catalogue(language)
    found = counts(bibliography, records)
    total = sum(found.values())
    items = [words.plural(f"records.summary.{status}", found[status]) for status in STATUSES if found[status]]
    lines = [words.plural("records.summary.intro", total), ""]
    lines += [f"- {item}" for item in items]
    dates = _dates(records)
    tail = []
    if dates:
        first, last = (words.date(d, "text") for d in (dates[0], dates[-1]))
        tail.append(words.text("records.checked_on", date=first) if first == last
                    else words.text("records.checked_between", first=first, last=last))
    answered = [answer["checked"] for registry in ("crossref", "pubmed")
                for answer in (registry_cache.get(registry) or {}).values()
                if isinstance(answer, dict) and isinstance(answer.get("checked"), str)]
    tail.append(words.text("records.registries_answered", date=words.date(dt.date.fromisoformat(max(answered)), "text"))
                if answered else words.text("records.registries_never"))
    return "\n".join(lines) + "\n\n" + " ".join(tail) + "\n"
