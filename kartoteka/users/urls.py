from django.urls import path

from kartoteka.users import views

app_name = "users"
urlpatterns = [
    path("people/", views.people, name="people"),
    path("people/<int:pk>/", views.person, name="person"),
    path("teams/", views.teams, name="teams"),
    path("teams/<int:pk>/", views.team, name="team"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
