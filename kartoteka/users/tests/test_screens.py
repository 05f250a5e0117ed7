"""The UI shell and the screens of this app, through HTTP."""

from __future__ import annotations

import re

from django.core.management import call_command

from kartoteka.integrations.models import ApiToken
from kartoteka.users.models import Team, User


def sections(html: str) -> set[str]:
    return set(re.findall(r'data-section="([a-z_]+)"', html))


def test_navigation_shows_only_what_the_role_can_use(world, client_for):
    day = {"home", "tasks", "calendar", "overview"}  # everyone plans their own day
    assert sections(client_for(world.users["mgr_north1"]).get("/").content.decode()) == {
        *day,
        "clients",
        "deals",
        "tails",
        "people",
        "teams",
    }
    assert sections(client_for(world.users["admin"]).get("/").content.decode()) == {
        *day,
        "clients",
        "deals",
        "tails",
        "people",
        "teams",
        "leads",
        "jobs",
        "admin",
    }


def test_switching_language_is_remembered_in_the_profile(world, client_for):
    manager = world.users["mgr_north1"]
    client = client_for(manager)
    response = client.post("/language/", {"language": "ru", "next": "/people/"})
    assert response.status_code == 302
    assert response["Location"] == "/people/"
    manager.refresh_from_db()
    assert manager.language == "ru"
    assert '<html lang="ru"' in client.get("/").content.decode()
    client.post("/language/", {"language": "en", "next": "https://evil.example/"})
    manager.refresh_from_db()
    assert manager.language == "en"


def test_an_open_redirect_is_refused(world, client_for):
    response = client_for(world.users["mgr_north1"]).post("/language/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_security_headers_and_csp_nonce(world, client_for):
    response = client_for(world.users["mgr_north1"]).get("/")
    csp = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert "script-src 'self' 'nonce-" in csp
    assert "frame-ancestors 'none'" in csp
    html = response.content.decode()
    assert all(f'nonce="{nonce}"' in tag for tag in re.findall(r"<script[^>]*>", html))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_people_search_and_filters(world, client_for):
    client = client_for(world.users["admin"])
    html = client.get("/people/?q=mgr_south").content.decode()
    assert "mgr_south@example.test" in html
    assert "mgr_north1@example.test" not in html
    html = client.get(f"/people/?team={world.teams['north1'].pk}").content.decode()
    assert "mgr_north1@example.test" in html
    assert "sup_north@example.test" not in html
    html = client.get("/people/?role=marketer").content.decode()
    assert "marketer@example.test" in html
    assert "head@example.test" not in html
    html = client.get("/people/?q=nobody-like-this").content.decode()
    assert "Nobody matches" in html


def test_people_list_htmx_returns_only_the_results_fragment(world, client_for):
    response = client_for(world.users["admin"]).get("/people/?q=mgr", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="list-results"')
    assert "<html" not in html


def test_people_list_runs_a_fixed_number_of_queries(world, client_for, user_factory, django_assert_num_queries):
    user_factory.create_batch(30, team=world.teams["north1"], roles="manager")
    client = client_for(world.users["sup_north"])
    # 1 the signed-in user, 2 their roles and scopes, 3 their team subtree, 4 teams and 5 roles for
    # the filter menus, 6 the page of people, 7 the roles of everyone on the page.
    with django_assert_num_queries(7):
        assert client.get("/people/").status_code == 200


def test_profile_creates_a_token_and_shows_the_secret_once(world, client_for):
    client = client_for(world.users["mgr_north1"])
    response = client.post("/profile/", {"form": "token", "name": "1C", "scopes": ["account:read"]})
    assert response.status_code == 302
    html = client.get("/profile/").content.decode()
    secret = re.search(r'data-testid="new-token">([^<]+)<', html).group(1)
    assert ApiToken.objects.get(user=world.users["mgr_north1"]).prefix == secret[:10]
    assert secret not in client.get("/profile/").content.decode()


def test_profile_token_form_reports_problems(world, client_for):
    html = client_for(world.users["mgr_north1"]).post("/profile/", {"form": "token", "name": "", "scopes": []}).content.decode()
    assert "is-invalid" in html
    assert not ApiToken.objects.exists()


def test_profile_saves_language_and_time_zone(world, client_for):
    client = client_for(world.users["mgr_north1"])
    client.post("/profile/", {"form": "preferences", "language": "ru", "time_zone": "Europe/Chisinau"})
    user = User.objects.get(pk=world.users["mgr_north1"].pk)
    assert (user.language, user.time_zone) == ("ru", "Europe/Chisinau")


def test_demo_data_is_idempotent(db):
    call_command("demo_data", "--only", "people", verbosity=0)
    counts = (User.objects.count(), Team.objects.count())
    call_command("demo_data", "--only", "people", verbosity=0)
    assert (User.objects.count(), Team.objects.count()) == counts == (10, 6)
    manager = User.objects.get(email="manager@example.com")
    assert manager.check_password("demo-pass-2026")
    assert [role.code for role in manager.roles.all()] == ["manager"]


def test_healthz(db, client):
    assert client.get("/healthz").json() == {"status": "ok"}
