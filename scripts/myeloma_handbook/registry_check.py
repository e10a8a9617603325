"""Every reference checked against Crossref (by DOI) and PubMed (by PMID).

Two halves, with one comparison between them:

- online (`scripts/handbook.py references --online`, the weekly workflow):
  asks Crossref's REST API and PubMed's E-utilities for each DOI and PMID
  whose cached answer is missing or older than 90 days, and stores the
  registries' answers in `scripts/reference-checks.json`;
- offline (`scripts/handbook.py references`): compares every entry of
  bibliography.bib with the cached answers, so a changed title, a new
  entry or a retraction is caught without the network.

The cache stores what the registry said (title, first author, years,
journal, retraction notices), not a verdict: an entry edited after the last
online run is compared afresh. A DOI or PMID the registry does not know is
cached as `"record": null`, an answer like any other; a timeout or a server
error is not an answer and is never cached.

Only the standard library talks HTTP (urllib), so the client is tested
against a local fake server (tests/test_reference_checks.py) by pointing
CROSSREF_API and PUBMED_ESUMMARY at it.
"""
from __future__ import annotations

import datetime as dt
import difflib
import html
import json
import os
import re
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import bibliography as bib
from .i18n import catalogue
from .problems import Problem

# Module constants, so the tests can point the client at a local fake server.
CROSSREF_API = "https://api.crossref.org/works/"
PUBMED_ESUMMARY = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/esummary.fcgi"
# Crossref's "polite pool" and NCBI both ask for a contact address. Set the
# environment variable (the weekly workflow reads the repository variable of
# the same name) or fill in the constant.
CONTACT_ENV = "HANDBOOK_CONTACT_EMAIL"
CONTACT_EMAIL = ""
PROJECT_URL = "https://github.com/"  # replaced by the repository's address in CI (GITHUB_SERVER_URL/REPOSITORY)
TOOL = "myeloma-handbook-reference-check"

CACHE_PATH = Path("scripts") / "reference-checks.json"  # relative to the project root
MAX_AGE_DAYS = 90
# Crossref asks for about one request per second from polite clients; NCBI
# allows three per second without an API key and ten with one.
CROSSREF_INTERVAL = 1.0
PUBMED_INTERVAL = 0.34
PUBMED_INTERVAL_WITH_KEY = 0.1
PUBMED_BATCH = 100  # PMIDs per esummary request
TIMEOUT = 20.0
RETRIES = 3
BACKOFF = 2.0  # seconds before the first retry; doubled each time
RETRACTION_TYPES = {"retraction", "partial_retraction", "withdrawal", "removal"}


# ------------------------------------------------------------ normalising

def _fold(text: str) -> str:
    """Lower case, no accents, no markup, punctuation as spaces."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", text or ""))
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("&", " and ").replace("ß", "ss").lower()
    return " ".join(re.sub(r"[^\w]+", " ", text).replace("_", " ").split())


def normal_title(text: str) -> str:
    text = re.sub(r"[{}]", "", text or "").strip().rstrip(".")
    # PubMed brackets translated titles; writers mark them "[in French]".
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    text = re.sub(r"\s*\[in [^\]]+\]\s*$", "", text, flags=re.I)
    return _fold(text)


def normal_name(text: str) -> str:
    return re.sub(r"[\s-]+", "", _fold(re.sub(r"[{}]", "", text or "")))


STOP_WORDS = {"the", "of", "and", "for", "in", "on", "de", "la", "le", "et", "der", "die", "und", "fur", "a"}


def normal_container(text: str) -> str:
    folded = _fold(re.sub(r"[{}]", "", (text or "").replace("\\&", "&")))
    return re.sub(r"^the ", "", folded)


def _is_abbreviation(short: str, full: str) -> bool:
    """'j am acad dermatol' abbreviates 'journal of the american academy of
    dermatology': word by word, each starts the full name's next word that
    is not a stop word (ISO 4 / NLM abbreviations drop only those)."""
    short_words = short.split()
    full_words = [w for w in full.split() if w not in STOP_WORDS]
    return len(short_words) == len(full_words) > 0 and all(f.startswith(s) for s, f in zip(short_words, full_words))


def same_container(ours: list[str], theirs: list[str]) -> bool:
    ours = [normal_container(n) for n in ours if n]
    theirs = [normal_container(n) for n in theirs if n]
    return any(a == b or _is_abbreviation(a, b) or _is_abbreviation(b, a) for a in ours for b in theirs)


def same_title(ours: str, theirs: list[str]) -> bool:
    mine = normal_title(ours)
    # 0.93: British and American spelling ("haematology") pass; another paper does not.
    return any(mine == normal_title(t) or difflib.SequenceMatcher(None, mine, normal_title(t)).ratio() >= 0.93
               for t in theirs if t)


def same_family_name(ours: str, theirs: str) -> bool:
    a, b = normal_name(ours), normal_name(theirs)
    # Compound names are indexed differently ("Tahiri El Ousrouti" / "El Ousrouti").
    return bool(a and b) and (a == b or a.endswith(b) or b.endswith(a) or a.startswith(b) or b.startswith(a))


# ------------------------------------------------------ the bibliography side

@dataclass
class Expected:
    """What bibliography.bib says about one work."""
    key: str
    line: int
    doi: str
    pmid: str
    title: str
    first_author: str
    year: str
    containers: list[str]


def expected_entries(bibliography: bib.Bibliography) -> list[Expected]:
    """The entries that have a DOI or a PMID, in file order."""
    found = []
    for key, entry in bibliography.entries.entries.items():
        fields = {k.lower(): v.strip() for k, v in entry.fields.items()}
        if not (fields.get("doi") or fields.get("pmid")):
            continue
        persons = entry.persons.get("author") or entry.persons.get("editor") or []
        first = ""
        if persons:
            person = persons[0]
            raw = str(person)
            first = raw if raw.startswith("{") else " ".join(person.prelast_names + person.last_names)
        found.append(Expected(key, bibliography.lines.get(key, 0), fields.get("doi", "").lower(), fields.get("pmid", ""),
                              fields.get("title", ""), re.sub(r"[{}]", "", first), fields.get("year", ""),
                              [fields[n] for n in ("journal", "shortjournal", "booktitle") if fields.get(n)]))
    return sorted(found, key=lambda e: e.line)


# ---------------------------------------------------------- registry answers

def crossref_record(message: dict) -> dict:
    """The compared fields of a Crossref work (its `message`)."""
    titles = list(message.get("title") or [])
    for subtitle in message.get("subtitle") or []:
        titles += [f"{t}: {subtitle}" for t in message.get("title") or []]
    titles += message.get("original-title") or []
    authors = message.get("author") or []
    first = next((a for a in authors if a.get("sequence") == "first"), authors[0] if authors else {})
    years = sorted({str(message[name]["date-parts"][0][0]) for name in
                    ("issued", "published-print", "published-online", "published")
                    if (message.get(name) or {}).get("date-parts") and message[name]["date-parts"][0]
                    and message[name]["date-parts"][0][0]})
    notices = []
    for update in message.get("updated-by") or []:  # this work was retracted (Crossmark, Retraction Watch)
        if update.get("type", "").lower() in RETRACTION_TYPES:
            notices.append(f"{update.get('label') or update['type']}: {update.get('DOI', '').lower()}".strip(": "))
    for update in message.get("update-to") or []:  # this DOI is itself a retraction notice
        if update.get("type", "").lower() in RETRACTION_TYPES:
            notices.append(f"is a {update['type']} notice for {update.get('DOI', '').lower()}")
    for relation in (message.get("relation") or {}).get("is-retracted-by") or []:
        notices.append(f"retracted by {relation.get('id', '')}".strip())
    return {
        "title": titles,
        "first_author": first.get("family") or first.get("name") or "",
        "years": years,
        "containers": list(dict.fromkeys((message.get("container-title") or [])
                                         + (message.get("short-container-title") or []))),
        "retraction": sorted(set(notices)),
    }


def pubmed_record(summary: dict) -> dict:
    """The compared fields of a PubMed document summary."""
    authors = summary.get("authors") or []
    first = authors[0].get("name", "") if authors else ""
    if authors and authors[0].get("authtype", "Author") == "Author":
        first = re.sub(r"\s+[A-Z]{1,4}$", "", first)  # "Bladé J" -> "Bladé"
    years = sorted({m.group(0) for name in ("pubdate", "epubdate", "sortpubdate")
                    if (m := re.match(r"\d{4}", summary.get(name) or ""))})
    pubtypes = summary.get("pubtype") or []
    notices = [f"PubMed publication type '{t}'" for t in pubtypes
               if t in ("Retracted Publication", "Retraction of Publication")]
    doi = next((a.get("value", "") for a in summary.get("articleids") or [] if a.get("idtype") == "doi"), "")
    return {
        "title": [summary.get("title", "")],
        "first_author": first,
        "years": years,
        "containers": [c for c in (summary.get("fulljournalname"), summary.get("source")) if c],
        "doi": doi.lower(),
        "retraction": notices,
    }


# --------------------------------------------------------------- comparing

@dataclass
class Difference:
    field: str
    bibliography: str
    registry: str


def compare(expected: Expected, record: dict, registry: str) -> list[Difference]:
    """Where the entry and one registry's record of it disagree."""
    differences = []
    if record["title"] and not same_title(expected.title, record["title"]):
        differences.append(Difference("title", expected.title, " | ".join(record["title"])))
    if record["first_author"] and expected.first_author and not same_family_name(expected.first_author,
                                                                                 record["first_author"]):
        differences.append(Difference("first author", expected.first_author, record["first_author"]))
    if record["years"] and expected.year not in record["years"]:
        differences.append(Difference("year", expected.year, ", ".join(record["years"])))
    if registry == "crossref" and record["containers"] and expected.containers \
            and not same_container(expected.containers, record["containers"]):
        differences.append(Difference("journal", " / ".join(expected.containers), " / ".join(record["containers"])))
    if registry == "pubmed" and expected.doi and record.get("doi") and record["doi"] != expected.doi:
        differences.append(Difference("DOI", expected.doi, record["doi"]))
    return differences


@dataclass
class Finding:
    """One entry's state against the cache."""
    expected: Expected
    checked: dict[str, str] = field(default_factory=dict)  # registry -> date of check
    missing: list[str] = field(default_factory=list)  # registries not yet asked
    not_found: list[str] = field(default_factory=list)
    differences: dict[str, list[Difference]] = field(default_factory=dict)
    retraction: list[str] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return bool(self.checked) and not (self.missing or self.not_found or self.retraction
                                           or any(self.differences.values()))


REGISTRY_NAMES = {"crossref": "Crossref", "pubmed": "PubMed"}


def _ids(expected: Expected) -> list[tuple[str, str]]:
    return [(r, i) for r, i in (("crossref", expected.doi), ("pubmed", expected.pmid)) if i]


def assess(expected: Expected, cache: dict) -> Finding:
    finding = Finding(expected)
    for registry, identifier in _ids(expected):
        answer = cache.get(registry, {}).get(identifier)
        if not answer:
            finding.missing.append(registry)
            continue
        finding.checked[registry] = answer["checked"]
        if answer.get("record") is None:
            finding.not_found.append(registry)
            continue
        finding.differences[registry] = compare(expected, answer["record"], registry)
        finding.retraction += [f"{REGISTRY_NAMES[registry]}: {n}" for n in answer["record"].get("retraction", [])]
    return finding


def problems_of(finding: Finding, rel: str = "bibliography.bib") -> list[Problem]:
    """A failing finding as file:line problems, one per kind of fault."""
    e, problems = finding.expected, []
    ids = {"crossref": f"DOI {e.doi}", "pubmed": f"PMID {e.pmid}"}
    for registry in finding.missing:
        problems.append(Problem(rel, e.line, f"entry '{e.key}': {ids[registry]} has no cached "
                                f"{REGISTRY_NAMES[registry]} check",
                                "run `python3 scripts/handbook.py references --online` (or let the weekly "
                                "workflow do it) and commit scripts/reference-checks.json"))
    for registry in finding.not_found:
        problems.append(Problem(rel, e.line, f"entry '{e.key}': {REGISTRY_NAMES[registry]} does not know "
                                f"{ids[registry]}", "correct the identifier (copy it from the publisher's page)"))
    for registry, differences in finding.differences.items():
        for d in differences:
            problems.append(Problem(rel, e.line, f"entry '{e.key}': {d.field} differs from {REGISTRY_NAMES[registry]} "
                                    f"({ids[registry]}): bibliography '{d.bibliography}', registry '{d.registry}'",
                                    "correct the entry, or the identifier if it names another work"))
    for notice in finding.retraction:
        problems.append(Problem(rel, e.line, f"entry '{e.key}' is retracted ({notice})",
                                "do not cite a retracted work; remove the citations or cite the notice deliberately"))
    return problems


# ------------------------------------------------------------------- cache

def load_cache(path: Path) -> dict:
    if not path.is_file():
        return {"crossref": {}, "pubmed": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path.name}: not valid JSON (line {error.lineno}: {error.msg})") from error
    data.setdefault("crossref", {})
    data.setdefault("pubmed", {})
    return data


def save_cache(path: Path, cache: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Sorted and indented: a weekly update is a readable diff.
    path.write_text(json.dumps(cache, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def stale(cache: dict, registry: str, identifiers: list[str], today: dt.date, max_age_days: int) -> list[str]:
    """Identifiers never checked, or checked more than max_age_days ago."""
    out = []
    for identifier in dict.fromkeys(identifiers):
        answer = cache.get(registry, {}).get(identifier)
        if not answer or (today - dt.date.fromisoformat(answer["checked"])).days > max_age_days:
            out.append(identifier)
    return out


# ------------------------------------------------------------------ client

class RegistryError(Exception):
    """No answer (timeout, server error after retries): not cached."""


def contact() -> str:
    return os.environ.get(CONTACT_ENV, "").strip() or CONTACT_EMAIL


def user_agent() -> str:
    repository = os.environ.get("GITHUB_REPOSITORY")
    url = f"{os.environ.get('GITHUB_SERVER_URL', 'https://github.com')}/{repository}" if repository else PROJECT_URL
    return f"{TOOL}/1.0 (+{url}; mailto:{contact()})"


class Throttle:
    """At most one request per `interval` seconds."""

    def __init__(self, interval: float):
        self.interval = interval
        self.last = 0.0

    def wait(self) -> None:
        delay = self.last + self.interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        self.last = time.monotonic()


def get_json(url: str, throttle: Throttle, timeout: float | None = None, retries: int | None = None,
             backoff: float | None = None) -> dict | None:
    """The JSON at url; None on 404. Retries 429 and 5xx (honouring
    Retry-After) and network errors with exponential backoff. Unset options
    are the module constants at call time (the tests shorten them)."""
    timeout = TIMEOUT if timeout is None else timeout
    retries = RETRIES if retries is None else retries
    backoff = BACKOFF if backoff is None else backoff
    request = urllib.request.Request(url, headers={"User-Agent": user_agent(), "Accept": "application/json"})
    last = ""
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        throttle.wait()
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return None
            last = f"HTTP {error.code}"
            if error.code != 429 and error.code < 500:
                break
            retry_after = error.headers.get("Retry-After", "")
            if retry_after.isdigit():
                time.sleep(min(int(retry_after), 60))
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            last = str(getattr(error, "reason", error)) or type(error).__name__
        except json.JSONDecodeError:
            last = "the answer was not JSON"
            break
    raise RegistryError(f"{url}: {last}")


def fetch_crossref(dois: list[str], throttle: Throttle, **options) -> tuple[dict, dict]:
    """{doi: record or None}, {doi: error}."""
    answers, errors = {}, {}
    for doi in dois:
        query = urllib.parse.urlencode({"mailto": contact()})
        url = f"{CROSSREF_API}{urllib.parse.quote(doi, safe='/:;()')}?{query}"
        try:
            data = get_json(url, throttle, **options)
        except RegistryError as error:
            errors[doi] = str(error)
            continue
        if data is None:
            answers[doi] = None
        elif data.get("status") == "ok" and data.get("message-type") == "work":
            answers[doi] = crossref_record(data["message"])
        else:
            errors[doi] = f"unexpected Crossref answer: {str(data)[:200]}"
    return answers, errors


def fetch_pubmed(pmids: list[str], throttle: Throttle, **options) -> tuple[dict, dict]:
    """{pmid: record or None}, {pmid: error}; PMIDs in batches."""
    answers, errors = {}, {}
    api_key = os.environ.get("NCBI_API_KEY", "")
    for start in range(0, len(pmids), PUBMED_BATCH):
        batch = pmids[start:start + PUBMED_BATCH]
        parameters = {"db": "pubmed", "id": ",".join(batch), "retmode": "json", "tool": TOOL, "email": contact()}
        if api_key:
            parameters["api_key"] = api_key
        try:
            data = get_json(f"{PUBMED_ESUMMARY}?{urllib.parse.urlencode(parameters)}", throttle, **options)
        except RegistryError as error:
            errors.update({p: str(error) for p in batch})
            continue
        result = (data or {}).get("result")
        if result is None:
            # A request-level error: {"error": "Invalid uid ..."}; every id was refused.
            message = (data or {}).get("error") or "no result"
            if "invalid uid" in str(message).lower() and len(batch) == 1:
                answers[batch[0]] = None
            else:
                errors.update({p: f"PubMed: {message}" for p in batch})
            continue
        for pmid in batch:
            summary = result.get(pmid)
            if summary is None or summary.get("error"):
                answers[pmid] = None  # "cannot get document summary": no such PMID
            else:
                answers[pmid] = pubmed_record(summary)
    return answers, errors


@dataclass
class OnlineRun:
    asked: dict[str, int]
    errors: dict[str, dict[str, str]]


def refresh(cache: dict, expected: list[Expected], today: dt.date | None = None, max_age_days: int = MAX_AGE_DAYS,
            crossref_interval: float | None = None, pubmed_interval: float | None = None,
            **options) -> OnlineRun:
    """Ask the registries about what is new or stale; answers go into cache."""
    if not contact():
        raise RegistryError(f"no contact address: set {CONTACT_ENV} (Crossref and NCBI ask clients to name one)")
    today = today or dt.date.today()
    crossref_interval = CROSSREF_INTERVAL if crossref_interval is None else crossref_interval
    if pubmed_interval is None:
        pubmed_interval = PUBMED_INTERVAL_WITH_KEY if os.environ.get("NCBI_API_KEY") else PUBMED_INTERVAL
    plan: dict[str, tuple[list[str], Callable, Throttle]] = {
        "crossref": (stale(cache, "crossref", [e.doi for e in expected if e.doi], today, max_age_days),
                     fetch_crossref, Throttle(crossref_interval)),
        "pubmed": (stale(cache, "pubmed", [e.pmid for e in expected if e.pmid], today, max_age_days),
                   fetch_pubmed, Throttle(pubmed_interval)),
    }
    run = OnlineRun({}, {})
    for registry, (identifiers, fetch, throttle) in plan.items():
        answers, errors = fetch(identifiers, throttle, **options) if identifiers else ({}, {})
        for identifier, record in answers.items():
            cache.setdefault(registry, {})[identifier] = {"checked": today.isoformat(), "record": record}
        run.asked[registry] = len(identifiers)
        run.errors[registry] = errors
    return run


# ------------------------------------------------------------------ reports

def markdown_table(findings: list[Finding], run: OnlineRun | None = None) -> str:
    """The failing entries, one row per disagreement, for a CI summary."""
    rows = ["| entry | line | registry | field | bibliography | registry says |", "| --- | --- | --- | --- | --- | --- |"]

    def cell(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    for f in findings:
        e = f.expected
        for registry in f.missing:
            rows.append(f"| `{e.key}` | {e.line} | {REGISTRY_NAMES[registry]} | not checked yet | | |")
        for registry in f.not_found:
            ident = e.doi if registry == "crossref" else e.pmid
            rows.append(f"| `{e.key}` | {e.line} | {REGISTRY_NAMES[registry]} | not found | {cell(ident)} | |")
        for registry, differences in f.differences.items():
            for d in differences:
                rows.append(f"| `{e.key}` | {e.line} | {REGISTRY_NAMES[registry]} | {d.field} | {cell(d.bibliography)} "
                            f"| {cell(d.registry)} |")
        for notice in f.retraction:
            rows.append(f"| `{e.key}` | {e.line} | | **retracted** | | {cell(notice)} |")
    failing = [f for f in findings if not f.verified]
    lines = ["### References against Crossref and PubMed", ""]
    if run:
        lines.append(f"Asked Crossref about {run.asked.get('crossref', 0)} DOI(s) and PubMed about "
                     f"{run.asked.get('pubmed', 0)} PMID(s) (new, or checked more than {MAX_AGE_DAYS} days ago).")
        for registry, errors in run.errors.items():
            for identifier, error in sorted(errors.items()):
                lines.append(f"- no answer from {REGISTRY_NAMES[registry]} for `{identifier}`: {cell(error)}")
        lines.append("")
    lines.append(f"{len(findings)} entries with a DOI or PMID, {len(findings) - len(failing)} verified, "
                 f"{len(failing)} to look at.")
    if len(rows) > 2:
        lines += [""] + rows
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------- what readers see

def reader_marker(finding: Finding | None, language: str) -> str:
    """A marker after a reference only when the automated check found
    something wrong (differing from a registry, retracted); nothing for an
    entry that matched or was not asked yet (the verification record says
    what a person checked: reference_records.reader_note)."""
    if finding is None:
        return ""
    words = catalogue(language).get("registry")

    def span(state: str, text: str, title: str) -> str:
        return (f'<span class="reference-check reference-check--{state}" title="{html.escape(title)}">'
                f'{html.escape(text)}</span>')

    def names(registries) -> str:
        return f" {words['and']} ".join(REGISTRY_NAMES[r] for r in registries)

    if finding.retraction:
        return span("retracted", "⚠ " + words["retracted"], words["retracted_title"])
    differing = [r for r, d in finding.differences.items() if d] + finding.not_found
    if differing:
        return span("differs", "⚠ " + words["differs"].format(registries=names(differing)), words["differs_title"])
    return ""


def reader_markers(bibliography: bib.Bibliography, cache_path: Path) -> dict[str, Finding]:
    """key -> finding, read once per build for the reference lists."""
    cache = load_cache(cache_path)
    return {e.key: assess(e, cache) for e in expected_entries(bibliography)}
