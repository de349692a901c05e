"""PDF from HTML (WeasyPrint) that loads no remote resource: the one renderer of the apps' documents.

Relative URLs in a template resolve under ``STATIC_BASE_URL`` and only to static files Django's
finders know (the Marianne font, the print style sheet); any other URL is refused, so rendering
never reaches the network nor the file system outside the static files.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from urllib.parse import unquote

from django.contrib.staticfiles import finders
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_BASE_URL = "file:///cnilcase-static/"


class StaticFilesOnly(URLFetcher):
    """Serves the static files Django's finders know, under ``STATIC_BASE_URL``; refuses any other URL.

    WeasyPrint reports a refused resource as a warning and goes on without it: no network, ever.
    """

    def fetch(self, url, headers=None):
        relative = posixpath.normpath(unquote(url.removeprefix(STATIC_BASE_URL)))
        if not url.startswith(STATIC_BASE_URL) or relative.startswith(("/", "..")):
            raise ValueError(f"A document loads no resource from {url}")
        found = finders.find(relative)
        if not found:
            raise FileNotFoundError(url)
        return URLFetcherResponse(url, body=Path(found).read_bytes())


def html_to_pdf(markup: str) -> bytes:
    """The PDF of an HTML document whose resources are static files only."""
    return HTML(string=markup, base_url=STATIC_BASE_URL, url_fetcher=StaticFilesOnly()).write_pdf()
