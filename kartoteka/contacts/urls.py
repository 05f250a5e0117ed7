"""Contacts, phones and emails on the client card."""

from django.urls import path

from kartoteka.contacts import views

app_name = "contacts"

urlpatterns = [
    path("client/<int:client_pk>/new/", views.contact_add, name="add"),
    path("client/<int:client_pk>/points/new/", views.point_add, name="point_add"),
    path("<int:pk>/edit/", views.contact_edit, name="edit"),
    path("<int:pk>/delete/", views.contact_delete, name="delete"),
    path("<int:pk>/move/", views.contact_move, name="move"),
    path("points/<int:pk>/edit/", views.point_edit, name="point_edit"),
    path("points/<int:pk>/delete/", views.point_delete, name="point_delete"),
]
