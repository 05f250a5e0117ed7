"""Sensible starting reference lists, in the words sales departments use (seeds 000–003).

Installed by data migrations, refreshed (never deleted) when re-run; administrators rename,
reorder, deactivate and add entries afterwards. Each row: code, English, Russian, Ukrainian, Romanian.
"""

from __future__ import annotations

from typing import Any

Row = tuple[str, str, str, str, str]

LEGAL_FORMS: list[tuple[str, str, str, str, str, str, str]] = [
    # code, en, ru, uk, ro, abbreviation, country
    (
        "ru-ooo",
        "Limited liability company",
        "Общество с ограниченной ответственностью",
        "Товариство з обмеженою відповідальністю",
        "Societate cu răspundere limitată",
        "ООО",
        "RU",
    ),
    ("ru-ao", "Joint-stock company", "Акционерное общество", "Акціонерне товариство", "Societate pe acțiuni", "АО", "RU"),
    (
        "ru-pao",
        "Public joint-stock company",
        "Публичное акционерное общество",
        "Публічне акціонерне товариство",
        "Societate pe acțiuni publică",
        "ПАО",
        "RU",
    ),
    (
        "ru-zao",
        "Closed joint-stock company",
        "Закрытое акционерное общество",
        "Закрите акціонерне товариство",
        "Societate pe acțiuni închisă",
        "ЗАО",
        "RU",
    ),
    (
        "ru-ip",
        "Sole proprietor",
        "Индивидуальный предприниматель",
        "Фізична особа-підприємець",
        "Întreprinzător individual",
        "ИП",
        "RU",
    ),
    (
        "ua-tov",
        "Limited liability company (UA)",
        "Товарищество с ограниченной ответственностью",
        "Товариство з обмеженою відповідальністю",
        "Societate cu răspundere limitată (UA)",
        "ТОВ",
        "UA",
    ),
    ("ua-pp", "Private enterprise", "Частное предприятие", "Приватне підприємство", "Întreprindere privată", "ПП", "UA"),
    (
        "ua-fop",
        "Individual entrepreneur (UA)",
        "Физическое лицо-предприниматель",
        "Фізична особа-підприємець",
        "Persoană fizică antreprenor",
        "ФОП",
        "UA",
    ),
    (
        "ro-srl",
        "Limited liability company (RO)",
        "Общество с ограниченной ответственностью (RO)",
        "Товариство з обмеженою відповідальністю (RO)",
        "Societate cu răspundere limitată",
        "SRL",
        "RO",
    ),
    (
        "ro-sa",
        "Joint-stock company (RO)",
        "Акционерное общество (RO)",
        "Акціонерне товариство (RO)",
        "Societate pe acțiuni",
        "SA",
        "RO",
    ),
    (
        "ro-pfa",
        "Authorised natural person",
        "Уполномоченное физическое лицо",
        "Уповноважена фізична особа",
        "Persoană fizică autorizată",
        "PFA",
        "RO",
    ),
    (
        "md-srl",
        "Limited liability company (MD)",
        "Общество с ограниченной ответственностью (MD)",
        "Товариство з обмеженою відповідальністю (MD)",
        "Societate cu răspundere limitată (MD)",
        "SRL",
        "MD",
    ),
]

INDUSTRIES: list[Row] = [
    ("manufacturing", "Manufacturing", "Производство", "Виробництво", "Producție"),
    ("wholesale", "Wholesale", "Оптовая торговля", "Оптова торгівля", "Comerț cu ridicata"),
    ("retail", "Retail", "Розничная торговля", "Роздрібна торгівля", "Comerț cu amănuntul"),
    ("construction", "Construction", "Строительство", "Будівництво", "Construcții"),
    ("it", "IT and telecom", "IT и связь", "IT та зв'язок", "IT și telecomunicații"),
    ("logistics", "Transport and logistics", "Транспорт и логистика", "Транспорт і логістика", "Transport și logistică"),
    ("agro", "Agriculture", "Сельское хозяйство", "Сільське господарство", "Agricultură"),
    ("horeca", "Hotels and restaurants", "Гостиницы и рестораны", "Готелі та ресторани", "Hoteluri și restaurante"),
    ("services", "Business services", "Услуги для бизнеса", "Послуги для бізнесу", "Servicii pentru afaceri"),
    ("public", "Public sector", "Государственный сектор", "Державний сектор", "Sector public"),
]

SEGMENTS: list[Row] = [
    ("dealer", "Dealer", "Дилер", "Дилер", "Dealer"),
    ("corporate", "Corporate", "Корпоративный", "Корпоративний", "Corporativ"),
    ("chain", "Retail chain", "Сети", "Мережі", "Rețele"),
    ("distributor", "Distributor", "Дистрибьютор", "Дистриб'ютор", "Distribuitor"),
    ("end-user", "End user", "Конечный потребитель", "Кінцевий споживач", "Utilizator final"),
]

CATEGORIES: list[tuple[str, str, str, str, str, str]] = [
    ("vip", "VIP", "VIP", "VIP", "VIP", "danger"),
    ("a", "A", "A", "A", "A", "warning"),
    ("b", "B", "B", "B", "B", "info"),
    ("c", "C", "C", "C", "C", "secondary"),
]

PRIORITIES: list[Row] = [
    ("a", "A — strategic", "A — стратегический", "A — стратегічний", "A — strategic"),
    ("b", "B — important", "B — важный", "B — важливий", "B — important"),
    ("c", "C — regular", "C — обычный", "C — звичайний", "C — obișnuit"),
]

CLIENT_TYPES: list[Row] = [
    ("potential", "Potential", "Потенциальный", "Потенційний", "Potențial"),
    ("tentative", "Tentative", "Карандашный", "Олівцевий", "Provizoriu"),
    ("active", "Active", "Активный", "Активний", "Activ"),
    ("passive", "Passive", "Пассивный", "Пасивний", "Pasiv"),
]

SIZES: list[Row] = [
    ("small", "Small business", "Малый бизнес", "Малий бізнес", "Afacere mică"),
    ("medium", "Medium business", "Средний бизнес", "Середній бізнес", "Afacere mijlocie"),
    ("large", "Large business", "Крупный бизнес", "Великий бізнес", "Afacere mare"),
    ("corporation", "Corporation", "Корпорация", "Корпорація", "Corporație"),
]

SOURCES: list[Row] = [
    ("cold-call", "Cold call", "Холодный звонок", "Холодний дзвінок", "Apel la rece"),
    ("website", "Website", "Сайт", "Сайт", "Site web"),
    ("exhibition", "Exhibition", "Выставка", "Виставка", "Expoziție"),
    ("referral", "Referral", "Рекомендация", "Рекомендація", "Recomandare"),
    ("advertising", "Advertising", "Реклама", "Реклама", "Publicitate"),
    ("tender", "Tender", "Тендер", "Тендер", "Licitație"),
]

TERMS_PACKAGES: list[tuple[str, str, str, str, str, str, int]] = [
    # code, en, ru, uk, ro, discount %, payment days
    ("standard", "Standard", "Стандартный", "Стандартний", "Standard", "0", 0),
    ("dealer", "Dealer", "Дилерский", "Дилерський", "Dealer", "10", 14),
    ("key-account", "Key account", "Ключевой клиент", "Ключовий клієнт", "Client cheie", "15", 30),
]

CONTACT_ROLES: list[tuple[str, str, str, str, str, str]] = [
    # code, en, ru, uk, ro, mark
    ("decision-maker", "Decision maker", "Принимает решение", "Приймає рішення", "Decident", "П"),
    ("influencer", "Influencer", "Влияет на решение", "Впливає на рішення", "Influențator", "КК"),
    ("user", "User", "Пользователь", "Користувач", "Utilizator", "К"),
    ("gatekeeper", "Gatekeeper", "Привратник", "Воротар", "Portar", "Пр"),
    ("buyer", "Buyer", "Закупщик", "Закупівельник", "Achizitor", "З"),
    ("expert", "Technical expert", "Технический эксперт", "Технічний експерт", "Expert tehnic", "Э"),
]

MANAGEMENT_LEVELS: list[Row] = [
    ("owner", "Owner", "Собственник", "Власник", "Proprietar"),
    ("top", "Top management", "Высшее руководство", "Вище керівництво", "Conducere superioară"),
    ("middle", "Middle management", "Среднее звено", "Середня ланка", "Conducere medie"),
    ("specialist", "Specialist", "Специалист", "Спеціаліст", "Specialist"),
]

TERRITORIES: list[tuple[str, str, str, str, str, list[tuple[str, str, str, str]]]] = [
    # country code, en, ru, uk, ro, [cities: en, ru, uk, ro]
    (
        "RU",
        "Russia",
        "Россия",
        "Росія",
        "Rusia",
        [
            ("Moscow", "Москва", "Москва", "Moscova"),
            ("Saint Petersburg", "Санкт-Петербург", "Санкт-Петербург", "Sankt Petersburg"),
            ("Novosibirsk", "Новосибирск", "Новосибірськ", "Novosibirsk"),
            ("Yekaterinburg", "Екатеринбург", "Єкатеринбург", "Ekaterinburg"),
            ("Kazan", "Казань", "Казань", "Kazan"),
        ],
    ),
    (
        "UA",
        "Ukraine",
        "Украина",
        "Україна",
        "Ucraina",
        [
            ("Kyiv", "Киев", "Київ", "Kiev"),
            ("Kharkiv", "Харьков", "Харків", "Harkov"),
            ("Odesa", "Одесса", "Одеса", "Odesa"),
            ("Lviv", "Львов", "Львів", "Liov"),
            ("Dnipro", "Днепр", "Дніпро", "Dnipro"),
        ],
    ),
    (
        "RO",
        "Romania",
        "Румыния",
        "Румунія",
        "România",
        [
            ("Bucharest", "Бухарест", "Бухарест", "București"),
            ("Cluj-Napoca", "Клуж-Напока", "Клуж-Напока", "Cluj-Napoca"),
            ("Iași", "Яссы", "Ясси", "Iași"),
            ("Timișoara", "Тимишоара", "Тімішоара", "Timișoara"),
        ],
    ),
    (
        "MD",
        "Moldova",
        "Молдова",
        "Молдова",
        "Moldova",
        [("Chișinău", "Кишинёв", "Кишинів", "Chișinău"), ("Bălți", "Бельцы", "Бєльці", "Bălți")],
    ),
]


def _names(en: str, ru: str, uk: str, ro: str) -> dict[str, str]:
    return {"name_en": en, "name_ru": ru, "name_uk": uk, "name_ro": ro}


def _install(model: Any, rows: list[Row]) -> None:
    for order, (code, en, ru, uk, ro) in enumerate(rows, start=1):
        model.objects.update_or_create(code=code, defaults={**_names(en, ru, uk, ro), "order": order * 10})


def install_client_references(apps: Any) -> None:
    """Create or refresh the client card's reference lists; ``apps`` lets migrations pass historical models."""
    model = apps.get_model("clients", "LegalForm")
    for order, (code, en, ru, uk, ro, abbreviation, country) in enumerate(LEGAL_FORMS, start=1):
        model.objects.update_or_create(
            code=code,
            defaults={**_names(en, ru, uk, ro), "abbreviation": abbreviation, "country_code": country, "order": order * 10},
        )
    _install(apps.get_model("clients", "Industry"), INDUSTRIES)
    _install(apps.get_model("clients", "Segment"), SEGMENTS)
    _install(apps.get_model("clients", "ClientPriority"), PRIORITIES)
    _install(apps.get_model("clients", "ClientType"), CLIENT_TYPES)
    _install(apps.get_model("clients", "SizeClass"), SIZES)
    _install(apps.get_model("clients", "ClientSource"), SOURCES)
    model = apps.get_model("clients", "ClientCategory")
    for order, (code, en, ru, uk, ro, color) in enumerate(CATEGORIES, start=1):
        model.objects.update_or_create(code=code, defaults={**_names(en, ru, uk, ro), "color": color, "order": order * 10})
    model = apps.get_model("clients", "TermsPackage")
    for order, (code, en, ru, uk, ro, discount, days) in enumerate(TERMS_PACKAGES, start=1):
        model.objects.update_or_create(
            code=code,
            defaults={**_names(en, ru, uk, ro), "discount_percent": discount, "payment_terms_days": days, "order": order * 10},
        )


def install_contact_references(apps: Any) -> None:
    model = apps.get_model("contacts", "ContactRole")
    for order, (code, en, ru, uk, ro, mark) in enumerate(CONTACT_ROLES, start=1):
        model.objects.update_or_create(code=code, defaults={**_names(en, ru, uk, ro), "abbreviation": mark, "order": order * 10})
    _install(apps.get_model("contacts", "ManagementLevel"), MANAGEMENT_LEVELS)


def install_territories(apps: Any) -> None:
    territory = apps.get_model("core", "Territory")

    def place(*, kind: str, parent: Any, country: str, names: dict[str, str]) -> Any:
        node, _ = territory.objects.get_or_create(
            parent=parent, name_en=names["name_en"], defaults={**names, "kind": kind, "country_code": country}
        )
        # Historical models have no custom save(): compute the materialised path here.
        own = f"{node.pk:06d}."
        path, depth = (parent.path + own, parent.depth + 1) if parent else (own, 0)
        if (node.path, node.depth) != (path, depth):
            territory.objects.filter(pk=node.pk).update(path=path, depth=depth)
            node.path, node.depth = path, depth
        return node

    for code, en, ru, uk, ro, cities in TERRITORIES:
        country = place(kind="country", parent=None, country=code, names=_names(en, ru, uk, ro))
        for city in cities:
            place(kind="city", parent=country, country=code, names=_names(*city))
