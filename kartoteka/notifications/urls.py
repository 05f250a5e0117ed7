"""Notifications under ``/notifications/``: the list, the bell's badge, marking read, and the settings."""

from django.urls import path

from kartoteka.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("badge/", views.badge, name="badge"),
    path("read/", views.mark_read, name="mark_read"),
    path("<int:pk>/open/", views.notification_open, name="open"),
    path("settings/", views.preferences, name="preferences"),
]
