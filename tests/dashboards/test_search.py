"""Search: text extraction of each type, French accents and plurals, what a user may see, escaping, cost."""

from __future__ import annotations

import hashlib
import io
import threading

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.cases import services as case_services
from apps.evidence.choices import ExtractionStatus
from apps.evidence.models import Blob
from apps.evidence.text import blob_text_extract, extract_blob_text
from apps.info_requests import services as request_services
from apps.outcomes import services as outcome_services
from apps.outcomes.models import Obligation
from cnilcase.celery import app as celery_app
from tests.dashboards.search_support import (
    docx_with_text,
    eml_with_text,
    extracted,
    pdf_with_text,
    register,
    xlsx_with_text,
)
from tests.support import PASSWORD, log_in_verified, make_organisation, make_staff, valid_siren

pytestmark = pytest.mark.django_db

URL = reverse("dashboards:search")


@pytest.fixture
def ines(db):
    return make_staff("ines@cnil.test", roles=("investigator",), full_name="Inès Leroy")


@pytest.fixture
def paul(db):
    """An investigator on no restricted case."""
    return make_staff("paul@cnil.test", roles=("investigator",), full_name="Paul Martin")


@pytest.fixture
def claire(db):
    return make_staff("claire@cnil.test", roles=("manager",), full_name="Claire Dubois")


def open_case(actor, title="Contrôle", **fields):
    return case_services.case_open(actor=actor, origin="ex_officio", legal_regime="gdpr", title=title, **fields)


def results(client, user, query, **params):
    log_in_verified(client, user)
    response = client.get(URL, {"q": query, **params})
    assert response.status_code == 200
    return response


def found(response, kind: str) -> int:
    return next((group.total for group in response.context["groups"] if group.kind == kind), 0)


# -- extraction ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (pdf_with_text("Rapport de contrôle", "journalisation des accès"), "rapport.pdf", "journalisation"),
        (b"Note interne\nchiffrement des sauvegardes\n", "note.txt", "chiffrement des sauvegardes"),
        ("nom;mesure\nDupont;sécurité renforcée\n".encode("cp1252"), "registre.csv", "sécurité renforcée"),
        (eml_with_text("La pseudonymisation est prévue."), "courriel.eml", "pseudonymisation est prévue"),
        (docx_with_text("Politique de conservation des données"), "politique.docx", "conservation des données"),
        (xlsx_with_text("Durée de rétention"), "registre.xlsx", "Durée de rétention"),
    ],
    ids=["pdf", "text-utf8", "csv-cp1252", "email", "docx", "xlsx"],
)
def test_each_supported_type_gives_its_text(ines, content, name, expected):
    evidence = register(ines, open_case(ines), content, name)
    assert evidence.blob.extraction_status == ExtractionStatus.PENDING
    blob = extracted(evidence)
    assert blob.extraction_status == ExtractionStatus.DONE
    assert expected in blob.extracted_text
    assert blob.extraction_reason == ""
    assert blob.extracted_at is not None


def test_corrupt_pdf_is_a_failure_with_its_reason_and_the_page_says_so(client, ines):
    evidence = register(ines, open_case(ines), b"%PDF-1.4\n1 0 obj garbage without end", "casse.pdf", title="PDF abîmé")
    blob = extracted(evidence)
    assert blob.extraction_status == ExtractionStatus.FAILED
    assert "PDF" in blob.extraction_reason
    log_in_verified(client, ines)
    page = client.get(evidence.get_absolute_url()).content.decode()
    assert "Échec de l’extraction du texte" in page or "Échec de l'extraction du texte" in page
    assert blob.extraction_reason in page


def test_image_is_unsupported_and_a_rerun_changes_nothing(client, ines):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    evidence = register(ines, open_case(ines), png, "photo.png")
    blob = extracted(evidence)
    assert blob.extraction_status == ExtractionStatus.UNSUPPORTED
    assert blob.extraction_reason == "image/png"
    first = blob.extracted_at
    assert blob_text_extract(blob_id=blob.pk) == ExtractionStatus.UNSUPPORTED
    blob.refresh_from_db()
    assert blob.extracted_at == first
    log_in_verified(client, ines)
    assert "Pas de texte extrait pour ce type de fichier" in client.get(evidence.get_absolute_url()).content.decode()


def test_registration_queues_extraction_on_commit_once_per_file(ines, django_capture_on_commit_callbacks):
    case = open_case(ines)
    content = pdf_with_text("anonymisation des journaux")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = register(ines, case, content, "a.pdf", title="Premier")
    assert len(callbacks) == 1  # the task, run eagerly here as a worker would
    first.blob.refresh_from_db()
    assert first.blob.extraction_status == ExtractionStatus.DONE
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        register(ines, case, content, "b.pdf", title="Même fichier")  # same bytes: same blob, already read
    assert callbacks == []


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_extracts_the_text_queued_by_registration(client, ines, settings):
    """The task goes through Redis to a worker once the registration commits; then the word is found."""
    done = threading.Event()

    def on_done(sender=None, **kwargs):
        if sender is not None and sender.name == extract_blob_text.name:
            done.set()

    task_postrun.connect(on_done, weak=False)
    celery_app.conf.task_always_eager = False
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            evidence = register(ines, open_case(ines), pdf_with_text("Registre des traitements lacunaire"), "r.pdf")
            assert done.wait(30)
    finally:
        task_postrun.disconnect(on_done)
        celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
    assert Blob.objects.get(pk=evidence.blob_id).extraction_status == ExtractionStatus.DONE
    assert found(results(client, ines, "lacunaire"), "evidence") == 1


# -- search --------------------------------------------------------------------------------


def test_a_word_only_inside_a_pdf_is_found_after_extraction_with_its_highlight(client, ines):
    case = open_case(ines, title="Mutuelle du Centre")
    evidence = register(
        ines, case, pdf_with_text("Le prestataire stocke les mots de passe en clair."), "pv.pdf", title="Procès-verbal"
    )
    assert found(results(client, ines, "prestataire"), "evidence") == 0  # not read yet
    extracted(evidence)
    response = results(client, ines, "prestataire")
    assert found(response, "evidence") == 1
    (hit,) = next(group for group in response.context["groups"] if group.kind == "evidence").hits
    assert hit.url == evidence.get_absolute_url()
    assert "<mark>prestataire</mark>" in hit.snippet
    assert "<mark>prestataire</mark>" in response.content.decode()


def test_accents_and_case_do_not_matter(client, ines):
    case = open_case(ines, title="Défaut de sécurité", summary="Données de santé exposées")
    for query in ("securite", "Sécurité", "SECURITE", "donnees sante"):
        assert found(results(client, ines, query), "cases") == 1, query
    evidence = register(ines, case, "Mesures de SÉCURITÉ insuffisantes".encode(), "note.txt", title="Note")
    extracted(evidence)
    assert found(results(client, ines, "securite"), "evidence") == 1


@pytest.mark.postgres
def test_french_configuration_securite_securites_find_each_other(client, ines):
    """cnil_fr: unaccent then French stemming, so the three forms are one lexeme."""
    open_case(ines, title="Sécurité des traitements")
    open_case(ines, title="Securite du portail")
    open_case(ines, title="Failles et sécurités multiples")
    open_case(ines, title="Conservation des données")
    for query in ("sécurité", "securite", "sécurités"):
        response = results(client, ines, query)
        assert found(response, "cases") == 3, query
        assert response.content.decode().count("<mark>") >= 3
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_tsvector('cnil_fr', 'sécurité sécurités securite')::text")
        assert cursor.fetchone()[0] == "'securit':1,2,3"


@pytest.mark.postgres
def test_results_are_ranked(client, ines):
    open_case(ines, title="Contrôle", summary="Une mention de vidéosurveillance.")
    best = open_case(ines, title="Vidéosurveillance des salariés", summary="Vidéosurveillance permanente.")
    response = results(client, ines, "vidéosurveillance")
    hits = next(group for group in response.context["groups"] if group.kind == "cases").hits
    assert next(hit.url for hit in hits) == best.get_absolute_url()


def restricted_case_with_everything(ines, secret: str):
    """A restricted case of Inès's team: evidence (PDF text), a submitted answer, a draft answer, a finding."""
    case = open_case(ines, title=f"Affaire {secret}", summary=f"Résumé {secret}", confidentiality="restricted")
    evidence = register(ines, case, pdf_with_text(f"Annexe {secret}"), "annexe.pdf", title="Annexe")
    extracted(evidence)
    organisation = make_organisation("Clinique Saint-Roch", valid_siren(7))
    party = case_services.party_add(
        actor=ines, case=case, organisation=organisation, role="controller", processing="dossier patient"
    )
    _access, token = request_services.portal_invite(
        actor=ines, party=party, full_name="DPO Clinique", email="dpo@clinique.example", role="dpo"
    )
    dpo = request_services.invitation_accept(token=token, password=PASSWORD)
    (request,) = request_services.request_create(
        actor=ines,
        case=case,
        parties=[party],
        subject="Demande de pièces",
        letter="Madame, Monsieur…",
        questions=[{"text": f"Question {secret}", "expects": "text"}],
        period_days=15,
    )
    request_services.request_send(actor=ines, request=request)
    (question,) = request.questions.all()
    request_services.draft_save(actor=dpo, request=request, answers={question.pk: f"Réponse {secret}"})
    request_services.submission_submit(actor=dpo, request=request)
    outcome_services.assessment_record(
        actor=ines,
        party=party,
        obligation=Obligation.objects.order_by("position").first(),
        status="infringement",
        finding={"facts": f"Constat {secret}"},
    )
    return case, request, dpo


def test_a_restricted_case_gives_nothing_to_an_investigator_off_its_team(client, ines, paul, claire):
    restricted_case_with_everything(ines, "zirconium")
    kinds = ("cases", "evidence", "questions", "answers", "findings")

    for reader in (ines, claire):  # the team and managers see every kind
        response = results(client, reader, "zirconium")
        assert {kind: found(response, kind) for kind in kinds} == dict.fromkeys(kinds, 1), reader
        client.logout()

    response = results(client, paul, "zirconium")
    page = response.content.decode()
    assert response.context["total"] == 0
    assert all(group.total == 0 and group.hits == [] for group in response.context["groups"])
    assert "zirconium</mark>" not in page
    assert "Affaire" not in page
    assert "Annexe" not in page
    assert "Constat" not in page
    assert "0 résultat" in page
    assert found(results(client, paul, "Saint-Roch"), "organisations") == 1  # organisations: all staff readers

    # Each kind's statements are compiled once per set of visible cases and reused: the team's
    # search, run again after Paul's, still finds everything, and Paul's second search nothing.
    client.logout()
    again = results(client, ines, "zirconium")
    assert {kind: found(again, kind) for kind in kinds} == dict.fromkeys(kinds, 1)
    client.logout()
    assert results(client, paul, "zirconium").context["total"] == 0


def test_a_draft_answer_is_not_searched(client, ines):
    case = open_case(ines)
    organisation = make_organisation("Assureur Ouest", valid_siren(11))
    party = case_services.party_add(
        actor=ines, case=case, organisation=organisation, role="controller", processing="contrats"
    )
    _access, token = request_services.portal_invite(
        actor=ines, party=party, full_name="DPO", email="dpo@assureur.example", role="dpo"
    )
    dpo = request_services.invitation_accept(token=token, password=PASSWORD)
    (request,) = request_services.request_create(
        actor=ines,
        case=case,
        parties=[party],
        subject="Pièces",
        letter="…",
        questions=[{"text": "Décrivez le traitement.", "expects": "text"}],
        period_days=15,
    )
    request_services.request_send(actor=ines, request=request)
    (question,) = request.questions.all()
    request_services.draft_save(actor=dpo, request=request, answers={question.pk: "Brouillon palladium"})
    assert found(results(client, ines, "palladium"), "answers") == 0
    request_services.submission_submit(actor=dpo, request=request)
    assert found(results(client, ines, "palladium"), "answers") == 1


def test_highlights_are_escaped(client, ines):
    case = open_case(ines, title="<script>alert('vanadium')</script>", summary="<img src=x onerror=alert(1)> vanadium")
    evidence = register(ines, case, b"<b>vanadium</b> & co", "x.txt", title="<i>vanadium</i>")
    extracted(evidence)
    page = results(client, ines, "vanadium").content.decode()
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "<i>" not in page
    assert "<b>vanadium" not in page
    assert "&lt;script&gt;" in page
    assert "onerror=alert(1)&gt;" in page or "onerror" not in page  # shown as text, or left out of the excerpt
    assert "<mark>vanadium</mark>" in page


def test_query_count_does_not_grow_with_results(client, ines, claire):
    case = open_case(ines, title="Tungstène 0")
    log_in_verified(client, claire)
    with CaptureQueriesContext(connection) as one:
        assert client.get(URL, {"q": "tungstène"}).context["total"] == 1
    for number in range(1, 8):
        other = open_case(ines, title=f"Tungstène {number}", summary="tungstène")
        evidence = register(ines, other, f"tungstène {number}".encode(), f"t{number}.txt", title=f"Tungstène {number}")
        extracted(evidence)
    register(ines, case, b"tungstene encore", "t.txt", title="tungstène")
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL, {"q": "tungstène"})
        assert response.context["total"] > 10
    with CaptureQueriesContext(connection) as none:
        assert client.get(URL, {"q": "introuvable"}).context["total"] == 0
    # Per kind: one query for the ids of the matches, one more to rank them when there are some.
    kinds_found = sum(1 for group in response.context["groups"] if group.total)
    assert kinds_found == 2  # cases and evidence
    assert len(many) == len(none) + kinds_found
    assert len(one) == len(none) + 1


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Saisissez un ou plusieurs mots à rechercher."),
        ("   ", "Saisissez un ou plusieurs mots à rechercher."),
        ("x" * 201, "La recherche est trop longue : 200 caractères au plus."),
        ("-sécurité", "Saisissez au moins un mot à chercher, pas seulement des mots à exclure."),
    ],
)
def test_empty_or_too_long_queries_get_a_clear_message(client, ines, query, message):
    response = results(client, ines, query)
    assert response.context["error"] == message
    assert message.replace("'", "&#x27;") in response.content.decode()


def test_page_without_query_shows_the_box_only(client, ines):
    log_in_verified(client, ines)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["error"] == ""
    assert response.context["groups"] == []
    assert 'id="search-q"' in response.content.decode()


def test_portal_users_and_anonymous_visitors_do_not_reach_search(client, ines):
    _case, _request, dpo = restricted_case_with_everything(ines, "osmium")
    client.force_login(dpo)
    response = client.get(URL, {"q": "osmium"})
    assert response.status_code in (302, 404)
    assert b"Affaire osmium" not in response.content
    assert b"<mark>" not in response.content
    client.logout()
    response = client.get(URL, {"q": "osmium"})
    assert response.status_code == 302


def test_header_search_box_for_readers(client, ines):
    log_in_verified(client, ines)
    page = client.get(reverse("cases:list")).content.decode()
    assert 'id="header-search"' in page
    assert f'action="{URL}"' in page


def test_one_kind_alone_and_pending_files_caught_up_by_the_command(client, ines):
    case = open_case(ines, title="Cobalt")
    evidence = register(ines, case, b"rapport cobalt", "cobalt.txt", title="Pièce")
    assert evidence.blob.extraction_status == ExtractionStatus.PENDING  # its task was never run
    out = io.StringIO()
    call_command("evidence_extract_texts", stdout=out)
    assert out.getvalue().strip() == "1 file(s) read."
    response = results(client, ines, "cobalt", kind="evidence")
    assert [group.kind for group in response.context["groups"]] == ["evidence"]
    assert found(response, "evidence") == 1
    assert "Dossiers" not in response.content.decode().split('id="search-summary"')[1]


@pytest.mark.postgres
def test_a_text_too_rich_for_one_vector_is_indexed_from_its_beginning(client, ines):
    """1 MB of distinct words overflows a tsvector (1 MB of lexemes): the trigger indexes the first part."""
    words = " ".join(hashlib.md5(str(number).encode()).hexdigest() for number in range(40_000))  # noqa: S324
    evidence = register(ines, open_case(ines), f"rhodium {words}".encode(), "dump.txt", title="Extraction")
    blob = extracted(evidence)
    assert blob.extraction_status == ExtractionStatus.DONE
    assert len(blob.extracted_text) == 1_000_000
    assert found(results(client, ines, "rhodium"), "evidence") == 1


def test_a_word_in_more_results_than_the_cap_says_more_than_and_ranks_the_first_found(client, ines, settings):
    """Past ``SEARCH_CANDIDATES`` matches per kind, the count stops at the cap (the page says "more
    than"), the results shown are among those matches, and the query count does not change."""
    settings.SEARCH_CANDIDATES = 3
    for number in range(5):
        open_case(ines, title=f"Molybdène {number}")
    log_in_verified(client, ines)
    with CaptureQueriesContext(connection) as capped:
        response = client.get(URL, {"q": "molybdène"})
    cases = next(group for group in response.context["groups"] if group.kind == "cases")
    assert cases.capped
    assert cases.total == 3
    assert 0 < len(cases.hits) <= 3
    assert all("Molybdène" in str(hit.title) for hit in cases.hits)
    page = response.content.decode()
    assert "Plus de 3 résultats pour « molybdène » : ajoutez des mots pour affiner la recherche." in page
    assert "Voir plus de résultats" not in page or "kind=cases" in page
    settings.SEARCH_CANDIDATES = 1000
    with CaptureQueriesContext(connection) as uncapped:
        response = client.get(URL, {"q": "molybdène"})
    assert found(response, "cases") == 5
    assert "5 résultats pour « molybdène »" in response.content.decode()
    assert len(capped) == len(uncapped)
