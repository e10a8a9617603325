"""Verification records of bibliography.bib (scripts/myeloma_handbook/reference_records.py):
every bad input fails with its exact file:line message; the recording command
writes a record the gate accepts; the real records file is well formed."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from conftest import ROOT, make_fixture, run
from myeloma_handbook import bibliography as bib
from myeloma_handbook import reference_records as rr
from myeloma_handbook.checks import Project, check_sources

TODAY = dt.date(2026, 12, 6)


def project_at(tmp_path):
    return make_fixture("base", tmp_path / "p")


def gate(project) -> list[str]:
    loaded = bib.load(project / "bibliography.bib")
    records = rr.load(project / rr.RECORDS_FILE)
    return [str(p) for p in rr.check(loaded, records, today=TODAY)]


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_fixture_records_pass(tmp_path):
    assert gate(project_at(tmp_path)) == []


def test_entry_without_a_record(tmp_path):
    project = project_at(tmp_path)
    edit(project / rr.RECORDS_FILE, "registry2024:\n", "registry2025:\n")
    assert gate(project) == [
        "bibliography-checks.yml:19: record 'registry2025' names no entry of bibliography.bib -> remove the record, "
        "or correct its key to the entry's",
        "bibliography.bib:14: entry 'registry2024' has no verification record in bibliography-checks.yml -> check "
        "every field against PubMed or the publisher's page, then run `python3 scripts/handbook.py references "
        "--record registry2024 --url ... --fields ...`",
    ]


def test_entry_edited_after_its_verification(tmp_path):
    project = project_at(tmp_path)
    edit(project / "bibliography.bib", "pages        = {335--351}", "pages        = {335--352}")
    new = rr.fingerprint(bib.load(project / "bibliography.bib").entries.entries["smith2020trial"])
    assert gate(project) == [
        f"bibliography.bib:1: entry 'smith2020trial' was edited after its verification of 2026-12-01 (fingerprint "
        f"{new}, recorded e2b5ba2c380f) -> check the changed fields against the record, then run `python3 "
        "scripts/handbook.py references --record smith2020trial --url ... --fields ...` again"]


def test_layout_and_keywords_do_not_change_the_fingerprint(tmp_path):
    project = project_at(tmp_path)
    path = project / "bibliography.bib"
    text = path.read_text(encoding="utf-8")
    # Reordered fields, other spacing, a label: the same entry as verified.
    text = text.replace("  volume       = {12},\n  number       = {3},\n", "  number = {3},   volume = {12},\n")
    text = text.replace("  pmid         = {12345678},\n", "  pmid = {12345678},\n  keywords = {congress},\n")
    path.write_text(text, encoding="utf-8")
    assert gate(project) == []


@pytest.mark.parametrize("old, new, message", [
    ("  status: verified\n  checked: 2026-12-01\n  record: https://example.org/registry\n",
     "  status: checked\n  checked: 2026-12-01\n  record: https://example.org/registry\n",
     "bibliography-checks.yml:19: record 'registry2024' has status 'checked' -> write one of verified, partial, "
     "unverifiable, unchecked"),
    ("  checked: 2026-12-01\n  record: https://example.org/registry\n",
     "  checked: 1.12.2026\n  record: https://example.org/registry\n",
     "bibliography-checks.yml:19: record 'registry2024' has checked '1.12.2026' -> write the date the record was "
     "read, YYYY-MM-DD"),
    ("  checked: 2026-12-01\n  record: https://example.org/registry\n",
     "  checked: 2027-01-01\n  record: https://example.org/registry\n",
     "bibliography-checks.yml:19: record 'registry2024' is dated 2027-01-01, in the future -> write the date it "
     "was read"),
    ("  record: https://example.org/registry\n", "  record: the registry\n",
     "bibliography-checks.yml:19: record 'registry2024' does not give the address of the record that was read -> "
     "write record: https://... (PubMed, the publisher, the registry, the regulator)"),
    ("  matched: [author, title, howpublished, year, url]\n", "  matched: [author, title, howpublished, year]\n",
     "bibliography-checks.yml:19: record 'registry2024' does not say whether url matched -> list each field under "
     "matched or unconfirmed"),
    ("  matched: [author, title, howpublished, year, url]\n",
     "  matched: [author, title, howpublished, year, url, volume]\n",
     "bibliography-checks.yml:19: record 'registry2024' names field(s) the entry does not have: volume -> the "
     "entry's fields are author, title, howpublished, year, url"),
    ("  matched: [author, title, howpublished, year, url]\n", "  matched: author, title\n",
     "bibliography-checks.yml:19: record 'registry2024' 'matched' is not a list of words -> write matched: [a, b] "
     "or leave it out"),
    ("  matched: [author, title, howpublished, year, url]\n",
     "  matched: [author, title, howpublished, year]\n  unconfirmed: [url]\n",
     "bibliography-checks.yml:19: record 'registry2024' is 'verified' but lists unconfirmed fields -> make it "
     "status: partial"),
    ("  fingerprint: 3196076aa567\n", "  fingerprint: 3196076aa567\n  reviewer: me\n",
     "bibliography-checks.yml:19: record 'registry2024' has unknown field(s) reviewer -> use only status, checked, "
     "record, via, matched, unconfirmed, corrections, reason, note, fingerprint"),
    ("  fingerprint: 3196076aa567\n", "  fingerprint: abc\n",
     "bibliography-checks.yml:19: record 'registry2024' has no valid fingerprint -> let `python3 "
     "scripts/handbook.py references --record registry2024 ...` write it"),
    ("  status: partial\n", "  status: unverifiable\n", None),  # see below: a reason is needed
])
def test_malformed_record(tmp_path, old, new, message):
    project = project_at(tmp_path)
    edit(project / rr.RECORDS_FILE, old, new)
    if message is None:
        message = ("bibliography-checks.yml:10: record 'dog2017' is 'unverifiable' without a reason -> write reason: "
                   "what was looked for and not found")
    assert gate(project) == [message]


def test_partial_without_unconfirmed_fields(tmp_path):
    project = project_at(tmp_path)
    edit(project / rr.RECORDS_FILE, "  matched: [author, title, journal, year]\n  unconfirmed: [pmid]\n",
         "  matched: [author, title, journal, year, pmid]\n")
    assert gate(project) == ["bibliography-checks.yml:10: record 'dog2017' is 'partial' but lists no unconfirmed "
                             "field -> name them, or make it verified"]


@pytest.mark.parametrize("status", ["unverifiable", "unchecked"])
def test_status_without_a_record_needs_a_reason(tmp_path, status):
    project = project_at(tmp_path)
    edit(project / rr.RECORDS_FILE,
         "  status: verified\n  checked: 2026-12-01\n  record: https://example.org/registry\n"
         "  matched: [author, title, howpublished, year, url]\n",
         f"  status: {status}\n  checked: 2026-12-01\n")
    fix = ("write reason: what was looked for and not found" if status == "unverifiable"
           else "write reason: why it has not been checked yet")
    assert gate(project) == [f"bibliography-checks.yml:19: record 'registry2024' is '{status}' without a reason -> {fix}"]
    edit(project / rr.RECORDS_FILE, f"  status: {status}\n", f"  status: {status}\n  reason: not found anywhere\n")
    assert gate(project) == []


def test_reader_notes_mark_only_what_is_not_verified(tmp_path):
    """Verified: nothing. Partial: the fields no record showed, in the page's
    language. Unchecked, unverifiable, unrecorded or edited since: not
    verified. News and congress sources carry their label."""
    project = project_at(tmp_path)
    edit(project / "bibliography.bib", "  keywords = {veterinary},", "  keywords = {veterinary, congress},")
    loaded = bib.load(project / "bibliography.bib")
    entries = loaded.entries.entries
    records = rr.load(project / rr.RECORDS_FILE)
    assert rr.reader_note("smith2020trial", entries["smith2020trial"], records, "en") == ""
    assert rr.reader_note("dog2017", entries["dog2017"], records, "en") == (
        '<span class="reference-kind reference-kind--congress" title="A congress abstract or presentation, not a '
        'peer-reviewed paper">congress abstract</span> <span class="reference-check reference-check--partial" '
        'title="Not seen in the record of the work: PMID">partly verified</span>')
    assert rr.reader_note("dog2017", entries["dog2017"], records, "sl").startswith(
        '<span class="reference-kind reference-kind--congress" title="Povzetek ali predstavitev na kongresu, ne '
        'recenziran članek">kongresni povzetek</span>')
    del records.data["registry2024"]
    assert rr.reader_note("registry2024", entries["registry2024"], records, "sl") == (
        '<span class="reference-check reference-check--unverified" title="Še ni primerjano z zapisom dela">'
        'ni preverjeno</span>')
    records.data["smith2020trial"]["fingerprint"] = "000000000000"
    assert 'title="Changed since it was checked against a record of the work">not verified</span>' in rr.reader_note(
        "smith2020trial", entries["smith2020trial"], records, "en")
    assert rr.counts(loaded, records) == {"verified": 0, "partial": 1, "unverifiable": 0, "unchecked": 2}


def test_summary_counts_and_dates_come_from_the_data(tmp_path):
    project = project_at(tmp_path)
    loaded = bib.load(project / "bibliography.bib")
    records = rr.load(project / rr.RECORDS_FILE)
    text = rr.summary(loaded, records, {"crossref": {}, "pubmed": {}}, "en")
    assert "Of the 3 entries:" in text
    assert "- 2 matched their record in every field;" in text
    assert "- 1 matched in part" in text and "not been checked" not in text
    assert text.strip().endswith("The checks were made on 1 December 2026. The automated second check, by DOI and "
                                 "PMID against Crossref and PubMed, has not had an answer yet.")
    records.data["dog2017"]["checked"] = dt.date(2026, 12, 4)
    cache = {"crossref": {"10.1000/x": {"checked": "2026-11-20"}}, "pubmed": {"1": {"checked": "2026-11-22"}}}
    text = rr.summary(loaded, records, cache, "sl")
    assert "Od 3 vnosov:" in text and "- 2 sta se v vseh poljih ujemala s svojim zapisom;" in text
    assert "Preverjanja so bila opravljena med 1. 12. 2026 in 4. 12. 2026." in text
    assert "nazadnje dobilo odgovor 22. 11. 2026." in text


def test_records_file_that_is_not_yaml_or_not_a_mapping(tmp_path):
    project = project_at(tmp_path)
    edit(project / rr.RECORDS_FILE, "  status: verified\n  checked: 2026-12-01\n  record: https://example.org/regi",
         "  status: verified\n checked: [2026\n  record: https://example.org/regi")
    found = gate(project)
    assert found[0].startswith("bibliography-checks.yml:2") and ": not valid YAML -> fix the record near this line" \
        in found[0]
    (project / rr.RECORDS_FILE).write_text("- smith2020trial\n", encoding="utf-8")
    assert gate(project) == [
        "bibliography-checks.yml:1: is not a mapping of entry keys to records -> write one `key:` per entry, its "
        "record indented below it"]


def test_the_source_gates_report_stale_records(tmp_path):
    """Through check_sources: what the build hook and `handbook.py check` run."""
    project = project_at(tmp_path)
    edit(project / "bibliography.bib", "title        = {A randomised trial of something}",
         "title        = {A randomised trial of something else}")
    found = [str(p) for p in check_sources(Project.at(project)).problems]
    assert len(found) == 1 and found[0].startswith("bibliography.bib:1: entry 'smith2020trial' was edited after "
                                                   "its verification of 2026-12-01")


def handbook(*args) -> subprocess.CompletedProcess:
    """The command, with a time limit, installing nothing (HANDBOOK_NO_INSTALL=1 from conftest)."""
    return run([sys.executable, ROOT / "scripts" / "handbook.py", *args], cwd=ROOT)


def test_record_command_writes_a_record_the_gate_accepts(tmp_path):
    project = project_at(tmp_path)
    edit(project / "bibliography.bib", "pages        = {335--351}", "pages        = {335--352}")
    result = handbook("references", "--project", str(project), "--record", "smith2020trial",
                      "--url", "https://pubmed.ncbi.nlm.nih.gov/12345678/", "--date", "2026-12-05",
                      "--fields", "author,title,journal,year,volume,number,pages,doi",
                      "--unconfirmed", "pmid", "--correction", "pages 335-351 -> 335-352 (the record's)")
    assert result.returncode == 0, result.stderr
    assert "smith2020trial: partial, fingerprint" in result.stdout
    record = rr.load(project / rr.RECORDS_FILE).data["smith2020trial"]
    assert record["status"] == "partial" and record["checked"] == dt.date(2026, 12, 5)
    assert record["corrections"] == ["pages 335-351 -> 335-352 (the record's)"] and record["unconfirmed"] == ["pmid"]
    assert gate(project) == []
    missing = handbook("references", "--project", str(project), "--missing")
    assert missing.returncode == 0 and "Every entry has a current verification record." in missing.stdout


def test_record_command_writes_an_unchecked_placeholder(tmp_path):
    """--unchecked: the entry has a record (the gate passes) that says why nobody
    checked it; readers see "not verified" beside it."""
    project = project_at(tmp_path)
    result = handbook("references", "--project", str(project), "--record", "smith2020trial", "--date", "2026-12-05",
                      "--unchecked", "added from a congress slide; the paper is not out yet")
    assert result.returncode == 0, result.stderr
    record = rr.load(project / rr.RECORDS_FILE).data["smith2020trial"]
    assert record["status"] == "unchecked" and "record" not in record
    assert record["reason"] == "added from a congress slide; the paper is not out yet"
    assert gate(project) == []


@pytest.mark.parametrize("args, message", [
    (["--record", "nosuch2020", "--url", "https://example.org/x", "--fields", "title"],
     "references --record nosuch2020: no entry 'nosuch2020' in bibliography.bib"),
    (["--record", "registry2024", "--url", "https://example.org/registry", "--fields", "author,title"],
     "references --record registry2024: record 'registry2024' does not say whether howpublished, year, url matched"),
    (["--record", "registry2024", "--fields", "author"],
     "references --record: give --url (the record you read), --unverifiable REASON or --unchecked REASON"),
])
def test_record_command_refuses_an_incomplete_record(tmp_path, args, message):
    project = project_at(tmp_path)
    before = (project / rr.RECORDS_FILE).read_text(encoding="utf-8")
    result = handbook("references", "--project", str(project), *args)
    assert result.returncode != 0 and message in result.stderr
    assert (project / rr.RECORDS_FILE).read_text(encoding="utf-8") == before


def test_missing_lists_entries_without_records(tmp_path):
    project = project_at(tmp_path)
    (project / rr.RECORDS_FILE).unlink()
    result = handbook("references", "--project", str(project), "--missing")
    assert result.returncode == 1
    assert "bibliography.bib:23: entry 'dog2017' has no verification record" in result.stdout
    assert result.stdout.strip().endswith("3 problem(s)")


def test_the_real_records_are_well_formed_and_current():
    """Every entry has a record; every record names an entry, is well formed
    and matches its entry's fingerprint (the same check as the build's)."""
    loaded = bib.load(ROOT / "bibliography.bib")
    records = rr.load(ROOT / rr.RECORDS_FILE)
    assert rr.check(loaded, records) == []
