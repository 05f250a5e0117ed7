"""Contacts and their phones and emails are visible exactly when their client is."""

from kartoteka.clients.access_rules import FollowsClientPolicy
from kartoteka.contacts.models import Contact, ContactJob, ContactPoint
from kartoteka.users import access

access.register(FollowsClientPolicy(model=Contact))
access.register(FollowsClientPolicy(model=ContactPoint))
access.register(FollowsClientPolicy(model=ContactJob, client_field="contact__client"))
