"""Offline reading, opted in, per language (issue 23;
scripts/myeloma_handbook/offline.py, overrides/offline/worker.js,
overrides/assets/javascripts/offline.js): each language's manifest, read from
the built site, and in headless Chromium a reader who saves the handbook,
loses the network, and later gets the next edition. Served on 127.0.0.1 by
the test's own server, so that cutting the network can mean stopping it."""
from __future__ import annotations

import html
import os
import re
from pathlib import Path

import pytest

from conftest import ROOT, make_fixture, mkdocs_build, serve
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


class Reader:
    """One Chromium profile reading a site served from `directory`; records
    requests to other hosts and console errors."""

    def __init__(self, browser, directory: Path):
        self.base, self.server = serve(directory)
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

    def save(self, language: str, edition: str) -> None:
        self.page.get_by_role("button", name=words(language)["save"]).click()
        self.wait_saved(language, edition)

    def wait_saved(self, language: str, edition: str) -> None:
        saved = words(language)["saved"].format(edition=edition)
        self.page.locator(".handbook-offline__status", has_text=saved).wait_for(timeout=SAVE_TIME)

    def offline(self) -> None:
        self.server.shutdown()  # the network is really gone, not only emulated
        self.context.set_offline(True)

    def close(self) -> None:
        self.context.close()
        self.server.shutdown()
        self.server.server_close()


def test_saved_language_reads_and_searches_offline(browser, built_site):
    reader = Reader(browser, built_site)
    try:
        page, base = reader.page, reader.base
        requested: list[str] = []
        page.on("request", lambda r: requested.append(r.url))
        page.goto(base + "/myeloma/diagnosis/", wait_until="networkidle")
        # A reader who has not asked downloads nothing for offline use.
        assert reader.registrations() == [] and not [u for u in requested if offline.WORKER in u]
        assert page.evaluate("caches.keys()") == []

        reader.save("en", EDITION)
        assert reader.registrations() == [base + "/"]
        saved = reader.caches()
        assert list(saved) == [offline.read(built_site, "")["cache"]]
        urls = saved[next(iter(saved))]
        assert base + "/treatment/drugs/" in urls and base + "/search/search_index.json" in urls
        assert not [url for url in urls if url.startswith(base + "/sl/")]

        reader.offline()
        for path in ["/myeloma/diagnosis/", "/treatment/drugs/"]:  # the saved page, and another
            response = page.goto(base + path)
            built = (built_site / path.strip("/") / "index.html").read_text(encoding="utf-8")
            assert response.ok and page.title() == html.unescape(re.search("<title>(.*?)</title>", built).group(1))
        box = page.locator("input.md-search__input")
        box.click()
        box.press_sequentially("bortezomib")
        page.locator(".md-search-result__item").first.wait_for(timeout=30_000)
        links = [a.get_attribute("href") for a in page.query_selector_all(".md-search-result__link")]
        assert links and all(link.startswith(base + "/") and "/sl/" not in link for link in links), links
        # The other language was never saved: without the network it does not open.
        with pytest.raises(Exception, match="ERR_INTERNET_DISCONNECTED|ERR_FAILED|ERR_CONNECTION_REFUSED"):
            page.goto(base + "/sl/myeloma/diagnosis/")
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
        with pytest.raises(Exception, match="ERR_INTERNET_DISCONNECTED|ERR_FAILED|ERR_CONNECTION_REFUSED"):
            page.goto(base + "/chapter/page/")  # the source language was not saved
        assert reader.foreign == [] and reader.errors == []
    finally:
        reader.close()
