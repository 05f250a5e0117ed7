"""Client screens: the list (with export, bulk actions and saved views) and the card with its sections."""

from kartoteka.clients.views import card, duplicates, listing

app_name = "clients"

urlpatterns = [*listing.urlpatterns, *card.urlpatterns, *duplicates.urlpatterns]
