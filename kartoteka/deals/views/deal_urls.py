"""URLs of the deal list, card and forms (owned by the deal views), in the ``deals`` namespace under ``/deals/``.

Stable names other screens link to: ``card`` (``/deals/<pk>/``), ``list``, ``new`` (``?client=<id>``).
"""

from django.urls import path

from kartoteka.deals.views import actions, card, edit, files, lists

urlpatterns = [
    *lists.urlpatterns,
    path("new/", edit.deal_new, name="new"),
    path("<int:pk>/", card.deal_card, name="card"),
    path("<int:pk>/timeline/", card.deal_timeline, name="timeline"),
    path("<int:pk>/edit/", edit.deal_edit, name="edit"),
    path("<int:pk>/delete/", actions.deal_delete, name="delete"),
    path("<int:pk>/stage/", actions.card_move, name="card_move"),
    path("<int:pk>/win/", actions.deal_win, name="win"),
    path("<int:pk>/lose/", actions.deal_lose, name="lose"),
    path("<int:pk>/reopen/", actions.deal_reopen, name="reopen"),
    path("<int:pk>/contacts/", actions.deal_contacts, name="contacts"),
    path("<int:pk>/lines/", actions.deal_lines, name="lines"),
    path("<int:pk>/proposals/", actions.deal_proposal, name="proposal"),
    path("<int:pk>/log/", actions.quick_log, name="quick_log"),
    path("<int:pk>/tasks/", actions.deal_task, name="task"),
    path("<int:pk>/files/", files.file_panel, name="files"),
    path("<int:pk>/files/upload/", files.file_upload, name="file_upload"),
    path("<int:pk>/files/<int:file_pk>/download/", files.file_download, name="file_download"),
    path("<int:pk>/files/<int:file_pk>/delete/", files.file_delete, name="file_delete"),
]
