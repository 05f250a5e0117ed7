"""Request and response bodies of the client endpoints."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from ninja import Field, Schema

from kartoteka.api import DecimalString, Id
from kartoteka.clients.api.common import (
    MAX_LIMIT,
    Code,
    CodeList,
    ContactPointIn,
    ContactPointOut,
    Count,
    CountryCode,
    CurrencyCode,
    CustomFieldsIn,
    DecimalIn,
    LongText,
    Moment,
    RefOut,
    TagName,
    UserRefOut,
    absent,
)

# --- Output schemas -------------------------------------------------------------------------------------


class TeamRefOut(Schema):
    id: int
    name: str


class TerritoryRefOut(Schema):
    id: int
    name: str
    kind: str
    country_code: str


class ContactShortOut(Schema):
    id: int
    full_name: str
    position: str
    is_primary: bool
    is_active: bool
    roles: list[RefOut]


class ClientItemOut(Schema):
    """A client as lists show it."""

    id: int
    kind: str
    name: str
    display_name: str = Field(description="The name with the legal form's abbreviation: ООО «Ромашка».")
    country: str
    legal_form: RefOut | None
    industry: RefOut | None
    segment: RefOut | None
    priority: RefOut | None
    client_type: RefOut | None
    category: RefOut | None
    source: RefOut | None
    territory: TerritoryRefOut | None
    team: TeamRefOut | None
    responsible: UserRefOut | None
    tax_id: str = Field(description="The main tax identifier of the client's country (INN, EDRPOU, CUI, IDNO).")
    phone: str | None = Field(description="The primary phone (E.164): the client's own first, then a contact's.")
    email: str | None
    tags: list[str]
    custom_fields: dict[str, Any]
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ClientPage(Schema):
    items: list[ClientItemOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= to get the next page; null on the last page.")


class RequisitesOut(Schema):
    full_name: str
    inn: str
    kpp: str
    ogrn: str
    okpo: str
    edrpou: str
    ipn: str
    cui: str
    reg_com: str
    idno: str
    director: str


class BankAccountOut(Schema):
    id: int
    client_id: int
    bank_name: str
    bik: str
    account: str
    correspondent_account: str
    iban: str
    swift: str
    currency: str
    is_primary: bool


class AddressOut(Schema):
    id: int
    client_id: int
    kind: str
    country: str
    postal_code: str
    region: str
    city: str
    street: str
    comment: str
    text: str = Field(description="The address in one line.")


class ClientOut(ClientItemOut):
    """The full client card."""

    business_description: str
    size: RefOut | None
    annual_turnover: DecimalString | None
    turnover_currency: str
    market_share: DecimalString | None
    staff_count: int | None
    branch_count: int | None
    coverage: str
    export_countries: str
    website: str
    supervisor: UserRefOut | None
    sales_mode: str
    sales_kind: str
    planning_method: str
    terms_package: RefOut | None
    individual_discount: DecimalString | None
    individual_terms: str
    potential_amount: DecimalString | None
    potential_currency: str
    potential_quantity: DecimalString | None
    potential_unit: str
    wallet_share: DecimalString | None
    loyalty: int | None
    first_contact_reason: str
    notes: str
    created_by: UserRefOut | None
    requisites: RequisitesOut
    bank_accounts: list[BankAccountOut]
    addresses: list[AddressOut]
    contact_points: list[ContactPointOut]
    contacts: list[ContactShortOut]


class DuplicateOut(Schema):
    client_id: int | None = Field(description="The existing client's id, or null when it is not visible to you.")
    name: str | None = Field(description="Its name, when visible to you.")
    rules: list[str] = Field(description="What matched: tax_id, phone, email, name, similar_name.")
    reasons: list[str] = Field(description="The same, in words for people.")
    message: str


class ClientWrittenOut(ClientOut):
    warnings: list[DuplicateOut] = Field(description="Likely duplicates of this client; the write was not blocked.")


class BankAccountList(Schema):
    items: list[BankAccountOut]


class AddressList(Schema):
    items: list[AddressOut]


# --- Input schemas --------------------------------------------------------------------------------------


class RequisitesIn(Schema):
    """Registration and tax codes; spaces and dashes are fine, check digits are verified."""

    full_name: str | None = Field(None, max_length=500)
    inn: str | None = Field(None, max_length=40, description="RU: 10 digits (organisation) or 12 (person).")
    kpp: str | None = Field(None, max_length=40)
    ogrn: str | None = Field(None, max_length=40, description="RU: OGRN (13 digits) or OGRNIP (15).")
    okpo: str | None = Field(None, max_length=40)
    edrpou: str | None = Field(None, max_length=40, description="UA: 8 digits.")
    ipn: str | None = Field(None, max_length=40, description="UA: 10 digits.")
    cui: str | None = Field(None, max_length=40, description="RO: 2–10 digits, an RO prefix is accepted.")
    reg_com: str | None = Field(None, max_length=40, description="RO: J40/1234/2020 or J2020001234402.")
    idno: str | None = Field(None, max_length=40, description="MD: 13 digits.")
    director: str | None = Field(None, max_length=255)


class BankAccountIn(Schema):
    bank_name: str = Field(min_length=1, max_length=255)
    bik: str = Field("", max_length=40, description="RU bank identifier; when given, the accounts' keys are checked against it.")
    account: str = Field("", max_length=40, description="Settlement account (RU, 20 digits).")
    correspondent_account: str = Field("", max_length=40)
    iban: str = Field("", max_length=40)
    swift: str = Field("", max_length=11)
    currency: str = Field("RUB", pattern=r"^[A-Z]{3}$")
    is_primary: bool = False


class BankAccountUpdate(Schema):
    bank_name: str = absent(min_length=1, max_length=255)
    bik: str = absent(max_length=40)
    account: str = absent(max_length=40)
    correspondent_account: str = absent(max_length=40)
    iban: str = absent(max_length=40)
    swift: str = absent(max_length=11)
    currency: str = absent(pattern=r"^[A-Z]{3}$")
    is_primary: bool = absent()


AddressKindName = Literal["legal", "actual", "postal", "delivery"]


class AddressIn(Schema):
    kind: AddressKindName = "actual"
    country: CountryCode | None = Field(None, description="Defaults to the client's country.")
    postal_code: str = Field("", max_length=20)
    region: str = Field("", max_length=150)
    city: str = Field("", max_length=150)
    street: str = Field(min_length=1, max_length=500, description="Street, building, office.")
    comment: str = Field("", max_length=255)


class AddressUpdate(Schema):
    kind: AddressKindName = absent()
    country: CountryCode = absent()
    postal_code: str = absent(max_length=20)
    region: str = absent(max_length=150)
    city: str = absent(max_length=150)
    street: str = absent(min_length=1, max_length=500)
    comment: str = absent(max_length=255)


SalesModeName = Literal["", "active", "active_passive", "passive"]
SalesKindName = Literal["", "qualitative", "quantitative"]
PlanningMethodName = Literal["", "targeted", "statistical", "by_category"]
FirstContactName = Literal["", "our_initiative", "client_request"]


class ClientFieldsIn(Schema):
    """Card fields shared by create and update. Reference values by code, people and teams by id."""

    kind: Literal["company", "individual"] = absent()
    legal_form: Code | None = None
    industry: Code | None = None
    business_description: LongText | None = None
    size: Code | None = None
    annual_turnover: DecimalIn | None = None
    turnover_currency: CurrencyCode | None = None
    market_share: DecimalIn | None = Field(None, description="Percent, 0–100.")
    staff_count: Count | None = None
    branch_count: Count | None = None
    coverage: str | None = Field(None, max_length=255)
    export_countries: str | None = Field(None, max_length=255)
    website: str | None = Field(None, max_length=255)
    country: CountryCode = absent(description="Decides which requisites apply. Default RU.")
    territory_id: Id | None = None
    team_id: Id | None = None
    supervisor_id: Id | None = None
    responsible_id: Id | None = Field(None, description="Must be a user you can see. A manager creating a client becomes it.")
    segment: Code | None = None
    priority: Code | None = None
    client_type: Code | None = None
    category: Code | None = None
    sales_mode: SalesModeName | None = None
    sales_kind: SalesKindName | None = None
    planning_method: PlanningMethodName | None = None
    terms_package: Code | None = None
    individual_discount: DecimalIn | None = Field(None, description="Percent, 0–100.")
    individual_terms: LongText | None = None
    potential_amount: DecimalIn | None = None
    potential_currency: CurrencyCode | None = None
    potential_quantity: DecimalIn | None = None
    potential_unit: str | None = Field(None, max_length=20)
    wallet_share: DecimalIn | None = Field(None, description="Percent, 0–100.")
    loyalty: int | None = Field(None, ge=1, le=5)
    first_contact_reason: FirstContactName | None = None
    source: Code | None = None
    notes: LongText | None = None


class ClientCreate(ClientFieldsIn):
    name: str = Field(min_length=1, max_length=255)
    requisites: RequisitesIn = absent()
    tags: list[TagName] = absent(max_length=50)
    custom_fields: CustomFieldsIn = absent()
    contact_points: list[ContactPointIn] = absent(max_length=20, description="The client's own phones and emails.")
    bank_accounts: list[BankAccountIn] = absent(max_length=10)
    addresses: list[AddressIn] = absent(max_length=10)


class ClientUpdate(ClientFieldsIn):
    name: str = absent(min_length=1, max_length=255)
    requisites: RequisitesIn = absent(description="Only the codes given change; an empty string clears one.")
    tags: list[TagName] = absent(max_length=50, description="The complete new set of tags.")
    custom_fields: CustomFieldsIn = absent()


ClientSort = Literal["name", "-name", "updated_at", "-updated_at", "created_at", "-created_at"]


class ClientFilters(Schema):
    q: str | None = Field(None, max_length=200, description="Search: name fragment, INN, phone in any format, email…")
    kind: Literal["company", "individual"] | None = None
    country: CountryCode | None = None
    category: CodeList | None = None
    segment: CodeList | None = None
    priority: CodeList | None = None
    client_type: CodeList | None = None
    source: CodeList | None = None
    industry: CodeList | None = None
    territory: Id | None = Field(None, description="Territory id: clients in it and in every place inside it.")
    team: Id | None = Field(None, description="Team id.")
    responsible: Id | None = Field(None, description="User id of the responsible manager.")
    tag: TagName | None = Field(None, description="A tag name (case-insensitive).")
    tax_id: str | None = Field(None, max_length=40, description="Exact INN / EDRPOU / CUI / IDNO.")
    updated_since: Moment | None = Field(None, description="Changed at or after this moment.")
    sort: ClientSort = "name"
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, max_length=500)
