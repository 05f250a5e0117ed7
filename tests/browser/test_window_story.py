"""Seed 001's window-installation company, end to end, in a real browser with a real worker (issue 5, "Must show").

The funnel is the demo configuration (``kartoteka.deals.demo.install_window_funnel``): a web form, a queue
of two managers, the "Окна" pipeline and the rules that hand the deal from person to person. Every rule
runs where it runs in production — in a ``db_worker`` process polling the test database — and mail goes
to a real SMTP server on loopback.

The story: a visitor asks for a measurement on the public form → a deal at "First call" and a task "call
within 15 minutes" for the manager the queue picked → the call is late (the clock is moved, not waited
for: the task's deadline is put 11 minutes in the past and its timers armed again, as a deadline change
does), so the manager and their supervisor are told → the manager logs the call and moves the deal to
"Measurement" → the measurer gets a visit with a date and time, attaches the dimensions to the deal and
moves it to "Approval" → the manager gets "calculate the price and call within 2 hours" → "Payment" asks
for the amount and records the contract and invoice to generate (the documents issue will produce them) →
"Installation" gives the installer a task and a notice with its deadline, in-app and by email → the deal
is won → the head of sales reads closed deals, calls per manager, sums, conversion and lead sources on
the report.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from kartoteka.activities.models import Activity, Task, TaskStatus
from kartoteka.attachments.models import Attachment
from kartoteka.attachments.tests import samples
from kartoteka.automation import engine
from kartoteka.automation.models import RuleFiring
from kartoteka.deals.demo import INSTALLER, MEASURER, install_window_funnel
from kartoteka.deals.models import Deal, DealStatus
from kartoteka.marketing.models import LeadSubmission, SubmissionStatus, WebForm
from kartoteka.notifications.models import Notification
from kartoteka.testing.browser import htmx_settled, sign_in
from kartoteka.testing.factories import TeamFactory, UserFactory
from kartoteka.testing.processes import start_worker, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORKER_WAIT = 60  # seconds: two suites share two cores in CI


@pytest.fixture
def people() -> dict[str, Any]:
    """The company: a sales team with its head, two managers in the queue, a measurer, an installer, the head of sales."""
    supervisor = UserFactory(email="sup@example.com", first_name="Ольга", last_name="Старшова", language="ru", roles="supervisor")
    sales = TeamFactory(name="Продажи окон", head=supervisor)
    supervisor.team = sales
    supervisor.save(update_fields=["team"])
    return {
        "supervisor": supervisor,
        "managers": [
            UserFactory(email=email, first_name=first, last_name=last, team=sales, language="ru", roles="manager")
            for email, first, last in [("manager@example.com", "Анна", "Петрова"), ("manager2@example.com", "Борис", "Иванов")]
        ],
        "measurer": UserFactory(email=MEASURER, first_name="Павел", last_name="Замеров", language="ru", roles="service_engineer"),
        "installer": UserFactory(
            email=INSTALLER, first_name="Игорь", last_name="Монтажников", language="ru", roles="service_engineer"
        ),
        "head": UserFactory(
            email="head@example.com", first_name="Елена", last_name="Главная", language="ru", roles="head_of_sales"
        ),
    }


@pytest.fixture
def worker(smtp_server: Any) -> Iterator[Any]:
    process = start_worker(env={"SMTP_HOST": smtp_server.host, "SMTP_PORT": str(smtp_server.port), "SMTP_STARTTLS": "false"})
    try:
        yield process
    finally:
        process.kill()
        output = process.communicate(timeout=10)[0].decode(errors="replace")
        if "Traceback" in output:
            print(output)  # shown with a failure: what went wrong in the worker


def is_error(message: Any) -> bool:
    # A form the server sends back with its reasons answers 422 by design (the move dialog asking for the
    # amount); Chromium reports every 4xx document load on the console.
    return message.type == "error" and "status of 422" not in message.text


def open_as(browser: Any, live_server: Any, email: str, errors: list[str]) -> Page:
    """A browser window of its own for one person, signed in, at 1366×768, in Russian."""
    context = browser.new_context(locale="ru-RU", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.on("console", lambda message: errors.append(f"{email}: {message.text}") if is_error(message) else None)
    sign_in(page, live_server, email)
    return page


def shot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def open_task(deal: Deal, title_start: str) -> Task | None:
    return (
        Task.objects.filter(deal=deal, status=TaskStatus.OPEN, title__startswith=title_start).select_related("assignee").first()
    )


def test_the_window_installation_story(
    live_server, browser, people, worker, smtp_server, pytestconfig, tmp_path, settings
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    folder = Path(pytestconfig.getoption("output") or "test-results").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    install_window_funnel()
    form = WebForm.objects.get(name="Заявка на замер окон")
    errors: list[str] = []

    # 1. A visitor asks for a measurement on the public form.
    visitor = browser.new_context(locale="ru-RU").new_page()
    visitor.goto(f"{live_server.url}/f/{form.key}/")
    visitor.locator("#f-name").fill("Светлана Окошкина")
    visitor.locator("#f-phone").fill("8 (916) 555-12-34")
    visitor.locator("#f-email").fill("okoshkina@example.net")
    visitor.locator("#f-message").fill("Три окна в квартире, двухкамерный стеклопакет")
    visitor.locator("#f-consent").check()
    visitor.locator("button[type=submit]").click()
    expect(visitor.get_by_test_id("thanks")).to_contain_text("перезвонит вам в течение 15 минут")

    # The worker stores nothing twice and loses nothing: the lead becomes a deal at "First call" with the
    # queue's next manager, and the first rule gives them the call.
    wait_for(lambda: LeadSubmission.objects.filter(status=SubmissionStatus.PROCESSED).exists(), WORKER_WAIT)
    deal = Deal.objects.select_related("owner", "stage", "client").get()
    assert deal.stage.code == "first-call"
    assert deal.owner in people["managers"]
    manager = deal.owner
    wait_for(lambda: open_task(deal, "Позвонить клиенту") is not None, WORKER_WAIT)
    call = open_task(deal, "Позвонить клиенту")
    assert call.assignee == manager
    assert datetime.timedelta(minutes=14) < call.due_at - call.created_at <= datetime.timedelta(minutes=15)

    # 2. The call is late: the deadline goes 11 minutes into the past and its timers are armed again.
    Task.objects.filter(pk=call.pk).update(due_at=timezone.now() - datetime.timedelta(minutes=11))
    call.refresh_from_db()
    engine.schedule_task_overdue(call)
    wait_for(lambda: Notification.objects.filter(recipient=manager, title__startswith="Просрочена задача").exists(), WORKER_WAIT)
    wait_for(
        lambda: Notification.objects.filter(recipient=people["supervisor"], title__contains="не перезвонил").exists(), WORKER_WAIT
    )

    page = open_as(browser, live_server, manager.email, errors)
    expect(page.get_by_test_id("bell-badge")).not_to_be_empty()
    page.get_by_test_id("bell").click()
    expect(page.get_by_test_id("notification-list")).to_contain_text("Просрочена задача «Позвонить клиенту")
    shot(page, folder, "window-1-manager-notified")
    page.get_by_test_id("notification").filter(has_text="Просрочена задача").get_by_role("button").first.click()
    expect(page.get_by_test_id("deal-title")).to_be_visible()
    assert page.url.endswith(f"/deals/{deal.pk}/")
    expect(page.get_by_test_id("deal-stage")).to_contain_text("Первый звонок")
    expect(page.get_by_test_id("timeline")).to_contain_text("Окна: позвонить в течение 15 минут")

    # 3. The manager calls, logs it from the deal card and moves the deal to "Measurement".
    box = page.get_by_test_id("quicklog")
    box.locator("#quicklog-kind").select_option("call")
    box.locator("#quicklog-summary").fill("Договорились о замере на завтра")
    box.locator("#quicklog-summary").press("Control+Enter")
    expect(page.get_by_test_id("quicklog-logged")).to_be_visible()
    page.locator(f"#task-item-{call.pk}").get_by_test_id("panel-task-done").click()
    expect(page.locator(f"#task-item-{call.pk}")).to_contain_text("выполнена")
    htmx_settled(page)
    page.locator("#move-stage").select_option(label="Замер")
    page.get_by_test_id("move-submit").click()
    expect(page.get_by_test_id("deal-stage")).to_contain_text("Замер")

    # 4. The measurer gets a visit with a date and time; from My day to the deal; the dimensions go on the deal.
    wait_for(lambda: open_task(deal, "Выехать на замер") is not None, WORKER_WAIT)
    visit = open_task(deal, "Выехать на замер")
    assert visit.assignee == people["measurer"]
    assert visit.due_at > timezone.now()
    assert not visit.all_day
    measurer = open_as(browser, live_server, MEASURER, errors)
    measurer.goto(live_server.url + reverse("activities:task", args=[visit.pk]))  # the link of the task's notice
    measurer.get_by_test_id("task-deal").get_by_role("link").click()
    expect(measurer.get_by_test_id("deal-title")).to_be_visible()
    dimensions = tmp_path / "замеры-окон.pdf"
    dimensions.write_bytes(samples.pdf())
    measurer.get_by_test_id("attachment-file").set_input_files(str(dimensions))
    measurer.get_by_test_id("attachment-description").fill("Три окна: 1200×1500, 1200×1500, 900×1400")
    measurer.get_by_test_id("attachment-upload").click()
    expect(measurer.get_by_test_id("attachment")).to_contain_text("замеры-окон.pdf")
    htmx_settled(measurer)
    measurer.locator("#move-stage").select_option(label="Согласование")
    measurer.get_by_test_id("move-submit").click()
    expect(measurer.get_by_test_id("deal-stage")).to_contain_text("Согласование")
    shot(measurer, folder, "window-2-measurer-deal")

    # 5. The manager gets "calculate the price and call within 2 hours", sees the file, and moves to "Payment":
    # the stage wants an amount, which the move dialog asks for.
    wait_for(lambda: open_task(deal, "Рассчитать стоимость") is not None, WORKER_WAIT)
    price_call = open_task(deal, "Рассчитать стоимость")
    assert price_call.assignee == manager
    page.goto(f"{live_server.url}/deals/{deal.pk}/")
    expect(page.get_by_test_id("deal-planned")).to_contain_text("Рассчитать стоимость и позвонить клиенту в течение 2 часов")
    expect(page.get_by_test_id("attachments-panel")).to_contain_text("замеры-окон.pdf")
    page.locator("#move-stage").select_option(label="Оплата")
    page.get_by_test_id("move-submit").click()
    dialog = page.get_by_test_id("move-dialog")
    expect(dialog).to_be_visible()
    dialog.locator("[name=amount]").fill("126 000")
    dialog.get_by_test_id("dialog-submit").click()
    expect(page.get_by_test_id("deal-stage")).to_contain_text("Оплата")
    expect(page.get_by_test_id("deal-amount")).to_contain_text("126")

    # The contract and the invoice are recorded for the documents issue to generate.
    wait_for(
        lambda: RuleFiring.objects.filter(deal=deal, rule__name="Окна: договор и счёт").exclude(outcome=[]).exists(), WORKER_WAIT
    )
    page.reload()
    expect(page.get_by_test_id("timeline").get_by_test_id("rule-entry").filter(has_text="Окна: договор и счёт")).to_contain_text(
        "Договор и счёт на оплату окон"
    )

    # 6. "Installation": the installer gets the task and a notice with its deadline, in-app and by email.
    page.locator("#move-stage").select_option(label="Монтаж")
    page.get_by_test_id("move-submit").click()
    expect(page.get_by_test_id("deal-stage")).to_contain_text("Монтаж")
    installer = people["installer"]
    wait_for(lambda: Notification.objects.filter(recipient=installer, title__startswith="Новый монтаж").exists(), WORKER_WAIT)
    mounting = open_task(deal, "Монтаж окон")
    assert mounting is not None
    assert mounting.assignee == installer
    notice = Notification.objects.get(recipient=installer, title__startswith="Новый монтаж")
    assert "Окошкина" in notice.title
    assert "126" in notice.title
    assert "срок" in notice.title
    wait_for(lambda: any("Новый монтаж" in str(message["Subject"]) for message in smtp_server.messages), WORKER_WAIT)
    installer_page = open_as(browser, live_server, INSTALLER, errors)
    installer_page.get_by_test_id("bell").click()
    expect(installer_page.get_by_test_id("notification-list")).to_contain_text("Новый монтаж")

    # 7. Installed and paid: won.
    page.get_by_test_id("deal-win").click()
    page.get_by_test_id("win-submit").click()
    expect(page.get_by_test_id("deal-status")).to_contain_text("успех")
    shot(page, folder, "window-3-manager-deal-won")

    # 8. The head of sales reads the result.
    head = open_as(browser, live_server, people["head"].email, errors)
    head.goto(f"{live_server.url}/deals/report/")
    totals = head.get_by_test_id("report-totals")
    expect(totals).to_contain_text("126")
    managers = head.get_by_test_id("report-managers")
    row = managers.locator("tr").filter(has_text=manager.last_name)
    expect(row).to_contain_text("126")
    expect(head.get_by_test_id("report-sources")).to_be_visible()
    shot(head, folder, "window-4-head-report")

    deal.refresh_from_db()
    assert deal.status == DealStatus.WON
    assert Activity.objects.filter(deal=deal, kind="call").count() == 1
    assert Attachment.objects.get().uploaded_by == people["measurer"]
    assert [move.to_stage.code for move in deal.stage_changes.order_by("changed_at", "id")] == [
        "first-call", "measurement", "approval", "payment", "installation", "won"
    ]  # fmt: skip
    assert errors == []
