"""The client card's activity screens (included under ``/work/``, namespace ``activities``)."""

from django.urls import path

from kartoteka.activities.views import card

urlpatterns = [
    path("clients/<int:client_id>/log/", card.quick_log, name="quick_log"),
    path("activities/<int:pk>/edit/", card.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/delete/", card.activity_delete, name="activity_delete"),
]
