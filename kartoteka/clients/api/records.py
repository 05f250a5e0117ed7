"""A client's bank accounts and addresses."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from kartoteka.api import Id, errors, require_scope
from kartoteka.clients import services
from kartoteka.clients.api.common import AREA, actor_of
from kartoteka.clients.api.schemas import (
    AddressIn,
    AddressList,
    AddressOut,
    AddressUpdate,
    BankAccountIn,
    BankAccountList,
    BankAccountOut,
    BankAccountUpdate,
)
from kartoteka.clients.models import Address, BankAccount, Client
from kartoteka.users import access

router = Router(tags=["clients"])


def bank_account_out(account: BankAccount) -> BankAccountOut:
    return BankAccountOut(
        id=account.pk, client_id=account.client_id, **{name: getattr(account, name) for name in services.BANK_ACCOUNT_FIELDS}
    )


def address_out(address: Address) -> AddressOut:
    return AddressOut(
        id=address.pk,
        client_id=address.client_id,
        text=address.text,
        **{name: getattr(address, name) for name in services.ADDRESS_FIELDS},
    )


@router.get(
    "/clients/{client_id}/bank-accounts",
    response={200: BankAccountList, **errors(401, 403, 404)},
    summary="A client's bank accounts",
)
def bank_accounts_list(request: HttpRequest, client_id: Id) -> BankAccountList:
    require_scope(request, AREA, "read")
    client = access.get_visible_or_404(actor_of(request), Client, pk=client_id)
    return BankAccountList(items=[bank_account_out(account) for account in client.bank_accounts.all()])


@router.post(
    "/clients/{client_id}/bank-accounts",
    response={201: BankAccountOut, **errors(401, 403, 404, 409, 422)},
    summary="Add a bank account (BIK and account keys are checked)",
)
def bank_accounts_create(request: HttpRequest, client_id: Id, payload: BankAccountIn) -> Status[BankAccountOut]:
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    client = access.get_visible_or_404(actor, Client, pk=client_id)
    account = services.bank_account_save(actor=actor, client=client, values=payload.model_dump())
    return Status(201, bank_account_out(account))


@router.patch(
    "/bank-accounts/{account_id}",
    response={200: BankAccountOut, **errors(401, 403, 404, 409, 422)},
    summary="Change a bank account",
)
def bank_accounts_update(request: HttpRequest, account_id: Id, payload: BankAccountUpdate) -> BankAccountOut:
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    account = access.get_visible_or_404(actor, BankAccount.objects.select_related("client"), pk=account_id)
    account = services.bank_account_save(
        actor=actor, client=account.client, account=account, values=payload.model_dump(exclude_unset=True)
    )
    account.refresh_from_db()  # the primary flag of another account may have moved here or away
    return bank_account_out(account)


@router.delete("/bank-accounts/{account_id}", response={204: None, **errors(401, 403, 404, 409)}, summary="Delete a bank account")
def bank_accounts_delete(request: HttpRequest, account_id: Id) -> Status[None]:
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    services.client_record_delete(
        actor=actor, record=access.get_visible_or_404(actor, BankAccount.objects.select_related("client"), pk=account_id)
    )
    return Status(204, None)


@router.get(
    "/clients/{client_id}/addresses", response={200: AddressList, **errors(401, 403, 404)}, summary="A client's addresses"
)
def addresses_list(request: HttpRequest, client_id: Id) -> AddressList:
    require_scope(request, AREA, "read")
    client = access.get_visible_or_404(actor_of(request), Client, pk=client_id)
    return AddressList(items=[address_out(address) for address in client.addresses.all()])


@router.post(
    "/clients/{client_id}/addresses", response={201: AddressOut, **errors(401, 403, 404, 409, 422)}, summary="Add an address"
)
def addresses_create(request: HttpRequest, client_id: Id, payload: AddressIn) -> Status[AddressOut]:
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    client = access.get_visible_or_404(actor, Client, pk=client_id)
    values = payload.model_dump()
    values["country"] = values["country"] or client.country
    return Status(201, address_out(services.address_save(actor=actor, client=client, values=values)))


@router.patch(
    "/addresses/{address_id}", response={200: AddressOut, **errors(401, 403, 404, 409, 422)}, summary="Change an address"
)
def addresses_update(request: HttpRequest, address_id: Id, payload: AddressUpdate) -> AddressOut:
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    address = access.get_visible_or_404(actor, Address.objects.select_related("client"), pk=address_id)
    address = services.address_save(
        actor=actor, client=address.client, address=address, values=payload.model_dump(exclude_unset=True)
    )
    return address_out(address)


@router.delete("/addresses/{address_id}", response={204: None, **errors(401, 403, 404, 409)}, summary="Delete an address")
def addresses_delete(request: HttpRequest, address_id: Id) -> Status[None]:
    require_scope(request, AREA, "write")
    actor = actor_of(request)
    services.client_record_delete(
        actor=actor, record=access.get_visible_or_404(actor, Address.objects.select_related("client"), pk=address_id)
    )
    return Status(204, None)
