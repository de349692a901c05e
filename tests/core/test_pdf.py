"""The PDF renderer shared by the apps' documents loads the static files Django knows, and nothing else."""

import pytest

from apps.core.pdf import STATIC_BASE_URL, StaticFilesOnly, html_to_pdf


def test_documents_load_local_static_files_only():
    fetcher = StaticFilesOnly()
    font = fetcher.fetch(STATIC_BASE_URL + "dsfr/dist/fonts/Marianne-Regular.woff2")
    assert font.read(4) == b"wOF2"
    refused = (
        "https://example.org/tracker.css",
        "http://127.0.0.1:8000/static/x.css",
        "file:///etc/passwd",
        STATIC_BASE_URL + "../../etc/passwd",
    )
    for url in refused:
        with pytest.raises(ValueError, match="loads no resource"):
            fetcher.fetch(url)
    with pytest.raises(FileNotFoundError):
        fetcher.fetch(STATIC_BASE_URL + "dsfr/absent.css")


def test_a_remote_resource_is_left_out_not_fetched():
    pdf = html_to_pdf('<html><body><img src="https://example.org/pixel.png"><p>Bonjour</p></body></html>')
    assert pdf.startswith(b"%PDF-")
