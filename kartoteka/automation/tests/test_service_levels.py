"""Service levels by client category: the installed defaults, the selector, the prompt and the card's header."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from kartoteka.automation.defaults import install_service_levels
from kartoteka.automation.models import ServiceLevel
from kartoteka.automation.selectors import service_level_for
from kartoteka.automation.service_levels import service_level_prompt, working_minutes_label
from kartoteka.clients.models import Client, ClientCategory
from kartoteka.testing.factories import ClientFactory, reference

pytestmark = pytest.mark.django_db

CLASS_C_PROMPT = (
    "Class C: respond within 4 h; call back within 8 h; no on-site meetings; offer: standard price list by phone and email"
    " — Small turnover: raise to a higher class or spend little time."
)


def test_each_default_category_gets_a_service_level_faster_for_bigger_clients():
    levels = {level.category.code: level for level in ServiceLevel.objects.select_related("category")}
    assert set(levels) == {"vip", "a", "b", "c"}
    responses = [levels[code].response_minutes for code in ("vip", "a", "b", "c")]
    assert responses == sorted(responses)
    assert levels["vip"].onsite_meetings_allowed
    assert not levels["c"].onsite_meetings_allowed


def test_installing_again_keeps_the_administrators_changes_and_skips_missing_categories():
    ServiceLevel.objects.filter(category__code="vip").update(response_minutes=15)
    ServiceLevel.objects.filter(category__code="c").delete()
    ClientCategory.objects.filter(code="c").delete()
    install_service_levels(apps)
    assert ServiceLevel.objects.get(category__code="vip").response_minutes == 15
    assert not ServiceLevel.objects.filter(category__code="c").exists()


def test_a_clients_service_level_is_its_categorys_in_one_query(world, django_assert_num_queries):
    client = Client.objects.select_related("category").get(
        pk=ClientFactory(responsible=world.users["mgr_north1"], category=reference(ClientCategory, "c")).pk
    )
    # 1 the service level; the category comes from the client already loaded.
    with django_assert_num_queries(1):
        level = service_level_for(client)
        assert level is not None
        assert service_level_prompt(level).startswith("Class C:")


def test_a_client_without_a_category_has_no_service_level_and_costs_no_query(world, django_assert_num_queries):
    client = ClientFactory(responsible=world.users["mgr_north1"])
    with django_assert_num_queries(0):
        assert service_level_for(client) is None


def test_the_prompt_says_how_fast_whether_to_visit_and_what_to_offer():
    level = ServiceLevel.objects.select_related("category").get(category__code="c")
    with translation.override("en"):
        assert service_level_prompt(level) == CLASS_C_PROMPT


def test_the_prompt_offers_in_the_readers_language():
    level = ServiceLevel.objects.select_related("category").get(category__code="c")
    with translation.override("ru"):
        prompt = service_level_prompt(level)
    assert "стандартный прайс-лист по телефону и почте" in prompt
    assert "Малый оборот" in prompt


def test_an_untranslated_offer_falls_back_to_english():
    level = ServiceLevel.objects.select_related("category").get(category__code="c")
    level.offer_ro = ""
    with translation.override("ro"):
        assert "standard price list by phone and email" in service_level_prompt(level)


def test_working_minutes_read_as_hours_and_minutes():
    with translation.override("en"):
        assert [working_minutes_label(minutes) for minutes in (30, 60, 90, 480)] == ["30 min", "1 h", "1 h 30 min", "8 h"]


def test_the_client_cards_header_shows_the_service_level_prompt(world, client_for):
    manager = world.users["mgr_north1"]
    client = ClientFactory(responsible=manager, category=reference(ClientCategory, "c"))
    html = client_for(manager).get(reverse("clients:card", args=[client.pk])).content.decode()
    assert 'data-testid="header-note-service-level"' in html
    assert "Class C: respond within 4 h" in html
    assert "no on-site meetings" in html


def test_changing_the_category_in_the_header_changes_the_prompt(world, client_for):
    manager = world.users["mgr_north1"]
    client = ClientFactory(responsible=manager, category=reference(ClientCategory, "c"))
    response = client_for(manager).post(
        reverse("clients:card_field", args=[client.pk, "category"]),
        {"value": reference(ClientCategory, "vip").pk},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Class VIP: respond within 30 min" in html
    assert "on-site meetings allowed" in html


def test_a_client_without_a_category_shows_no_prompt(world, client_for):
    manager = world.users["mgr_north1"]
    client = ClientFactory(responsible=manager)
    html = client_for(manager).get(reverse("clients:card", args=[client.pk])).content.decode()
    assert "header-note-service-level" not in html
