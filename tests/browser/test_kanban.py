"""The deals kanban in a real browser: a manager drags deals through the funnel with the mouse, fills in what a
stage needs in the dialog, cancels a move, moves a card from the keyboard and adds a deal at the top of a column."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kartoteka.deals import services
from kartoteka.deals.models import Deal, Stage
from kartoteka.testing.browser import sign_in
from kartoteka.testing.factories import ClientFactory, DealFactory, TaskFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def stage(code: str) -> Stage:
    return Stage.objects.get(pipeline__code="sales", code=code)


def column(page, name: str):
    return page.get_by_test_id("kanban-column").filter(has=page.get_by_role("heading", name=name, exact=True))


def drag(page, card, target) -> None:
    """Press, move in small steps, release: SortableJS follows pointer events, as with a real mouse."""
    start, end = card.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + 12)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 12, start["y"] + 20, steps=4)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 40, steps=25)
    page.mouse.up()


@pytest.fixture
def funnel():
    """A manager's ordinary week: deals in several stages, one with an overdue task."""
    manager = UserFactory(email="anna@example.test", first_name="Anna", last_name="Petrova", language="en", roles="manager")
    romashka = ClientFactory(name="Romashka", responsible=manager)
    vostok = ClientFactory(name="Vostok Trading", responsible=manager)
    week_ago = timezone.now() - datetime.timedelta(days=7)
    school = DealFactory(client=romashka, title="Windows for the school")
    DealFactory(client=vostok, title="Office doors", amount=Decimal(40_000), now=week_ago)
    DealFactory(client=vostok, title="Warehouse gates", amount=Decimal(125_000), now=week_ago)
    late = DealFactory(client=romashka, title="Balcony glazing", amount=Decimal(18_500))
    services.deal_move_stage(actor=manager, deal=late, stage=stage("meeting"))
    TaskFactory(
        assignee=manager,
        client=romashka,
        deal=late,
        title="Send the drawings",
        due_at=timezone.now() - datetime.timedelta(days=2),
    )
    offer = DealFactory(client=vostok, title="Loading dock", amount=Decimal(310_000))
    services.deal_move_stage(actor=manager, deal=offer, stage=stage("proposal"))
    return {"manager": manager, "school": school, "romashka": romashka}


def test_a_manager_drags_a_deal_through_the_funnel_and_fills_in_the_amount(live_server, page, console_errors, screenshot, funnel):
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, "anna@example.test")
    page.get_by_test_id("nav-sections").get_by_role("link", name="Deals").click()
    expect(page).to_have_url(f"{live_server.url}/deals/")

    new, qualification, proposal = column(page, "New request"), column(page, "Qualification"), column(page, "Proposal sent")
    expect(new.get_by_test_id("column-count")).to_have_text("3")
    expect(qualification.get_by_test_id("column-count")).to_have_text("0")
    expect(column(page, "Meeting / presentation").get_by_test_id("next-task")).to_have_class("kb-due kb-late")
    card = page.get_by_test_id("deal-card").filter(has_text="Windows for the school")

    drag(page, card, qualification.locator("[data-cards]"))
    expect(page.get_by_test_id("kanban-message")).to_contain_text("moved to «Qualification»")
    expect(qualification.get_by_test_id("column-count")).to_have_text("1")
    expect(new.get_by_test_id("column-count")).to_have_text("2")
    expect(qualification.get_by_test_id("deal-card")).to_contain_text("Windows for the school")
    assert Deal.objects.get(pk=funnel["school"].pk).stage == stage("qualification")

    # "Proposal sent" needs an amount: the dialog asks for it, and the card lands there once it is given.
    drag(page, card, proposal.locator("[data-cards]"))
    dialog = page.get_by_test_id("move-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("fill in: amount")
    dialog.get_by_label("Amount").fill("150000")
    screenshot("kanban-amount-dialog")
    dialog.get_by_test_id("dialog-submit").click()
    expect(page.locator(".modal-backdrop")).to_have_count(0)  # closed, the fade included
    expect(proposal.get_by_test_id("deal-card").filter(has_text="Windows for the school")).to_contain_text("150,000")
    expect(proposal.get_by_test_id("column-count")).to_have_text("2")
    expect(proposal.get_by_test_id("column-sum")).to_have_text("460,000\u00a0₽")
    expect(qualification.get_by_test_id("column-count")).to_have_text("0")
    school = Deal.objects.get(pk=funnel["school"].pk)
    assert (school.stage, school.amount) == (stage("proposal"), Decimal(150_000))

    # "Negotiation" also needs an expected close date; Cancel puts the card back where it was.
    drag(
        page,
        proposal.get_by_test_id("deal-card").filter(has_text="Windows for the school"),
        column(page, "Negotiation").locator("[data-cards]"),
    )
    expect(dialog).to_be_visible()
    dialog.get_by_test_id("dialog-cancel").click()
    expect(page.locator(".modal-backdrop")).to_have_count(0)
    expect(proposal.get_by_test_id("deal-card").filter(has_text="Windows for the school")).to_be_visible()
    expect(column(page, "Negotiation").get_by_test_id("deal-card")).to_have_count(0)
    assert Deal.objects.get(pk=funnel["school"].pk).stage == stage("proposal")

    screenshot("kanban-board")
    # The dialogs come with 422 answers, which the console lists as failed resources; nothing else may show.
    assert all("status of 422" in error for error in console_errors)


def test_a_manager_moves_a_deal_from_the_keyboard_loses_one_and_adds_one_at_the_top(
    live_server, page, console_errors, screenshot, funnel
):
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, "anna@example.test")
    page.goto(f"{live_server.url}/deals/")
    meeting = column(page, "Meeting / presentation")

    # "Move to…" is the keyboard's way: Tab to the card's menu, pick the stage.
    card = page.get_by_test_id("deal-card").filter(has_text="Windows for the school")
    card.get_by_test_id("move-menu").focus()
    page.keyboard.press("Enter")
    card.get_by_role("button", name="Meeting / presentation").click()
    expect(meeting.get_by_test_id("deal-card").filter(has_text="Windows for the school")).to_be_visible()
    expect(meeting.get_by_test_id("column-count")).to_have_text("2")
    expect(page.locator(f"#deal-{funnel['school'].pk}")).to_be_focused()

    # Losing asks why.
    balcony = page.get_by_test_id("deal-card").filter(has_text="Balcony glazing")
    balcony.get_by_test_id("move-menu").click()
    balcony.get_by_role("button", name="Lost").click()
    dialog = page.get_by_test_id("move-dialog")
    expect(dialog).to_contain_text("Why was «Balcony glazing» lost?")
    dialog.get_by_label("Reason").select_option(label="Chose a competitor")
    dialog.get_by_test_id("dialog-submit").click()
    expect(column(page, "Lost").get_by_test_id("deal-card")).to_contain_text("Balcony glazing")
    expect(column(page, "Lost").get_by_test_id("column-count")).to_have_text("1")

    # Quick add at the top of a column: title, a client picked by typing, amount.
    qualification = column(page, "Qualification")
    qualification.get_by_test_id("quick-add-toggle").click()
    form = qualification.get_by_test_id("quick-add")
    form.get_by_placeholder("Deal title").fill("Conservatory")
    form.get_by_test_id("quick-add-submit").click()
    expect(form).to_contain_text("Choose a client from the list.")
    form.get_by_placeholder("Client: name, tax ID or phone…").fill("Roma")
    form.get_by_label("Romashka").check()
    form.get_by_placeholder("Amount").fill("72000")
    screenshot("kanban-quick-add")
    form.get_by_test_id("quick-add-submit").click()
    expect(qualification.get_by_test_id("deal-card").first).to_contain_text("Conservatory")
    expect(qualification.get_by_test_id("column-count")).to_have_text("1")
    expect(qualification.get_by_test_id("column-sum")).to_have_text("72,000\u00a0₽")
    assert Deal.objects.get(title="Conservatory").client == funnel["romashka"]

    # Filters are GET parameters: the URL reproduces the view.
    page.get_by_test_id("filters-toggle").click()
    expect(page.locator("#kb-filter-panel")).to_have_class(re.compile(r"\bshow\b"))  # unfolded
    page.get_by_label("Amount from").fill("100000")
    screenshot("kanban-filters")
    page.get_by_test_id("filters-apply").click()
    expect(page).to_have_url(re.compile(r"amount_min=100000"))
    expect(page.get_by_test_id("filters-active")).to_have_text("1")
    expect(column(page, "Qualification").get_by_test_id("column-count")).to_have_text("0")
    expect(column(page, "Proposal sent").get_by_test_id("deal-card")).to_have_text(re.compile("Loading dock"))
    expect(column(page, "New request").get_by_test_id("deal-card")).to_have_count(1)  # Warehouse gates
    assert all("status of 422" in error for error in console_errors)


def test_the_board_fits_a_phone_and_at_1366_only_the_board_scrolls_sideways(live_server, page, screenshot, funnel):
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, "anna@example.test")
    page.goto(f"{live_server.url}/deals/")
    board = page.get_by_test_id("kanban-board")
    expect(board.get_by_test_id("kanban-column")).to_have_count(7)
    # Seven columns do not fit: the board scrolls, the page does not (nor do cards far to the right widen it).
    assert board.evaluate("element => element.scrollWidth > element.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(column(page, "New request").get_by_test_id("deal-card")).to_have_count(3)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot("kanban-phone")
