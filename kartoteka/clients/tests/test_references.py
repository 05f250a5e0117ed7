"""Reference lists and territories are data: installed with sensible defaults, edited by administrators."""

from __future__ import annotations

import pytest
from django.utils import translation

from kartoteka.clients.models import ClientCategory, ClientType, LegalForm, Segment, TermsPackage
from kartoteka.contacts.models import ContactRole, ManagementLevel
from kartoteka.core.models import Territory
from kartoteka.testing.factories import ClientFactory, reference

REFERENCE_ADMIN_PAGES = [
    "clients/legalform",
    "clients/industry",
    "clients/segment",
    "clients/clientcategory",
    "clients/clientpriority",
    "clients/clienttype",
    "clients/sizeclass",
    "clients/clientsource",
    "clients/termspackage",
    "contacts/contactrole",
    "contacts/managementlevel",
    "core/territory",
    "core/tag",
]


def test_defaults_come_from_the_seeds_in_every_language(db):
    tentative = reference(ClientType, "tentative")
    with translation.override("ru"):
        assert tentative.name == "Карандашный"
    with translation.override("en"):
        assert tentative.name == "Tentative"
    assert [c.code for c in ClientCategory.objects.all()] == ["vip", "a", "b", "c"]
    assert LegalForm.objects.get(code="ru-ooo").abbreviation == "ООО"
    assert ContactRole.objects.filter(code="decision-maker").exists()
    assert ManagementLevel.objects.count() >= 4
    assert TermsPackage.objects.get(code="dealer").payment_terms_days == 14


def test_territories_form_a_tree_and_a_moved_subtree_follows(db):
    russia = Territory.objects.get(country_code="RU", kind="country")
    moscow = Territory.objects.get(name_en="Moscow")
    assert moscow.path.startswith(russia.path)
    assert moscow.depth == 1
    region = Territory.objects.create(kind="region", parent=russia, name_en="Central", name_ru="Центральный")
    moscow.parent = region
    moscow.save()
    moscow.refresh_from_db()
    assert moscow.path == region.path + f"{moscow.pk:06d}."
    assert moscow.depth == 2
    assert moscow.country_code == "RU"


@pytest.mark.parametrize("page", REFERENCE_ADMIN_PAGES)
def test_administrators_edit_every_reference_list(world, client_for, page):
    admin = client_for(world.users["admin"])
    assert admin.get(f"/admin/{page}/").status_code == 200
    assert admin.get(f"/admin/{page}/add/").status_code == 200
    head = client_for(world.users["head"])
    assert head.get(f"/admin/{page}/").status_code == 302


def test_an_administrator_adds_a_segment_and_renames_it_in_russian(world, client_for):
    admin = client_for(world.users["admin"])
    response = admin.post(
        "/admin/clients/segment/add/",
        {
            "code": "horeca",
            "name_en": "HoReCa",
            "name_ru": "ХоРеКа",
            "name_uk": "",
            "name_ro": "",
            "order": 60,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:1000]
    segment = Segment.objects.get(code="horeca")
    with translation.override("ru"):
        assert segment.name == "ХоРеКа"
    with translation.override("uk"):
        assert segment.name == "HoReCa"  # no Ukrainian name yet: falls back to English


def test_an_entry_in_use_cannot_be_deleted_only_deactivated(world, client_for):
    vip = reference(ClientCategory, "vip")
    ClientFactory(responsible=world.users["mgr_north1"], category=vip)
    admin = client_for(world.users["admin"])
    assert admin.get(f"/admin/clients/clientcategory/{vip.pk}/delete/").status_code == 403
    response = admin.post(
        "/admin/clients/clientcategory/",
        {"action": "deactivate", "_selected_action": [vip.pk]},
    )
    assert response.status_code == 302
    vip.refresh_from_db()
    assert vip.is_active is False


def test_moving_a_region_moves_its_cities_in_the_tree(db):
    russia = Territory.objects.get(country_code="RU", kind="country")
    ukraine = Territory.objects.get(country_code="UA", kind="country")
    region = Territory.objects.create(kind="region", parent=russia, name_en="Volga", name_ru="Поволжье")
    city = Territory.objects.create(kind="city", parent=region, name_en="Samara", name_ru="Самара")
    region.parent = ukraine
    region.save()
    city.refresh_from_db()
    assert city.path == region.path + f"{city.pk:06d}."
    assert city.depth == 2


def test_a_territory_cannot_be_moved_inside_itself_in_administration(world, client_for):
    russia = Territory.objects.get(country_code="RU", kind="country")
    moscow = Territory.objects.get(name_en="Moscow")
    response = client_for(world.users["admin"]).post(
        f"/admin/core/territory/{russia.pk}/change/",
        {
            "kind": "country",
            "parent": moscow.pk,
            "name_en": "Russia",
            "name_ru": "Россия",
            "name_uk": "",
            "name_ro": "",
            "country_code": "RU",
        },
    )
    assert response.status_code == 200
    assert "cannot be placed inside itself" in response.content.decode()
    russia.refresh_from_db()
    assert russia.parent_id is None
