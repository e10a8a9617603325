"""External links: the offline syntax check, and the opt-in online check
(exercised against a local server, never the internet) with its cache."""
from __future__ import annotations

import http.server
import json
import threading

import pytest

from myeloma_handbook.links import check_online, external_url_problem


@pytest.mark.parametrize("url, problem", [
    ("https://doi.org/10.1056/NEJMoa2102953", None),
    ("https://pubmed.ncbi.nlm.nih.gov/25439696/", None),
    ("mailto:editors@example.org", None),
    ("https://example/x", "has no valid host name"),
    ("http:///nohost", "has no valid host name"),
    ("ftp://example.org/file", "uses the scheme 'ftp', which readers cannot follow"),
])
def test_external_link_syntax(url, problem):
    assert external_url_problem(url) == problem


@pytest.fixture
def local_server():
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self):
            hits.append(self.path)
            self.send_response(200 if self.path == "/ok" else 404)
            self.end_headers()

        do_GET = do_HEAD

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()


def test_online_check_reports_status_and_uses_its_cache(local_server, tmp_path):
    base, hits = local_server
    cache = tmp_path / "links.json"
    results = check_online([f"{base}/ok", f"{base}/missing"], cache)
    assert results[f"{base}/ok"]["ok"] is True
    assert results[f"{base}/missing"]["ok"] is False and results[f"{base}/missing"]["status"] == 404
    assert set(json.loads(cache.read_text())) == {f"{base}/ok", f"{base}/missing"}
    count = len(hits)
    check_online([f"{base}/ok", f"{base}/missing"], cache)
    assert len(hits) == count, "fresh cache entries must not be fetched again"
