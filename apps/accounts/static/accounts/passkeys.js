// Strings for django-otp-webauthn's scripts, in the page's language: they call gettext(), answered here
// from the "passkey-strings" JSON block (apps/accounts/passkeys.py, SCRIPT_STRINGS). Runs before them
// (deferred, and placed first). After a passkey is registered, the page reloads to list it.
(function () {
  "use strict";
  const element = document.getElementById("passkey-strings");
  const catalogue = element ? JSON.parse(element.textContent) : {};
  if (typeof window.gettext !== "function") {
    window.gettext = (msgid) => catalogue[msgid] || msgid;
  }
  document.addEventListener("otp_webauthn.register_complete", () => window.location.reload());
})();
