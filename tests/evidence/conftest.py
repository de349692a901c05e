import pytest

from apps.cases import services as case_services
from tests.support import make_staff

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CSV = b"date;identifiant\n2024-01-29;ps-0042\n"


@pytest.fixture
def investigator(db):
    return make_staff("ines@cnil.test", roles=("investigator",), full_name="Inès Leroy")


@pytest.fixture
def case(investigator):
    return case_services.case_open(actor=investigator, origin="ex_officio", legal_regime="gdpr", title="Preuves")
