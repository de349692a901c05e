"""The French and English catalogues are complete: every string of the code is translated."""

from pathlib import Path

import polib
import pytest
from django.conf import settings


@pytest.mark.parametrize("language", ["fr", "en"])
def test_catalogue_is_complete(language):
    po = polib.pofile(str(Path(settings.LOCALE_PATHS[0]) / language / "LC_MESSAGES" / "django.po"))
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert not untranslated, f"{language}: untranslated {untranslated}"
    assert not fuzzy, f"{language}: fuzzy {fuzzy}"
    assert len(po) > 100


def test_french_is_the_default_language(client):
    response = client.get("/accounts/login/")
    assert '<html lang="fr"' in response.content.decode()
    assert "Connexion à cnilcase" in response.content.decode()
