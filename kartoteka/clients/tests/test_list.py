"""The client list: access scope, every filter, sorting, columns, search, pagination, saved views."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kartoteka.clients import services
from kartoteka.clients.models import (
    Client,
    ClientCategory,
    ClientPriority,
    ClientSource,
    ClientType,
    Industry,
    LegalForm,
    Segment,
    SizeClass,
    TermsPackage,
)
from kartoteka.contacts import services as contact_services
from kartoteka.contacts.models import ContactPoint
from kartoteka.core import services as core_services
from kartoteka.core.models import SavedView, Tag, Territory
from kartoteka.customfields.models import CustomField
from kartoteka.testing.factories import ClientFactory, reference

URL = "/clients/"


def names(response) -> list[str]:
    """Client names on the page, in order (from the list the template rendered)."""
    assert response.status_code == 200, response.status_code
    return [obj.name for obj, _cells in response.context["page"].rows]


def territory(name_en: str) -> Territory:
    reference(ClientCategory, "vip")  # makes sure the default territories are installed
    return Territory.objects.get(name_en=name_en)


@pytest.fixture
def manager(world):
    return world.users["mgr_north1"]


# --- Access ------------------------------------------------------------------------------------------


def test_a_managers_list_never_shows_another_managers_client(world, client_for, manager):
    ClientFactory(responsible=manager, name="Своя")
    ClientFactory(responsible=world.users["mgr_south"], name="Чужая")
    assert names(client_for(manager).get(URL)) == ["Своя"]
    assert names(client_for(manager).get(URL, {"q": "Чужая"})) == []
    # Filtering by the other manager is no back door either: a person the viewer cannot see is no choice.
    assert names(client_for(manager).get(URL, {"responsible": world.users["mgr_south"].pk})) == ["Своя"]


def test_a_supervisor_sees_the_team_subtree_and_the_head_sees_everyone(world, client_for):
    ClientFactory(responsible=world.users["mgr_north1"], name="Север")
    ClientFactory(responsible=world.users["mgr_south"], name="Юг")
    assert names(client_for(world.users["sup_north"]).get(URL)) == ["Север"]
    assert names(client_for(world.users["head"]).get(URL)) == ["Север", "Юг"]


def test_responsible_choices_offer_only_people_the_viewer_can_see(world, client_for, manager):
    http = client_for(manager)
    offered = http.get(reverse("clients:people_options"), {"field": "responsible", "q": ""}).content.decode()
    assert f'value="{manager.pk}"' in offered
    assert f'value="{world.users["mgr_south"].pk}"' not in offered  # another team: invisible to a manager
    assert 'value="none"' in offered  # "nobody" is offered for the responsible person


def test_the_panel_lists_only_the_chosen_people_and_finds_the_rest_by_name(world, client_for):
    head, south = world.users["head"], world.users["mgr_south"]
    http = client_for(head)
    page = http.get(URL, {"responsible": south.pk}).context["page"]
    (state,) = [state for state in page.filter_states if state.key == "responsible"]
    assert [option.value for option in state.options] == [str(south.pk)]  # not everyone the head can see
    found = http.get(reverse("clients:people_options"), {"field": "supervisor", "q": south.last_name}).content.decode()
    assert f'value="{south.pk}"' in found
    assert 'name="supervisor"' in found
    assert f'value="{world.users["mgr_north1"].pk}"' not in found


def test_without_javascript_a_typed_email_filters_by_that_person(world, client_for):
    ClientFactory(responsible=world.users["mgr_north1"], name="Север")
    ClientFactory(responsible=world.users["mgr_south"], name="Юг")
    head = client_for(world.users["head"])
    response = head.get(URL, {"responsible": world.users["mgr_south"].email})
    assert names(response) == ["Юг"]
    assert response.context["page"].params["responsible"] == [str(world.users["mgr_south"].pk)]


def test_a_user_without_client_access_gets_403(world, client_for, user_factory):
    nobody = user_factory()
    assert client_for(nobody).get(URL).status_code == 403


# --- Query count ----------------------------------------------------------------------------------


def _bulk_clients(count: int, user, category: ClientCategory, tag: Tag) -> None:
    """Rows straight into the table: fast enough to make a thousand for a query-count test."""
    references = {
        "priority": ClientPriority.objects.order_by("pk")[0],
        "client_type": ClientType.objects.order_by("pk")[0],
        "segment": Segment.objects.order_by("pk")[0],
        "legal_form": LegalForm.objects.order_by("pk")[0],
        "territory": territory("Moscow"),
    }
    clients = Client.objects.bulk_create(
        Client(
            name=f"Клиент {index:05d}",
            responsible=user,
            team=user.team,
            category=category,
            tax_id=f"{index:010d}",
            **references,
        )
        for index in range(count)
    )
    Client.tags.through.objects.bulk_create(Client.tags.through(client_id=c.pk, tag_id=tag.pk) for c in clients)
    ContactPoint.objects.bulk_create(
        ContactPoint(client=c, kind="phone", value="+74951234567", search_key="4951234567", is_primary=True) for c in clients
    )


def test_the_list_runs_the_same_queries_for_10_and_for_1000_clients(world, client_for, manager, django_assert_num_queries):
    vip = reference(ClientCategory, "vip")
    tag = Tag.objects.create(name="опт")
    CustomField.objects.create(entity="client", code="rating", name_en="Rating", kind="number", show_in_list=True)
    http = client_for(manager)
    _bulk_clients(10, manager, vip, tag)
    params = {"cols": ["name", "tax_id", "category", "responsible", "territory", "team", "phone", "tags", "updated", "cf_rating"]}
    with CaptureQueriesContext(connection) as small:
        assert len(names(http.get(URL, params))) == 10
    _bulk_clients(990, manager, vip, tag)
    # 1 the signed-in user, 2 their roles and scopes, 3 their saved views, 4 custom field definitions,
    # 5 the teams offered (the viewer's subtree), 6 the territories, 7 every reference list in one UNION,
    # 8 the tags offered, 9 the page of clients with responsible and team joined (no more: each join
    # costs PostgreSQL planning time), 10 the references and territories the page shows, one UNION,
    # 11 its tags, 12 its phones, 13 the capped count ("1–50 of 1000"). People are never listed in
    # full (thousands of them): the responsible/supervisor pickers fetch matches as the user types.
    with django_assert_num_queries(13):
        response = http.get(URL, params)
    assert len(names(response)) == 50
    assert len(small.captured_queries) == 13
    assert response.context["page"].total == 1000


def test_the_htmx_fragment_loads_only_the_choices_of_filters_in_use(world, client_for, manager, django_assert_num_queries):
    vip = reference(ClientCategory, "vip")
    _bulk_clients(60, manager, vip, Tag.objects.create(name="опт"))
    http = client_for(manager)
    # 1 user, 2 roles, 3 custom field definitions, 4 reference lists (the category chip's label),
    # 5 the page, 6 the references and territories it shows (one UNION), 7 tags, 8 phones, 9 the capped count.
    with django_assert_num_queries(9):
        response = http.get(URL, {"category": vip.pk}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="list-results"')
    assert "<html" not in html
    assert 'hx-swap-oob="true"' in html  # the form's sort field follows the header links


# --- Filters --------------------------------------------------------------------------------------


@pytest.fixture
def catalogue(world):
    """Three clients that differ in every filtered field."""
    north, south = world.users["mgr_north1"], world.users["mgr_south"]
    first = ClientFactory(
        responsible=north,
        name="Альфа",
        kind="company",
        legal_form=reference(LegalForm, "ru-ooo"),
        industry=Industry.objects.order_by("pk")[0],
        size=SizeClass.objects.order_by("pk")[0],
        territory=territory("Moscow"),
        supervisor=world.users["sup_north"],
        segment=Segment.objects.order_by("pk")[0],
        priority=ClientPriority.objects.order_by("pk")[0],
        client_type=ClientType.objects.order_by("pk")[0],
        category=reference(ClientCategory, "vip"),
        sales_mode="active",
        sales_kind="qualitative",
        planning_method="targeted",
        terms_package=TermsPackage.objects.order_by("pk")[0],
        source=ClientSource.objects.order_by("pk")[0],
        first_contact_reason="our_initiative",
        loyalty=5,
        requisites={"inn": "7707083893"},
        tags=["опт"],
    )
    second = ClientFactory(
        responsible=north,
        name="Бета",
        kind="individual",
        territory=territory("Kyiv"),
        category=reference(ClientCategory, "a"),
        sales_mode="passive",
        sales_kind="quantitative",
        planning_method="statistical",
        first_contact_reason="client_request",
        loyalty=2,
        tags=["розница"],
    )
    third = ClientFactory(
        responsible=south,
        name="Гамма",
        territory=territory("Russia"),
        category=reference(ClientCategory, "c"),
        tags=["опт", "розница"],
    )
    return first, second, third


def by(attribute: str):
    return lambda clients: getattr(clients[0], attribute)


@pytest.mark.parametrize(
    ("param", "value", "expected"),
    [
        ("kind", lambda c: "individual", ["Бета"]),
        ("legal_form", lambda c: c[0].legal_form_id, ["Альфа"]),
        ("industry", lambda c: c[0].industry_id, ["Альфа"]),
        ("size", lambda c: c[0].size_id, ["Альфа"]),
        ("supervisor", lambda c: c[0].supervisor_id, ["Альфа"]),
        ("segment", lambda c: c[0].segment_id, ["Альфа"]),
        ("priority", lambda c: c[0].priority_id, ["Альфа"]),
        ("client_type", lambda c: c[0].client_type_id, ["Альфа"]),
        ("category", lambda c: [c[0].category_id, c[1].category_id], ["Альфа", "Бета"]),
        ("sales_mode", lambda c: "passive", ["Бета"]),
        ("sales_kind", lambda c: ["qualitative", "quantitative"], ["Альфа", "Бета"]),
        ("planning_method", lambda c: "statistical", ["Бета"]),
        ("terms_package", lambda c: c[0].terms_package_id, ["Альфа"]),
        ("source", lambda c: c[0].source_id, ["Альфа"]),
        ("first_contact_reason", lambda c: "client_request", ["Бета"]),
        ("loyalty", lambda c: ["5", "4"], ["Альфа"]),
        ("tax_id", lambda c: "yes", ["Альфа"]),
        ("tax_id", lambda c: "no", ["Бета", "Гамма"]),
        ("responsible", lambda c: c[2].responsible_id, ["Гамма"]),
        ("team", lambda c: c[0].team_id, ["Альфа", "Бета"]),
    ],
)
def test_each_filter_narrows_the_list(world, client_for, catalogue, param, value, expected):
    response = client_for(world.users["head"]).get(URL, {param: value(catalogue)})
    assert names(response) == expected
    assert response.context["page"].chips  # the active value shows as a removable chip


def test_choosing_a_country_includes_its_cities(world, client_for, catalogue):
    head = client_for(world.users["head"])
    assert names(head.get(URL, {"territory": territory("Russia").pk})) == ["Альфа", "Гамма"]
    assert names(head.get(URL, {"territory": territory("Moscow").pk})) == ["Альфа"]
    assert names(head.get(URL, {"territory": [territory("Moscow").pk, territory("Ukraine").pk]})) == ["Альфа", "Бета"]


def test_the_team_filter_includes_sub_teams_on_request(world, client_for, catalogue):
    head = client_for(world.users["head"])
    north = world.teams["north"].pk
    assert names(head.get(URL, {"team": north})) == []
    assert names(head.get(URL, {"team": north, "team_sub": "1"})) == ["Альфа", "Бета"]
    assert names(head.get(URL, {"team": world.teams["sales"].pk, "team_sub": "1"})) == ["Альфа", "Бета", "Гамма"]


def test_tags_match_any_of_the_chosen_without_repeating_rows(world, client_for, catalogue):
    wholesale, retail = Tag.objects.get(name="опт"), Tag.objects.get(name="розница")
    assert names(client_for(world.users["head"]).get(URL, {"tags": [wholesale.pk, retail.pk]})) == ["Альфа", "Бета", "Гамма"]


def test_responsible_nobody_finds_unassigned_clients(world, client_for, catalogue):
    services.client_create(actor=None, name="Ничья")
    assert names(client_for(world.users["head"]).get(URL, {"responsible": "none"})) == ["Ничья"]


def test_created_date_range_counts_whole_local_days(world, client_for, catalogue):
    first = catalogue[0]
    old = timezone.now() - datetime.timedelta(days=40)
    Client.objects.filter(pk=first.pk).update(created_at=old)
    today = timezone.localdate()
    head = client_for(world.users["head"])
    assert names(head.get(URL, {"created_from": today.isoformat()})) == ["Бета", "Гамма"]
    assert names(head.get(URL, {"created_to": (today - datetime.timedelta(days=30)).isoformat()})) == ["Альфа"]
    assert names(head.get(URL, {"created_from": "not-a-date"})) == ["Альфа", "Бета", "Гамма"]


def test_unknown_and_malformed_filter_values_are_ignored(world, client_for, catalogue):
    head = client_for(world.users["head"])
    assert names(head.get(URL, {"category": "999999", "kind": "robot", "responsible": "x", "offset": "-3"})) == [
        "Альфа",
        "Бета",
        "Гамма",
    ]


def test_an_inactive_reference_entry_is_not_offered_but_a_saved_value_still_filters(world, client_for, catalogue):
    first = catalogue[0]
    ClientSource.objects.filter(pk=first.source_id).update(is_active=False)
    head = client_for(world.users["head"])
    page = head.get(URL).context["page"]
    offered = {option.value for state in page.filter_states if state.key == "source" for option in state.options}
    assert str(first.source_id) not in offered
    assert names(head.get(URL, {"source": first.source_id})) == ["Альфа"]


def test_search_finds_by_name_fragment_tax_id_and_phone(world, client_for, django_capture_on_commit_callbacks):
    manager = world.users["mgr_north1"]
    with django_capture_on_commit_callbacks(execute=True):  # the search index follows committed changes
        alpha = ClientFactory(responsible=manager, name="Альфа", requisites={"inn": "7707083893"})
        ClientFactory(responsible=manager, name="Бета")
        contact_services.contact_point_save(actor=manager, client=alpha, values={"kind": "phone", "value": "+7 495 123-45-67"})
    http = client_for(manager)
    assert names(http.get(URL, {"q": "альф"})) == ["Альфа"]
    assert names(http.get(URL, {"q": "7707083893"})) == ["Альфа"]
    assert names(http.get(URL, {"q": "8 (495) 123-45-67"})) == ["Альфа"]
    # Search and filters compose: a filter that excludes the match leaves nothing.
    assert names(http.get(URL, {"q": "альф", "kind": "individual"})) == []


# --- Sorting, columns, pagination, empty states -------------------------------------------------------


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Альфа", "Бета", "Гамма"]),
        ("-name", ["Гамма", "Бета", "Альфа"]),
        ("category", ["Альфа", "Бета", "Гамма"]),  # VIP, A, C in the reference list's order
        ("-category", ["Гамма", "Бета", "Альфа"]),
        ("created", ["Альфа", "Бета", "Гамма"]),
        ("-updated", ["Гамма", "Бета", "Альфа"]),
        ("unknown", ["Альфа", "Бета", "Гамма"]),
    ],
)
def test_sortable_columns(world, client_for, catalogue, sort, expected):
    assert names(client_for(world.users["head"]).get(URL, {"sort": sort})) == expected


def test_sorting_by_responsible_and_territory_groups_rows(world, client_for, catalogue):
    head = client_for(world.users["head"])
    by_person = names(head.get(URL, {"sort": "responsible"}))
    assert by_person.index("Гамма") in (0, 2)  # one person's clients stay together, by name
    assert by_person[by_person.index("Альфа") + 1] == "Бета" or by_person[by_person.index("Альфа") - 1] == "Бета"
    assert len(names(head.get(URL, {"sort": "-territory"}))) == 3


def test_the_user_chooses_visible_columns(world, client_for, catalogue):
    response = client_for(world.users["head"]).get(URL, {"cols": ["tax_id", "tags"]})
    assert [column.key for column in response.context["page"].columns] == ["name", "tax_id", "tags"]
    html = response.content.decode()
    assert "7707083893" in html
    assert "розница" in html


def test_category_badge_uses_the_category_colour_and_rows_open_the_card(world, client_for, catalogue):
    html = client_for(world.users["head"]).get(URL).content.decode()
    assert '<span class="badge text-bg-danger">VIP</span>' in html
    assert f'data-href="/clients/{catalogue[0].pk}/"' in html


def test_pages_are_bounded_and_counted_up_to_a_cap(world, client_for, manager):
    vip = reference(ClientCategory, "vip")
    _bulk_clients(120, manager, vip, Tag.objects.create(name="опт"))
    http = client_for(manager)
    page = http.get(URL, {"offset": 100}).context["page"]
    assert (page.first_row, page.last_row, page.total, page.has_next) == (101, 120, 120, False)
    assert "offset=50" in page.previous_url
    assert "Rows 101–120 of 120" in http.get(URL, {"offset": 100}).content.decode()


def test_no_clients_at_all_invites_to_create_the_first(world, client_for, manager):
    html = client_for(manager).get(URL).content.decode()
    assert 'data-testid="empty-nothing-yet"' in html
    assert 'href="/clients/new/"' in html


def test_no_matches_offers_to_clear_filters(world, client_for, manager):
    ClientFactory(responsible=manager, name="Альфа")
    html = client_for(manager).get(URL, {"q": "нет-такого"}).content.decode()
    assert 'data-testid="empty-no-matches"' in html
    assert "Clear filters" in html
    assert 'href="/clients/new/"' not in html.split('data-testid="empty-no-matches"')[1]


# --- Custom fields ----------------------------------------------------------------------------------


def test_custom_fields_are_filters_and_columns(world, client_for, manager):
    CustomField.objects.create(
        entity="client",
        code="tier",
        name_en="Tier",
        kind="choice",
        show_in_list=True,
        choices=[{"value": "gold", "name_en": "Gold"}, {"value": "silver", "name_en": "Silver"}],
    )
    gold = ClientFactory(responsible=manager, name="Золотой")
    services.client_update(actor=manager, client=gold, changes={}, custom_fields={"tier": "gold"})
    silver = ClientFactory(responsible=manager, name="Серебряный")
    services.client_update(actor=manager, client=silver, changes={}, custom_fields={"tier": "silver"})
    http = client_for(manager)
    assert names(http.get(URL, {"cf_tier": "gold"})) == ["Золотой"]
    response = http.get(URL, {"cols": ["cf_tier"], "sort": "-cf_tier"})
    assert names(response) == ["Серебряный", "Золотой"]
    assert "Gold" in response.content.decode()


# --- Saved views -----------------------------------------------------------------------------------


def test_saving_a_view_keeps_filters_sort_and_columns(world, client_for, manager):
    vip = reference(ClientCategory, "vip")
    http = client_for(manager)
    response = http.post(
        "/clients/views/save/", {"name": "  Мои VIP ", "query": f"category={vip.pk}&sort=-name&cols=tags&offset=50&evil=1"}
    )
    view = SavedView.objects.get(user=manager)
    assert view.name == "Мои VIP"
    assert view.params == {"category": [str(vip.pk)], "sort": ["-name"], "cols": ["tags"]}
    assert response["Location"] == f"/clients/?category={vip.pk}&sort=-name&cols=tags"


def test_the_default_view_applies_when_the_list_opens_without_parameters(world, client_for, manager):
    vip = reference(ClientCategory, "vip")
    first = core_services.saved_view_save(actor=manager, list_key="clients", name="A", params={"sort": ["-name"]})
    core_services.saved_view_save(
        actor=manager, list_key="clients", name="VIP", params={"category": [str(vip.pk)]}, is_default=True
    )
    http = client_for(manager)
    response = http.get(URL)
    assert response.status_code == 302
    assert response["Location"] == f"/clients/?category={vip.pk}"
    assert http.get(URL, {"reset": "1"}).status_code == 200  # "All clients" opens without it
    assert http.get(URL, headers={"HX-Request": "true"}).status_code == 200

    http.post(f"/clients/views/{first.pk}/default/", {"is_default": "1"})
    assert list(SavedView.objects.filter(user=manager, is_default=True).values_list("name", flat=True)) == ["A"]
    assert http.get(URL)["Location"] == "/clients/?sort=-name"


def test_only_the_owner_sees_renames_or_deletes_a_saved_view(world, client_for, manager):
    view = core_services.saved_view_save(actor=manager, list_key="clients", name="Мой", params={"q": ["x"]})
    other = client_for(world.users["mgr_south"])
    assert "Мой" not in other.get(URL).content.decode()
    assert other.post(f"/clients/views/{view.pk}/rename/", {"name": "Чужой"}).status_code == 404
    assert other.post(f"/clients/views/{view.pk}/delete/").status_code == 404
    assert other.post(f"/clients/views/{view.pk}/default/").status_code == 404
    view.refresh_from_db()
    assert (view.name, view.is_default) == ("Мой", False)

    owner = client_for(manager)
    assert "Мой" in owner.get(URL).content.decode()
    owner.post(f"/clients/views/{view.pk}/rename/", {"name": "Новый"})
    view.refresh_from_db()
    assert view.name == "Новый"
    owner.post(f"/clients/views/{view.pk}/delete/")
    assert not SavedView.objects.exists()


def test_the_current_view_is_recognised_and_names_the_page(world, client_for, manager):
    core_services.saved_view_save(actor=manager, list_key="clients", name="Сначала новые", params={"sort": ["-created"]})
    html = client_for(manager).get(URL, {"sort": "-created"}).content.decode()
    assert '<h1 class="me-auto">Сначала новые</h1>' in html


def test_a_saved_view_needs_a_name(world, client_for, manager):
    client_for(manager).post("/clients/views/save/", {"name": "  ", "query": "sort=name"})
    assert not SavedView.objects.exists()


def test_a_user_custom_field_filter_offers_only_people_the_viewer_may_see(world, client_for):
    CustomField.objects.create(entity="client", code="engineer", name_en="Engineer", kind="user")
    html = client_for(world.users["mgr_north1"]).get("/clients/?reset=1").content.decode()
    assert "Last-mgr_north1" in html
    assert "Last-mgr_south" not in html  # a manager sees only their own team's people (access policy)
    assert "Last-mgr_south" in client_for(world.users["head"]).get("/clients/?reset=1").content.decode()
