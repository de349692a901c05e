"""Security headers on every page: the Content-Security-Policy and its nonce, frame denial, referrer
policy, no MIME sniffing; no inline script or style left in a template; and the production settings
(HTTPS=true) pass ``check --deploy`` and send HSTS and Secure, __Host- cookies on a real response."""

import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.http import HttpResponse
from django.template import RequestContext, Template
from django.test import Client

from tests.support import log_in_verified, make_staff

pytestmark = pytest.mark.django_db

BASE_DIR = Path(settings.BASE_DIR)

POLICY = {
    "default-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}


def _policy(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def _assert_strict_policy(response) -> str | None:
    """The policy of the brief, and the nonce it carries (None when the page used none)."""
    policy = _policy(response)
    for name, values in POLICY.items():
        assert policy[name] == values, name
    nonces = set()
    for name in ("script-src", "style-src"):
        values = policy[name]
        assert values[0] == "'self'"
        assert "'unsafe-inline'" not in values
        assert "'unsafe-eval'" not in values
        nonces |= {v for v in values[1:] if v.startswith("'nonce-")}
        assert len(values) <= 2
    assert len(nonces) <= 1
    return nonces.pop()[len("'nonce-") : -1] if nonces else None


def _assert_common_headers(response) -> None:
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_staff_page_has_the_strict_policy_and_no_inline_code_to_allow():
    client = Client()
    log_in_verified(client, make_staff("agent@cnil.test"))
    response = client.get("/")
    assert response.status_code == 200
    _assert_common_headers(response)
    html = response.content.decode()
    # Its scripts and style sheets all come from this site: no nonce needed, none in the policy.
    assert _assert_strict_policy(response) is None
    assert "nonce=" not in html
    assert re.findall(r"<script\b[^>]*>", html)
    assert all("src=" in tag for tag in re.findall(r"<script\b[^>]*>", html))
    # htmx is told not to inject its indicator <style> nor to evaluate code (both blocked by the policy).
    assert '"includeIndicatorStyles": false' in html
    assert '"allowEval": false' in html


def test_an_inline_script_runs_only_with_the_nonce_of_its_own_response(rf):
    """The way to add an inline element: ``nonce="{{ request.csp_nonce }}"``; the policy then names it."""
    template = Template('<script nonce="{{ request.csp_nonce }}">document.title = "ok";</script>')

    def view(request):
        return HttpResponse(template.render(RequestContext(request)))

    middleware = CSPMiddleware(view)
    first, second = middleware(rf.get("/")), middleware(rf.get("/"))
    nonces = []
    for response in (first, second):
        nonce = _assert_strict_policy(response)
        assert response.content.decode() == f'<script nonce="{nonce}">document.title = "ok";</script>'
        assert len(base64.b64decode(nonce)) == 16
        nonces.append(nonce)
    assert nonces[0] != nonces[1], "a new nonce for each response"


@pytest.mark.parametrize("path", ["/accounts/login/", "/portal/login/", "/does-not-exist/"])
def test_anonymous_pages_have_the_same_headers(path):
    response = Client().get(path)
    assert response.status_code in (200, 404)
    _assert_common_headers(response)
    _assert_strict_policy(response)


# --- Templates --------------------------------------------------------------------------------------

# Rendered only by WeasyPrint into PDF (apps/core/pdf.html_to_pdf), never served as a web page: their
# style sheet carries template values (receipt number, translated page numbers), and a PDF viewer
# applies no Content-Security-Policy. Each with the quoted name (or folder) the code renders it by.
PDF_ONLY_TEMPLATES = {
    "info_requests/receipt_pdf.html": '"info_requests/receipt_pdf.html"',
    "dashboards/report/document.html": '"dashboards/report/document.html"',
    "outcomes/documents/base.html": '"outcomes/documents/',
}
INLINE = {
    "inline <script>": re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE),
    "<style> element": re.compile(r"<style\b", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=\s*[\"'{]", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript\s*:", re.IGNORECASE),
}


def _project_templates() -> dict[str, Path]:
    folders = [BASE_DIR / "templates", *sorted((BASE_DIR / "apps").glob("*/templates"))]
    return {str(path.relative_to(folder)): path for folder in folders for path in folder.rglob("*.html")}


def test_no_template_has_inline_script_style_or_handler():
    templates = _project_templates()
    assert len(templates) > 50
    found = []
    for name, path in sorted(templates.items()):
        text = path.read_text()
        for what, pattern in INLINE.items():
            if what == "<style> element" and name in PDF_ONLY_TEMPLATES:
                continue
            found += [f"{name}: {what}: {match.group(0)!r}" for match in pattern.finditer(text)]
    assert not found, "\n".join(found)


def test_the_pdf_only_templates_are_rendered_to_pdf_and_nowhere_else():
    """The exception above holds only while these templates never reach a browser as HTML."""
    templates = _project_templates()
    modules = {path: path.read_text() for path in (BASE_DIR / "apps").rglob("*.py")}
    for name, quoted in PDF_ONLY_TEMPLATES.items():
        assert name in templates, f"{name} is gone: drop it from PDF_ONLY_TEMPLATES"
        users = [path for path, source in modules.items() if quoted in source]
        assert users, f"nothing renders {name}"
        for path in users:
            assert "html_to_pdf" in modules[path], f"{path} uses {name} without rendering it to PDF"
        folder = name.rsplit("/", 1)[0] + "/"
        for other, path in templates.items():
            text = path.read_text()
            if not other.startswith(folder) and (f'"{name}"' in text or (quoted.endswith("/") and quoted in text)):
                raise AssertionError(f"{other} extends or includes the PDF-only {name}")


# --- Production settings ----------------------------------------------------------------------------

_PROBE = """
import base64
import json
import django
django.setup()
from csp.middleware import CSPMiddleware
from django.http import HttpResponse
from django.template import RequestContext, Template
from django.test import Client
response = Client(HTTP_HOST="cnilcase.example.fr").get("/accounts/login/", secure=True)
insecure = Client(HTTP_HOST="cnilcase.example.fr").get("/accounts/login/")
from django.conf import settings
print(json.dumps({
    "status": response.status_code,
    "headers": dict(response.headers),
    "cookies": {name: dict(morsel) for name, morsel in response.cookies.items()},
    "insecure": [insecure.status_code, insecure.headers.get("Location", "")],
    "session_cookie": [settings.SESSION_COOKIE_NAME, settings.SESSION_COOKIE_SECURE],
}))
"""


@pytest.fixture
def production_env(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_", "SESSION_", "CSRF_", "SECURE_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="cnilcase.settings",
        DEBUG="0",
        HTTPS="true",
        SECRET_KEY="production-like-" + "k" * 50,
        IDENTIFIER_HMAC_KEY="production-like-identifier-key",
        ALLOWED_HOSTS="cnilcase.example.fr",
        STATIC_MANIFEST="false",
        DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        CNILCASE_VAR_DIR=str(tmp_path / "var"),
    )
    return env


def test_deploy_check_passes_with_the_production_settings(production_env):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=production_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_responses_send_hsts_and_secure_host_only_cookies(production_env):
    result = subprocess.run(  # noqa: S603 - this interpreter and a constant script
        [sys.executable, "-c", _PROBE],
        cwd=BASE_DIR,
        env=production_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["status"] == 200
    headers = probe["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    # The login page sets the CSRF cookie: Secure, HttpOnly, and __Host- (no Domain, Path=/).
    csrf = probe["cookies"]["__Host-csrftoken"]
    assert csrf["secure"] is True
    assert csrf["httponly"] is True
    assert csrf["path"] == "/"
    assert not csrf["domain"]
    assert probe["session_cookie"] == ["__Host-sessionid", True]
    # Plain HTTP is redirected to HTTPS.
    assert probe["insecure"] == [301, "https://cnilcase.example.fr/accounts/login/"]
