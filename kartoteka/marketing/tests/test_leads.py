"""Web lead capture: stored raw first, processed once, matched to existing clients, never lost.

Malformed posts (missing fields, 1 MB values, cp1251 bytes, script tags, floods) get clear errors
or are stored safely and rate-limited; nothing crashes.
"""

from __future__ import annotations

from urllib.parse import quote_from_bytes

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from kartoteka.automation.models import AssignmentQueue, QueueMember
from kartoteka.clients.models import Client
from kartoteka.contacts.models import Contact, ContactPoint
from kartoteka.deals.models import Deal, Pipeline
from kartoteka.jobs.models import Job
from kartoteka.jobs.services import job_run
from kartoteka.marketing import services
from kartoteka.marketing.models import FieldKind, FieldTarget, LeadSubmission, SubmissionStatus, WebForm, WebFormField
from kartoteka.testing.factories import ClientFactory, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def web_form(world):
    form = WebForm.objects.create(
        name="Windows",
        title="Order a measurement",
        pipeline=Pipeline.objects.get(code="sales"),
        default_owner=world.users["mgr_north1"],
    )
    for order, (key, label, kind, target, required) in enumerate(
        [
            ("name", "Your name", FieldKind.TEXT, FieldTarget.CONTACT_NAME, True),
            ("phone", "Phone", FieldKind.PHONE, FieldTarget.CONTACT_PHONE, True),
            ("email", "Email", FieldKind.EMAIL, FieldTarget.CONTACT_EMAIL, False),
            ("company", "Company", FieldKind.TEXT, FieldTarget.CLIENT_NAME, False),
            ("message", "Message", FieldKind.TEXTAREA, FieldTarget.DEAL_DESCRIPTION, False),
        ]
    ):
        WebFormField.objects.create(form=form, key=key, label_en=label, kind=kind, target=target, required=required, order=order)
    return form


def post(form: WebForm, data: dict[str, str] | bytes, **extra):
    url = reverse("lead_form", args=[form.key])
    # The visitor's browser asks for English (the site's default language is Russian).
    client = HttpClient(REMOTE_ADDR=extra.pop("ip", "203.0.113.7"), HTTP_ACCEPT_LANGUAGE="en")
    if isinstance(data, bytes):
        return client.post(url, data, content_type=extra.pop("content_type", "application/x-www-form-urlencoded"), **extra)
    return client.post(url, data, **extra)


def run_jobs() -> None:
    for job in Job.objects.filter(status="queued").order_by("id"):
        job_run(job.pk)


def test_the_public_form_renders_without_signing_in(web_form):
    response = HttpClient().get(reverse("lead_form", args=[web_form.key]))
    assert response.status_code == 200
    assert "Order a measurement" in response.content.decode()
    assert "frame-ancestors *" in response["Content-Security-Policy"]
    assert "X-Frame-Options" not in response


def test_an_unknown_form_is_404_and_a_closed_one_says_so(web_form):
    assert HttpClient().get("/f/nope/").status_code == 404
    web_form.is_active = False
    web_form.save()
    response = post(web_form, {"name": "Ivan", "phone": "+79161234567"})
    assert response.status_code == 410
    assert not LeadSubmission.objects.exists()


def test_a_submission_is_stored_then_processed_into_client_contact_and_deal(web_form, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        response = post(
            web_form,
            {"name": "Иван Петров", "phone": "8 (916) 123-45-67", "email": "Ivan@Example.test", "message": "Three windows"},
        )
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    submission = LeadSubmission.objects.get()
    assert submission.status == SubmissionStatus.RECEIVED
    assert submission.values["name"] == ["Иван Петров"]
    assert "Three windows" in submission.raw_body
    run_jobs()
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.PROCESSED
    deal = submission.deal
    assert deal.stage.code == "new"
    assert deal.owner == world.users["mgr_north1"]
    assert "Three windows" in deal.description
    assert submission.client.name == "Иван Петров"
    assert (submission.contact.first_name, submission.contact.last_name) == ("Иван", "Петров")
    assert set(ContactPoint.objects.filter(contact=submission.contact).values_list("value", flat=True)) == {
        "+79161234567",
        "ivan@example.test",
    }


def test_processing_twice_creates_one_deal(web_form):
    post(web_form, {"name": "Ivan", "phone": "+79161234567"})
    submission = LeadSubmission.objects.get()
    assert services.process_submission(submission.pk).startswith("deal")
    assert services.process_submission(submission.pk) == "already processed"
    assert Deal.objects.count() == 1


def test_a_known_phone_or_tax_id_matches_the_existing_client_and_its_manager(web_form, world):
    south = world.users["mgr_south"]
    existing = ClientFactory(responsible=south, name="Vostok")
    ContactFactory(client=existing, last_name="Petrov", points=[{"kind": "phone", "value": "+7 916 765-43-21"}])
    post(web_form, {"name": "Petrov", "phone": "89167654321"})
    run_jobs()
    submission = LeadSubmission.objects.get()
    assert submission.client == existing
    assert submission.matched_existing_client
    assert submission.deal.owner == south
    assert Client.objects.count() == 1
    assert Contact.objects.count() == 1


def test_the_queue_assigns_new_leads_in_turn_skipping_nobody_twice(web_form, world):
    queue = AssignmentQueue.objects.create(name="Web leads")
    first, second = world.users["mgr_north1"], world.users["mgr_south"]
    QueueMember.objects.create(queue=queue, user=first, position=1)
    QueueMember.objects.create(queue=queue, user=second, position=2)
    web_form.queue = queue
    web_form.save()
    for n in range(3):
        post(web_form, {"name": f"Lead {n}", "phone": f"+7916000000{n}"})
    run_jobs()
    owners = list(Deal.objects.order_by("id").values_list("owner_id", flat=True))
    assert owners == [first.pk, second.pk, first.pk]


def test_missing_required_fields_are_named_and_the_post_is_kept_as_rejected(web_form):
    response = post(web_form, {"name": "", "email": "not-an-email"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Please fill in “Your name”" in body
    assert "Please fill in “Phone”" in body
    assert "“Email” does not look right" in body
    submission = LeadSubmission.objects.get()
    assert submission.status == SubmissionStatus.REJECTED
    assert set(submission.errors) == {"name", "phone", "email"}
    assert not Job.objects.exists()


def test_a_one_megabyte_value_gets_a_clear_error_and_is_stored(web_form):
    huge = "x" * 1_000_000
    response = post(web_form, {"name": "Ivan", "phone": "+79161234567", "message": huge})
    assert response.status_code == 400
    assert "“Message” is too long" in response.content.decode()
    assert len(LeadSubmission.objects.get().raw_body) > 1_000_000


def test_cp1251_bytes_without_a_charset_are_read_as_cyrillic(web_form):
    body = b"name=" + quote_from_bytes("Пётр Иванов".encode("cp1251")).encode() + b"&phone=%2B79161234567"
    response = post(web_form, body)
    assert response.status_code == 200
    submission = LeadSubmission.objects.get()
    assert submission.values["name"] == ["Пётр Иванов"]
    assert submission.encoding == "cp1251"
    run_jobs()
    submission.refresh_from_db()
    assert submission.client.name == "Пётр Иванов"


def test_script_tags_are_stored_as_text_and_shown_escaped(web_form, world, client_for):
    post(web_form, {"name": "<script>alert(1)</script>", "phone": "+79161234567"})
    submission = LeadSubmission.objects.get()
    assert submission.values["name"] == ["<script>alert(1)</script>"]
    page = client_for(world.users["admin"]).get(reverse("marketing:submission", args=[submission.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_honeypot_marks_spam_which_is_kept_but_not_processed(web_form):
    response = post(web_form, {"name": "Bot", "phone": "+79161234567", "website": "http://spam.example"})
    assert response.status_code == 200  # a robot learns nothing
    assert LeadSubmission.objects.get().status == SubmissionStatus.SPAM
    assert not Job.objects.exists()


def test_a_flood_from_one_address_is_rate_limited_with_a_clear_message(web_form):
    web_form.rate_limit_per_hour = 3
    web_form.save()
    for _n in range(3):
        assert post(web_form, {"name": "Ivan", "phone": "+79161234567"}).status_code == 200
    response = post(web_form, {"name": "Ivan", "phone": "+79161234567"})
    assert response.status_code == 429
    assert "Too many submissions" in response.content.decode()
    assert post(web_form, {"name": "Ivan", "phone": "+79161234567"}, ip="198.51.100.1").status_code == 200
    assert LeadSubmission.objects.count() == 4


def test_json_callers_get_json_answers(web_form):
    response = post(web_form, {"name": ""}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"name", "phone"}
    response = post(web_form, {"name": "Ivan", "phone": "+79161234567"}, HTTP_ACCEPT="application/json")
    assert response.json()["ok"] is True


def test_a_body_that_is_not_a_form_gets_a_clear_error(web_form):
    response = post(web_form, b'{"name": "Ivan"}', content_type="application/json")
    assert response.status_code == 415
    assert not LeadSubmission.objects.exists()


def test_a_failure_is_recorded_visible_and_retried_by_hand(web_form, world, client_for, monkeypatch):
    post(web_form, {"name": "Ivan", "phone": "+79161234567"})
    submission = LeadSubmission.objects.get()

    def broken(**kwargs):
        raise RuntimeError("pipeline misconfigured")

    from kartoteka.deals import services as deal_services

    monkeypatch.setattr(deal_services, "deal_create", broken)
    job = Job.objects.get()
    job_run(job.pk)
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.FAILED
    assert "pipeline misconfigured" in submission.last_error
    assert not Client.objects.exists()  # the attempt's writes were rolled back
    monkeypatch.undo()
    admin = client_for(world.users["admin"])
    page = admin.get(reverse("marketing:submission", args=[submission.pk])).content.decode()
    assert "pipeline misconfigured" in page
    admin.post(reverse("marketing:retry", args=[submission.pk]))
    run_jobs()
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.PROCESSED
    assert Deal.objects.count() == 1


def test_submissions_are_for_the_lead_scope_only(web_form, world, client_for):
    post(web_form, {"name": "Ivan", "phone": "+79161234567"})
    submission = LeadSubmission.objects.get()
    assert client_for(world.users["mgr_north1"]).get(reverse("marketing:submissions")).status_code == 403
    assert client_for(world.users["mgr_north1"]).get(reverse("marketing:submission", args=[submission.pk])).status_code == 403
    assert client_for(world.users["marketer"]).get(reverse("marketing:submissions")).status_code == 200
    assert client_for(world.users["head"]).get(reverse("marketing:submission", args=[submission.pk])).status_code == 200


# --- the API for other systems ------------------------------------------------------------------


def test_another_system_hands_over_a_lead_once_per_external_id(web_form, world, client_for):
    api = client_for(world.users["marketer"])
    body = {"form_key": web_form.key, "fields": {"name": "Ivan", "phone": "+7 916 123-45-67"}, "external_id": "crm-77"}
    first = api.post("/api/v1/leads", body, content_type="application/json")
    assert first.status_code == 202, first.content
    again = api.post("/api/v1/leads", body, content_type="application/json")
    assert again.json()["id"] == first.json()["id"]
    assert LeadSubmission.objects.get().channel == "api"
    run_jobs()
    status = api.get(f"/api/v1/leads/{first.json()['id']}").json()
    assert status["status"] == "processed"
    assert status["deal_id"] == Deal.objects.get().pk


def test_an_invalid_api_lead_is_kept_and_answered_422_naming_the_fields(web_form, world, client_for):
    api = client_for(world.users["marketer"])
    response = api.post("/api/v1/leads", {"form_key": web_form.key, "fields": {"name": ""}}, content_type="application/json")
    assert response.status_code == 422
    assert {detail["field"] for detail in response.json()["error"]["details"]} == {"name", "phone"}
    assert LeadSubmission.objects.get().status == SubmissionStatus.REJECTED


def test_a_manager_cannot_hand_over_or_read_leads(web_form, world, client_for):
    api = client_for(world.users["mgr_north1"])
    body = {"form_key": web_form.key, "fields": {"name": "Ivan", "phone": "+79161234567"}}
    assert api.post("/api/v1/leads", body, content_type="application/json").status_code == 403
    post(web_form, {"name": "Ivan", "phone": "+79161234567"})
    assert api.get(f"/api/v1/leads/{LeadSubmission.objects.get().pk}").status_code == 404
