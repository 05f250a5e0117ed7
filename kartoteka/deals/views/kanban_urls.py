"""URLs of the kanban (owned by the kanban views), in the ``deals`` namespace under ``/deals/``.

``move`` is the one other screens may post to (a deal card's stage buttons): ``stage`` and, with htmx,
the answer described in :mod:`kartoteka.deals.views.kanban`.
"""

from django.urls import path

from kartoteka.deals.views import kanban

urlpatterns = [
    path("", kanban.kanban, name="kanban"),
    path("<int:pk>/move/", kanban.deal_move, name="move"),
    path("kanban/stages/<int:stage_id>/cards/", kanban.kanban_column, name="kanban_column"),
    path("kanban/stages/<int:stage_id>/add/", kanban.quick_add, name="kanban_quick_add"),
    path("kanban/people/", kanban.kanban_people, name="kanban_people"),
]
