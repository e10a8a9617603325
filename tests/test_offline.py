"""Offline reading, opted in, per language (issue 23;
scripts/myeloma_handbook/offline.py, overrides/offline/worker.js,
overrides/assets/javascripts/offline.js): each language's manifest, read from
the built site, and in headless Chromium a reader who saves the handbook,
loses the network, and later gets the next edition; in both languages, the
saving's progress and its end in the page's language, a save that fails,
removing the copy, and an English reader online on Slovenian pages, which
must not enter the English copy. Served on 127.0.0.1 by the test's own
server, so that cutting the network can mean stopping it, with
`Cache-Control: no-store`, so that once it is cut only the saved copy can
answer (the browser's HTTP cache would otherwise hide a file the worker does
not serve, for as long as its heuristic freshness lasts)."""
from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

import pytest

from conftest import ROOT, HostingContractHandler, make_fixture, mkdocs_build, serve
from myeloma_handbook import i18n, offline

LANGUAGES = i18n.read_languages(ROOT)
PREFIXES = {language: LANGUAGES.url_prefix(language) for language in LANGUAGES.all}
EDITION = str(i18n.read_config(ROOT)["extra"]["edition"])
SAVE_TIME = 90_000  # ms: the whole language on a busy 2-core test machine


def words(language: str) -> dict:
    return i18n.catalogue(language).get("templates.offline")


def test_each_language_saves_its_own_pages_and_nothing_of_another(built_site):
    manifests = {language: offline.read(built_site, prefix) for language, prefix in PREFIXES.items()}
    assert len({m["cache"] for m in manifests.values()}) == len(PREFIXES)
    for language, prefix in PREFIXES.items():
        found = manifests[language]
        assert found["language"] == language and found["edition"] == EDITION
        assert found["cache"].startswith(f"{offline.cache_prefix(language)}{EDITION}-")
        files = {os.path.normpath(prefix + url) for url in found["urls"]}
        pages = {os.path.normpath(path.parent.relative_to(built_site).as_posix()) for path in
                 built_site.glob(f"{prefix}**/index.html")}
        others = {other for other in PREFIXES.values() if other and other != prefix}
        pages = {page for page in pages if not any((page + "/").startswith(other) for other in others)}
        assert pages and pages <= files, f"{language}: pages not saved: {sorted(pages - files)[:5]}"
        assert os.path.normpath(prefix + offline.SEARCH_INDEX) in files
        assert f"assets/javascripts/catalogue/{language}.js" in files
        for name in files:
            assert (built_site / name).is_file() or (built_site / name / "index.html").is_file(), name
            assert (name + "/").startswith((prefix, "assets/")) and not any((name + "/").startswith(o) for o in others)
            assert not name.endswith((".pdf", ".map")), name
        catalogues = [name for name in files if name.startswith("assets/javascripts/catalogue/")]
        assert catalogues == [f"assets/javascripts/catalogue/{language}.js"]


# A query per language that finds sections which do not contain it as typed,
# so only the language's own search (stemmer, diacritic folding) finds them:
# "treatments" finds "treatment"; no Slovenian page writes "okuzbe" (okužbe
# typed without the diacritic), which lunr.sl.min.js folds.
STEMMED_QUERY = {"en": "treatments", "sl": "okuzbe"}
# {percent} as Intl.NumberFormat writes it in the language (sl: "45 %", a no-break space).
PERCENT = {"en": r"\d{1,3}%", "sl": r"\d{1,3}\u00a0%"}
NOT_OPENED = "ERR_INTERNET_DISCONNECTED|ERR_FAILED|ERR_CONNECTION_REFUSED"


class NoStoreHandler(HostingContractHandler):
    """The hosting contract, and nothing kept in the browser's HTTP cache;
    `failing`: paths answered with 503 (a save that cannot finish)."""
    failing: set[str] = set()
    asked: list[str]  # every path asked for, in order

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self):
        self.asked.append(self.path.split("?")[0])
        if self.path.split("?")[0] in self.failing:
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().do_GET()


class Reader:
    """One Chromium profile reading a site served from `directory`; records
    requests to other hosts and console errors."""

    def __init__(self, browser, directory: Path, failing: set[str] = frozenset()):
        handler = type("Handler", (NoStoreHandler,), {"failing": set(failing), "asked": []})
        self.base, self.server = serve(directory, handler)
        self.asked = handler.asked
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.foreign: list[str] = []
        self.errors: list[str] = []
        self.context.on("request", lambda r: r.url.startswith(self.base) or r.url.startswith("data:")
                        or self.foreign.append(r.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def registrations(self) -> list[str]:
        return self.page.evaluate("navigator.serviceWorker.getRegistrations().then(r => r.map(x => x.scope))")

    def caches(self) -> dict[str, list[str]]:
        return self.page.evaluate("""async () => {
          const found = {}
          for (const name of await caches.keys())
            found[name] = (await (await caches.open(name)).keys()).map(request => request.url)
          return found }""")

    def save(self, language: str, edition: str) -> list[str]:
        """Press "save" and wait until it is saved; returns every text the
        status line showed meanwhile, in order."""
        return self.save_until(language, "saved", edition)

    def save_until(self, language: str, end: str, edition: str = EDITION) -> list[str]:
        """Press "save" and wait for the status line `end` ("saved", "failed")."""
        self.page.evaluate("""() => {
          window.statusTexts = []
          const status = document.querySelector(".handbook-offline__status")
          new MutationObserver(records => { for (const record of records) for (const node of record.addedNodes)
            window.statusTexts.push(node.textContent) }).observe(status, { childList: true })
        }""")
        self.page.get_by_role("button", name=words(language)["save"]).click()
        said = words(language)[end].format(edition=edition)
        self.page.wait_for_function("text => window.statusTexts.includes(text)", arg=said, timeout=SAVE_TIME)
        return self.page.evaluate("window.statusTexts")

    def remove(self, language: str) -> None:
        self.page.get_by_role("button", name=words(language)["remove"]).click()
        self.page.locator(".handbook-offline__status", has_text=words(language)["removed"]).wait_for(timeout=10_000)

    def cannot_open(self, url: str) -> None:
        """Going to `url` fails as without a network (no saved copy answers)."""
        with pytest.raises(Exception, match=NOT_OPENED):
            self.page.goto(url)
        self.page.wait_for_url(re.compile("^chrome-error:"))  # its error page, before the next goto

    def search(self, query: str) -> list[str]:
        """The result links of typing `query` into the search box."""
        box = self.page.locator("input.md-search__input")
        box.click()
        box.press_sequentially(query)
        self.page.locator(".md-search-result__item").first.wait_for(timeout=30_000)
        links = [a.get_attribute("href") for a in self.page.query_selector_all(".md-search-result__link")]
        box.press("Escape")  # search closed again, as a reader leaves it
        return links

    def wait_saved(self, language: str, edition: str) -> None:
        saved = words(language)["saved"].format(edition=edition)
        self.page.locator(".handbook-offline__status", has_text=saved).wait_for(timeout=SAVE_TIME)

    def offline(self) -> None:
        # The network is really gone, not only emulated: the server stops and its
        # port is closed (a port left listening accepts connections that are never
        # answered, and the browser's own requests, such as a worker's update
        # check, which the emulation does not cover, would hang on it).
        self.server.shutdown()
        self.server.server_close()
        self.context.set_offline(True)

    def close(self) -> None:
        self.context.close()
        self.server.shutdown()
        self.server.server_close()


def status_kind(language: str, text: str, edition: str = EDITION) -> str | None:
    """Which of the language's status lines `text` is: "saving" (with a
    percentage written the language's way), "saved", "failed", "removed";
    None for any other text (another language's, or a raw message)."""
    said = words(language)
    if re.fullmatch(re.escape(said["saving"]).replace(re.escape("{percent}"), PERCENT[language]), text):
        return "saving"
    return next((kind for kind in ("saved", "failed", "removed") if text == said[kind].format(edition=edition)), None)


def roots(base: str, language: str) -> tuple[str, list[str]]:
    """The language's root URL, and the roots of the others."""
    return f"{base}/{PREFIXES[language]}", [f"{base}/{prefix}" for code, prefix in PREFIXES.items() if code != language]


def only_this_language(url: str, base: str, language: str) -> bool:
    """A URL of the language's pages or of the shared assets, and of no other
    language (the source language's root contains the others' roots)."""
    root, others = roots(base, language)
    return (url.startswith((root, base + "/assets/"))
            and not any(url.startswith(other) and len(other) > len(root) for other in others))


def titles(site: Path, path: str) -> str:
    built = (site / path / "index.html").read_text(encoding="utf-8")
    return html.unescape(re.search("<title>(.*?)</title>", built).group(1))


@pytest.mark.parametrize("language", list(PREFIXES))
def test_saved_language_reads_and_searches_offline(browser, built_site, language):
    """Each language: nothing before the reader asks; the progress and the
    end of the saving in the page's language; offline, the saved page,
    another page and a search that needs the language's own stemmer and
    index; the other language does not open."""
    reader = Reader(browser, built_site)
    try:
        page, base = reader.page, reader.base
        root, others = roots(base, language)
        requested: list[str] = []
        page.on("request", lambda r: requested.append(r.url))
        page.goto(root + "myeloma/diagnosis/", wait_until="networkidle")
        # A reader who has not asked downloads nothing for offline use.
        assert reader.registrations() == [] and not [u for u in requested if offline.WORKER in u]
        assert page.evaluate("caches.keys()") == []
        # The widget is there, its progress bar only while saving.
        assert page.get_by_role("button", name=words(language)["save"]).is_visible()
        assert page.locator(".handbook-offline__progress").is_hidden()

        shown = reader.save(language, EDITION)
        # Feedback while saving, in the page's language: how far (from 0, rising, several
        # times on the way), then the saved edition; the button now removes the copy.
        kinds = [status_kind(language, text) for text in shown]
        assert kinds[0] == "saving" and kinds[-1] == "saved" and set(kinds) == {"saving", "saved"}, shown
        percents = [int(re.search(r"(\d+)\D*$", text).group(1))
                     for text, kind in zip(shown, kinds) if kind == "saving"]
        assert percents[0] == 0 and percents == sorted(percents) and len(set(percents)) >= 3, shown
        assert page.get_by_role("button", name=words(language)["remove"]).is_enabled()
        assert page.locator(".handbook-offline__progress").is_hidden()
        assert reader.registrations() == [root]
        manifest = offline.read(built_site, PREFIXES[language])
        saved = reader.caches()
        assert list(saved) == [manifest["cache"]] and len(saved[manifest["cache"]]) == len(manifest["urls"])
        urls = saved[manifest["cache"]]
        assert root + "treatment/drugs/" in urls and root + offline.SEARCH_INDEX in urls
        assert all(only_this_language(url, base, language) for url in urls), \
            [url for url in urls if not only_this_language(url, base, language)]

        reader.offline()
        for path in ["myeloma/diagnosis/", "treatment/drugs/"]:  # the saved page, and another
            response = page.goto(root + path)
            assert response.ok and page.title() == titles(built_site, PREFIXES[language] + path)
        # Search: the language's index, search worker and lunr language, all from the saved copy.
        query = STEMMED_QUERY[language]
        links = reader.search(query)
        assert links and all(only_this_language(link, base, language) for link in links), links
        index = json.loads((built_site / PREFIXES[language] / offline.SEARCH_INDEX).read_text(encoding="utf-8"))
        docs = {doc["location"]: (doc["title"] + " " + doc["text"]).lower() for doc in index["docs"]}
        found = [re.sub(r"\?h=[^#]*", "", link.removeprefix(root)) for link in links]
        assert set(found) <= set(docs), sorted(set(found) - set(docs))
        assert [location for location in found if query not in docs[location]], \
            f"{query!r}: every result says it as typed, so the stemmer was not needed"
        # The other language was never saved: without the network it does not open.
        for other in others:
            reader.cannot_open(other + "myeloma/diagnosis/")
        assert reader.foreign == [] and reader.errors == []
    finally:
        reader.close()


@pytest.mark.parametrize("language", list(PREFIXES))
def test_a_save_that_cannot_finish_says_so_and_keeps_nothing(browser, built_site, language):
    """The search index does not arrive (503): saving stops (the rest of the
    files are not downloaded), the status line says so in the page's
    language and stays so, the button saves again, and no cache or worker
    is left."""
    index = "/" + PREFIXES[language] + offline.SEARCH_INDEX
    reader = Reader(browser, built_site, failing={index})
    try:
        page = reader.page
        root, _ = roots(reader.base, language)
        page.goto(root + "myeloma/diagnosis/", wait_until="networkidle")
        shown = reader.save_until(language, "failed")
        page.wait_for_function("navigator.serviceWorker.getRegistrations().then(r => r.length === 0)")
        page.wait_for_timeout(1000)  # anything the worker still sent would have arrived
        shown = page.evaluate("window.statusTexts")
        kinds = [status_kind(language, text) for text in shown]
        assert kinds[0] == "saving" and kinds[-1] == "failed" and set(kinds) == {"saving", "failed"}, shown
        assert kinds.count("failed") == 1, shown
        assert page.get_by_role("button", name=words(language)["save"]).is_enabled()
        assert page.locator(".handbook-offline__progress").is_hidden()
        assert page.evaluate("caches.keys()") == []
        manifest = offline.read(built_site, PREFIXES[language])
        after = reader.asked[reader.asked.index(index) + 1:]
        # At most the few already on their way (4 at a time, overrides/offline/worker.js).
        assert len(after) < 8 < len(manifest["urls"]), f"{len(after)} files still asked for after the failure"
        assert reader.foreign == [] and reader.errors == []
    finally:
        reader.close()


def test_removing_one_language_keeps_the_other_then_nothing_is_left(browser, built_site):
    """A shared ward phone: both languages saved; the Slovenian copy removed
    (offline) leaves the English one whole; removing that leaves no cache and
    no worker, and no page opens without the network."""
    source = LANGUAGES.source
    other = next(language for language in PREFIXES if language != source)
    reader = Reader(browser, built_site)
    try:
        page, base = reader.page, reader.base
        (source_root, _), (other_root, _) = roots(base, source), roots(base, other)
        page.goto(source_root + "myeloma/diagnosis/")
        reader.save(source, EDITION)
        english = reader.caches()
        page.goto(other_root + "myeloma/diagnosis/")
        # The source language's copy is not this language's: nothing said saved, the button saves.
        page.get_by_role("button", name=words(other)["save"]).wait_for()
        assert page.locator(".handbook-offline__status").inner_text() == ""
        reader.save(other, EDITION)
        both = reader.caches()
        assert set(both) == {offline.read(built_site, PREFIXES[language])["cache"] for language in (source, other)}
        assert sorted(reader.registrations()) == sorted([source_root, other_root])

        reader.offline()
        page.goto(other_root + "treatment/drugs/")  # from its own copy, search too, with both saved
        assert page.title() == titles(built_site, PREFIXES[other] + "treatment/drugs/")
        links = reader.search(STEMMED_QUERY[other])
        assert links and all(only_this_language(link, base, other) for link in links), links
        reader.remove(other)
        assert reader.caches() == english and reader.registrations() == [source_root]
        reader.cannot_open(other_root + "treatment/")
        page.goto(source_root + "treatment/drugs/")
        saved = words(source)["saved"].format(edition=EDITION)
        page.locator(".handbook-offline__status", has_text=saved).wait_for(timeout=10_000)
        reader.remove(source)
        assert reader.caches() == {} and reader.registrations() == []
        reader.cannot_open(source_root + "treatment/")
        assert reader.foreign == [] and reader.errors == []
    finally:
        reader.close()


def test_source_language_copy_takes_nothing_from_pages_of_another_read_online(browser, built_site):
    """The English worker's scope `/` contains `/sl/`: a reader who saved
    English and then reads and searches Slovenian pages online adds nothing
    of them to the English copy, and they do not open offline."""
    source = LANGUAGES.source
    other = next(language for language in PREFIXES if language != source)
    reader = Reader(browser, built_site)
    try:
        page, base = reader.page, reader.base
        source_root, other_root = roots(base, source)[0], roots(base, other)[0]
        page.goto(source_root)
        reader.save(source, EDITION)
        before = {name: sorted(urls) for name, urls in reader.caches().items()}
        for path in ["", "myeloma/diagnosis/", "treatment/drugs/"]:
            page.goto(other_root + path, wait_until="networkidle")
        assert page.get_by_role("button", name=words(other)["save"]).is_enabled()
        links = reader.search(STEMMED_QUERY[other])
        assert links and all(only_this_language(link, base, other) for link in links), links
        page.goto(other_root + links[0].removeprefix(other_root), wait_until="networkidle")
        assert {name: sorted(urls) for name, urls in reader.caches().items()} == before
        assert reader.registrations() == [source_root]
        reader.offline()
        reader.cannot_open(other_root + "treatment/drugs/")
        assert reader.foreign == [] and reader.errors == []
    finally:
        reader.close()


def test_reader_of_slovenian_gets_the_next_edition(browser, tmp_path):
    """Slovenian saved from a small site; a new build (another edition)
    replaces it on the next visit, and the old cache is gone."""
    project = make_fixture("base", tmp_path / "project")
    current = tmp_path / "current"
    sites = {}
    for edition in (EDITION, "2099.1"):
        config = project / "mkdocs.yml"
        config.write_text(re.sub(r'edition: "[^"]*"', f'edition: "{edition}"', config.read_text(encoding="utf-8")),
                          encoding="utf-8")
        result = mkdocs_build(project, tmp_path / edition)
        assert result.returncode == 0, result.stderr[-3000:]
        sites[edition] = tmp_path / edition
    current.symlink_to(sites[EDITION])
    language = next(code for code, prefix in PREFIXES.items() if prefix)  # a language below the root
    prefix = "/" + PREFIXES[language]
    reader = Reader(browser, current)
    try:
        page, base = reader.page, reader.base
        page.goto(base + prefix + "chapter/page/")
        reader.save(language, EDITION)
        assert reader.registrations() == [base + prefix]
        first = offline.read(sites[EDITION], PREFIXES[language])["cache"]
        assert list(reader.caches()) == [first]
        assert all(url.startswith((base + prefix, base + "/assets/")) for url in reader.caches()[first])

        # The next edition is published: the next visit installs it and drops the old copy.
        new = tmp_path / "new"
        new.symlink_to(sites["2099.1"])
        new.replace(current)
        page.goto(base + prefix)
        reader.wait_saved(language, "2099.1")
        second = offline.read(sites["2099.1"], PREFIXES[language])["cache"]
        assert second != first
        page.wait_for_function("name => caches.keys().then(k => k.length === 1 && k[0] === name)", arg=second)

        reader.offline()
        page.goto(base + prefix + "chapter/page/")
        assert page.locator(".handbook-offline").get_attribute("data-edition") == "2099.1"
        reader.cannot_open(base + "/chapter/page/")  # the source language was not saved
        assert reader.foreign == [] and reader.errors == []
    finally:
        reader.close()
