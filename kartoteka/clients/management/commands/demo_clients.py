"""Demo clients: about 200 companies with contacts, requisites, bank accounts and addresses. Safe to run again.

``demo_data`` calls it last, because the clients belong to its demo users. Everything goes through the
services, so every card has a change history and whoever listens to client events (search, automation)
hears about the demo clients as about real input. Phones are entered the way people type them
("8 (495) 123-45-67"), so they pass through the same normalisation as a user's input.

Every demo client carries the tag «демо» (a person can find and delete them all in one list filter).
The data comes from a fixed seed, so a run plans the same clients every time; a planned client whose
name already exists is skipped, which makes a second run create nothing.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from faker import Faker

from kartoteka.clients import services as client_services
from kartoteka.clients import synthetic
from kartoteka.clients.models import (
    Client,
    ClientCategory,
    ClientKind,
    ClientPriority,
    ClientSource,
    ClientType,
    FirstContactReason,
    Industry,
    LegalForm,
    PlanningMethod,
    SalesKind,
    SalesMode,
    Segment,
    SizeClass,
    TermsPackage,
)
from kartoteka.contacts import services as contact_services
from kartoteka.contacts.models import ContactRole, ManagementLevel
from kartoteka.core.models import ReferenceList, Territory
from kartoteka.users.models import Team, User

SEED = 2026
CLIENT_COUNT = 200
DEMO_TAG = "демо"

MANAGER = "manager@example.com"
MANAGER_2 = "manager2@example.com"
SUPERVISOR = "supervisor@example.com"
HEAD = "head@example.com"
# Moscow and St Petersburg belong to the Moscow group (manager, its supervisor); the rest of Russia and
# abroad to the regions group (manager2). The head of sales keeps a few key accounts everywhere.
OWNERS_CAPITALS = {MANAGER: 75, SUPERVISOR: 15, HEAD: 10}
OWNERS_REGIONS = {MANAGER_2: 85, HEAD: 15}
CAPITALS = {"Moscow", "Saint Petersburg"}

COUNTRY_MIX = {"RU": 76, "UA": 8, "RO": 6, "MD": 4, "US": 6}
CITY_MIX = {
    "RU": {"Moscow": 45, "Saint Petersburg": 20, "Novosibirsk": 12, "Yekaterinburg": 12, "Kazan": 11},
    "UA": {"Kyiv": 40, "Kharkiv": 15, "Odesa": 15, "Lviv": 15, "Dnipro": 15},
    "RO": {"Bucharest": 50, "Cluj-Napoca": 20, "Iași": 15, "Timișoara": 15},
    "MD": {"Chișinău": 80, "Bălți": 20},
}
LEGAL_FORM_MIX = {
    "RU": {"ru-ooo": 62, "ru-ao": 9, "ru-pao": 3, "ru-zao": 4, "ru-ip": 22},
    "UA": {"ua-tov": 60, "ua-pp": 25, "ua-fop": 15},
    "RO": {"ro-srl": 70, "ro-sa": 15, "ro-pfa": 15},
    "MD": {"md-srl": 1},
}
SOLE_PROPRIETORS = {"ru-ip", "ua-fop", "ro-pfa"}
INDIVIDUAL_SHARE = 0.03  # private persons buying as clients (Russian market only)
WITHOUT_REQUISITES_SHARE = 0.1  # leads whose codes nobody has asked for yet

CATEGORY_MIX = {"vip": 5, "a": 15, "b": 35, "c": 35, None: 10}
PRIORITY_MIX = {"a": 20, "b": 40, "c": 35, None: 5}
TYPE_MIX = {"potential": 20, "tentative": 10, "active": 55, "passive": 15}
SEGMENT_MIX = {"dealer": 20, "corporate": 30, "chain": 10, "distributor": 15, "end-user": 25}
SOURCE_MIX = {"cold-call": 25, "website": 25, "exhibition": 15, "referral": 20, "advertising": 5, "tender": 10}
INDUSTRY_MIX = {
    "manufacturing": 20, "wholesale": 18, "retail": 10, "construction": 14, "it": 8, "logistics": 9,
    "agro": 7, "horeca": 4, "services": 7, "public": 3,
}  # fmt: skip
SIZE_MIX = {"small": 45, "medium": 33, "large": 16, "corporation": 6}
STAFF = {"small": (3, 50), "medium": (50, 250), "large": (250, 3000), "corporation": (3000, 40000)}
TURNOVER_MLN_RUB = {"small": (5, 120), "medium": (120, 2000), "large": (2000, 20000), "corporation": (20000, 300000)}
CURRENCY = {"RU": "RUB", "UA": "UAH", "RO": "RON", "MD": "MDL", "US": "USD"}
RUB_PER_UNIT = {"RUB": 1, "UAH": 2.2, "RON": 20, "MDL": 5, "USD": 90}

# Position titles in Russian, Ukrainian, Romanian and English; the contact role codes; the management level.
Position = tuple[tuple[str, str, str, str], tuple[str, ...], str]
DIRECTOR: Position = (
    ("Генеральный директор", "Директор", "Administrator", "Chief Executive Officer"),
    ("decision-maker",),
    "top",
)
OWNER: Position = (
    ("Индивидуальный предприниматель", "Фізична особа-підприємець", "Titular", "Owner"),
    ("decision-maker",),
    "owner",
)
POSITIONS: list[Position] = [
    (
        ("Коммерческий директор", "Комерційний директор", "Director comercial", "Commercial Director"),
        ("decision-maker", "influencer"),
        "top",
    ),
    (("Финансовый директор", "Фінансовий директор", "Director financiar", "Chief Financial Officer"), ("influencer",), "top"),
    (("Главный инженер", "Головний інженер", "Inginer-șef", "Chief Engineer"), ("expert", "influencer"), "top"),
    (
        ("Начальник отдела снабжения", "Начальник відділу постачання", "Șef aprovizionare", "Head of Procurement"),
        ("buyer", "influencer"),
        "middle",
    ),
    (("Менеджер по закупкам", "Менеджер з закупівель", "Specialist achiziții", "Purchasing Manager"), ("buyer",), "specialist"),
    (("Главный бухгалтер", "Головний бухгалтер", "Contabil-șef", "Chief Accountant"), ("user",), "middle"),
    (
        ("Технический специалист", "Технічний спеціаліст", "Specialist tehnic", "Technical Specialist"),
        ("user", "expert"),
        "specialist",
    ),
    (("Офис-менеджер", "Офіс-менеджер", "Office manager", "Office Manager"), ("gatekeeper",), "specialist"),
    (
        ("Руководитель производства", "Керівник виробництва", "Șef producție", "Production Manager"),
        ("influencer", "user"),
        "middle",
    ),
]
POSITION_LANGUAGE = {"RU": 0, "UA": 1, "RO": 2, "MD": 2, "US": 3}
CONTACT_COUNT_MIX = {1: 25, 2: 35, 3: 25, 4: 15}

HOBBIES = {
    "ru": ["рыбалка", "горные лыжи", "теннис", "шахматы", "охота", "футбол", "театр", "садоводство", "бег", "фотография"],
    "en": ["golf", "sailing", "tennis", "chess", "hiking", "cycling", "jazz", "photography", "running", "fishing"],
}
FAMILY = {
    "ru": ["женат, двое детей", "замужем, сын", "холост", "женат, дочь учится в МГУ", "замужем, трое детей"],
    "en": ["married, two children", "married, one son", "single", "married, daughter at college"],
}
MOTIVATIONS = {
    "ru": ["надёжность поставок", "отсрочка платежа", "цена ниже рынка", "карьерный рост", "минимум бумажной работы"],
    "en": ["reliable deliveries", "payment terms", "price", "career growth", "less paperwork"],
}
CONSENT_SOURCES = {"ru": ["выставка «Иннопром»", "форма на сайте", "договор поставки"], "en": ["trade show", "website form"]}
DESCRIPTIONS = {
    "manufacturing": ("Производство металлоконструкций и комплектующих", "Manufacturing of metal structures and parts"),
    "wholesale": ("Оптовые поставки стройматериалов и инструмента", "Wholesale of building materials and tools"),
    "retail": ("Сеть магазинов бытовой техники", "Chain of home appliance stores"),
    "construction": ("Промышленное и гражданское строительство", "Industrial and residential construction"),
    "it": ("Внедрение ERP и поддержка инфраструктуры", "ERP implementation and IT support"),
    "logistics": ("Грузоперевозки и складская логистика", "Freight and warehouse logistics"),
    "agro": ("Выращивание зерновых, переработка", "Grain farming and processing"),
    "horeca": ("Рестораны и кейтеринг", "Restaurants and catering"),
    "services": ("Аутсорсинг бухгалтерии и кадров", "Accounting and HR outsourcing"),
    "public": ("Муниципальное учреждение", "Municipal institution"),
}
TAGS = ["опт", "дилер", "тендер", "выставка 2026", "ключевой", "экспорт", "рассрочка", "новый"]
NOTES = [
    "Закупки раз в квартал, решение принимает собственник.",
    "Просили коммерческое предложение к концу месяца.",
    "Работают через тендерную площадку, важна цена.",
    "Payment always on time; prefers email over calls.",
    "",
]

# Foreign banks of the demo: name, BIC, IBAN country, bank code in the BBAN, BBAN length after the code.
FOREIGN_BANKS = {
    "UA": ("АТ КБ «ПриватБанк»", "PBANUA2X", "UA", "305299", 19),
    "RO": ("Banca Transilvania", "BTRLRO22", "RO", "BTRL", 16),
    "MD": ("Moldova Agroindbank", "AGRNMD2X", "MD", "AG", 18),
}
FAKER_LOCALES = {"RU": "ru_RU", "UA": "uk_UA", "RO": "ro_RO", "MD": "ro_RO", "US": "en_US"}


@dataclass
class PlannedContact:
    last_name: str
    first_name: str
    patronymic: str
    position: str
    roles: tuple[str, ...]
    level: str
    fields: dict[str, Any] = field(default_factory=dict)
    points: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class PlannedClient:
    name: str
    owner: str
    country: str
    city: str | None
    legal_form: str | None
    references: dict[str, str | None]  # field name → reference code
    fields: dict[str, Any]
    requisites: dict[str, str]
    tags: list[str]
    contacts: list[PlannedContact]
    points: list[dict[str, Any]]
    bank_accounts: list[dict[str, Any]]
    addresses: list[dict[str, Any]]


def _pick[T](rng: random.Random, mix: dict[T, int]) -> T:
    return rng.choices(list(mix), weights=list(mix.values()))[0]


class Planner:
    """Draws the demo clients from one seed: the same list every run, independent of the database."""

    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - repeatable demo data, not secrets
        self.fakers: dict[str, Faker] = {}
        for locale in set(FAKER_LOCALES.values()):
            faker = Faker(locale)
            faker.seed_instance(seed)
            self.fakers[locale] = faker

    def clients(self, count: int = CLIENT_COUNT) -> list[PlannedClient]:
        planned: list[PlannedClient] = []
        seen: set[str] = set()
        while len(planned) < count:
            client = self.client()
            key = client.name.casefold()
            if key not in seen:  # names repeat now and then; a demo list reads better without twins
                seen.add(key)
                planned.append(client)
        return planned

    def client(self) -> PlannedClient:
        rng = self.rng
        country = _pick(rng, COUNTRY_MIX)
        city = synthetic.CITIES[_pick(rng, CITY_MIX[country])] if country in CITY_MIX else None
        faker = self.fakers[FAKER_LOCALES[country]]
        owner = _pick(rng, OWNERS_CAPITALS if city is not None and city.name_en in CAPITALS else OWNERS_REGIONS)
        individual = country == "RU" and rng.random() < INDIVIDUAL_SHARE
        legal_form = None if individual or country not in LEGAL_FORM_MIX else _pick(rng, LEGAL_FORM_MIX[country])
        sole = legal_form in SOLE_PROPRIETORS
        language = "ru" if country == "RU" else "en" if country == "US" else None
        people = [self.person(country) for _ in range(_pick(rng, CONTACT_COUNT_MIX))]

        if individual or sole:
            name = " ".join(part for part in people[0][:3] if part)
        elif country == "RU":
            name = synthetic.russian_company_name(rng)
        elif country == "UA":
            name = synthetic.ukrainian_company_name(rng)
        elif country in ("RO", "MD"):
            name = synthetic.romanian_company_name(rng)
        else:
            name = faker.company()
        domain = synthetic.company_domain(name, country) if not (individual or sole) else ""

        size = "small" if individual or sole else _pick(rng, SIZE_MIX)
        industry = _pick(rng, INDUSTRY_MIX)
        currency = CURRENCY[country]
        low, high = TURNOVER_MLN_RUB[size]
        turnover_rub = rng.uniform(low, high) * 1_000_000
        turnover = Decimal(round(turnover_rub / RUB_PER_UNIT[currency], -4))
        category = _pick(rng, CATEGORY_MIX)
        segment = _pick(rng, SEGMENT_MIX)
        terms = "key-account" if category == "vip" else "dealer" if segment in ("dealer", "distributor") else "standard"
        references: dict[str, str | None] = {
            "industry": industry,
            "size": size,
            "segment": segment,
            "priority": "a" if category == "vip" else _pick(rng, PRIORITY_MIX),
            "client_type": _pick(rng, TYPE_MIX),
            "category": category,
            "source": _pick(rng, SOURCE_MIX),
            "terms_package": terms,
        }
        staff_low, staff_high = STAFF[size]
        fields: dict[str, Any] = {
            "kind": ClientKind.INDIVIDUAL if individual else ClientKind.COMPANY,
            "country": country,
            "staff_count": 1 if individual else rng.randint(staff_low, staff_high),
            "branch_count": rng.choice([None, 1, 2, 3, 5, 12]) if size in ("large", "corporation") else None,
            "annual_turnover": None if individual else turnover,
            "turnover_currency": "" if individual else currency,
            "market_share": Decimal(rng.randint(50, 1500)) / 100 if size in ("large", "corporation") else None,
            "website": f"https://{domain}" if domain and rng.random() < 0.7 else "",
            "business_description": DESCRIPTIONS[industry][0 if country in ("RU", "UA", "MD") else 1],
            "sales_mode": rng.choice(["", *SalesMode.values]),
            "sales_kind": rng.choice(["", *SalesKind.values]),
            "planning_method": rng.choice(["", *PlanningMethod.values]),
            "potential_amount": Decimal(round(float(turnover) * rng.uniform(0.02, 0.15), -3)) if not individual else None,
            "potential_currency": currency,
            "wallet_share": Decimal(rng.randint(0, 60)) if rng.random() < 0.7 else None,
            "loyalty": rng.randint(1, 5) if rng.random() < 0.75 else None,
            "first_contact_reason": rng.choice(FirstContactReason.values),
            "individual_discount": Decimal(rng.choice([3, 5, 7, 10]))
            if category in ("vip", "a") and rng.random() < 0.5
            else None,
            "notes": rng.choice(NOTES),
        }
        year = rng.randint(1995, 2024)
        codes = synthetic.requisites(rng, country=country, city=city, sole_proprietor=sole, year=year)
        if individual:
            codes = {"inn": synthetic.inn_check(synthetic.tax_office(rng, city) + synthetic.digits(rng, 6))} if city else {}
        if rng.random() < WITHOUT_REQUISITES_SHARE:
            codes = {}
        if codes and not individual:
            codes["director"] = " ".join(part for part in people[0][:3] if part)
            if legal_form:
                long_name = LEGAL_FORM_LONG.get(legal_form, "")
                codes["full_name"] = f"{long_name} «{name}»" if not sole else f"{long_name} {name}"

        contacts = [
            self.contact(person, country=country, city=city, domain=domain, first=index == 0, sole=sole or individual)
            for index, person in enumerate(people)
        ]
        points: list[dict[str, Any]] = []
        if not individual and rng.random() < 0.9:
            phone = synthetic.landline(rng, city, country=country)
            points.append({"kind": "phone", "label": "work", "value": self.typed(phone), "is_primary": True})
        if domain and rng.random() < 0.6:
            points.append({"kind": "email", "label": "work", "value": f"{rng.choice(['info', 'office', 'sales'])}@{domain}"})

        bank_accounts = self.bank_accounts(country, has_codes=bool(codes))
        addresses = self.addresses(country, city, individual=individual)
        tags = [DEMO_TAG, *rng.sample(TAGS, rng.choice([0, 0, 1, 1, 2]))]
        if language is None:
            fields["notes"] = ""
        return PlannedClient(
            name=name,
            owner=owner,
            country=country,
            city=city.name_en if city else None,
            legal_form=legal_form,
            references=references,
            fields=fields,
            requisites=codes,
            tags=tags,
            contacts=contacts,
            points=points,
            bank_accounts=bank_accounts,
            addresses=addresses,
        )

    def person(self, country: str) -> tuple[str, str, str, str]:
        """(last name, first name, patronymic, gender) in the country's language."""
        faker = self.fakers[FAKER_LOCALES[country]]
        gender = self.rng.choice(["male", "female"])
        if country in ("RU", "UA"):
            return (
                getattr(faker, f"last_name_{gender}")(),
                getattr(faker, f"first_name_{gender}")(),
                getattr(faker, f"middle_name_{gender}")(),
                gender,
            )
        last = faker.last_name_female() if gender == "female" and hasattr(faker, "last_name_female") else faker.last_name()
        return last, getattr(faker, f"first_name_{gender}")(), "", gender

    def contact(
        self,
        person: tuple[str, str, str, str],
        *,
        country: str,
        city: synthetic.City | None,
        domain: str,
        first: bool,
        sole: bool,
    ) -> PlannedContact:
        rng = self.rng
        last, first_name, patronymic, _gender = person
        if first:
            titles, roles, level = OWNER if sole else DIRECTOR
        else:
            titles, roles, level = rng.choice(POSITIONS)
        language = "ru" if country == "RU" else "en" if country == "US" else None
        fields: dict[str, Any] = {}
        if rng.random() < 0.6:
            fields["birthday"] = datetime.date(rng.randint(1958, 1999), rng.randint(1, 12), rng.randint(1, 28))
        if language and rng.random() < 0.35:
            fields["family_status"] = rng.choice(FAMILY[language])
        if language and rng.random() < 0.35:
            fields["hobbies"] = rng.choice(HOBBIES[language])
        if language and rng.random() < 0.25:
            fields["motivations"] = rng.choice(MOTIVATIONS[language])
        points: list[dict[str, Any]] = []
        if rng.random() < 0.8:
            points.append({"kind": "phone", "label": "mobile", "value": self.typed(synthetic.mobile(rng, country))})
        if rng.random() < 0.25:
            office = self.typed(synthetic.landline(rng, city, country=country))
            points.append({"kind": "phone", "label": "work", "value": office, "extension": str(rng.randint(100, 499))})
        email_domain = domain or rng.choice(["yandex.ru", "mail.ru", "gmail.com"])
        if rng.random() < 0.85:
            local = f"{synthetic.latin(first_name)[:1]}.{synthetic.latin(last)}" if domain else synthetic.latin(last + first_name)
            points.append({"kind": "email", "label": "work", "value": f"{local}@{email_domain}"})
            if language and rng.random() < 0.4:
                fields["email_consent"] = True
                fields["email_consent_source"] = rng.choice(CONSENT_SOURCES[language])
        if any(p["kind"] == "phone" for p in points) and rng.random() < 0.2:
            fields["sms_consent"] = True
        return PlannedContact(
            last_name=last,
            first_name=first_name,
            patronymic=patronymic,
            position=titles[POSITION_LANGUAGE[country]],
            roles=roles,
            level=level,
            fields=fields,
            points=points,
        )

    def typed(self, e164: str) -> str:
        """A number as a person enters it: "8 (495) 123-45-67", "+7 916 123-45-67" or as printed."""
        if e164.startswith("+7") and self.rng.random() < 0.6:
            return synthetic.as_dialled(e164)
        if e164.startswith("+7"):
            return f"+7 {e164[2:5]} {e164[5:8]}-{e164[8:10]}-{e164[10:]}"
        return e164

    def bank_accounts(self, country: str, *, has_codes: bool) -> list[dict[str, Any]]:
        rng = self.rng
        if not has_codes or rng.random() > 0.55:
            return []
        if country == "RU":
            count = 2 if rng.random() < 0.15 else 1
            banks = [synthetic.RUSSIAN_BANKS[0] if rng.random() < 0.5 else rng.choice(synthetic.RUSSIAN_BANKS)]
            if count == 2:
                banks.append(rng.choice([bank for bank in synthetic.RUSSIAN_BANKS if bank != banks[0]]))
            return [
                {
                    "bank_name": bank.name,
                    "bik": bank.bik,
                    "account": synthetic.settlement_account(rng, bank.bik),
                    "correspondent_account": bank.correspondent_account,
                    "currency": "RUB",
                }
                for bank in banks
            ]
        if country in FOREIGN_BANKS:
            name, swift, iban_country, bank_code, length = FOREIGN_BANKS[country]
            bban = bank_code + synthetic.digits(rng, length)
            return [
                {"bank_name": name, "iban": synthetic.iban(iban_country, bban), "swift": swift, "currency": CURRENCY[country]}
            ]
        return []

    def addresses(self, country: str, city: synthetic.City | None, *, individual: bool) -> list[dict[str, Any]]:
        rng = self.rng
        faker = self.fakers[FAKER_LOCALES[country]]
        if city is None:  # abroad: Faker's own city and ZIP
            return [
                {
                    "kind": "legal",
                    "country": country,
                    "postal_code": faker.postcode(),
                    "region": faker.state_abbr() if hasattr(faker, "state_abbr") else "",
                    "city": faker.city(),
                    "street": faker.street_address(),
                }
            ]
        office = f", оф. {rng.randint(1, 450)}" if country == "RU" and rng.random() < 0.5 else ""
        first = {
            "kind": "actual" if individual else "legal",
            "country": country,
            "postal_code": synthetic.postcode(rng, city),
            "region": city.region,
            "city": city.local_name,
            "street": faker.street_address() + office,
        }
        result = [first]
        if not individual and rng.random() < 0.3:
            result.append(
                {**first, "kind": "actual", "street": faker.street_address(), "postal_code": synthetic.postcode(rng, city)}
            )
        if not individual and rng.random() < 0.1:
            result.append({**first, "kind": "postal", "street": f"а/я {rng.randint(1, 999)}" if country == "RU" else "P.O. Box"})
        return result


LEGAL_FORM_LONG = {
    "ru-ooo": "Общество с ограниченной ответственностью",
    "ru-ao": "Акционерное общество",
    "ru-pao": "Публичное акционерное общество",
    "ru-zao": "Закрытое акционерное общество",
    "ru-ip": "Индивидуальный предприниматель",
    "ua-tov": "Товариство з обмеженою відповідальністю",
    "ua-pp": "Приватне підприємство",
    "ua-fop": "Фізична особа-підприємець",
    "ro-srl": "Societate cu răspundere limitată",
    "ro-sa": "Societate pe acțiuni",
    "ro-pfa": "Persoană fizică autorizată",
    "md-srl": "Societate cu răspundere limitată",
}


def _nearest_head(team: Team | None, *, other_than: User) -> User | None:
    """The head of the client's team, or of the nearest team above it, who is not the responsible person."""
    while team is not None:
        if team.head_id is not None and team.head_id != other_than.pk:
            return team.head
        team = team.parent
    return None


class Command(BaseCommand):
    help = "Create about 200 demo clients with contacts for the demo users (idempotent; needs demo_data)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        owners = {user.email: user for user in User.objects.filter(email__in=[MANAGER, MANAGER_2, SUPERVISOR, HEAD])}
        if len(owners) < 4:
            raise CommandError("The demo users are missing: run `manage.py demo_data` (it calls this command).")
        plan = Planner().clients()
        existing = set(Client.objects.filter(name__in=[p.name for p in plan]).values_list("name", flat=True))
        missing = [p for p in plan if p.name not in existing]
        references = _References()
        for planned in missing:
            _create(planned, owner=owners[planned.owner], references=references)
        self.stdout.write(self.style.SUCCESS(f"Demo clients ready ({len(missing)} new of {len(plan)})."))


class _References:
    """Reference list entries and territories by code, loaded once per run."""

    def __init__(self) -> None:
        models: dict[str, type[ReferenceList]] = {
            "industry": Industry,
            "size": SizeClass,
            "segment": Segment,
            "priority": ClientPriority,
            "client_type": ClientType,
            "category": ClientCategory,
            "source": ClientSource,
            "terms_package": TermsPackage,
            "legal_form": LegalForm,
        }
        self.by_field = {name: {row.code: row for row in model._default_manager.all()} for name, model in models.items()}
        self.roles = {role.code: role for role in ContactRole.objects.all()}
        self.levels = {level.code: level for level in ManagementLevel.objects.all()}
        self.cities = {(t.country_code, t.name_en): t for t in Territory.objects.filter(kind="city")}


def _create(planned: PlannedClient, *, owner: User, references: _References) -> Client:
    """One demo client through the services, acting as its responsible person (so the history names them)."""
    by_field = references.by_field
    fields = {
        **planned.fields,
        **{name: by_field[name][code] if code else None for name, code in planned.references.items()},
        "legal_form": by_field["legal_form"][planned.legal_form] if planned.legal_form else None,
        "territory": references.cities.get((planned.country, planned.city or "")),
        "responsible": owner,
        "team": owner.team,
        "supervisor": _nearest_head(owner.team, other_than=owner),
    }
    client = client_services.client_create(
        actor=owner, name=planned.name, requisites=planned.requisites, tags=planned.tags, **fields
    )
    for values in planned.points:
        contact_services.contact_point_save(actor=owner, client=client, values=values)
    for contact in planned.contacts:
        contact_services.contact_create(
            actor=owner,
            client=client,
            last_name=contact.last_name,
            first_name=contact.first_name,
            patronymic=contact.patronymic,
            position=contact.position,
            management_level=references.levels[contact.level],
            roles=[references.roles[code] for code in contact.roles],
            points=contact.points,
            **contact.fields,
        )
    for values in planned.bank_accounts:
        client_services.bank_account_save(actor=owner, client=client, values=values)
    for values in planned.addresses:
        client_services.address_save(actor=owner, client=client, values=values)
    return client
