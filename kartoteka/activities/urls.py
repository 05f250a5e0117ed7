"""Activities, tasks, My day and the calendar: each screen's URLs live beside its views."""

from django.urls import include, path

app_name = "activities"

urlpatterns = [
    path("", include("kartoteka.activities.views.card_urls")),
    path("", include("kartoteka.activities.views.task_urls")),
    path("", include("kartoteka.activities.views.myday_urls")),
    path("", include("kartoteka.activities.views.calendar_urls")),
]
