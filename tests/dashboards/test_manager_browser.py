"""The managers' dashboard in a real browser: filter by sector, export a table as CSV, open an incident."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from apps.breaches.models import Campaign
from apps.dashboards import stats_refresh
from tests.dashboards import dash_data as data
from tests.support import make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_filters_by_sector_exports_a_table_and_opens_the_incident(browser_page, login):
    claire = make_staff("claire@cnil.test", roles=("manager",), full_name="Claire Dubois")
    ines = make_staff("ines@cnil.test", roles=("investigator",), full_name="Inès Leroy")
    health, bank = data.sectors(2)
    now = timezone.now()
    insurer, clinic, lender = data.organisation(health), data.organisation(health), data.organisation(bank)
    incident = data.case(
        claire, lead=ines, opened_at=now - timedelta(days=6), origin="breach_notification", orgs=[insurer]
    )
    linked = data.case(
        claire,
        lead=ines,
        opened_at=now - timedelta(days=5),
        origin="breach_notification",
        origin_case=incident,
        orgs=[clinic],
    )
    data.breach(claire, incident, insurer, now - timedelta(days=5), 10)
    Campaign.objects.create(case=linked, controller=clinic, planned_total=400, sent=100, recorded_by=claire)
    for _ in range(3):
        data.case(claire, lead=ines, opened_at=now - timedelta(days=4), orgs=[lender])
    stats_refresh.refresh()
    page = login(claire)

    page.click("#dashboard-link")
    page.wait_for_url("**/dashboard/")
    browser_page.check_accessibility()
    assert page.locator("#kf-open").inner_text() == "5"
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-monthly'))")

    page.select_option("#id_sector", str(health.pk))
    page.click("#dashboard-filter")
    page.wait_for_url(f"**/dashboard/?*sector={health.pk}*")
    browser_page.check_accessibility()
    assert page.locator("#kf-open").inner_text() == "2"
    assert page.locator("#id_sector").input_value() == str(health.pk)

    with page.expect_download() as download_info:
        page.click("#csv-open_origin")
    download = download_info.value
    assert download.suggested_filename.startswith("tableau-de-bord-open_origin-")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines() == ["Origine;Dossiers ouverts", "Notification de violation (art. 33);2"]

    page.click(f"#table-incidents a:has-text('{incident.reference}')")
    page.wait_for_url(f"**/dashboard/incident/{incident.pk}/")
    browser_page.check_accessibility()
    rows = page.locator("#table-controllers tbody tr")
    assert rows.count() == 2
    table = page.locator("#table-controllers").inner_text()
    assert insurer.legal_name in table
    assert "Reçue dans les 72 heures" in table
    assert clinic.legal_name in table
    assert "Non reçue" in table
