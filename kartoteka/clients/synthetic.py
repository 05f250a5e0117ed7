"""Made-up but valid client data for the demo organisation and the benchmark data set.

Requisites carry correct check digits (INN, OGRN/OGRNIP, OKPO, EDRPOU, IPN, CUI, IDNO, bank account
keys), phones use real area codes so ``phonenumbers`` accepts them as valid, and company names look
like the ones sales people type. Everything is drawn from the ``random.Random`` the caller passes, so
a seed gives the same data on every run. Pure functions: no models, no database.

Nothing here is a real company: the numbers are random bodies with computed check digits. (A random
number can coincide with a real registration; that is harmless for demo and bench data, which never
leave the machine.)
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from stdnum.md import idno as stdnum_idno
from stdnum.ro import cui as stdnum_cui
from stdnum.ua import edrpou as stdnum_edrpou
from stdnum.ua import rntrc as stdnum_rntrc

# --- Places -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class City:
    """What requisites, phones and addresses of a company registered in a city look like."""

    name_en: str  # matches Territory.name_en of the default territories (clients.defaults.TERRITORIES)
    local_name: str  # as written in an address in the country's language
    country: str
    region: str  # as written in an address; empty for cities that are regions themselves
    tax_region: str  # RU: first two digits of INN/KPP and digits 4-5 of OGRN; RO: Trade Register county
    tax_offices: tuple[int, ...]  # RU: inspection numbers (INN digits 3-4)
    area_codes: tuple[str, ...]  # landline area codes after the country code
    subscriber_digits: int
    postcode_prefix: str
    postcode_digits: int


_MOSCOW_OFFICES = (1, 3, 5, 7, 9, 10, 13, 15, 17, 19, 20, 22, 24, 25, 26, 28, 30, 31)
CITIES: dict[str, City] = {
    city.name_en: city
    for city in (
        City("Moscow", "Москва", "RU", "", "77", _MOSCOW_OFFICES, ("495", "499"), 7, "1", 6),
        City(
            "Saint Petersburg", "Санкт-Петербург", "RU", "", "78", (1, 2, 5, 7, 10, 13, 16, 19, 25, 38, 39), ("812",), 7, "19", 6
        ),
        City("Novosibirsk", "Новосибирск", "RU", "Новосибирская обл.", "54", (2, 3, 4, 5, 6, 7), ("383",), 7, "630", 6),
        City("Yekaterinburg", "Екатеринбург", "RU", "Свердловская обл.", "66", (58, 59, 70, 71, 85), ("343",), 7, "620", 6),
        City("Kazan", "Казань", "RU", "Республика Татарстан", "16", (55, 56, 57, 58, 59, 60), ("843",), 7, "420", 6),
        City("Kyiv", "Київ", "UA", "", "", (), ("44",), 7, "0", 5),
        City("Kharkiv", "Харків", "UA", "Харківська обл.", "", (), ("57",), 7, "61", 5),
        City("Odesa", "Одеса", "UA", "Одеська обл.", "", (), ("48",), 7, "65", 5),
        City("Lviv", "Львів", "UA", "Львівська обл.", "", (), ("32",), 7, "79", 5),
        City("Dnipro", "Дніпро", "UA", "Дніпропетровська обл.", "", (), ("56",), 7, "49", 5),
        City("Bucharest", "București", "RO", "", "40", (), ("21",), 7, "0", 6),
        City("Cluj-Napoca", "Cluj-Napoca", "RO", "jud. Cluj", "12", (), ("264",), 6, "400", 6),
        City("Iași", "Iași", "RO", "jud. Iași", "22", (), ("232",), 6, "700", 6),
        City("Timișoara", "Timișoara", "RO", "jud. Timiș", "35", (), ("256",), 6, "300", 6),
        City("Chișinău", "Chișinău", "MD", "", "", (), ("22",), 6, "MD-20", 4),
        City("Bălți", "Bălți", "MD", "", "", (), ("231",), 5, "MD-31", 3),
    )
}

COUNTRY_CODES = {"RU": "7", "UA": "380", "RO": "40", "MD": "373", "US": "1", "DE": "49"}
# Mobile prefixes after the country code and how many digits follow them.
MOBILE = {
    "RU": (("903", "905", "910", "915", "916", "925", "926", "977", "985", "999"), 7),
    "UA": (("50", "63", "66", "67", "68", "73", "93", "97"), 7),
    "RO": (("721", "722", "723", "740", "744", "745", "755", "766"), 6),
    "MD": (("68", "69", "78", "79"), 6),
    "US": (("212", "312", "415", "617", "646"), 7),
    "DE": (("151", "160", "170", "171"), 8),
}
# Landlines of countries without a City entry (foreign clients have no territory).
FOREIGN_LANDLINE = {"US": (("212", "312", "415"), 7), "DE": (("30", "40", "89"), 8)}


def digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def _subscriber(rng: random.Random, count: int) -> str:
    # No leading 0 or 1: in the NANP (and for neatness elsewhere) subscriber numbers start at 2.
    return rng.choice("23456789") + digits(rng, count - 1)


def landline(rng: random.Random, city: City | None, *, country: str = "RU") -> str:
    """An E.164 office number in ``city`` (or in ``country`` for foreign clients)."""
    if city is not None:
        return f"+{COUNTRY_CODES[city.country]}{rng.choice(city.area_codes)}{_subscriber(rng, city.subscriber_digits)}"
    codes, count = FOREIGN_LANDLINE.get(country, MOBILE.get(country, MOBILE["RU"]))
    return f"+{COUNTRY_CODES.get(country, '7')}{rng.choice(codes)}{_subscriber(rng, count)}"


def mobile(rng: random.Random, country: str) -> str:
    codes, count = MOBILE.get(country, MOBILE["RU"])
    return f"+{COUNTRY_CODES.get(country, '7')}{rng.choice(codes)}{_subscriber(rng, count)}"


def as_dialled(e164: str) -> str:
    """How a Russian writes the number by hand, "8 (495) 123-45-67"; other numbers stay as they are."""
    if e164.startswith("+7") and len(e164) == 12:
        body = e164[2:]
        return f"8 ({body[:3]}) {body[3:6]}-{body[6:8]}-{body[8:]}"
    return e164


def postcode(rng: random.Random, city: City) -> str:
    free = city.postcode_digits - len(city.postcode_prefix.removeprefix("MD-"))
    return city.postcode_prefix + digits(rng, free)


# --- Russia -------------------------------------------------------------------------------------------

_INN_10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _weighted_mod_11(body: str, weights: tuple[int, ...]) -> str:
    return str(sum(w * int(d) for w, d in zip(weights, body, strict=True)) % 11 % 10)


def inn_check(body: str) -> str:
    """The whole INN for a 9-digit (organisation) or 10-digit (person) body."""
    if len(body) == 9:
        return body + _weighted_mod_11(body, _INN_10)
    if len(body) == 10:
        eleventh = body + _weighted_mod_11(body, _INN_11)
        return eleventh + _weighted_mod_11(eleventh, _INN_12)
    raise ValueError("An INN body has 9 or 10 digits.")


def ogrn_check(body: str) -> str:
    """The whole OGRN (12-digit body, mod 11) or OGRNIP (14-digit body, mod 13), last digit of the remainder."""
    if len(body) not in (12, 14):
        raise ValueError("An OGRN body has 12 or 14 digits.")
    return body + str(int(body) % (11 if len(body) == 12 else 13) % 10)


def okpo_check(body: str) -> str:
    """Rosstat's control number: weights 1..10 cycling, mod 11; on 10 retry with weights shifted by two."""
    for shift in (0, 2):
        remainder = sum(int(d) * ((i + shift) % 10 + 1) for i, d in enumerate(body)) % 11
        if remainder < 10:
            return body + str(remainder)
    return body + "0"


def tax_office(rng: random.Random, city: City) -> str:
    """Four digits: region and inspection, the start of INN and KPP."""
    return f"{city.tax_region}{rng.choice(city.tax_offices):02d}"


def russian_requisites(rng: random.Random, city: City, *, sole_proprietor: bool, year: int) -> dict[str, str]:
    """INN, KPP (organisations only), OGRN/OGRNIP and OKPO of a company registered in ``city`` in ``year``."""
    office = tax_office(rng, city)
    if sole_proprietor:
        return {
            "inn": inn_check(office + digits(rng, 6)),
            "ogrn": ogrn_check(f"3{year % 100:02d}{city.tax_region}" + digits(rng, 9)),
            "okpo": okpo_check(digits(rng, 9)),
        }
    return {
        "inn": inn_check(office + digits(rng, 5)),
        "kpp": f"{office}01001",
        "ogrn": ogrn_check(f"1{year % 100:02d}{office}" + digits(rng, 5)),
        "okpo": okpo_check(digits(rng, 7)),
    }


@dataclass(frozen=True)
class Bank:
    name: str
    bik: str
    correspondent_account: str


RUSSIAN_BANKS = (
    Bank("ПАО Сбербанк", "044525225", "30101810400000000225"),
    Bank("Банк ВТБ (ПАО)", "044525187", "30101810700000000187"),
    Bank("АО «Альфа-Банк»", "044525593", "30101810200000000593"),
    Bank("АО «ТБанк»", "044525974", "30101810145250000974"),
    Bank("Северо-Западный банк ПАО Сбербанк", "044030653", "30101810500000000653"),
    Bank("Сибирский банк ПАО Сбербанк", "045004641", "30101810500000000641"),
)

_ACCOUNT_WEIGHTS = (7, 1, 3)


def account_key_ok(bik: str, account: str) -> bool:
    """Whether a commercial bank's account agrees with its BIK (weights 7, 1, 3 over BIK[-3:] + account)."""
    text = bik[-3:] + account
    return sum(int(d) * _ACCOUNT_WEIGHTS[i % 3] for i, d in enumerate(text)) % 10 == 0


def settlement_account(rng: random.Random, bik: str, *, balance: str = "40702", currency: str = "810") -> str:
    """A 20-digit account at a commercial bank (not a Bank of Russia office) with the right control key.

    The key is the 9th digit; its weight (3) is coprime with 10, so exactly one digit 0-9 fits.
    """
    tail = digits(rng, 11)
    for key in "0123456789":
        account = f"{balance}{currency}{key}{tail}"
        if account_key_ok(bik, account):
            return account
    raise AssertionError("unreachable: weight 3 reaches every remainder")


def iban(country: str, bban: str) -> str:
    """An IBAN with correct ISO 7064 mod 97-10 check digits."""
    converted = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{country}{98 - int(converted) % 97:02d}{bban}"


# --- Ukraine, Romania, Moldova ------------------------------------------------------------------------


def edrpou(rng: random.Random) -> str:
    body = rng.choice("1234") + digits(rng, 6)
    return body + stdnum_edrpou.calc_check_digit(body)


def ipn(rng: random.Random) -> str:
    body = rng.choice("23") + digits(rng, 8)
    return body + stdnum_rntrc.calc_check_digit(body)


def cui(rng: random.Random) -> str:
    body = rng.choice("123456789") + digits(rng, rng.choice((6, 7)))
    return body + stdnum_cui.calc_check_digit(body)


def reg_com(rng: random.Random, city: City, *, year: int, sole_proprietor: bool = False) -> str:
    """An old-style Trade Register number, J40/1234/2015 (F… for a PFA); valid up to 2024."""
    return f"{'F' if sole_proprietor else 'J'}{int(city.tax_region):02d}/{rng.randint(100, 29999)}/{min(year, 2024)}"


def idno(rng: random.Random, *, year: int) -> str:
    body = f"10{year % 1000:03d}" + digits(rng, 7)
    return body + stdnum_idno.calc_check_digit(body)


def requisites(rng: random.Random, *, country: str, city: City | None, sole_proprietor: bool, year: int) -> dict[str, str]:
    """The codes a company of ``country`` has, all with valid check digits; {} for other countries."""
    if country == "RU" and city is not None:
        return russian_requisites(rng, city, sole_proprietor=sole_proprietor, year=year)
    if country == "UA":
        return {"ipn": ipn(rng)} if sole_proprietor else {"edrpou": edrpou(rng)}
    if country == "RO" and city is not None:
        return {"cui": cui(rng), "reg_com": reg_com(rng, city, year=year, sole_proprietor=sole_proprietor)}
    if country == "MD":
        return {"idno": idno(rng, year=year)}
    return {}


# --- Company names ------------------------------------------------------------------------------------

RUSSIAN_ROOTS = (
    "Альфа", "Вектор", "Гранит", "Дельта", "Енисей", "Заря", "Импульс", "Кварц", "Лидер", "Меридиан", "Нева",
    "Омега", "Орион", "Полюс", "Радуга", "Сапфир", "Север", "Сибирь", "Спектр", "Старт", "Титан", "Урал",
    "Факел", "Феникс", "Эталон", "Янтарь", "Волга", "Байкал", "Алтай", "Восток", "Кедр", "Магистраль",
    "Прогресс", "Союз", "Форвард", "Гелиос", "Атлант", "Ладога", "Азимут", "Континент",
)  # fmt: skip
RUSSIAN_STEMS = (
    "Техно", "Строй", "Агро", "Пром", "Торг", "Энерго", "Транс", "Хим", "Металл", "Электро", "Нефте", "Лес",
    "Авто", "Мед", "Фарм", "Инфо", "Гидро", "Тепло", "Стекло", "Бетон",
)  # fmt: skip
RUSSIAN_SUFFIXES = (
    "снаб", "сервис", "комплект", "трейд", "маш", "строй", "торг", "пром", "логистик", "систем", "групп",
    "ресурс", "монтаж", "проект", "альянс", "инвест", "лайн", "маркет", "тех", "импорт",
)  # fmt: skip
LATIN_BRANDS = (
    "Nordic", "Polar", "Vertex", "Baltic", "Orbit", "Quantum", "Atlas", "Zenith", "Nova", "Summit", "Pioneer",
    "Granite", "Meridian", "Vector", "Horizon", "Apex", "Crystal", "Titan", "Delta", "Sigma",
)  # fmt: skip
LATIN_SUFFIXES = ("Systems", "Logistics", "Trade", "Solutions", "Technologies", "Supply", "Engineering", "Group", "Labs")
UKRAINIAN_ROOTS = (
    "Дніпро", "Карпати", "Поділля", "Слобожанщина", "Таврія", "Світанок", "Оберіг", "Ятрань", "Прикарпаття", "Полісся",
)  # fmt: skip
UKRAINIAN_SUFFIXES = ("Агро", "Буд", "Трейд", "Постач", "Сервіс", "Інвест", "Маш", "Логістик")
ROMANIAN_NAMES = (
    "Carpați", "Dunărea", "Transilvania", "Bucovina", "Moldova", "Delta", "Argeș", "Someș", "Mureș", "Olt", "Codrii",
    "Nistru", "Prut", "Orhei", "Bârlad",
)  # fmt: skip
ROMANIAN_SUFFIXES = ("Construct", "Trans", "Impex", "Com", "Prod", "Agro", "Serv", "Distribuție", "Logistic", "Tehnic")


def russian_company_name(rng: random.Random) -> str:
    """«Техноснаб», «Урал-Комплект», «Меридиан», «Nordic Systems»: the shapes of Russian trade names."""
    shape = rng.random()
    if shape < 0.35:
        return rng.choice(RUSSIAN_STEMS) + rng.choice(RUSSIAN_SUFFIXES)
    if shape < 0.65:
        return f"{rng.choice(RUSSIAN_ROOTS)}-{rng.choice(RUSSIAN_SUFFIXES).capitalize()}"
    if shape < 0.8:
        return f"{rng.choice(RUSSIAN_STEMS)}{rng.choice(RUSSIAN_SUFFIXES)} {rng.choice(RUSSIAN_ROOTS)}"
    if shape < 0.9:
        return rng.choice(RUSSIAN_ROOTS)
    return f"{rng.choice(LATIN_BRANDS)} {rng.choice(LATIN_SUFFIXES)}"


def ukrainian_company_name(rng: random.Random) -> str:
    return f"{rng.choice(UKRAINIAN_ROOTS)}-{rng.choice(UKRAINIAN_SUFFIXES)}"


def romanian_company_name(rng: random.Random) -> str:
    return f"{rng.choice(ROMANIAN_NAMES)} {rng.choice(ROMANIAN_SUFFIXES)}"


# --- Latin letters for email addresses ----------------------------------------------------------------

_TRANSLIT = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
        "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
        "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y",
        "ь": "", "э": "e", "ю": "yu", "я": "ya", "і": "i", "ї": "yi", "є": "ye", "ґ": "g", "'": "",
        "ă": "a", "â": "a", "î": "i", "ș": "s", "ş": "s", "ț": "t", "ţ": "t",
    }
)  # fmt: skip


def latin(text: str) -> str:
    """Lower-case ASCII letters and digits of ``text`` (transliterated), for email local parts and domains."""
    return "".join(ch for ch in text.lower().translate(_TRANSLIT) if ch.isascii() and ch.isalnum())


def company_domain(name: str, country: str) -> str:
    tld = {"RU": "ru", "UA": "com.ua", "RO": "ro", "MD": "md", "US": "com", "DE": "de"}.get(country, "com")
    return f"{latin(name)[:24] or 'company'}.{tld}"
