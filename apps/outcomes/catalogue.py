"""The obligation catalogue (DOMAIN.md "Obligations typically examined"), in French and English.

Fine tiers from GDPR Art. 83(4) (Art. 8, 11, 25-39, 42-43: EUR 10M / 2%) and 83(5) (Art. 5-7, 9,
12-22, 44-49, non-compliance with an order, refusal of access under 58(1): EUR 20M / 4%).
Art. 82 of the French law (cookies and trackers) is sanctioned under art. 20 of that law; DOMAIN.md
gives no tier for it, so it carries the higher one (see the README).

Loaded by the data migration ``0002_obligation_catalogue``; ``ensure_catalogue`` also runs after
every ``migrate`` and ``flush`` (post_migrate), adding only what is missing, so administrators'
edits are kept and a flushed test database gets its catalogue back.
"""

T4, T5 = "83_4", "83_5"
CATALOGUE = [
    (
        "gdpr-5-1-f",
        "RGPD art. 5(1)(f)",
        T5,
        "Intégrité et confidentialité",
        "Integrity and confidentiality",
        "Les données sont traitées de façon à garantir une sécurité appropriée, y compris contre l'accès non autorisé.",
        "Data are processed in a way that ensures appropriate security, including against unauthorised access.",
    ),
    (
        "gdpr-5-2-24",
        "RGPD art. 5(2) et 24",
        T5,
        "Responsabilité (accountability)",
        "Accountability",
        "Le responsable de traitement met en œuvre des mesures appropriées "
        "et est en mesure de démontrer la conformité.",
        "The controller implements appropriate measures and is able to demonstrate compliance.",
    ),
    (
        "gdpr-25",
        "RGPD art. 25",
        T4,
        "Protection des données dès la conception et par défaut",
        "Data protection by design and by default",
        "Mesures techniques et organisationnelles dès la conception (par exemple l'authentification multifacteur "
        "d'un portail professionnel).",
        "Technical and organisational measures from the design stage (for example multi-factor authentication on a "
        "professional portal).",
    ),
    (
        "gdpr-28",
        "RGPD art. 28",
        T4,
        "Sous-traitance",
        "Processors",
        "Contrat de sous-traitance comportant les mentions obligatoires ; garanties suffisantes du sous-traitant.",
        "A processing contract with the required terms; sufficient guarantees from the processor.",
    ),
    (
        "gdpr-30",
        "RGPD art. 30",
        T4,
        "Registre des activités de traitement",
        "Records of processing activities",
        "Tenue d'un registre des traitements par le responsable et par le sous-traitant.",
        "Records of processing kept by the controller and by the processor.",
    ),
    (
        "gdpr-32",
        "RGPD art. 32",
        T4,
        "Sécurité du traitement",
        "Security of processing",
        "Mesures de sécurité adaptées au risque : contrôle d'accès, journalisation, chiffrement, tests réguliers.",
        "Security measures appropriate to the risk: access control, logging, encryption, regular testing.",
    ),
    (
        "gdpr-33",
        "RGPD art. 33",
        T4,
        "Notification des violations à l'autorité",
        "Notification of a breach to the authority",
        "Notification à la CNIL dans les 72 heures après en avoir pris connaissance, motifs du retard sinon ; "
        "documentation de toute violation.",
        "Notification to the CNIL within 72 hours of becoming aware, with the reasons for any delay; every breach "
        "documented.",
    ),
    (
        "gdpr-34",
        "RGPD art. 34",
        T4,
        "Communication des violations aux personnes",
        "Communication of a breach to the data subjects",
        "Information des personnes concernées en cas de risque élevé, sauf exemption de l'article 34(3).",
        "Informing the data subjects when the risk is high, unless an exemption of Art. 34(3) applies.",
    ),
    (
        "gdpr-35",
        "RGPD art. 35",
        T4,
        "Analyse d'impact",
        "Data protection impact assessment",
        "Analyse d'impact avant un traitement à risque élevé (données de santé, NIR à grande échelle).",
        "An impact assessment before high-risk processing (health data, NIR at scale).",
    ),
    (
        "gdpr-37",
        "RGPD art. 37",
        T4,
        "Délégué à la protection des données",
        "Data protection officer",
        "Désignation d'un délégué lorsque le traitement porte à grande échelle sur des données sensibles.",
        "A data protection officer designated when processing special categories of data at scale.",
    ),
    (
        "gdpr-58-1",
        "RGPD art. 58(1)",
        T5,
        "Coopération avec l'autorité",
        "Cooperation with the authority",
        "Accès aux locaux et aux informations demandés par la CNIL ; réponse aux demandes dans les délais.",
        "Access to premises and to the information the CNIL requests; answers within the time set.",
    ),
    (
        "lil-82",
        "Loi Informatique et Libertés art. 82",
        T5,
        "Cookies et traceurs",
        "Cookies and trackers",
        "Information et consentement préalables avant tout accès ou inscription d'informations dans le terminal.",
        "Information and prior consent before reading or writing information on the user's device.",
    ),
]


def ensure_catalogue(Obligation) -> int:  # noqa: N803 - a model class, historical or not
    """Create the catalogue's obligations that do not exist yet; returns how many were created."""
    created = 0
    for position, (code, reference, tier, title_fr, title_en, description_fr, description_en) in enumerate(CATALOGUE):
        _obligation, new = Obligation.objects.get_or_create(
            code=code,
            defaults={
                "reference": reference,
                "fine_tier": tier,
                "title_fr": title_fr,
                "title_en": title_en,
                "description_fr": description_fr,
                "description_en": description_en,
                "position": 10 * (position + 1),
            },
        )
        created += new
    return created
