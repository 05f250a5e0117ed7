"""Administrators manage people, teams and roles in the administration site; saves go through services."""

from __future__ import annotations

from kartoteka.users.models import Role, Team, User

NO_ABSENCES = {
    "absences-TOTAL_FORMS": "0",
    "absences-INITIAL_FORMS": "0",
    "absences-MIN_NUM_FORMS": "0",
    "absences-MAX_NUM_FORMS": "1000",
}


def test_administration_is_for_administrators_only(world, client_for):
    assert client_for(world.users["admin"]).get("/admin/").status_code == 200
    response = client_for(world.users["head"]).get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_team_added_in_administration_gets_its_tree_path(world, client_for):
    client = client_for(world.users["admin"])
    response = client.post(
        "/admin/users/team/add/", {"name": "Запад", "kind": "group", "parent": world.teams["sales"].pk, "head": ""}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    team = Team.objects.get(name="Запад")
    assert team.path.startswith(world.teams["sales"].path)
    assert team.depth == 1


def test_a_user_created_and_given_the_administrator_role_gets_administration_access(world, client_for):
    client = client_for(world.users["admin"])
    response = client.post(
        "/admin/users/user/add/",
        {
            "email": "New.Person@Example.test",
            "usable_password": "true",
            "password1": "a-long-secret-1234",
            "password2": "a-long-secret-1234",
            **NO_ABSENCES,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    person = User.objects.get(email="new.person@example.test")
    assert not person.is_staff

    admin_role = Role.objects.get(code="administrator")
    form = {
        "email": person.email,
        "last_name": "Новиков",
        "first_name": "Пётр",
        "patronymic": "",
        "position": "",
        "phone": "",
        "team": world.teams["sales"].pk,
        "roles": [admin_role.pk],
        "is_active": "on",
        "language": "ru",
        "time_zone": "Europe/Moscow",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
        **NO_ABSENCES,
    }
    response = client.post(f"/admin/users/user/{person.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    person.refresh_from_db()
    assert person.is_staff
    assert person.team == world.teams["sales"]
