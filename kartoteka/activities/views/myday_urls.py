"""My day, under ``/work/`` in the ``activities`` namespace: ``my_day`` (the page) and ``congratulate``."""

from django.urls import path

from kartoteka.activities.views import myday

urlpatterns = [
    path("my-day/", myday.my_day_page, name="my_day"),
    path("my-day/congratulate/<int:pk>/", myday.congratulate, name="congratulate"),
]
