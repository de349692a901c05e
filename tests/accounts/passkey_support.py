"""Passkeys in tests: a software authenticator that answers WebAuthn challenges as a browser would,
and a test client logged in with a passkey.

``SoftAuthenticator`` holds a real P-256 key and builds the browser's JSON for a registration
("none" attestation) and an assertion: authenticator data, client data with its origin, and an
ECDSA signature. The server checks them with py_webauthn exactly as it checks a real browser's, so
a wrong origin, RP ID or key is refused by the real code.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp_webauthn.models import WebAuthnCredential
from webauthn.helpers import bytes_to_base64url

from apps.accounts import services

ORIGIN = "http://testserver"
RP_ID = "testserver"
UP, UV, AT = 0x01, 0x04, 0x40


def _b64(data: bytes) -> str:
    return bytes_to_base64url(data)


class SoftAuthenticator:
    def __init__(self, *, rp_id: str = RP_ID, origin: str = ORIGIN):
        self.rp_id, self.origin = rp_id, origin
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.sign_count = 0

    def _cose_public_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})

    def _client_data(self, kind: str, challenge: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": self.origin}).encode()

    def _auth_data(self, flags: int, extra: bytes = b"") -> bytes:
        rp_hash = hashlib.sha256(self.rp_id.encode()).digest()
        return rp_hash + bytes([flags]) + struct.pack(">I", self.sign_count) + extra

    def create(self, options: dict) -> dict:
        """The browser's answer to ``navigator.credentials.create`` with the server's ``options``."""
        client_data = self._client_data("webauthn.create", options["challenge"])
        attested = bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id
        auth_data = self._auth_data(UP | UV | AT, attested + self._cose_public_key())
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": _b64(self.credential_id),
            "rawId": _b64(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": _b64(client_data),
                "attestationObject": _b64(attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {"credProps": {"rk": True}},
            "authenticatorAttachment": "platform",
        }

    def get(self, options: dict) -> dict:
        """The browser's answer to ``navigator.credentials.get`` with the server's ``options``."""
        self.sign_count += 1
        client_data = self._client_data("webauthn.get", options["challenge"])
        auth_data = self._auth_data(UP | UV)
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return {
            "id": _b64(self.credential_id),
            "rawId": _b64(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": _b64(client_data),
                "authenticatorData": _b64(auth_data),
                "signature": _b64(signature),
                "userHandle": None,
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }


def _post_json(client, url: str, data: dict | None = None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def register_passkey(client, authenticator: SoftAuthenticator | None = None):
    """Register a passkey through the real endpoints; returns (authenticator, final response)."""
    authenticator = authenticator or SoftAuthenticator()
    options = _post_json(client, "/accounts/passkeys/add/begin/")
    assert options.status_code == 200, options.content
    return authenticator, _post_json(client, "/accounts/passkeys/add/complete/", authenticator.create(options.json()))


def verify_with_passkey(client, authenticator: SoftAuthenticator, next_url: str = ""):
    """Pass the second factor (or confirm the session) with ``authenticator`` through the real endpoints."""
    options = _post_json(client, "/accounts/2fa/passkey/begin/")
    assert options.status_code == 200, options.content
    url = "/accounts/2fa/passkey/complete/" + (f"?next={next_url}" if next_url else "")
    return _post_json(client, url, authenticator.get(options.json()))


def make_passkey(user) -> WebAuthnCredential:
    """A passkey row for ``user``, as a registration leaves it (for tests about what it opens, not how)."""
    authenticator = SoftAuthenticator()
    numbers = authenticator._cose_public_key()
    return WebAuthnCredential.objects.create(
        user=user,
        name=services.PASSKEY_DEVICE_NAME,
        confirmed=True,
        credential_id=authenticator.credential_id,
        public_key=numbers,
        sign_count=0,
    )


def log_in_with_passkey(client, user) -> None:
    """Log ``client`` in as ``user`` with the second factor passed with a passkey (what the admin needs)."""
    credential = WebAuthnCredential.objects.filter(user=user, confirmed=True).first() or make_passkey(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = credential.persistent_id
    session.save()


def virtual_authenticator(page) -> tuple:
    """Give a Playwright page Chromium's virtual authenticator (DevTools protocol): a platform passkey
    store that verifies the user at once. Returns the CDP session and the authenticator's id."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, added["authenticatorId"]
