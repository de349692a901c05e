"""Demo evidence on the tiers-payant cases: a PV (PDF), a breach notification form, CSV extracts."""

from django.core.files.base import ContentFile

from apps.cases.models import Case

from . import services
from .models import Evidence


def _pdf(text: str) -> bytes:
    """A minimal valid one-page PDF with one line of text."""
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def seed_evidence() -> str:
    if Evidence.objects.exists():
        return "already there"
    incident = Case.objects.filter(title__startswith="Violation de données chez Viamedis", origin_case=None).first()
    if incident is None:
        return "no demo case"
    actor = incident.lead_investigator
    items = [
        ("PV de contrôle sur place — jour 1", "on_site", "pv-controle-jour-1.pdf", _pdf("Proces-verbal de controle")),
        ("Formulaire de notification de violation", "organisation", "notification.pdf", _pdf("Notification art. 33")),
        ("Extrait du contrat art. 28", "documentary", "contrat-art28.pdf", _pdf("Contrat de sous-traitance")),
        (
            "Journal des connexions au portail (extrait)",
            "organisation",
            "connexions.csv",
            b"date;identifiant;ip\n2024-01-29T10:02:11;ps-0042;203.0.113.7\n2024-01-29T10:02:54;ps-0042;203.0.113.7\n",
        ),
    ]
    for title, source, name, content in items:
        services.evidence_register(
            actor=actor,
            case=incident,
            upload=ContentFile(content, name=name),
            title=title,
            source=source,
            personal_data=True,
            health_data=source != "documentary",
        )
    return f"{Evidence.objects.count()} evidence items"
