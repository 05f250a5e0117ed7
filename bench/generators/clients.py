"""Clients and their contacts: 100,000 clients, 300,000 contacts and about 200,000 phones and emails at scale 1.

The rows are built in memory and bulk-inserted, bypassing the services on purpose: a service call
validates, checks access, writes a history row and publishes an event per row, which would take
hours for this many rows and would measure nothing the scenarios need. Bench rows therefore have no
change history (the card's history panel reads an empty history), no events were published, and the
search index is rebuilt once at the end instead of being fed row by row. What a service would derive
is derived here too: ``name_key``, ``tax_id`` copied from the requisites, a ``Requisites`` row per
client, and each phone's ``search_key``. Requisites carry valid check digits (``clients.synthetic``).

Bench clients are the clients created by the bench administrator persona (``created_by``, an indexed
foreign key, so counting them is cheap). They are inserted in order inside one transaction, so the
existing ones are always the first N of the sequence: a run draws every row's values, skips the first
N, and inserts the rest (and returns at once when there is nothing to add). Contacts and phones go to
bench clients that have neither yet; each client draws them from its own random stream, so a run
skips the clients that are done without drawing for them.

Responsibility follows the bench organisation: the manager persona owns about 300 clients at scale 1
(a realistic "my clients" list), group supervisors keep a few, the head of sales a few key accounts,
and the rest are spread evenly over the bench managers, each client in its manager's team.
"""

from __future__ import annotations

import datetime
import functools
import logging
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, models
from django.utils import timezone

from bench import generator
from bench.data import NamePool, insert_in_batches, target
from bench.generators.users import TEAM_PREFIX
from bench.personas import ADMINISTRATOR, HEAD, MANAGER, PERSONAS
from kartoteka.clients import synthetic
from kartoteka.clients.models import (
    Client,
    ClientCategory,
    ClientKind,
    ClientPriority,
    ClientSource,
    ClientType,
    Industry,
    LegalForm,
    Requisites,
    Segment,
    SizeClass,
    TermsPackage,
)
from kartoteka.clients.names import name_key
from kartoteka.clients.requisites import tax_id_field
from kartoteka.contacts.models import Contact, ContactPoint, ContactPointKind, ContactPointLabel, ContactRole, ManagementLevel
from kartoteka.contacts.normalize import phone_search_key
from kartoteka.core.models import Tag, Territory
from kartoteka.users.models import Role, Team, User

logger = logging.getLogger("bench")

CLIENTS_AT_SCALE_1 = 100_000  # DESIGN §9
# Contacts per client; the mean is 3.02, so 100,000 clients have about 300,000 contacts (DESIGN §9).
CONTACT_COUNT_MIX = {0: 5, 1: 16, 2: 22, 3: 25, 4: 14, 5: 9, 6: 5, 8: 3, 12: 1}

# Who is responsible. The manager persona owns clients 1-3 and every 333rd (303 at scale 1, 3 even in
# the harness tests' tiny data set); of the rest, shares go to the head of sales and the group supervisors,
# and everything else is spread over the bench managers.
MANAGER_PERSONA_FIRST = 3
MANAGER_PERSONA_EVERY = 333
HEAD_PERSONA_SHARE = 0.005  # key accounts the head of sales keeps
SUPERVISOR_SHARE = 0.04  # clients a group's supervisor handles personally

COUNTRY_MIX = {"RU": 85, "UA": 7, "RO": 5, "MD": 3}
CITY_MIX = {
    "RU": {"Moscow": 40, "Saint Petersburg": 20, "Novosibirsk": 14, "Yekaterinburg": 14, "Kazan": 12},
    "UA": {"Kyiv": 40, "Kharkiv": 15, "Odesa": 15, "Lviv": 15, "Dnipro": 15},
    "RO": {"Bucharest": 50, "Cluj-Napoca": 20, "Iași": 15, "Timișoara": 15},
    "MD": {"Chișinău": 80, "Bălți": 20},
}
LEGAL_FORM_MIX = {
    "RU": {"ru-ooo": 64, "ru-ao": 7, "ru-pao": 1, "ru-zao": 3, "ru-ip": 25},
    "UA": {"ua-tov": 60, "ua-pp": 20, "ua-fop": 20},
    "RO": {"ro-srl": 75, "ro-sa": 10, "ro-pfa": 15},
    "MD": {"md-srl": 1},
}
SOLE_PROPRIETORS = {"ru-ip", "ua-fop", "ro-pfa"}
INDIVIDUAL_SHARE = 0.03
TAX_ID_SHARE = 0.6  # the rest are leads and small clients nobody asked for codes yet

# Skewed like real portfolios: few VIPs, most clients in B and C, some never categorised.
CATEGORY_MIX = {"vip": 2, "a": 10, "b": 28, "c": 45, None: 15}
PRIORITY_MIX = {"a": 15, "b": 35, "c": 40, None: 10}
TYPE_MIX: dict[str | None, int] = {"potential": 30, "tentative": 10, "active": 45, "passive": 15}
SEGMENT_MIX = {"dealer": 15, "corporate": 25, "chain": 8, "distributor": 12, "end-user": 30, None: 10}
SOURCE_MIX = {"cold-call": 30, "website": 25, "exhibition": 10, "referral": 15, "advertising": 5, "tender": 5, None: 10}
INDUSTRY_MIX: dict[str | None, int] = {
    "manufacturing": 18, "wholesale": 20, "retail": 12, "construction": 14, "it": 7, "logistics": 8,
    "agro": 6, "horeca": 5, "services": 7, "public": 3,
}  # fmt: skip
SIZE_MIX = {"small": 55, "medium": 28, "large": 12, "corporation": 2, None: 3}
TERMS_MIX: dict[str | None, int] = {"standard": 80, "dealer": 15, "key-account": 5}
CURRENCY = {"RU": "RUB", "UA": "UAH", "RO": "RON", "MD": "MDL"}
NAME_QUALIFIERS = ("Групп", "Плюс", "-М", "Центр", "Север", "Юг", "Трейд", "2000", "Сибирь", "Регион", "Холдинг", "Опт")
TAG_NAMES = ("опт", "дилер", "тендер", "выставка", "ключевой", "экспорт", "рассрочка", "новый", "госзаказ", "VIP-сервис")
TAGGED_SHARE = 0.2

POSITIONS = (  # position, role codes, management level
    ("Генеральный директор", ("decision-maker",), "top"),
    ("Коммерческий директор", ("decision-maker", "influencer"), "top"),
    ("Финансовый директор", ("influencer",), "top"),
    ("Главный инженер", ("expert", "influencer"), "top"),
    ("Начальник отдела снабжения", ("buyer", "influencer"), "middle"),
    ("Менеджер по закупкам", ("buyer",), "specialist"),
    ("Главный бухгалтер", ("user",), "middle"),
    ("Инженер", ("user", "expert"), "specialist"),
    ("Секретарь", ("gatekeeper",), "specialist"),
    ("Кладовщик", ("user",), "specialist"),
)
COMPANY_PHONE_SHARE = 0.7
CONTACT_PHONE_SHARE = 0.25
CONTACT_EMAIL_SHARE = 0.2
BIRTHDAY_SHARE = 0.4

ContactRoleLink = Contact.roles.through
ClientTagLink = Client.tags.through

# What this process's generators created, so the search index is rebuilt only when it changed.
_created_now: dict[str, int] = {}


class Mix[T]:
    """A weighted choice with its cumulative weights computed once: rows draw millions of times."""

    def __init__(self, weights: dict[T, int]) -> None:
        self.values = list(weights)
        self.cumulative = list(_accumulate(weights.values()))

    def draw(self, rng: random.Random) -> T:
        return rng.choices(self.values, cum_weights=self.cumulative)[0]


def _accumulate(weights: Sequence[int] | Any) -> Iterator[int]:
    total = 0
    for weight in weights:
        total += weight
        yield total


def marker_user() -> User:
    """The bench administrator persona: ``created_by`` of every bench client."""
    try:
        return User.objects.get(email=PERSONAS[ADMINISTRATOR].email)
    except User.DoesNotExist:
        raise LookupError("The clients generator needs the bench users: run the users generator first.") from None


def bench_clients() -> Any:
    return Client.objects.filter(created_by=marker_user())


@dataclass(frozen=True)
class Owners:
    """Who can be responsible for a bench client, and their teams and supervisors."""

    managers: Sequence[tuple[int, int | None]]  # (user id, team id) of every bench manager, by email
    manager_persona: tuple[int, int | None]
    head_persona: tuple[int, int | None]
    supervisors: Sequence[tuple[int, int | None]]  # group heads and their groups
    heads: Mapping[int, int | None]  # team id → its head

    @classmethod
    def load(cls) -> Owners:
        personas = dict(User.objects.filter(email__in=[PERSONAS[MANAGER].email, PERSONAS[HEAD].email]).values_list("email", "pk"))
        teams_of = dict(User.objects.filter(pk__in=personas.values()).values_list("pk", "team_id"))
        managers = list(
            User.objects.filter(email__startswith="bench-user-", roles__code=Role.MANAGER)
            .order_by("email")
            .values_list("pk", "team_id")
        )
        heads = dict(Team.objects.filter(name__startswith=TEAM_PREFIX).values_list("pk", "head_id"))
        supervisors = sorted((head, team) for team, head in heads.items() if head is not None)
        manager_persona = (personas[PERSONAS[MANAGER].email], teams_of[personas[PERSONAS[MANAGER].email]])
        head_persona = (personas[PERSONAS[HEAD].email], teams_of[personas[PERSONAS[HEAD].email]])
        return cls(
            managers=managers or [manager_persona],
            manager_persona=manager_persona,
            head_persona=head_persona,
            supervisors=supervisors or [head_persona],
            heads=heads,
        )

    def draw(self, rng: random.Random, number: int) -> tuple[int, int | None, int | None]:
        """(responsible, team, supervisor) of client ``number``; always two draws, so later rows do not shift."""
        share, pick = rng.random(), rng.random()
        if number <= MANAGER_PERSONA_FIRST or number % MANAGER_PERSONA_EVERY == 0:
            user, team = self.manager_persona
        elif share < HEAD_PERSONA_SHARE:
            user, team = self.head_persona
        elif share < HEAD_PERSONA_SHARE + SUPERVISOR_SHARE:
            user, team = self.supervisors[int(pick * len(self.supervisors))]
        else:
            user, team = self.managers[int(pick * len(self.managers))]
        supervisor = self.heads.get(team) if team is not None else None
        return user, team, supervisor if supervisor != user else None


def _codes(model: Any) -> dict[str, int]:
    return dict(model.objects.values_list("code", "pk"))


@functools.cache
def _name_key(name: str) -> str:
    # Names repeat across the data set; the regular expressions run once per distinct name.
    return name_key(name)


@functools.cache
def _latin(text: str) -> str:
    return synthetic.latin(text)


class FastInsert:
    """``INSERT`` of plain tuples: several times faster than ``bulk_create`` for a million rows.

    ``bulk_create`` prepares every value of every row through its field (about 5 µs each), which made
    the ORM, not the database, the bottleneck of this generator. Here values that the drivers take as
    they are (ints, strings, booleans, None) pass straight through; only dates, decimals and JSON go
    through their field. Columns not given take the field's default, like ``Model()`` would.
    PostgreSQL gets ``COPY … FROM STDIN`` (a statement per row would be a round trip per row, and a
    long multi-row ``VALUES`` costs psycopg more to parse than the server to store); SQLite, which has
    no round trips, ``executemany``.
    """

    def __init__(self, model: type[models.Model], *, with_pk: bool = True) -> None:
        fields = [field for field in model._meta.concrete_fields if with_pk or not field.primary_key]
        self.defaults = {field.attname: field.get_default() for field in fields}
        self.prepare = [None if isinstance(field, PLAIN_FIELDS) else field for field in fields]
        columns = ", ".join(connection.ops.quote_name(str(field.column)) for field in fields)
        table = connection.ops.quote_name(model._meta.db_table)
        self.insert = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        self.copy = f"COPY {table} ({columns}) FROM STDIN"

    def row(self, **values: Any) -> tuple[Any, ...]:
        return tuple(values.get(name, default) for name, default in self.defaults.items())

    def __call__(self, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        prepared = [
            tuple(
                value if field is None or value is None else field.get_db_prep_save(value, connection)
                for field, value in zip(self.prepare, row, strict=True)
            )
            for row in rows
        ]
        with connection.cursor() as cursor:
            if connection.vendor != "postgresql":
                cursor.executemany(self.insert, prepared)
                return
            with cursor.cursor.copy(self.copy) as copy:  # the psycopg cursor under Django's wrapper
                for row in prepared:
                    copy.write_row(row)


PLAIN_FIELDS = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.ForeignKey)


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` new primary keys for rows inserted with explicit ids (their children need them first)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count])
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the generator's transaction holds the write lock, so nobody else takes these ids.
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
        start = cursor.fetchone()[0] + 1
        return list(range(start, start + count))


def analyze(*models_: type[models.Model]) -> None:
    """Refresh the planner's statistics of freshly filled tables, as autovacuum (or a DBA) would on a real database.

    Right after a bulk load PostgreSQL knows nothing about the new rows and SQLite has no sqlite_stat1
    for them; the plans (and so the timings) would be those of an empty table.
    """
    with connection.cursor() as cursor:
        for model in models_:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _timestamps(rng: random.Random, now: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """Created within the last five years, last changed some time after that: lists sort by these."""
    created = now - datetime.timedelta(seconds=rng.randrange(5 * 365 * 86_400))
    updated = created + (now - created) * rng.random()
    return created, updated


@dataclass
class _NewClient:
    values: dict[str, Any]
    codes: dict[str, str]
    tag_ids: list[int]


@generator("clients", order=100)
def clients(*, scale: float, rng: random.Random) -> int:
    """Clients with requisites (valid check digits for ~60%), reference values and tags, inserted in bulk."""
    marker = marker_user()
    owners = Owners.load()
    legal_forms = _codes(LegalForm)
    references: dict[str, tuple[Mix[str | None], dict[str, int]]] = {
        "industry": (Mix(INDUSTRY_MIX), _codes(Industry)),
        "size": (Mix(SIZE_MIX), _codes(SizeClass)),
        "segment": (Mix(SEGMENT_MIX), _codes(Segment)),
        "priority": (Mix(PRIORITY_MIX), _codes(ClientPriority)),
        "client_type": (Mix(TYPE_MIX), _codes(ClientType)),
        "category": (Mix(CATEGORY_MIX), _codes(ClientCategory)),
        "source": (Mix(SOURCE_MIX), _codes(ClientSource)),
        "terms_package": (Mix(TERMS_MIX), _codes(TermsPackage)),
    }
    cities = {t.name_en: t.pk for t in Territory.objects.filter(kind="city")}
    tags = _bench_tags()
    countries = Mix(COUNTRY_MIX)
    city_mixes = {country: Mix(weights) for country, weights in CITY_MIX.items()}
    form_mixes = {country: Mix(weights) for country, weights in LEGAL_FORM_MIX.items()}
    pool = NamePool.from_rng(rng)
    now = timezone.now()
    existing = bench_clients().count()
    if existing >= target(CLIENTS_AT_SCALE_1, scale=scale):
        _created_now["clients"] = 0
        return 0  # nothing to top up: spare `make bench` drawing 100,000 rows only to skip them
    client_rows, requisites_rows = FastInsert(Client), FastInsert(Requisites)
    tag_rows = FastInsert(ClientTagLink, with_pk=False)

    def new_clients() -> Iterator[_NewClient]:
        for number in range(1, target(CLIENTS_AT_SCALE_1, scale=scale) + 1):
            # Draw every value before the skip, so client k is the same on every run.
            responsible, team, supervisor = owners.draw(rng, number)
            country = countries.draw(rng)
            city = synthetic.CITIES[city_mixes[country].draw(rng)]
            individual = rng.random() < INDIVIDUAL_SHARE
            form = form_mixes[country].draw(rng)
            sole = form in SOLE_PROPRIETORS
            if individual or sole:
                person = pool.person(rng)
                name = " ".join(part for part in (person.last_name, person.first_name, person.patronymic) if part)
            else:
                name = _company_name(rng, country)
            chosen = {
                f"{field}_id": ids.get(code) if (code := mix.draw(rng)) else None for field, (mix, ids) in references.items()
            }
            has_codes = rng.random() < TAX_ID_SHARE
            year = rng.randint(1995, 2024)
            codes = synthetic.requisites(rng, country=country, city=city, sole_proprietor=sole, year=year) if has_codes else {}
            potential = Decimal(rng.randrange(10, 5000) * 10_000) if rng.random() < 0.5 else None
            loyalty = rng.randint(1, 5) if rng.random() < 0.6 else None
            client_tags = rng.sample(tags, rng.choice((1, 1, 2))) if rng.random() < TAGGED_SHARE else []
            created_at, updated_at = _timestamps(rng, now)
            if number <= existing:
                continue
            tax_field = tax_id_field(country)
            values = {
                "kind": ClientKind.INDIVIDUAL if individual else ClientKind.COMPANY,
                "name": name,
                "name_key": _name_key(name),
                "legal_form_id": None if individual else legal_forms.get(form),
                "country": country,
                "territory_id": cities.get(city.name_en),
                "team_id": team,
                "supervisor_id": supervisor,
                "responsible_id": responsible,
                "potential_amount": potential,
                "potential_currency": CURRENCY[country] if potential is not None else "",
                "loyalty": loyalty,
                "tax_id": codes.get(tax_field, "") if tax_field else "",
                "created_by_id": marker.pk,
                "created_at": created_at,
                "updated_at": updated_at,
                **chosen,
            }
            yield _NewClient(values, codes, client_tags)

    def insert(batch: list[_NewClient]) -> None:
        ids = reserve_ids(Client, len(batch))
        client_rows([client_rows.row(id=pk, **item.values) for pk, item in zip(ids, batch, strict=True)])
        requisites_rows([requisites_rows.row(client_id=pk, **item.codes) for pk, item in zip(ids, batch, strict=True)])
        tag_rows([tag_rows.row(client_id=pk, tag_id=tag) for pk, item in zip(ids, batch, strict=True) for tag in item.tag_ids])

    done = insert_in_batches(new_clients(), insert=insert, label="clients", total=target(CLIENTS_AT_SCALE_1, scale=scale))
    if done:
        analyze(Client, Requisites, ClientTagLink)
    _created_now["clients"] = done
    return done


def _company_name(rng: random.Random, country: str) -> str:
    if country == "UA":
        return synthetic.ukrainian_company_name(rng)
    if country in ("RO", "MD"):
        return synthetic.romanian_company_name(rng)
    name = synthetic.russian_company_name(rng)
    if rng.random() < 0.35 and not name.isascii():  # «Техноснаб Сибирь», but not «Nordic Systems Холдинг»
        qualifier = rng.choice(NAME_QUALIFIERS)
        return f"{name}{qualifier}" if qualifier.startswith("-") else f"{name} {qualifier}"
    return name


def _bench_tags() -> list[int]:
    """Ids of the bench's tags, created when missing (tags are unique case-insensitively)."""
    ids = []
    for name in TAG_NAMES:
        tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)
        ids.append(tag.pk)
    return ids


@dataclass
class _NewContact:
    values: dict[str, Any]
    role_ids: list[int]
    points: list[dict[str, Any]]


@dataclass
class _ClientPeople:
    client_id: int
    contacts: list[_NewContact]
    client_points: list[dict[str, Any]]


@generator("contacts", order=110)
def contacts(*, scale: float, rng: random.Random) -> int:
    """Contacts of bench clients (3 per client on average) with roles, phones and emails; ~2 points per client."""
    marker = marker_user()
    pool = NamePool.from_rng(rng)
    roles = _codes(ContactRole)
    levels = _codes(ManagementLevel)
    positions = [(title, [roles[code] for code in codes], levels[level]) for title, codes, level in POSITIONS]
    counts = Mix(CONTACT_COUNT_MIX)
    city_of = {t.pk: synthetic.CITIES.get(t.name_en) for t in Territory.objects.filter(kind="city")}
    rows = list(
        Client.objects.filter(created_by=marker).order_by("pk").values_list("pk", "country", "territory_id", "name", "created_at")
    )
    # A client is done once it has a contact or a phone; a client that drew neither is drawn again, creating nothing.
    done = set(Contact.objects.filter(client__created_by=marker).values_list("client_id", flat=True).distinct())
    done |= set(ContactPoint.objects.filter(client__created_by=marker).values_list("client_id", flat=True).distinct())
    contact_rows, point_rows = FastInsert(Contact), FastInsert(ContactPoint, with_pk=False)
    role_rows = FastInsert(ContactRoleLink, with_pk=False)
    created = {"contacts": 0, "points": 0}
    stream = rng.getrandbits(64)

    def new_people() -> Iterator[_ClientPeople]:
        for number, (client_id, country, territory_id, client_name, client_created) in enumerate(rows, start=1):
            if client_id in done:
                continue
            # Client k draws from its own stream: its contacts are the same on every run, and a run that
            # tops up skips the clients that are done without drawing for them.
            own = random.Random(stream + number)
            city = city_of.get(territory_id)
            domain = synthetic.company_domain(client_name, country) if own.random() < 0.8 else ""
            client_points = []
            if own.random() < COMPANY_PHONE_SHARE:
                client_points.append(_phone(synthetic.landline(own, city, country=country), ContactPointLabel.WORK, primary=True))
            people = []
            for index in range(counts.draw(own)):
                person = pool.person(own)
                title, role_ids, level = positions[0] if index == 0 else positions[own.randrange(1, len(positions))]
                birthday = (
                    datetime.date(own.randint(1958, 2000), own.randint(1, 12), own.randint(1, 28))
                    if own.random() < BIRTHDAY_SHARE
                    else None
                )
                points = []
                if own.random() < CONTACT_PHONE_SHARE:
                    points.append(_phone(synthetic.mobile(own, country), ContactPointLabel.MOBILE))
                if own.random() < CONTACT_EMAIL_SHARE:
                    email = f"{_latin(person.first_name)[:1]}.{_latin(person.last_name)}@{domain or 'mail.ru'}"
                    points.append(
                        {"kind": ContactPointKind.EMAIL, "label": ContactPointLabel.WORK, "value": email, "search_key": email}
                    )
                values = {
                    "client_id": client_id,
                    "last_name": person.last_name,
                    "first_name": person.first_name,
                    "patronymic": person.patronymic,
                    "position": title,
                    "management_level_id": level,
                    "birthday": birthday,
                    "is_primary": index == 0,
                    "created_at": client_created,
                    "updated_at": client_created,
                }
                people.append(_NewContact(values, role_ids, points))
            yield _ClientPeople(client_id, people, client_points)

    def insert(batch: list[_ClientPeople]) -> None:
        new = [contact for item in batch for contact in item.contacts]
        ids = reserve_ids(Contact, len(new))
        contact_rows([contact_rows.row(id=pk, **contact.values) for pk, contact in zip(ids, new, strict=True)])
        role_rows(
            [
                role_rows.row(contact_id=pk, contactrole_id=role)
                for pk, contact in zip(ids, new, strict=True)
                for role in contact.role_ids
            ]
        )
        points = [
            point_rows.row(client_id=contact.values["client_id"], contact_id=pk, **point)
            for pk, contact in zip(ids, new, strict=True)
            for point in contact.points
        ]
        for item in batch:
            points.extend(point_rows.row(client_id=item.client_id, contact_id=None, **point) for point in item.client_points)
        point_rows(points)
        created["contacts"] += len(new)
        created["points"] += len(points)

    insert_in_batches(new_people(), insert=insert, label="contacts (clients done)", total=len(rows))
    if created["contacts"] or created["points"]:
        analyze(Contact, ContactRoleLink, ContactPoint)
    logger.info("contacts: %s contacts, %s phones and emails", f"{created['contacts']:,}", f"{created['points']:,}")
    _created_now["contacts"] = created["contacts"] + created["points"]
    return created["contacts"] + created["points"]


def _phone(e164: str, label: str, *, primary: bool = False) -> dict[str, Any]:
    return {
        "kind": ContactPointKind.PHONE,
        "label": label,
        "value": e164,
        "search_key": phone_search_key(e164),
        "is_primary": primary,
    }


@generator("search_index", order=190)
def search_index(*, scale: float, rng: random.Random) -> int:
    """Rebuild the search index over the bench clients and contacts, when the search app exists and rows changed."""
    try:
        from kartoteka.search.index import rebuild_all  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        logger.info("search_index: kartoteka.search.index is not there yet; skipped")
        return 0
    ran = [created for name, created in _created_now.items() if name in ("clients", "contacts")]
    if ran and not any(ran):
        # `make bench` runs bench_data every time; rebuilding an unchanged index would add a minute.
        logger.info("search_index: no client or contact was added; the index is left as it is")
        return 0
    result = rebuild_all()
    return result if isinstance(result, int) else 0
