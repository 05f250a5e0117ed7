"""Attachments are visible and downloadable exactly when their client is."""

from kartoteka.attachments.models import Attachment
from kartoteka.clients.access_rules import FollowsClientPolicy
from kartoteka.users import access

access.register(FollowsClientPolicy(model=Attachment))
