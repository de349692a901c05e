"""How much of everything for a given number of cases, and the vocabulary the rows are made of."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# The seeded world ends here (fixed, so that ``--seed`` gives the same rows whenever it runs).
END = dt.datetime(2026, 11, 28, 12, tzinfo=dt.UTC).replace(tzinfo=None)  # naive UTC, formatted with Z
START = END - dt.timedelta(days=3652)
SPAN_SECONDS = (END - START).total_seconds()

FULL = 1_000_000  # the proportions below are those of a million cases


@dataclass(frozen=True)
class Plan:
    cases: int
    seed: int
    organisations: int
    investigators: int
    managers: int
    legal: int
    portal_users: int
    cases_per_investigator: int  # each investigator is on exactly this many teams
    large_evidence: int  # the large case (id 1)
    large_parties: int
    large_deadlines: int
    large_requests: int
    large_extra_events: int  # audit events of the large case beyond those of its objects

    @classmethod
    def for_cases(cls, cases: int, seed: int = 1) -> Plan:
        ratio = cases / FULL
        investigators = max(6, round(200 * ratio))
        return cls(
            cases=cases,
            seed=seed,
            organisations=max(40, round(20_000 * ratio)),
            investigators=investigators,
            managers=max(2, investigators // 25),
            legal=max(2, investigators // 10),
            portal_users=max(12, round(2_000 * ratio)),
            cases_per_investigator=max(1, min(1_000, cases // (2 * investigators))),
            large_evidence=max(20, min(5_000, cases // 10)),
            large_parties=max(4, min(60, cases // 100)),
            large_deadlines=max(5, min(1_500, cases // 50)),
            large_requests=max(3, min(80, cases // 100)),
            large_extra_events=max(50, min(35_000, cases // 25)),
        )


def at(fraction: float) -> dt.datetime:
    """The moment ``fraction`` (0..1) of the way through the seeded ten years."""
    return START + dt.timedelta(seconds=fraction * SPAN_SECONDS)


def ts(moment: dt.datetime) -> str:
    """COPY text of a naive UTC datetime: the audit log's ``format_time`` form."""
    return moment.isoformat(timespec="microseconds") + "Z"


def stamp(seconds: float) -> str:
    """COPY text of the moment ``seconds`` after ``START`` (every generated time goes through here)."""
    return (START + dt.timedelta(seconds=seconds)).isoformat(timespec="microseconds") + "Z"


def day(seconds: float) -> str:
    """The UTC date of that moment, as COPY text."""
    return (START + dt.timedelta(seconds=seconds)).date().isoformat()


DAY = 86_400.0
END_SECONDS = SPAN_SECONDS


FIRST_NAMES = [
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Inès",
    "Sarah",
    "Jeanne",
    "Louise",
    "Alice",
    "Juliette",
    "Emma",
    "Zoé",
    "Lucie",
    "Hélène",
    "Claire",
    "Anne",
    "Marie",
    "Sophie",
    "Nadia",
    "Amina",
    "Thomas",
    "Lucas",
    "Hugo",
    "Louis",
    "Paul",
    "Arthur",
    "Jules",
    "Nathan",
    "Antoine",
    "Pierre",
    "Julien",
    "Nicolas",
    "Karim",
    "Mehdi",
    "Olivier",
    "Vincent",
    "Étienne",
    "François",
    "Mathieu",
    "Baptiste",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefèvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clément",
    "Gauthier",
    "Dumont",
    "Lopez",
    "Fontaine",
    "Chevalier",
    "Robin",
]

# The two tiers-payant operators: processors for a great many insurers, party to very many cases.
BIG_ORGANISATIONS = (
    ("Viamedis", "Santé et assurance"),
    ("Almerys", "Santé et assurance"),
)
ORG_PREFIXES = (
    "Mutuelle",
    "Clinique",
    "Groupe",
    "Société",
    "Cabinet",
    "Laboratoire",
    "Association",
    "Commune de",
    "Banque",
    "Assurances",
    "Centre hospitalier de",
    "Éditions",
    "Transports",
    "Agence",
)
ORG_NAMES = [
    "Armor",
    "Beauce",
    "Cévennes",
    "Dauphiné",
    "Estérel",
    "Forez",
    "Garonne",
    "Hurepoix",
    "Iroise",
    "Jura",
    "Lauragais",
    "Morvan",
    "Nivernais",
    "Oisans",
    "Périgord",
    "Quercy",
    "Rouergue",
    "Sologne",
    "Tricastin",
    "Vercors",
    "Vosges",
    "Ardennes",
    "Brie",
    "Caux",
    "Gâtinais",
    "Limousin",
    "Médoc",
    "Queyras",
    "Sundgau",
    "Velay",
]
CITIES = [
    "Paris",
    "Lyon",
    "Marseille",
    "Toulouse",
    "Nantes",
    "Lille",
    "Rennes",
    "Bordeaux",
    "Strasbourg",
    "Montpellier",
    "Dijon",
    "Grenoble",
]

PROCESSINGS = (
    "Gestion du tiers payant",
    "Remboursement des frais de santé",
    "Vidéosurveillance des locaux",
    "Prospection commerciale par courriel",
    "Gestion des ressources humaines",
    "Recrutement des candidats",
    "Géolocalisation des véhicules",
    "Dossier patient informatisé",
    "Programme de fidélité",
    "Cookies et traceurs publicitaires",
    "Contrôle d'accès biométrique",
    "Gestion de la relation client",
    "Téléconsultation",
    "Paie et déclarations sociales",
    "Hébergement de données de santé",
)
CASE_SUBJECTS = (
    "Violation de données chez {org}",
    "Plainte contre {org} : prospection non sollicitée",
    "Contrôle en ligne du site de {org}",
    "Vidéosurveillance excessive chez {org}",
    "Cookies déposés sans consentement par {org}",
    "Fuite de données de santé : {org}",
    "Droit d'accès non respecté par {org}",
    "Géolocalisation des salariés de {org}",
    "Contrôle sur place chez {org}",
    "Coopération européenne : {org}",
)
EVIDENCE_KINDS = (
    "Procès-verbal de contrôle",
    "Capture d'écran",
    "Registre des traitements",
    "Politique de confidentialité",
    "Contrat de sous-traitance",
    "Analyse d'impact",
    "Journal des accès",
    "Courriel du délégué",
    "Note interne",
    "Rapport d'audit",
    "Notification de violation",
    "Bandeau cookies",
)
EVIDENCE_TOPICS = (
    "vidéosurveillance",
    "géolocalisation",
    "pseudonymisation",
    "tiers payant",
    "prospection",
    "biométrie",
    "télétravail",
    "recrutement",
    "messagerie",
    "sauvegardes",
    "chiffrement",
    "habilitations",
    "conservation",
    "consentement",
    "sous-traitant",
    "hébergement",
)
# Words of the titles above that a search benchmark can look for (rare, common, very common).
SEARCH_WORDS = ("biométrie", "pseudonymisation", "vidéosurveillance")
EVIDENCE_DESCRIPTIONS = (
    "Pièce recueillie lors de l'instruction, relative à {topic}.",
    "Document transmis par l'organisme concernant {topic} et la sécurité des données.",
    "Extrait conservé au dossier : mesures de {topic} annoncées par le responsable.",
)
QUESTIONS = (
    "Veuillez transmettre le registre des activités de traitement.",
    "Précisez les durées de conservation appliquées aux données des assurés.",
    "Décrivez les mesures de sécurité mises en œuvre (chiffrement, habilitations).",
    "Communiquez le contrat de sous-traitance conclu avec votre prestataire.",
    "Indiquez le nombre de personnes concernées par la violation.",
    "Transmettez l'analyse d'impact relative à la protection des données.",
)
