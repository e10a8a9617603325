"""References against Crossref and PubMed (scripts/myeloma_handbook/registry_check.py).

The online client talks to a fake registry on 127.0.0.1 that answers in the
registries' real response formats (Crossref's /works/{doi}, PubMed's
esummary JSON); the offline check and the readers' markers run on fixture
bibliographies with fixture caches (tests/fixtures/reference_checks/)."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import yaml

from conftest import ROOT, build_fixture, handbook_cli, make_fixture, run
from myeloma_handbook import bibliography as bib
from myeloma_handbook import registry_check as rc

TODAY = dt.date(2026, 11, 22)


def crossref_work(doi, title, family, container, short, year, **extra):
    """A Crossref /works/{doi} answer, trimmed to the fields the check reads
    plus a few it must ignore, as the API sends them."""
    message = {
        "indexed": {"date-parts": [[2026, 11, 1]], "timestamp": 1793491200000},
        "publisher": "Fixture Publishing", "DOI": doi, "type": "journal-article",
        "title": [title],
        "author": [{"given": "Anna B.", "family": family, "sequence": "first", "affiliation": []},
                   {"given": "Janez", "family": "Novak", "sequence": "additional", "affiliation": []}],
        "container-title": [container], "short-container-title": [short],
        "published-online": {"date-parts": [[year - 1, 12, 3]]},
        "published-print": {"date-parts": [[year, 3]]},
        "issued": {"date-parts": [[year - 1, 12, 3]]},
        "volume": "12", "issue": "3", "page": "335-351",
    }
    message.update(extra)
    return {"status": "ok", "message-type": "work", "message-version": "1.0.0", "message": message}


def pubmed_summary(pmid, title, first, year, doi, pubtype=("Journal Article",)):
    return {"uid": pmid, "pubdate": f"{year} Mar", "epubdate": f"{year - 1} Dec 3", "source": "J Fixt",
            "authors": [{"name": first, "authtype": "Author", "clusterid": ""},
                        {"name": "Novak J", "authtype": "Author", "clusterid": ""}],
            "lastauthor": "Novak J", "title": title, "volume": "12", "issue": "3", "pages": "335-51",
            "lang": ["eng"], "pubtype": list(pubtype), "recordstatus": "PubMed - indexed for MEDLINE",
            "articleids": [{"idtype": "pubmed", "idtypen": 1, "value": pmid},
                           {"idtype": "doi", "idtypen": 3, "value": doi}],
            "fulljournalname": "Journal of fixtures", "sortpubdate": f"{year}/03/01 00:00"}


CROSSREF = {
    # Same work, written differently: case, accents, "The", abbreviation.
    "10.1000/match": crossref_work("10.1000/match", "Extramedullary Disease in Multiple Myeloma: A Systematic "
                                   "Literature Review", "Blade", "The Journal of Fixture Haematology",
                                   "J. Fixt. Haematol.", 2022),
    "10.1000/retracted": crossref_work(
        "10.1000/retracted", "Fabricated results in plasma cells", "Fraud", "Journal of Fixtures", "J Fixt", 2019,
        **{"updated-by": [{"updated": {"date-parts": [[2021, 5, 4]]}, "DOI": "10.1000/retraction-notice",
                           "type": "retraction", "source": "retraction-watch", "label": "Retraction"}]}),
    "10.1000/othertitle": crossref_work("10.1000/othertitle", "Bone disease in Waldenström macroglobulinaemia",
                                        "Smith", "Journal of Fixtures", "J Fixt", 2020),
}
PUBMED = {
    "20000001": pubmed_summary("20000001", "Extramedullary disease in multiple myeloma: a systematic literature "
                               "review.", "Bladé J", 2022, "10.1000/match"),
    "20000002": pubmed_summary("20000002", "Fabricated results in plasma cells.", "Fraud A", 2019,
                               "10.1000/retracted", ("Journal Article", "Retracted Publication")),
    "20000003": pubmed_summary("20000003", "A randomised trial of something.", "Smith AB", 2020,
                               "10.1000/another-doi"),
}
BIB = """@article{blade2022match,
  author       = {Bladé, Joan and Novak, Janez},
  title        = {Extramedullary disease in multiple myeloma -- a systematic literature review},
  journal      = {Journal of Fixture Haematology},
  year         = {2022},
  doi          = {10.1000/match},
  pmid         = {20000001},
}

@article{fraud2019retracted,
  author       = {Fraud, Alan},
  title        = {Fabricated results in plasma cells},
  journal      = {Journal of Fixtures},
  year         = {2019},
  doi          = {10.1000/retracted},
  pmid         = {20000002},
}

@article{smith2020wrongdoi,
  author       = {Smith, Anna B.},
  title        = {A randomised trial of something},
  journal      = {Journal of Fixtures},
  shortjournal = {J Fixt},
  year         = {2020},
  doi          = {10.1000/othertitle},
  pmid         = {20000003},
}

@article{ghost2021,
  author       = {Ghost, Casper},
  title        = {A paper nobody published},
  journal      = {Journal of Fixtures},
  year         = {2021},
  doi          = {10.1000/no-such-doi},
  pmid         = {29999999},
}

@article{slow2020,
  author       = {Slow, Sam},
  title        = {A slow registry},
  journal      = {Journal of Fixtures},
  year         = {2020},
  doi          = {10.1000/slow},
}

@misc{website2024,
  author       = {{Fixture Registry}},
  title        = {Cancer incidence tables},
  howpublished = {Fixture Institute},
  year         = {2024},
  url          = {https://example.org/registry},
}
"""


class FakeRegistry(BaseHTTPRequestHandler):
    """Crossref at /works/{doi}, PubMed at /esummary.fcgi, as the real ones answer."""
    requests: list[tuple[str, dict, dict]] = []
    flaky = {"10.1000/flaky": 1}  # DOI -> how many 503s before the answer
    answer_slowly = threading.Event()  # set when the test ends

    def log_message(self, *args):  # keep pytest's output clean
        pass

    def send_json(self, status, data):
        body = json.dumps(data).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        FakeRegistry.requests.append((url.path, query, dict(self.headers)))
        if url.path.startswith("/works/"):
            doi = unquote(url.path[len("/works/"):]).lower()
            if doi == "10.1000/slow":
                FakeRegistry.answer_slowly.wait(10)  # no answer within the client's timeout for it
            if FakeRegistry.flaky.get(doi):
                FakeRegistry.flaky[doi] -= 1
                self.send_response(503)
                self.send_header("Retry-After", "0")
                self.end_headers()
                return
            if doi == "10.1000/flaky":
                return self.send_json(200, crossref_work(doi, "A randomised trial of something", "Smith",
                                                         "Journal of Fixtures", "J Fixt", 2020))
            if doi not in CROSSREF:
                body = b"Resource not found."  # Crossref's 404 is plain text
                self.send_response(404)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            return self.send_json(200, CROSSREF[doi])
        if url.path == "/esummary.fcgi":
            ids = query["id"].split(",")
            result = {"uids": ids}
            for pmid in ids:
                result[pmid] = PUBMED.get(pmid) or {"uid": pmid, "error": "cannot get document summary"}
            return self.send_json(200, {"header": {"type": "esummary", "version": "0.3"}, "result": result})
        self.send_json(404, {"error": "unknown path"})


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        """A client that timed out and hung up is what the timeout test wants."""
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


SLOW_TIMEOUT = 0.3  # seconds: the client's timeout for the one DOI that never answers in time


@pytest.fixture
def registry(monkeypatch):
    """The fake registry on a free port, with the client pointed at it and
    its pauses shortened (the politeness intervals are tested separately).
    Only the request for the slow DOI gets a short timeout: a loaded machine
    must not turn a normal answer into a timeout."""
    urlopen = urllib.request.urlopen

    def urlopen_slow_one_short(request, timeout=None, **kwargs):
        slow = "10.1000/slow" in unquote(getattr(request, "full_url", str(request)))
        return urlopen(request, timeout=SLOW_TIMEOUT if slow else timeout, **kwargs)

    monkeypatch.setattr(urllib.request, "urlopen", urlopen_slow_one_short)
    FakeRegistry.answer_slowly = threading.Event()
    server = QuietServer(("127.0.0.1", 0), FakeRegistry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setattr(rc, "CROSSREF_API", f"{base}/works/")
    monkeypatch.setattr(rc, "PUBMED_ESUMMARY", f"{base}/esummary.fcgi")
    monkeypatch.setattr(rc, "TIMEOUT", 30.0)
    monkeypatch.setattr(rc, "BACKOFF", 0.01)
    monkeypatch.setattr(rc, "RETRIES", 1)
    monkeypatch.setenv(rc.CONTACT_ENV, "editors@example.org")
    FakeRegistry.requests = []
    FakeRegistry.flaky = {"10.1000/flaky": 1}
    yield base
    FakeRegistry.answer_slowly.set()
    server.shutdown()
    server.server_close()


def bibliography_at(tmp_path, text=BIB) -> bib.Bibliography:
    path = tmp_path / "bibliography.bib"
    path.write_text(text, encoding="utf-8")
    return bib.load(path)


def online(cache, loaded, today=TODAY):
    return rc.refresh(cache, rc.expected_entries(loaded), today=today, crossref_interval=0, pubmed_interval=0)


# ------------------------------------------------------------ online client

def test_online_run_against_fake_registries(registry, tmp_path):
    loaded = bibliography_at(tmp_path)
    cache = rc.load_cache(tmp_path / "none.json")
    run = online(cache, loaded)
    findings = {f.expected.key: f for f in (rc.assess(e, cache) for e in rc.expected_entries(loaded))}

    # Match: case, punctuation, "--", diacritics (Bladé/Blade), "The", and the
    # entry's full journal name against Crossref's; online-first year differs.
    assert findings["blade2022match"].verified, findings["blade2022match"]
    assert cache["crossref"]["10.1000/match"]["checked"] == "2026-11-22"
    assert cache["crossref"]["10.1000/match"]["record"]["years"] == ["2021", "2022"]

    # Retracted, by both registries.
    retracted = findings["fraud2019retracted"]
    assert not retracted.verified and not any(retracted.differences.values())
    assert retracted.retraction == ["Crossref: Retraction: 10.1000/retraction-notice",
                                    "PubMed: PubMed publication type 'Retracted Publication'"]

    # A DOI that names another paper: a title diff at Crossref; PubMed's DOI disagrees.
    wrong = findings["smith2020wrongdoi"]
    assert [(d.field, d.registry) for d in wrong.differences["crossref"]] == [
        ("title", "Bone disease in Waldenström macroglobulinaemia")]
    assert [(d.field, d.bibliography, d.registry) for d in wrong.differences["pubmed"]] == [
        ("DOI", "10.1000/othertitle", "10.1000/another-doi")]

    # Not found: Crossref's 404 and esummary's per-id error are answers, cached as null.
    assert findings["ghost2021"].not_found == ["crossref", "pubmed"]
    assert cache["crossref"]["10.1000/no-such-doi"] == {"checked": "2026-11-22", "record": None}
    assert cache["pubmed"]["29999999"]["record"] is None

    # Timeout: reported, not cached, so the entry stays "not checked yet".
    assert "10.1000/slow" in run.errors["crossref"] and "timed out" in run.errors["crossref"]["10.1000/slow"]
    assert "10.1000/slow" not in cache["crossref"]
    assert findings["slow2020"].missing == ["crossref"]

    # Entries without DOI or PMID are not asked about.
    assert "website2024" not in findings
    assert run.asked == {"crossref": 5, "pubmed": 4}
    # Politeness: contact address in the User-Agent and as mailto/email; PMIDs batched in one request.
    crossref_calls = [r for r in FakeRegistry.requests if r[0].startswith("/works/")]
    pubmed_calls = [r for r in FakeRegistry.requests if r[0] == "/esummary.fcgi"]
    assert all(q["mailto"] == "editors@example.org" and "mailto:editors@example.org" in h["User-Agent"]
               for _, q, h in crossref_calls)
    assert len(pubmed_calls) == 1
    assert pubmed_calls[0][1] == {"db": "pubmed", "id": "20000001,20000002,20000003,29999999", "retmode": "json",
                                  "tool": rc.TOOL, "email": "editors@example.org"}


def test_server_errors_are_retried_with_backoff(registry, tmp_path):
    loaded = bibliography_at(tmp_path, BIB.replace("10.1000/slow", "10.1000/flaky"))
    cache = rc.load_cache(tmp_path / "none.json")
    run = online(cache, loaded)
    assert run.errors["crossref"] == {}
    assert [p for p, _, _ in FakeRegistry.requests].count("/works/10.1000/flaky") == 2  # 503, then the answer
    assert cache["crossref"]["10.1000/flaky"]["record"]["first_author"] == "Smith"


def test_only_new_or_stale_entries_are_asked(registry, tmp_path):
    loaded = bibliography_at(tmp_path)
    cache = rc.load_cache(tmp_path / "none.json")
    online(cache, loaded)
    FakeRegistry.requests = []
    online(cache, loaded, today=TODAY + dt.timedelta(days=90))
    # Only the one with no answer (timed out again, and retried once).
    assert [p for p, _, _ in FakeRegistry.requests] == ["/works/10.1000/slow"] * 2
    FakeRegistry.requests = []
    run = online(cache, loaded, today=TODAY + dt.timedelta(days=91))
    assert run.asked == {"crossref": 5, "pubmed": 4}
    assert cache["crossref"]["10.1000/match"]["checked"] == "2027-02-21"


def test_no_contact_address_no_requests(registry, tmp_path, monkeypatch):
    monkeypatch.delenv(rc.CONTACT_ENV)
    monkeypatch.setattr(rc, "CONTACT_EMAIL", "")
    with pytest.raises(rc.RegistryError, match="no contact address"):
        online({}, bibliography_at(tmp_path))
    assert FakeRegistry.requests == []


def test_throttle_spaces_requests():
    throttle = rc.Throttle(0.2)
    start = time.monotonic()
    for _ in range(3):
        throttle.wait()
    assert time.monotonic() - start >= 0.4


def test_cli_online_writes_cache_and_markdown_report(registry, tmp_path, monkeypatch):
    """The subcommand itself, in-process so it uses the fake registry."""
    monkeypatch.setattr(rc, "CROSSREF_INTERVAL", 0)
    monkeypatch.setattr(rc, "PUBMED_INTERVAL", 0)
    cli = handbook_cli()
    (tmp_path / "bibliography.bib").write_text(BIB, encoding="utf-8")
    report = tmp_path / "summary.md"
    assert cli.references(online=True, report=str(report), project=tmp_path) == 1
    cache = json.loads((tmp_path / rc.CACHE_PATH).read_text(encoding="utf-8"))
    assert set(cache["crossref"]) == {"10.1000/match", "10.1000/retracted", "10.1000/othertitle",
                                      "10.1000/no-such-doi"}
    text = report.read_text(encoding="utf-8")
    assert "| entry | line | registry | field | bibliography | registry says |" in text
    assert ("| `smith2020wrongdoi` | 19 | Crossref | title | A randomised trial of something "
            "| Bone disease in Waldenström macroglobulinaemia |") in text
    assert "| `fraud2019retracted` | 10 | | **retracted** | | Crossref: Retraction: 10.1000/retraction-notice |" in text
    assert "- no answer from Crossref for `10.1000/slow`" in text
    assert "5 entries with a DOI or PMID, 1 verified, 4 to look at." in text


def test_weekly_workflow_runs_the_online_check_and_keeps_the_cache():
    data = yaml.safe_load((ROOT / ".github/workflows/links.yml").read_text(encoding="utf-8"))
    steps = data["jobs"]["references"]["steps"]
    runs = [s["run"] for s in steps if "run" in s]
    assert runs == ['python3 scripts/handbook.py references --online --report "$GITHUB_STEP_SUMMARY"']
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["path"] == rc.CACHE_PATH.as_posix() and upload["if"] == "${{ !cancelled() }}"
    assert rc.CONTACT_ENV in data["jobs"]["references"]["env"]


# --------------------------------------------------------- comparing fields

@pytest.mark.parametrize("ours, theirs, same", [
    (["Journal of the American Academy of Dermatology"], ["J Am Acad Dermatol"], True),
    (["The Lancet"], ["Lancet"], True),
    (["Annales de Dermatologie et de Vénéréologie"], ["Annales de dermatologie et de venereologie"], True),
    (["Journal of Hematology \\& Oncology"], ["Journal of Hematology and Oncology"], True),
    (["Blood"], ["Blood Advances"], False),
    (["Journal of Clinical Oncology"], ["Journal of Clinical Pathology"], False),
])
def test_container_names(ours, theirs, same):
    assert rc.same_container(ours, theirs) is same


@pytest.mark.parametrize("ours, theirs, same", [
    ("Dermato-neuro syndrome during scleromyxedema [in French]", "[Dermato-neuro syndrome during scleromyxedema].",
     True),
    ("Anaemia in myeloma", "Anemia in myeloma", True),
    ("<i>KRAS</i> mutations in myeloma", "KRAS mutations in myeloma", True),
    ("Bone disease in myeloma", "Renal disease in myeloma", False),
])
def test_titles(ours, theirs, same):
    assert rc.same_title(ours, [theirs]) is same


# --------------------------------------------------------------- offline check

def references_cli(project: Path) -> subprocess.CompletedProcess:
    """The command as a contributor runs it (HANDBOOK_NO_INSTALL=1 from conftest: nothing is installed)."""
    return run([sys.executable, ROOT / "scripts" / "handbook.py", "references", "--offline", "--project", project],
               cwd=ROOT)


def fixture_cache(project: Path) -> dict:
    return json.loads((project / rc.CACHE_PATH).read_text(encoding="utf-8"))


def write_cache(project: Path, cache: dict) -> None:
    rc.save_cache(project / rc.CACHE_PATH, cache)


def test_offline_fails_on_entry_without_cached_check(tmp_path):
    project = make_fixture("reference_checks", tmp_path / "p")
    result = references_cli(project)
    assert result.returncode == 1
    assert ("bibliography.bib:23: entry 'dog2017': PMID 11111111 has no cached PubMed check -> run "
            "`python3 scripts/handbook.py references --online`") in result.stdout
    assert "smith2020trial" not in result.stdout.split("###")[0]  # verified: no problem line


def test_offline_passes_when_every_entry_verified(tmp_path):
    project = make_fixture("reference_checks", tmp_path / "p")
    cache = fixture_cache(project)
    cache["pubmed"]["11111111"] = {"checked": "2026-11-21", "record": {
        "title": ["Plasma-cell tumours in dogs."], "first_author": "Barker", "years": ["2017"],
        "containers": ["Journal of veterinary fixtures"], "doi": "", "retraction": []}}
    write_cache(project, cache)
    result = references_cli(project)
    assert result.returncode == 0, result.stdout
    assert "2 entries with a DOI or PMID, 2 verified, 0 to look at." in result.stdout


def test_offline_fails_on_cached_mismatch_and_on_a_later_edit(tmp_path):
    project = make_fixture("reference_checks", tmp_path / "p")
    cache = fixture_cache(project)
    cache["crossref"]["10.1000/fixture.1"]["record"]["first_author"] = "Smythe"
    write_cache(project, cache)
    result = references_cli(project)
    assert result.returncode == 1
    assert ("bibliography.bib:1: entry 'smith2020trial': first author differs from Crossref (DOI 10.1000/fixture.1): "
            "bibliography 'Smith', registry 'Smythe'") in result.stdout
    # The cache holds the registry's answer, so an entry edited later is compared afresh.
    write_cache(project, fixture_cache(make_fixture("reference_checks", tmp_path / "fresh")))
    bib_file = project / "bibliography.bib"
    bib_file.write_text(bib_file.read_text(encoding="utf-8").replace("year         = {2020}", "year         = {2012}"),
                        encoding="utf-8")
    result = references_cli(project)
    assert "bibliography.bib:1: entry 'smith2020trial': year differs from PubMed (PMID 12345678): bibliography " \
           "'2012', registry '2020'" in result.stdout


def test_offline_fails_on_retraction_and_not_found(tmp_path):
    project = make_fixture("reference_checks", tmp_path / "p")
    cache = fixture_cache(project)
    cache["crossref"]["10.1000/fixture.1"]["record"]["retraction"] = ["Retraction: 10.1000/notice"]
    cache["pubmed"]["11111111"] = {"checked": "2026-11-21", "record": None}
    write_cache(project, cache)
    result = references_cli(project)
    assert result.returncode == 1
    assert ("bibliography.bib:1: entry 'smith2020trial' is retracted (Crossref: Retraction: 10.1000/notice) "
            "-> do not cite a retracted work") in result.stdout
    assert "bibliography.bib:23: entry 'dog2017': PubMed does not know PMID 11111111" in result.stdout


def test_offline_names_a_broken_cache_file(tmp_path):
    project = make_fixture("reference_checks", tmp_path / "p")
    (project / rc.CACHE_PATH).write_text('{"crossref": {', encoding="utf-8")
    result = references_cli(project)
    assert result.returncode == 2
    assert "reference-checks.json: not valid JSON (line 1" in result.stderr


def cache_shape_problems(cache: dict) -> list[str]:
    """What is wrong with a cache's shape: sections, keys (lower-case DOIs,
    PMIDs), dates and records."""
    problems = [f"unknown section {name!r}" for name in set(cache) - {"about", "crossref", "pubmed"}]
    for registry, valid_key in (("crossref", lambda k: k == k.lower() and k.startswith("10.")),
                                ("pubmed", str.isdigit)):
        if not isinstance(cache.get(registry), dict):
            problems.append(f"no {registry} section")
            continue
        for key, answer in cache[registry].items():
            if not valid_key(key):
                problems.append(f"{registry}: key {key!r} is not a DOI in lower case or a PMID")
            try:
                dt.date.fromisoformat(answer.get("checked", ""))
            except (AttributeError, TypeError, ValueError):
                problems.append(f"{registry} {key}: checked is not a date")
            record = answer.get("record", "missing") if isinstance(answer, dict) else "missing"
            if record is not None and not (isinstance(record, dict) and {"title", "first_author", "years"} <= set(record)):
                problems.append(f"{registry} {key}: the record is neither null nor a registry answer")
    return problems


def test_the_project_cache_is_readable_and_keyed_by_identifier():
    """The real cache must load and have the shape the check reads. (Whether
    every real entry is verified is the weekly online job's business: this
    machine cannot reach the registries, so the real cache is still empty.)
    The same check passes the filled fixture cache and names what is wrong
    with a broken one, so it is not true of any input."""
    assert cache_shape_problems(rc.load_cache(ROOT / rc.CACHE_PATH)) == []
    fixture = rc.load_cache(Path(__file__).parent / "fixtures/reference_checks" / rc.CACHE_PATH)
    assert fixture["crossref"] and fixture["pubmed"] and cache_shape_problems(fixture) == []
    broken = {"crossref": {"10.1000/Upper": {"checked": "2026-11-31", "record": {"title": []}}},
              "pubmed": {"PMC1": {"checked": "2026-11-20", "record": None}}, "extra": {}}
    assert sorted(cache_shape_problems(broken)) == sorted([
        "unknown section 'extra'",
        "crossref: key '10.1000/Upper' is not a DOI in lower case or a PMID",
        "crossref 10.1000/Upper: checked is not a date",
        "crossref 10.1000/Upper: the record is neither null nor a registry answer",
        "pubmed: key 'PMC1' is not a DOI in lower case or a PMID"])


# ----------------------------------------------------------- what readers see

@pytest.fixture(scope="module")
def checked_site(tmp_path_factory):
    return build_fixture("reference_checks", tmp_path_factory.mktemp("refs"))


def footnote(html: str, key: str) -> str:
    start = html.index(f'<li id="fn:{key}">')
    return html[start:html.index("</li>", start)]


def full_entry(html: str, key: str) -> str:
    start = html.index(f'<span id="ref-{key}"></span>')
    return html[start:html.index("</li>", start)]


def test_reference_lists_mark_only_what_is_not_verified_in_each_language(checked_site):
    """A verified entry whose registry check matched gets no marker; a partly
    verified one names what no record showed; an unchecked one says so."""
    en = (checked_site / "chapter/page/index.html").read_text(encoding="utf-8")
    sl = (checked_site / "sl/chapter/page/index.html").read_text(encoding="utf-8")
    assert "reference-check" not in footnote(en, "smith2020trial")
    assert "reference-check" not in footnote(sl, "smith2020trial")
    assert ('<span class="reference-check reference-check--partial" title="Not seen in the record of the work: '
            'PMID">partly verified</span>') in footnote(en, "dog2017")
    assert ('<span class="reference-check reference-check--partial" title="V zapisu dela ni bilo videti: '
            'PMID">delno preverjeno</span>') in footnote(sl, "dog2017")
    for language in ("", "sl/"):
        page = (checked_site / f"{language}references/index.html").read_text(encoding="utf-8")
        assert "reference-check" not in full_entry(page, "smith2020trial")
        assert "reference-check--partial" in full_entry(page, "dog2017")
        assert "reference-check--unverified" in full_entry(page, "registry2024")
    en_refs = (checked_site / "references/index.html").read_text(encoding="utf-8")
    assert ('<span class="reference-check reference-check--unverified" title="Not yet checked against a record of '
            'the work">not verified</span>') in full_entry(en_refs, "registry2024")


def test_references_page_states_how_the_entries_were_checked(checked_site):
    """From the records and the registry cache, not typed in."""
    en = (checked_site / "references/index.html").read_text(encoding="utf-8")
    sl = (checked_site / "sl/references/index.html").read_text(encoding="utf-8")
    assert "Of the 3 entries:" in en
    assert "<li>1 matched its record in every field;</li>" in en
    assert "<li>1 matched in part: the details no record showed are named beside it (partly verified);</li>" in en
    assert "<li>1 has not been checked yet (not verified).</li>" in en
    assert "The checks were made on 1 December 2026." in en
    assert "last had an answer on 21 November 2026." in en  # the later of its two registries
    assert "Od 3 vnosov:" in sl
    assert "<li>1 se je v vseh poljih ujemal s svojim zapisom;</li>" in sl
    assert "<li>1 še ni bil preverjen (ni preverjeno).</li>" in sl
    assert "Preverjanja so bila opravljena 1. 12. 2026." in sl
    assert "nazadnje dobilo odgovor 21. 11. 2026." in sl


def test_markers_for_differing_and_retracted_entries(tmp_path):
    loaded = bib.load(make_fixture("reference_checks", tmp_path / "p") / "bibliography.bib")
    cache = fixture_cache(tmp_path / "p")
    expected = {e.key: e for e in rc.expected_entries(loaded)}
    cache["crossref"]["10.1000/fixture.1"]["record"]["title"] = ["Another paper"]
    differs = rc.assess(expected["smith2020trial"], cache)
    assert ">⚠ differs from Crossref</span>" in rc.reader_marker(differs, "en")
    assert ">⚠ ne ujema se z zapisom: Crossref</span>" in rc.reader_marker(differs, "sl")
    cache["pubmed"]["12345678"]["record"]["retraction"] = ["PubMed publication type 'Retracted Publication'"]
    retracted = rc.assess(expected["smith2020trial"], cache)
    assert 'class="reference-check reference-check--retracted"' in rc.reader_marker(retracted, "en")
    assert ">⚠ umaknjeno</span>" in rc.reader_marker(retracted, "sl")
