"""The participant list in the browser: the organiser imports a CSV on the People tab (a bad file
is refused line by line and changes nothing), prints the invitation cards, and a person's personal
link answers "I'm coming", then joins with their name and parts filled in and is checked in."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import LiveEvent, http
from .test_accessibility import violations

pytestmark = pytest.mark.browser

SYSTEM = [{"name": "Residents", "target": 2}, {"name": "GPs", "target": 1}, {"name": "Police", "target": 1}]
BAD = (
    b"name,email,parts,access_needs\nAna Silva,ana@example.org,Residents,\nBo,bo@,GPs,\n,cy@example.org,Firefighters,\n"
)
GOOD = (
    b"name,email,parts,access_needs\n"
    b"Ana Silva,ana@example.org,Residents;GPs,needs a hearing loop\n"
    b"Bo Chen,bo@example.org,Police,\n"
)


def choose(page: object, name: str, data: bytes) -> None:
    page.get_by_label("CSV file").set_input_files(  # type: ignore[attr-defined]
        {"name": name, "mimeType": "text/csv", "buffer": data}
    )


def test_import_then_invitation_cards_then_a_personal_link_checks_its_person_in(live_event: LiveEvent) -> None:
    live_event.command(type="event.parts_set", parts=SYSTEM)
    organiser = live_event.staff("organiser")
    organiser.get_by_role("tab", name="People").click()
    expect(organiser.locator("#people-totals")).to_have_text("Nobody is on the list yet.")

    choose(organiser, "bad.csv", BAD)
    organiser.get_by_role("button", name="Import").click()
    problems = organiser.get_by_role("list", name="Problems in the file")
    expect(problems.locator("li")).to_have_count(3)
    expect(problems.locator("li").nth(0)).to_contain_text("Line 3, email: 'bo@' is not an email address")
    expect(problems.locator("li").nth(2)).to_contain_text("Line 4, parts: no part 'Firefighters'")
    expect(organiser.locator("#people-message")).to_contain_text("nothing was imported")
    expect(organiser.locator("#people-totals")).to_have_text("Nobody is on the list yet.")

    choose(organiser, "good.csv", GOOD)
    organiser.get_by_role("button", name="Import").click()
    expect(organiser.locator("#people-message")).to_have_text(
        "Imported: 2 new, 0 updated, 0 unchanged. 2 people on the list."
    )
    expect(problems).to_be_hidden()
    ana_row = organiser.locator("#people-rows tr", has_text="Ana Silva")
    expect(ana_row).to_contain_text("needs a hearing loop")
    expect(ana_row.locator("td.answer")).to_have_text("No answer")
    expect(organiser.locator("#people-missing")).to_have_text("Still missing: Residents, GPs, Police.")

    with organiser.context.expect_page() as opened:
        organiser.get_by_role("link", name="Print invitation cards").click()
    cards = opened.value
    cards.on("pageerror", lambda exc: live_event.errors.append(f"invitations: {exc}"))
    expect(cards.locator("article.card")).to_have_count(2)
    card = cards.locator("article.card", has_text="Ana Silva")
    expect(card).to_contain_text("Our town in 2035")
    expect(card.locator(".join-code")).to_have_text(live_event.code)
    qr = card.get_by_role("img", name="QR code of Ana Silva's personal link")
    cards.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    assert "ana@example.org" not in cards.content() and "hearing loop" not in cards.content()

    status, data = http(
        "GET", f"{live_event.base}/api/events/{live_event.id}/invitations", token=live_event.tokens["organiser"]
    )
    assert status == 200, data
    link = next(c["link"] for c in data["cards"] if c["name"] == "Ana Silva")

    # before the event: the personal link answers "I'm coming"
    ctx = live_event.context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone = live_event.page(ctx, link)
    expect(phone.locator("#invite-text")).to_have_text("Ana Silva, you are invited to Our town in 2035.")
    assert "#invite=" not in phone.url  # taken out of the address bar
    phone.get_by_role("button", name="I'm coming").click()
    expect(phone.locator("#invite-answer")).to_have_text("You said you are coming. Thank you!")
    assert violations(phone) == []
    organiser.get_by_role("button", name="Read the answers again").click()
    expect(ana_row.locator("td.answer")).to_have_text("Coming")
    expect(organiser.locator("#people-coverage-table tr[data-part=gps]")).to_have_attribute("data-missing", "no")
    expect(organiser.locator("#people-missing")).to_have_text("Still missing: Residents, Police.")

    # on the day: the same link fills in the join form; joining checks her in
    phone.reload()
    expect(phone.get_by_label("Your name")).to_have_value("Ana Silva")
    choice = phone.get_by_role("group", name="Where you come from")
    expect(choice.get_by_label("Residents")).to_be_checked()
    expect(choice.get_by_label("GPs")).to_be_checked()
    expect(choice.get_by_label("Police")).not_to_be_checked()
    phone.get_by_label("Your table").select_option("2")
    phone.get_by_role("button", name="Join").click()
    phone.wait_for_url(f"**/e/{live_event.id}/phone")
    phone.locator(".badge[data-state=live]").wait_for()

    expect(ana_row.locator("td.arrived")).to_have_text("Arrived")
    expect(organiser.locator("#people-totals")).to_have_text(
        "2 invited: 1 coming, 0 not coming, 1 no answer yet; 1 arrived."
    )
    gps = organiser.locator("#people-coverage-table tr[data-part=gps] td")
    expect(gps.nth(1)).to_have_text("0")  # coming (no longer: she is here)
    expect(gps.nth(2)).to_have_text("1")  # here

    # the invitation stays with its own link: the plain join page in the same tab knows nothing of it
    phone.goto(f"{live_event.base}/join")
    phone.get_by_label("Join code").fill(live_event.code)  # the page's script has run once this answers
    expect(phone.locator("#event-title")).to_contain_text("Our town in 2035")
    expect(phone.get_by_label("Your name")).to_have_value("")
    expect(phone.locator("#invite")).to_be_hidden()


def test_a_late_arrival_is_offered_the_table_the_mix_needs(live_event: LiveEvent) -> None:
    live_event.command(type="event.parts_set", parts=SYSTEM)
    status, data = http(
        "POST",
        f"{live_event.base}/api/events/{live_event.id}/people/import",
        {"csv": GOOD.decode()},
        live_event.tokens["organiser"],
    )
    assert status == 200, data
    for table, part in (("1", "residents"), ("2", "residents"), ("3", "residents"), ("3", "police"), ("1", "gps")):
        status, joined = http(
            "POST", f"{live_event.base}/api/join", {"code": live_event.code, "table_id": table, "parts": [part]}
        )
        assert status == 201, joined
    status, data = http(
        "GET", f"{live_event.base}/api/events/{live_event.id}/invitations", token=live_event.tokens["organiser"]
    )
    link = next(c["link"] for c in data["cards"] if c["name"] == "Bo Chen")  # police: table 3 has one already
    ctx = live_event.context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone = live_event.page(ctx, link)
    expect(phone.get_by_label("Your table")).to_have_value("2")
    expect(phone.locator("#table-suggested")).to_have_text("Table 2 is where the mix needs you most.")
    phone.get_by_role("button", name="Join").click()
    phone.wait_for_url(f"**/e/{live_event.id}/phone")
    bo = next(p for p in live_event.snapshot()["participants"] if p.get("name") == "Bo Chen")
    assert (bo["table_id"], bo["parts"]) == ("2", ["police"])
