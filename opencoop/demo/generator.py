"""Generate fictional reporting authorities with fifteen years of cooperation figures.

The Florence demo has no amounts; the statistics, the map, the catalogue's facets and the
performance benchmarks need some. Everything made here is fictional and says so: the
authorities are "di Esempio" (fictional authority), their identifiers use the ``XI-EXAMPLE-``
prefix that no registration agency issues, partners are "Associazione Esempio per …", and every
description starts by saying that the data are fictional. Places are real towns, so that points
fall where they should on the map.

The same seed gives the same data. Running again replaces what the previous run generated for
the same authorities (their records and partners; their pages are updated in place).

Every record is written published through ``opencoop.core.writes``, in bulk; a revision (and
its history entries) only when asked (``revisions=True``), because 100,000 revisions take time
and space a benchmark does not need.
"""

from __future__ import annotations

import datetime
import math
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models import ProtectedError
from django.utils.text import slugify
from wagtail.models import Locale, ReferenceIndex, Site
from wagtail.signal_handlers import disable_reference_index_auto_update

from opencoop.activities.models import (
    Activity,
    Beneficiaries,
    Budget,
    DocumentLink,
    IndicatorPeriod,
    Location,
    ParticipatingOrg,
    PolicyMarker,
    RecipientCountry,
    RecipientRegion,
    Result,
    ResultIndicator,
    SdgTag,
    Sector,
    Transaction,
    result_value_text,
)
from opencoop.activities.parts import PARTS
from opencoop.activities.vocabularies import DAC_REGIONS, DAC_SECTORS, SDG_GOALS, SDG_TARGETS
from opencoop.core.writes import Item, index_records, write_records
from opencoop.exchanges.models import Exchange
from opencoop.initiatives.models import Initiative, InitiativeCountry, InitiativePartner
from opencoop.organisations.models import Organisation
from opencoop.plans.models import AnnualPlan, PlanAllocation, PlanDocument

FIRST_YEAR, LAST_YEAR = 2011, 2025
# The generated data's "today": statuses, actual dates and payments stop here, whatever the
# day the generator runs, so that a seed always gives the same figures.
REFERENCE_DATE = datetime.date(2025, 10, 1)
IDENTIFIER_PREFIX = "XI-EXAMPLE"
BATCH = 1000
FICTIONAL = {
    "it": "Dati fittizi, generati per mostrare come funziona il portale.",
    "en": "Fictional data, generated to show how the portal works.",
    "fr": "Données fictives, générées pour montrer le fonctionnement du portail.",
    "es": "Datos ficticios, generados para mostrar cómo funciona el portal.",
    "pt": "Dados fictícios, gerados para mostrar como funciona o portal.",
}


# --- What the data are made of ----------------------------------------------------------------


@dataclass(frozen=True)
class Town:
    name: dict[str, str]
    latitude: float
    longitude: float


def _town(italian: str, english: str | None, latitude: float, longitude: float) -> Town:
    return Town({"it": italian, "en": english or italian}, latitude, longitude)


@dataclass(frozen=True)
class CountrySpec:
    code: str
    weight: int  # a few countries get most of the activities
    language: str  # a third language for titles and descriptions ("" for none)
    towns: tuple[Town, ...]
    sensitive: bool = False  # exact places are often hidden, a partner sometimes unnamed


COUNTRIES = (
    CountrySpec(
        "SN",
        24,
        "fr",
        (
            _town("Dakar", None, 14.693, -17.447),
            _town("Saint-Louis", None, 16.026, -16.489),
            _town("Thiès", None, 14.791, -16.926),
            _town("Ziguinchor", None, 12.583, -16.272),
        ),
    ),
    CountrySpec(
        "BF",
        18,
        "fr",
        (
            _town("Ouagadougou", None, 12.371, -1.519),
            _town("Bobo-Dioulasso", None, 11.177, -4.297),
            _town("Koudougou", None, 12.253, -2.362),
        ),
    ),
    CountrySpec(
        "PS",
        14,
        "",
        (
            _town("Betlemme", "Bethlehem", 31.705, 35.200),
            _town("Hebron", None, 31.530, 35.095),
            _town("Gerico", "Jericho", 31.857, 35.444),
        ),
        sensitive=True,
    ),
    CountrySpec(
        "MZ",
        10,
        "pt",
        (
            _town("Maputo", None, -25.969, 32.573),
            _town("Beira", None, -19.843, 34.839),
            _town("Nampula", None, -15.117, 39.267),
        ),
    ),
    CountrySpec(
        "ET",
        8,
        "",
        (
            _town("Addis Abeba", "Addis Ababa", 9.030, 38.740),
            _town("Bahir Dar", None, 11.594, 37.390),
            _town("Hawassa", None, 7.062, 38.476),
        ),
    ),
    CountrySpec(
        "BR",
        6,
        "pt",
        (
            _town("Belo Horizonte", None, -19.917, -43.934),
            _town("Salvador", None, -12.971, -38.501),
            _town("Recife", None, -8.048, -34.877),
        ),
    ),
    CountrySpec(
        "AL",
        5,
        "",
        (
            _town("Tirana", None, 41.327, 19.819),
            _town("Scutari", "Shkodër", 42.068, 19.513),
            _town("Valona", "Vlorë", 40.466, 19.490),
        ),
    ),
    CountrySpec(
        "TN",
        4,
        "fr",
        (_town("Tunisi", "Tunis", 36.806, 10.181), _town("Sfax", None, 34.740, 10.760)),
    ),
    CountrySpec(
        "LB",
        3,
        "fr",
        (_town("Beirut", None, 33.894, 35.502), _town("Tripoli", None, 34.437, 35.850)),
        sensitive=True,
    ),
    CountrySpec(
        "MA",
        3,
        "fr",
        (_town("Rabat", None, 34.020, -6.841), _town("Marrakech", None, 31.630, -7.990)),
    ),
    CountrySpec(
        "GT",
        2,
        "es",
        (
            _town("Città del Guatemala", "Guatemala City", 14.634, -90.507),
            _town("Quetzaltenango", None, 14.834, -91.518),
        ),
    ),
    CountrySpec(
        "BO",
        2,
        "es",
        (_town("La Paz", None, -16.500, -68.150), _town("Cochabamba", None, -17.389, -66.157)),
    ),
    CountrySpec(
        "KE",
        2,
        "",
        (_town("Nairobi", None, -1.286, 36.817), _town("Kisumu", None, -0.092, 34.768)),
    ),
    CountrySpec("EC", 1, "es", (_town("Quito", None, -0.180, -78.468),)),
    CountrySpec("CU", 1, "es", (_town("L'Avana", "Havana", 23.113, -82.366),)),
    CountrySpec("VN", 1, "", (_town("Huế", None, 16.463, 107.590),)),
    CountrySpec("CV", 1, "pt", (_town("Praia", None, 14.933, -23.513),)),
)


@dataclass(frozen=True)
class SectorSpec:
    code: str
    weight: int
    goals: tuple[str, ...]
    target: str  # an SDG target some activities also report
    titles: tuple[dict[str, str], ...]  # "{place}" is replaced by the town
    result: dict[str, str]
    markers: tuple[tuple[str, str], ...] = ()  # (policy marker, significance)


SECTORS = (
    SectorSpec(
        "14030",
        14,
        ("6",),
        "6.1",
        (
            {
                "it": "Acqua potabile per {place}",
                "en": "Drinking water for {place}",
                "fr": "Eau potable pour {place}",
                "es": "Agua potable para {place}",
                "pt": "Água potável para {place}",
            },
            {
                "it": "Pozzi e servizi igienici a {place}",
                "en": "Wells and sanitation in {place}",
                "fr": "Puits et assainissement à {place}",
                "es": "Pozos y saneamiento en {place}",
                "pt": "Poços e saneamento em {place}",
            },
        ),
        {"it": "Persone con accesso all'acqua potabile", "en": "People with safe drinking water"},
    ),
    SectorSpec(
        "12220",
        12,
        ("3",),
        "3.8",
        (
            {
                "it": "Salute di base nei quartieri di {place}",
                "en": "Basic health care in the neighbourhoods of {place}",
                "fr": "Santé de base dans les quartiers de {place}",
                "es": "Salud básica en los barrios de {place}",
                "pt": "Saúde básica nos bairros de {place}",
            },
            {
                "it": "Un ambulatorio per {place}",
                "en": "A health centre for {place}",
                "fr": "Un centre de santé pour {place}",
                "es": "Un centro de salud para {place}",
                "pt": "Um centro de saúde para {place}",
            },
        ),
        {"it": "Visite mediche all'anno", "en": "Medical visits a year"},
        (("9", "1"),),
    ),
    SectorSpec(
        "11220",
        12,
        ("4",),
        "4.1",
        (
            {
                "it": "Scuole primarie a {place}",
                "en": "Primary schools in {place}",
                "fr": "Écoles primaires à {place}",
                "es": "Escuelas primarias en {place}",
                "pt": "Escolas primárias em {place}",
            },
            {
                "it": "Libri e insegnanti per {place}",
                "en": "Books and teachers for {place}",
                "fr": "Livres et enseignants pour {place}",
                "es": "Libros y maestros para {place}",
                "pt": "Livros e professores para {place}",
            },
        ),
        {"it": "Bambine e bambini iscritti a scuola", "en": "Girls and boys enrolled in school"},
    ),
    SectorSpec(
        "31120",
        10,
        ("2",),
        "2.3",
        (
            {
                "it": "Orti comunitari a {place}",
                "en": "Community gardens in {place}",
                "fr": "Jardins communautaires à {place}",
                "es": "Huertos comunitarios en {place}",
                "pt": "Hortas comunitárias em {place}",
            },
            {
                "it": "Filiera agricola di {place}",
                "en": "Farm value chain of {place}",
                "fr": "Filière agricole de {place}",
                "es": "Cadena agrícola de {place}",
                "pt": "Cadeia agrícola de {place}",
            },
        ),
        {"it": "Famiglie contadine sostenute", "en": "Farming families supported"},
        (("7", "1"),),
    ),
    SectorSpec(
        "15112",
        8,
        ("16", "11"),
        "16.7",
        (
            {
                "it": "Servizi comunali a {place}",
                "en": "Municipal services in {place}",
                "fr": "Services municipaux à {place}",
                "es": "Servicios municipales en {place}",
                "pt": "Serviços municipais em {place}",
            },
        ),
        {"it": "Funzionari comunali formati", "en": "Municipal officers trained"},
        (("3", "2"),),
    ),
    SectorSpec(
        "15150",
        6,
        ("16",),
        "16.7",
        (
            {
                "it": "Partecipazione dei cittadini a {place}",
                "en": "Citizens' participation in {place}",
                "fr": "Participation citoyenne à {place}",
                "es": "Participación ciudadana en {place}",
                "pt": "Participação cidadã em {place}",
            },
        ),
        {"it": "Assemblee pubbliche tenute", "en": "Public meetings held"},
        (("3", "2"),),
    ),
    SectorSpec(
        "15170",
        6,
        ("5",),
        "5.5",
        (
            {
                "it": "Associazioni di donne a {place}",
                "en": "Women's associations in {place}",
                "fr": "Associations de femmes à {place}",
                "es": "Asociaciones de mujeres en {place}",
                "pt": "Associações de mulheres em {place}",
            },
        ),
        {"it": "Associazioni di donne rafforzate", "en": "Women's associations strengthened"},
        (("1", "2"),),
    ),
    SectorSpec(
        "43040",
        6,
        ("2", "8"),
        "2.3",
        (
            {
                "it": "Sviluppo rurale intorno a {place}",
                "en": "Rural development around {place}",
                "fr": "Développement rural autour de {place}",
                "es": "Desarrollo rural alrededor de {place}",
                "pt": "Desenvolvimento rural em torno de {place}",
            },
        ),
        {"it": "Villaggi raggiunti", "en": "Villages reached"},
        (("8", "1"),),
    ),
    SectorSpec(
        "41010",
        6,
        ("13", "11"),
        "11.6",
        (
            {
                "it": "Gestione dei rifiuti a {place}",
                "en": "Waste management in {place}",
                "fr": "Gestion des déchets à {place}",
                "es": "Gestión de residuos en {place}",
                "pt": "Gestão de resíduos em {place}",
            },
        ),
        {"it": "Tonnellate di rifiuti raccolte", "en": "Tonnes of waste collected"},
        (("2", "2"), ("6", "1")),
    ),
    SectorSpec(
        "16010",
        5,
        ("1", "10"),
        "1.3",
        (
            {
                "it": "Protezione sociale a {place}",
                "en": "Social protection in {place}",
                "fr": "Protection sociale à {place}",
                "es": "Protección social en {place}",
                "pt": "Proteção social em {place}",
            },
        ),
        {"it": "Famiglie assistite", "en": "Households assisted"},
    ),
    SectorSpec(
        "25010",
        5,
        ("8",),
        "8.3",
        (
            {
                "it": "Microimprese giovanili a {place}",
                "en": "Youth micro-enterprises in {place}",
                "fr": "Micro-entreprises de jeunes à {place}",
                "es": "Microempresas juveniles en {place}",
                "pt": "Microempresas de jovens em {place}",
            },
        ),
        {"it": "Microimprese avviate", "en": "Micro-enterprises started"},
    ),
    SectorSpec(
        "72010",
        4,
        ("1", "2"),
        "1.3",
        (
            {
                "it": "Aiuti d'emergenza a {place}",
                "en": "Emergency relief in {place}",
                "fr": "Aide d'urgence à {place}",
                "es": "Ayuda de emergencia en {place}",
                "pt": "Ajuda de emergência em {place}",
            },
        ),
        {"it": "Persone assistite", "en": "People assisted"},
        (("10", "1"),),
    ),
)

# Partners in Italy: (key, Italian name, English name, IATI organisation type, sectors).
HOME_PARTNERS = (
    ("acqua", "Associazione Esempio per l'acqua", "Example Association for Water", "22"),
    ("salute", "Associazione Esempio per la salute", "Example Association for Health", "22"),
    ("scuola", "Associazione Esempio per la scuola", "Example Association for Schools", "22"),
    (
        "donne",
        "Associazione Esempio per i diritti delle donne",
        "Example Association for Women's Rights",
        "22",
    ),
    ("terra", "Cooperativa Esempio Terra Comune", "Example Common Ground Cooperative", "70"),
    ("fondazione", "Fondazione Esempio Solidale", "Example Solidarity Foundation", "60"),
    ("universita", "Università di Esempio", "University of Example", "80"),
    ("ong", "Esempio ONG Internazionale", "Example International NGO", "21"),
)


@dataclass(frozen=True)
class AuthoritySpec:
    key: str
    identifier: str
    name: dict[str, str]
    section_slug: dict[str, str]


def authority_spec(index: int) -> AuthoritySpec:
    """Return the ``index``-th fictional authority (0: "Comune di Esempio")."""
    known = [
        (
            "comune-di-esempio",
            "ESEMPIO",
            {
                "it": "Comune di Esempio (ente fittizio)",
                "en": "Example Municipality (fictional authority)",
            },
            {"it": "comune-di-esempio", "en": "example-municipality"},
        ),
        (
            "regione-di-esempio",
            "REGIONE-ESEMPIO",
            {
                "it": "Regione di Esempio (ente fittizio)",
                "en": "Example Region (fictional authority)",
            },
            {"it": "regione-di-esempio", "en": "example-region"},
        ),
        (
            "provincia-di-esempio",
            "PROVINCIA-ESEMPIO",
            {
                "it": "Provincia di Esempio (ente fittizio)",
                "en": "Example Province (fictional authority)",
            },
            {"it": "provincia-di-esempio", "en": "example-province"},
        ),
    ]
    if index < len(known):
        key, suffix, name, slugs = known[index]
    else:
        number = index + 1
        key, suffix = f"comune-di-esempio-{number}", f"ESEMPIO-{number}"
        name = {
            "it": f"Comune di Esempio {number} (ente fittizio)",
            "en": f"Example Municipality {number} (fictional authority)",
        }
        slugs = {"it": key, "en": f"example-municipality-{number}"}
    return AuthoritySpec(key, f"{IDENTIFIER_PREFIX}-{suffix}", name, slugs)


# --- The report ---------------------------------------------------------------------------------


@dataclass
class GenerationReport:
    """What a run wrote, how long it took, and the rows per second."""

    rows: dict[str, int] = field(default_factory=dict)
    deleted: int = 0
    seconds: float = 0.0  # writing, without deleting an earlier run's data
    deleting_seconds: float = 0.0
    authorities: list[str] = field(default_factory=list)

    def add(self, kind: str, count: int) -> None:
        self.rows[kind] = self.rows.get(kind, 0) + count

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def rows_per_second(self) -> float:
        return self.total_rows / self.seconds if self.seconds else 0.0


class GeneratorError(Exception):
    """The generator cannot run as asked; the message says why and what to do."""


# --- Building one authority in memory -----------------------------------------------------------


def _weighted(rng: random.Random, items, weights):
    return rng.choices(items, weights=weights, k=1)[0]


def _round(value: float, step: int = 100) -> Decimal:
    return Decimal(max(step, round(value / step) * step))


def _fill(template: dict[str, str], place: dict[str, str], languages: list[str]) -> dict[str, str]:
    return {
        lang: template[lang].format(place=place.get(lang, place["it"]))
        for lang in languages
        if lang in template
    }


@dataclass
class PlannedActivity:
    """An activity and its parts, built in memory before the bulk insert."""

    activity: Activity
    children: dict[str, list[models.Model]]
    yearly: dict[int, Decimal]  # budget by year (for the annual plans)


class AuthorityGenerator:
    """Build one fictional authority's records from a seeded random generator."""

    def __init__(self, spec: AuthoritySpec, *, seed: int, activities: int) -> None:
        self.spec = spec
        self.rng = random.Random(f"{seed}-{spec.key}")
        self.activity_count = activities

    # Organisations ---------------------------------------------------------------------------
    def organisations(
        self,
    ) -> tuple[Organisation, dict[str, Organisation], dict[str, Organisation]]:
        authority = Organisation(
            slug=self.spec.key,
            name=self.spec.name,
            identifier=self.spec.identifier,
            type="11",
            country="IT",
            is_reporting=True,
        )
        home = {
            key: Organisation(
                slug=f"{self.spec.key}-partner-{key}",
                name={"it": f"{italian} (fittizia)", "en": f"{english} (fictional)"},
                identifier=f"{self.spec.identifier}-P-{key.upper()}",
                type=org_type,
                country="IT",
            )
            for key, italian, english, org_type in HOME_PARTNERS
        }
        local = {
            country.code: Organisation(
                slug=f"{self.spec.key}-partner-{country.code.lower()}",
                name={
                    "it": f"Associazione Esempio di {country.towns[0].name['it']} (fittizia)",
                    "en": f"Example Association of {country.towns[0].name['en']} (fictional)",
                },
                identifier=f"{self.spec.identifier}-P-{country.code}",
                type="24",
                country=country.code,
            )
            for country in COUNTRIES
        }
        return authority, home, local

    # Activities ------------------------------------------------------------------------------
    def activities(
        self, authority: Organisation, home: dict[str, Organisation], local: dict[str, Organisation]
    ) -> Iterator[PlannedActivity]:
        rng = self.rng
        country_weights = [c.weight for c in COUNTRIES]
        sector_weights = [s.weight for s in SECTORS]
        years = list(range(FIRST_YEAR, LAST_YEAR + 1))
        # A little more cooperation every year.
        year_weights = [10 + 2 * i for i in range(len(years))]
        home_by_sector = {
            "14030": "acqua",
            "12220": "salute",
            "11220": "scuola",
            "15170": "donne",
            "31120": "terra",
            "43040": "terra",
            "25010": "fondazione",
            "15112": "universita",
            "15150": "universita",
            "41010": "ong",
            "16010": "fondazione",
            "72010": "ong",
        }
        for number in range(1, self.activity_count + 1):
            country = _weighted(rng, COUNTRIES, country_weights)
            sector = _weighted(rng, SECTORS, sector_weights)
            town = rng.choice(country.towns)
            languages = ["it", "en"] + ([country.language] if country.language else [])
            template = rng.choice(sector.titles)
            title = _fill(template, town.name, languages)
            start_year = _weighted(rng, years, year_weights)
            planned_start = datetime.date(start_year, rng.randint(1, 9), 1)
            duration = _weighted(rng, (1, 2, 3, 4), (50, 30, 15, 5))
            planned_end = planned_start.replace(year=start_year + duration) - datetime.timedelta(
                days=1
            )
            started = planned_start <= REFERENCE_DATE
            ended = planned_end < REFERENCE_DATE
            if not started:
                status = "1"
            elif not ended:
                status = "2"
            elif (REFERENCE_DATE - planned_end).days < 180:
                status = "3"
            else:
                status = "4"
            # Most activities in euros; a few recorded in US dollars (never added to euros).
            currency = "USD" if rng.random() < 0.04 else "EUR"
            # Many small activities, a few large ones.
            total = min(_round(rng.lognormvariate(math.log(30000), 0.95)), Decimal(2_000_000))
            sensitive = country.sensitive and rng.random() < 0.5
            description = {
                lang: f"{FICTIONAL[lang]} {title[lang]}." for lang in languages if lang in FICTIONAL
            }
            activity = Activity(
                reporting_org=authority,
                iati_identifier=f"{authority.identifier}-{start_year}-{number:06d}",
                slug=f"{slugify(title['en'])[:100]}-{number}",
                title=title,
                description=description,
                status=status,
                planned_start=planned_start,
                planned_end=planned_end,
                actual_start=planned_start if started else None,
                actual_end=planned_end if status == "4" else None,
                default_currency=currency,
                collaboration_type="1",
                default_flow_type="10",
                default_finance_type="110",
                default_aid_type="C01",
                default_tied_status="5",
                contact_organisation=self.spec.name,
                hide_exact_locations=sensitive,
            )
            children: dict[str, list[models.Model]] = {}
            # Where: one country, sometimes two; now and then only a region.
            regional = rng.random() < 0.03
            if regional:
                children["recipient_countries"] = []
                children["recipient_regions"] = [
                    RecipientRegion(vocabulary=DAC_REGIONS, code="289", percentage=Decimal(100))
                ]
            elif rng.random() < 0.08:
                other = _weighted(rng, COUNTRIES, country_weights)
                if other.code != country.code:
                    share = rng.choice((50, 60, 70))
                    children["recipient_countries"] = [
                        RecipientCountry(code=country.code, percentage=Decimal(share)),
                        RecipientCountry(code=other.code, percentage=Decimal(100 - share)),
                    ]
            if "recipient_countries" not in children:
                children["recipient_countries"] = [
                    RecipientCountry(code=country.code, percentage=Decimal(100))
                ]
            towns = [town] + [t for t in country.towns if t is not town and rng.random() < 0.25]
            children["locations"] = [
                Location(
                    name=t.name,
                    country=country.code,
                    latitude=Decimal(f"{t.latitude:.6f}"),
                    longitude=Decimal(f"{t.longitude:.6f}"),
                    exactness="1",
                    reach="1",
                )
                for t in ([] if regional else towns)
            ]
            # What: one sector, sometimes two.
            sectors = [sector]
            if rng.random() < 0.2:
                second = _weighted(rng, SECTORS, sector_weights)
                if second is not sector:
                    sectors.append(second)
            shares = [100] if len(sectors) == 1 else [70, 30]
            children["sectors"] = [
                Sector(vocabulary=DAC_SECTORS, code=s.code, percentage=Decimal(p))
                for s, p in zip(sectors, shares, strict=True)
            ]
            goals = list(dict.fromkeys(g for s in sectors for g in s.goals))
            tags = [SdgTag(vocabulary=SDG_GOALS, code=goal) for goal in goals]
            if rng.random() < 0.3:
                tags.append(SdgTag(vocabulary=SDG_TARGETS, code=sector.target))
            children["sdg_tags"] = tags
            markers = dict(sector.markers)
            if "1" not in markers and rng.random() < 0.4:
                markers["1"] = "1"
            children["policy_markers"] = [
                PolicyMarker(code=code, significance=significance)
                for code, significance in markers.items()
            ]
            # Who: the authority funds, an Italian partner and a local association implement.
            italian_partner = home[home_by_sector[sector.code]]
            local_partner = local[country.code]
            participants = [
                ParticipatingOrg(organisation=authority, role="1"),
                ParticipatingOrg(organisation=italian_partner, role="4"),
            ]
            if rng.random() < 0.6:
                participants.append(
                    ParticipatingOrg(
                        organisation=local_partner,
                        role="4",
                        hide_name=sensitive and rng.random() < 0.5,
                    )
                )
            children["participating_orgs"] = participants
            # Money: yearly budgets, one commitment, payments for the years begun.
            yearly = self._yearly(planned_start, planned_end, total)
            children["budgets"] = [
                Budget(
                    type="1",
                    status="2" if year <= REFERENCE_DATE.year else "1",
                    period_start=max(planned_start, datetime.date(year, 1, 1)),
                    period_end=min(planned_end, datetime.date(year, 12, 31)),
                    value=value,
                    value_date=planned_start,
                )
                for year, value in yearly.items()
            ]
            transactions = []
            if started:
                transactions.append(
                    Transaction(
                        type="2",
                        date=planned_start,
                        value=total,
                        value_date=planned_start,
                        provider_org=authority,
                        receiver_org=italian_partner,
                    )
                )
                for budget in children["budgets"]:
                    if budget.period_start > REFERENCE_DATE:
                        continue
                    days = (budget.period_end - budget.period_start).days
                    day = budget.period_start + datetime.timedelta(days=rng.randint(0, days))
                    day = min(day, REFERENCE_DATE)
                    rate = rng.uniform(0.7, 1.0)
                    if budget.period_end > REFERENCE_DATE:
                        rate *= 0.5
                    transactions.append(
                        Transaction(
                            type="3",
                            date=day,
                            value=_round(float(budget.value) * rate, 10),
                            value_date=day,
                            provider_org=authority,
                            receiver_org=italian_partner,
                        )
                    )
                if rng.random() < 0.2:
                    day = min(planned_start + datetime.timedelta(days=90), REFERENCE_DATE)
                    transactions.append(
                        Transaction(
                            type="4",
                            date=day,
                            value=_round(float(total) * rng.uniform(0.02, 0.08), 10),
                            value_date=day,
                            description={
                                "it": "Missione di monitoraggio (fittizia)",
                                "en": "Monitoring visit (fictional)",
                            },
                            provider_org=authority,
                        )
                    )
            children["transactions"] = transactions
            # Results.
            target = rng.randint(2, 60) * 10
            actual = None
            if status in ("3", "4"):
                actual = Decimal(round(target * rng.uniform(0.7, 1.15)))
            elif status == "2":
                actual = Decimal(round(target * rng.uniform(0.1, 0.6)))
            result = Result(type="1", title=sector.result)
            indicator = ResultIndicator(
                title=sector.result,
                measure="1",
                baseline_year=start_year,
                baseline_value="0",
            )
            indicator.periods = [
                IndicatorPeriod(
                    period_start=planned_start,
                    period_end=planned_end,
                    target_value=str(target),
                    actual_value=result_value_text(actual),
                )
            ]
            result.indicators = [indicator]
            children["results"] = [result]
            if rng.random() < 0.5:
                people = rng.randint(5, 200) * 10
                women = int(people * rng.uniform(0.45, 0.6))
                children["beneficiaries"] = [
                    Beneficiaries(
                        group={"it": "Persone raggiunte", "en": "People reached"},
                        year=min(planned_end.year, REFERENCE_DATE.year),
                        total=people,
                        women=women,
                        men=people - women,
                    )
                ]
            else:
                children["beneficiaries"] = []
            children["documents"] = (
                [
                    DocumentLink(
                        title={
                            "it": "Scheda del progetto (documento fittizio, non pubblicato)",
                            "en": "Project sheet (fictional document, not published)",
                        },
                        category="A02",
                        language="it",
                        date=planned_start,
                    )
                ]
                if rng.random() < 0.3
                else []
            )
            if currency != "EUR":
                for budget in children["budgets"]:
                    budget.currency = ""
            yield PlannedActivity(activity, children, yearly)

    def _yearly(
        self, start: datetime.date, end: datetime.date, total: Decimal
    ) -> dict[int, Decimal]:
        """Split ``total`` over the calendar years of the activity by days, in whole hundreds."""
        days = {}
        for year in range(start.year, end.year + 1):
            first = max(start, datetime.date(year, 1, 1))
            last = min(end, datetime.date(year, 12, 31))
            days[year] = (last - first).days + 1
        all_days = sum(days.values())
        result = {}
        remaining = total
        for i, (year, count) in enumerate(days.items()):
            if i == len(days) - 1:
                result[year] = remaining
            else:
                value = min(_round(float(total) * count / all_days), remaining)
                result[year] = value
                remaining -= value
        return {year: value for year, value in result.items() if value > 0}


# --- Writing ------------------------------------------------------------------------------------


def _delete_previous(spec: AuthoritySpec, report: GenerationReport) -> None:
    """Remove what an earlier run generated for this authority (records and partners)."""
    authority = Organisation.objects.filter(identifier=spec.identifier).first()
    if authority is None:
        return
    started = time.perf_counter()
    querysets = [
        PlanAllocation.objects.filter(plan__reporting_org=authority),
        AnnualPlan.objects.filter(reporting_org=authority),
        Initiative.objects.filter(reporting_org=authority),
        Exchange.objects.filter(reporting_org=authority),
        Activity.objects.filter(reporting_org=authority),
        Organisation.objects.filter(slug__startswith=f"{spec.key}-partner-"),
    ]
    try:
        # Wagtail clears the reference index object by object (two queries for each record and
        # each part of it); clear it in two queries per model instead. Other handlers still run.
        with disable_reference_index_auto_update():
            for queryset in querysets:
                ids = [str(pk) for pk in queryset.values_list("pk", flat=True)]
                report.deleted += queryset.delete()[0]
                content_type = ContentType.objects.get_for_model(queryset.model)
                ReferenceIndex.objects.filter(
                    base_content_type=content_type, object_id__in=ids
                ).delete()
                ReferenceIndex.objects.filter(
                    to_content_type=content_type, to_object_id__in=ids
                ).delete()
    except ProtectedError as exc:
        names = ", ".join(sorted({str(obj) for obj in exc.protected_objects})[:5])
        raise GeneratorError(
            f"Cannot replace the generated data of {spec.identifier}: other records refer to "
            f"its partners ({names}). Remove those references first; nothing was changed."
        ) from exc
    report.deleting_seconds += time.perf_counter() - started


def _write_activities(
    planned: list[PlannedActivity], report: GenerationReport, revisions: bool, index: bool
) -> None:
    write_records(
        Activity,
        [Item(p.activity, p.children) for p in planned],
        publish=True,
        revisions=revisions,
        index=index,
        batch_size=BATCH,
    )
    report.add("activities", len(planned))
    for p in PARTS:
        report.add(p.relation, sum(len(item.children.get(p.relation, [])) for item in planned))
    if revisions:
        report.add("revisions", len(planned))


def _write_plans(
    authority: Organisation,
    planned: list[PlannedActivity],
    rng: random.Random,
    report: GenerationReport,
    revisions: bool,
    index: bool,
) -> None:
    """Write one annual plan per year: the activities it funds and a planned total above them."""
    plans: list[Item] = []
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        funded = [
            (p.activity, p.yearly[year])
            for p in planned
            if year in p.yearly and p.activity.default_currency == "EUR"
        ]
        allocated = sum((amount for _a, amount in funded), Decimal(0))
        planned_total = Decimal(math.ceil(float(allocated) * rng.uniform(1.05, 1.2) / 1000) * 1000)
        plan = AnnualPlan(
            reporting_org=authority,
            year=year,
            slug=str(year),
            title={
                "it": f"Piano annuale della cooperazione {year} (fittizio)",
                "en": f"Annual cooperation plan {year} (fictional)",
            },
            summary={
                "it": f"{FICTIONAL['it']} Il piano {year} finanzia {len(funded)} progetti.",
                "en": f"{FICTIONAL['en']} The {year} plan funds {len(funded)} projects.",
            },
            approving_act={
                "it": f"Delibera di Giunta n. {rng.randint(10, 400)}/{year} (fittizia)",
                "en": f"Executive resolution no. {rng.randint(10, 400)}/{year} (fictional)",
            },
            planned_total=planned_total if funded else None,
            currency="EUR",
        )
        plan.documents = [
            PlanDocument(
                title={
                    "it": f"Piano annuale {year} (documento fittizio, non pubblicato)",
                    "en": f"Annual plan {year} (fictional document, not published)",
                },
                category="B02",
                language="it",
                date=datetime.date(year - 1, 12, 15),
            )
        ]
        allocations = [
            PlanAllocation(activity=activity, amount=amount, sort_order=order)
            for order, (activity, amount) in enumerate(funded)
        ]
        plans.append(
            Item(plan, {"documents": list(plan.documents.all()), "allocations": allocations})
        )
        report.add("plans", 1)
        report.add("plan_documents", 1)
        report.add("plan_allocations", len(funded))
    write_records(AnnualPlan, plans, publish=True, revisions=revisions, index=index)
    if revisions:
        report.add("revisions", len(plans))


def _write_initiatives_and_exchanges(
    authority: Organisation,
    home: dict[str, Organisation],
    rng: random.Random,
    report: GenerationReport,
    revisions: bool,
    index: bool,
) -> None:
    initiatives: list[Item] = []
    exchanges: list[Item] = []
    festival = [
        (
            year,
            {
                "it": f"Festa della cooperazione di Esempio {year} (fittizia)",
                "en": f"Example cooperation festival {year} (fictional)",
            },
        )
        for year in (2015, 2019, 2023)
    ]
    for order, (year, title) in enumerate(festival):
        initiative = Initiative(
            reporting_org=authority,
            kind="event",
            slug=f"festa-{year}",
            title=title,
            summary={
                "it": f"{FICTIONAL['it']} Una giornata di incontri con le associazioni partner.",
                "en": f"{FICTIONAL['en']} A day of meetings with the partner associations.",
            },
            start_date=datetime.date(year, 5, rng.randint(1, 28)),
            place={"it": "Piazza di Esempio", "en": "Example Square"},
            sort_order=order,
        )
        initiative.countries = [
            InitiativeCountry(code=code) for code in ("SN", "BF", "PS")[: rng.randint(1, 3)]
        ]
        initiative.partners = [
            InitiativePartner(
                organisation=home["fondazione"],
                role={"it": "co-organizzatore", "en": "co-organiser"},
            )
        ]
        initiatives.append(
            Item(
                initiative,
                {
                    "countries": list(initiative.countries.all()),
                    "partners": list(initiative.partners.all()),
                },
            )
        )
        report.add("initiatives", 1)
    for order, code in enumerate(("SN", "BF", "MZ", "AL", "BR")):
        year = FIRST_YEAR + 2 + order * 3
        exchange = Exchange(
            reporting_org=authority,
            kind=rng.choice(("seminar", "workshop", "exchange-of-good-practice")),
            slug=f"scambio-{code.lower()}-{year}",
            title={
                "it": f"Scambio di buone pratiche sui servizi comunali, {year} (fittizio)",
                "en": f"Exchange of good practice on municipal services, {year} (fictional)",
            },
            country=code,
            theme={"it": "Servizi comunali", "en": "Municipal services"},
            summary={"it": FICTIONAL["it"], "en": FICTIONAL["en"]},
            place={"it": "Comune di Esempio", "en": "Example Municipality"},
            start_date=datetime.date(year, 10, 1 + order),
            participants=rng.randint(8, 40),
            sort_order=order,
        )
        exchanges.append(Item(exchange))
        report.add("exchanges", 1)
    write_records(Initiative, initiatives, publish=True, revisions=revisions, index=index)
    write_records(Exchange, exchanges, publish=True, revisions=revisions, index=index)
    if revisions:
        report.add("revisions", len(initiatives) + len(exchanges))


def _write_pages(
    authority: Organisation, spec: AuthoritySpec, atlas_host: str | None, on_default_site: bool
) -> None:
    """Give the authority a section (in both languages) with its lists, statistics and map.

    The section is on the atlas's site (``opencoop.demo.atlas``), never on Florence's: a
    fictional authority must not wear a real one's header and footer. ``on_default_site`` puts
    it on the default site instead, for a portal of several authorities on one site.
    """
    from opencoop.core.sites import in_site
    from opencoop.demo.atlas import ATLAS_HOST, atlas_homes
    from opencoop.demo.loader import HostError, publish_page_pair
    from opencoop.geography.models import MapPage
    from opencoop.pages.models import RecordIndexPage, SectionPage
    from opencoop.stats.models import PlansOverviewPage, StatisticsPage

    if not Locale.objects.filter(language_code="en").exists():
        raise GeneratorError(
            "No English locale to put the fictional authority's pages in: run "
            "`manage.py load_demo` first, or pass --no-pages."
        )
    if on_default_site:
        site = Site.objects.get(is_default_site=True)
        home_it = site.root_page.specific
        home_en = home_it.get_translation(Locale.objects.get(language_code="en"))
    else:
        try:
            home_it, home_en = atlas_homes(atlas_host or ATLAS_HOST)
        except HostError as error:
            raise GeneratorError(f"--atlas-host: {error}; nothing was changed.") from error
        site = Site.objects.get(root_page=home_it)
    # An earlier version put the section on Florence's site: take it away from there.
    elsewhere = SectionPage.objects.filter(reporting_org=authority).exclude(
        pk__in=in_site(SectionPage.objects.all(), site).values("pk")
    )
    for page in elsewhere:
        page.delete()
    notice = {
        "it": f"{FICTIONAL['it']} {spec.name['it']} non esiste: i suoi progetti, importi, "
        "partner e piani sono inventati.",
        "en": f"{FICTIONAL['en']} {spec.name['en']} does not exist: its projects, amounts, "
        "partners and plans are made up.",
    }
    section = publish_page_pair(
        (home_it, home_en),
        SectionPage,
        {"title": spec.name, "slug": spec.section_slug},
        f"{spec.key}:section",
        intro=notice,
        reporting_org=authority,
    )
    lists = (
        ("activities", {"it": "Progetti", "en": "Projects"}, {"it": "progetti", "en": "projects"}),
        (
            "initiatives",
            {"it": "Iniziative", "en": "Initiatives"},
            {"it": "iniziative", "en": "initiatives"},
        ),
        (
            "exchanges",
            {"it": "Seminari e scambi", "en": "Seminars and exchanges"},
            {"it": "seminari-e-scambi", "en": "seminars-and-exchanges"},
        ),
        (
            "plans",
            {"it": "Piani annuali", "en": "Annual plans"},
            {"it": "piani-annuali", "en": "annual-plans"},
        ),
    )
    for record_type, title, slug in lists:
        publish_page_pair(
            section,
            RecordIndexPage,
            {"title": title, "slug": slug},
            f"{spec.key}:{record_type}",
            intro=notice,
            record_type=record_type,
        )
    figures = (
        (
            StatisticsPage,
            {"it": "Statistiche", "en": "Statistics"},
            {"it": "statistiche", "en": "statistics"},
        ),
        (
            PlansOverviewPage,
            {"it": "Piani e spesa", "en": "Plans and spending"},
            {"it": "piani-e-spesa", "en": "plans-and-spending"},
        ),
        (MapPage, {"it": "Mappa", "en": "Map"}, {"it": "mappa", "en": "map"}),
    )
    for model, title, slug in figures:
        publish_page_pair(
            section,
            model,
            {"title": title, "slug": slug},
            f"{spec.key}:{slug['en']}",
            intro=notice,
            reporting_org=authority,
        )


def generate(
    *,
    activities: int = 60,
    authorities: int = 1,
    seed: int = 2011,
    revisions: bool = False,
    pages: bool = True,
    index: bool = True,
    page_authorities: int | None = None,
    atlas_host: str | None = None,
    on_default_site: bool = False,
) -> GenerationReport:
    """Generate ``authorities`` fictional authorities with ``activities`` activities each.

    All or nothing: one database transaction. Returns the rows written and the time taken.
    ``page_authorities`` limits the pages to the first N authorities: creating an authority's
    fourteen pages takes longer than its first thousand activities. The pages go on the
    atlas's site at ``atlas_host`` ("hostname:port"), created when missing, or with
    ``on_default_site`` on the default site (one site of several authorities).
    """
    if activities < 1 or authorities < 1:
        raise GeneratorError(
            f"--activities and --authorities must be at least 1 (got {activities} and "
            f"{authorities}); nothing was changed."
        )
    report = GenerationReport()
    started = time.perf_counter()
    with transaction.atomic():
        for number in range(authorities):
            spec = authority_spec(number)
            report.authorities.append(spec.identifier)
            _delete_previous(spec, report)
            generator = AuthorityGenerator(spec, seed=seed, activities=activities)
            authority, home, local = generator.organisations()
            existing = Organisation.objects.filter(identifier=spec.identifier).first()
            if existing is not None:
                for name in ("slug", "name", "type", "country", "is_reporting"):
                    setattr(existing, name, getattr(authority, name))
                authority = existing
            authority.full_clean()
            authority.save()
            partners = Organisation.objects.bulk_create([*home.values(), *local.values()])
            if index:
                # bulk_create sends no post_save: index the partners here, in one batch, so
                # that searches and the organisation chooser find them as they find the rest.
                pks = [partner.pk for partner in partners]
                transaction.on_commit(lambda pks=pks: index_records(Organisation, pks))
            report.add("organisations", 1 + len(home) + len(local))
            planned: list[PlannedActivity] = []
            for item in generator.activities(authority, home, local):
                planned.append(item)
                if len(planned) % BATCH == 0:
                    _write_activities(planned[-BATCH:], report, revisions, index)
            rest = len(planned) % BATCH
            if rest:
                _write_activities(planned[-rest:], report, revisions, index)
            _write_plans(authority, planned, generator.rng, report, revisions, index)
            _write_initiatives_and_exchanges(
                authority, home, generator.rng, report, revisions, index
            )
            if pages and (page_authorities is None or number < page_authorities):
                _write_pages(authority, spec, atlas_host, on_default_site)
    _analyze()
    report.seconds = time.perf_counter() - started - report.deleting_seconds
    return report


def _analyze() -> None:
    """Refresh PostgreSQL's statistics of the tables just filled.

    Right after a bulk load the planner still believes the tables are small and picks plans
    that make the statistics pages a hundred times slower until autovacuum catches up.
    """
    if connection.vendor != "postgresql":
        return
    models_filled = (Activity, *(p.model for p in PARTS), PlanAllocation)
    tables = [model._meta.db_table for model in models_filled]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'ANALYZE "{table}"')
