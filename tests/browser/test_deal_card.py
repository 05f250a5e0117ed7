"""A deal's life in a real browser: opened from the client card, priced, worked on, lost and reopened."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kartoteka.activities.models import Activity
from kartoteka.deals.models import Deal, DealStatus
from kartoteka.testing.browser import sign_in
from kartoteka.testing.factories import ClientFactory, ContactFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_opens_a_deal_from_the_client_card_works_it_loses_it_and_reopens_it(
    live_server, page, console_errors, screenshot
):
    manager = UserFactory(email="anna@example.test", first_name="Anna", last_name="Petrova", language="en", roles="manager")
    client = ClientFactory(name="Romashka", responsible=manager)
    ContactFactory(client=client, last_name="Ivanov", first_name="Petr", position="Director")
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server, "anna@example.test")

    # From the client card's Deals panel to the form, the client already chosen.
    page.goto(f"{live_server.url}/clients/{client.pk}/")
    expect(page.get_by_test_id("deals-empty")).to_be_visible()
    page.get_by_test_id("new-deal").click()
    title = page.get_by_label("Title")
    expect(title).to_be_focused()
    expect(page.get_by_test_id("chosen-client")).to_have_text("Romashka")
    page.keyboard.type("Windows for the school")
    page.get_by_label("Amount").fill("150 000")
    page.get_by_label("Expected close date").fill("2031-03-31")
    screenshot("deal-form")
    page.get_by_label("Amount").press("Enter")  # the keyboard is enough
    expect(page.get_by_test_id("deal-title")).to_have_text("Windows for the school")
    deal = Deal.objects.get(title="Windows for the school")
    assert page.url == f"{live_server.url}/deals/{deal.pk}/"
    expect(page.get_by_test_id("deal-stage")).to_contain_text("New request")

    # A line item, edited in place.
    page.get_by_test_id("lines-edit").click()
    page.locator("#id_lines-0-description").fill("Window 120×150, two-chamber")
    page.locator("#id_lines-0-quantity").fill("5")
    page.locator("#id_lines-0-price").fill("28 000")
    page.get_by_test_id("lines-save").click()
    expect(page.get_by_test_id("deal-lines")).to_contain_text("Window 120×150, two-chamber")
    expect(page.get_by_test_id("lines-total")).to_have_text("140,000\xa0₽")

    # A price proposal: ours, so it becomes the amount.
    proposal = page.get_by_test_id("proposal-form")
    proposal.get_by_label("Price").fill("135000")
    proposal.get_by_label("Note").fill("Discount for two buildings")
    proposal.get_by_test_id("proposal-add").click()
    expect(page.get_by_test_id("deal-proposals")).to_contain_text("Discount for two buildings")
    expect(page.get_by_test_id("deal-amount")).to_contain_text("135,000\xa0₽")

    # A call logged from the deal's quick-log box lands on the timeline without a reload.
    box = page.get_by_test_id("quicklog")
    box.get_by_label("Kind", exact=True).select_option("call")
    box.get_by_label("Contact person").select_option(label="Ivanov Petr, Director")
    note = box.get_by_label("Note")
    note.fill("Director agreed to the discount")
    note.press("Control+Enter")
    expect(page.get_by_test_id("quicklog-logged")).to_be_visible()
    expect(page.get_by_test_id("timeline")).to_contain_text("Director agreed to the discount")

    # Moved to "Proposal sent" (it needs an amount, which the deal has).
    page.get_by_label("Move to stage").select_option(label="Proposal sent")
    page.get_by_test_id("move-submit").click()
    expect(page.get_by_test_id("deal-stage")).to_contain_text("Proposal sent")

    # Lost, with a reason from the list and a comment.
    page.get_by_test_id("deal-lose").click()
    lose = page.get_by_test_id("lose-form")
    expect(lose.get_by_label("Reason")).to_be_focused()
    lose.get_by_label("Reason").select_option(label="Price too high")
    lose.get_by_label("Comment").fill("Went with a cheaper offer")
    lose.get_by_test_id("lose-submit").click()
    expect(page.get_by_test_id("deal-status")).to_have_text("lost")
    expect(page.get_by_test_id("deal-outcome")).to_contain_text("Price too high")

    # Reopened where it was; the history keeps every move.
    page.get_by_test_id("deal-reopen").click()
    expect(page.get_by_test_id("deal-status")).to_have_text("open")
    expect(page.get_by_test_id("deal-stage")).to_contain_text("Proposal sent")
    moves = page.get_by_test_id("stage-move")
    expect(moves).to_have_count(4)
    expect(moves.nth(0)).to_contain_text("Lost")
    expect(moves.nth(0)).to_contain_text("Proposal sent")
    expect(moves.nth(3)).to_contain_text("New request")
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("Director agreed to the discount")
    expect(timeline.get_by_test_id("stage-entry")).to_have_count(4)
    page.screenshot(path="/tmp/deal_card.png", full_page=True)  # noqa: S108 - the place the review looks at
    screenshot("deal-card")

    # The call is on the client's card too, and the deal is in its Deals panel.
    page.goto(f"{live_server.url}/clients/{client.pk}/")
    expect(page.get_by_test_id("panel-deals")).to_contain_text("Windows for the school")
    expect(page.get_by_test_id("history")).to_contain_text("Director agreed to the discount")

    # And in the deal list, with its stage and amount.
    page.goto(f"{live_server.url}/deals/list/")
    row = page.get_by_test_id("deal-list").locator("tbody tr").first
    expect(row).to_contain_text("Windows for the school")
    expect(row).to_contain_text("Proposal sent")
    expect(row).to_contain_text("135,000\xa0₽")
    screenshot("deal-list")

    deal.refresh_from_db()
    assert (deal.status, deal.stage.code, deal.amount) == (DealStatus.OPEN, "proposal", 135_000)
    assert Activity.objects.get(deal=deal).client == client
    assert console_errors == []
