from __future__ import annotations

from tests.conftest import Room


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_replay_shows_the_room_as_it_was(room: Room) -> None:
    """Seeking to the middle shows the step and ideas live then, and none of the later ones."""
    ana = room.join("1", "Ana")
    room.command(room.facilitator, type="step.push", text="Morning question")
    room.command(ana["token"], type="idea.submit", client_id="a", text="Early idea")
    middle = room.command(room.facilitator, type="step.push", text="Afternoon question").json()["step_id"]
    room.command(ana["token"], type="idea.submit", client_id="b", text="Late idea")
    timeline = room.client.get(f"/api/events/{room.id}/replay", headers=auth(room.organiser)).json()
    assert [m["label"] for m in timeline["marks"]] == ["Morning question", "Afternoon question"]
    seq = next(m["seq"] for m in timeline["marks"] if m["label"] == "Morning question") + 1
    then = room.client.get(f"/api/events/{room.id}/replay/state?seq={seq}", headers=auth(room.organiser)).json()
    assert [i["text"] for i in then["snapshot"]["ideas"]] == ["Early idea"]
    assert then["snapshot"]["current"]["1"]["*"] != middle
    now = room.client.get(f"/api/events/{room.id}/replay/state?at={timeline['last_at']}", headers=auth(room.organiser))
    assert [i["text"] for i in now.json()["snapshot"]["ideas"]] == ["Early idea", "Late idea"]


def test_replay_and_export_are_for_staff_only(room: Room) -> None:
    """A participant can neither replay nor export; the organiser can."""
    phone = room.join("1")
    for path in ("replay", "replay/state?seq=1", "export?format=md", "harvest"):
        assert room.client.get(f"/api/events/{room.id}/{path}", headers=auth(phone["token"])).status_code == 403
    r = room.client.get(f"/api/events/{room.id}/export?format=html", headers=auth(room.organiser))
    assert r.status_code == 200 and r.headers["content-disposition"].endswith(f'wholeroom-{room.id}-shared.html"')
    assert "<h1><bdi>Our town</bdi>: harvest</h1>" in r.text


def test_a_participant_downloads_their_own_contributions(room: Room) -> None:
    """/mine lists my ideas (even hidden ones, marked) and nobody else's."""
    ana, bo = room.join("1", "Ana"), room.join("1", "Bo")
    room.command(room.facilitator, type="step.push", text="Q")
    mine = room.command(ana["token"], type="idea.submit", client_id="a", text="Mine").json()["idea_id"]
    room.command(bo["token"], type="idea.submit", client_id="b", text="Not mine")
    room.command(room.facilitator, type="idea.hide", idea_id=mine)
    got = room.client.get(f"/api/events/{room.id}/mine", headers=auth(ana["token"])).json()
    assert [(i["text"], i["hidden"]) for i in got["ideas"]] == [("Mine", True)]
    assert room.client.get(f"/api/events/{room.id}/mine", headers=auth(room.organiser)).status_code == 403


def test_seek_needs_exactly_one_of_seq_or_at(room: Room) -> None:
    """Asking for both or neither is a clear 400."""
    r = room.client.get(f"/api/events/{room.id}/replay/state", headers=auth(room.organiser))
    assert r.status_code == 400 and r.json()["error"]["code"] == "seq_or_at"


def test_the_room_view_sends_numbers_for_every_table_and_one_page_of_ideas(room: Room) -> None:
    """view=room: people and ideas per table, ideas per step, and only the latest ideas (or one table's)."""
    ana, bo = room.join("1", "Ana"), room.join("2", "Bo")
    step = room.command(room.facilitator, type="step.push", text="Morning question").json()["step_id"]
    for n in range(3):
        room.command(ana["token"], type="idea.submit", client_id=f"a{n}", text=f"Ana's idea {n}")
    room.command(bo["token"], type="idea.submit", client_id="b", text="Bo's idea")
    url = f"/api/events/{room.id}/replay/state?view=room&seq=1000&ideas=2"
    got = room.client.get(url, headers=auth(room.organiser)).json()
    view = got["snapshot"]
    assert view["view"] == "room" and got["seq"] == view["seq"]
    assert view["joined"]["1"] == 1 and view["joined"]["2"] == 1
    assert view["idea_counts"] == {"1": 3, "2": 1} and view["ideas_total"] == 4
    assert [i["text"] for i in view["ideas"]] == ["Bo's idea", "Ana's idea 2"]  # the latest two, newest first
    assert view["step_ideas"] == {step: 4} and view["names"] == {
        ana["participant_id"]: "Ana",
        bo["participant_id"]: "Bo",
    }
    assert "participants" not in view  # numbers, not the list of people

    one = room.client.get(url + "&table=1", headers=auth(room.organiser)).json()["snapshot"]
    assert [i["text"] for i in one["ideas"]] == ["Ana's idea 2", "Ana's idea 1"] and one["ideas_total"] == 3


def test_the_room_view_refuses_what_it_cannot_show(room: Room) -> None:
    """An unknown view, an unknown table and too many ideas are refused, each naming its field."""
    base = f"/api/events/{room.id}/replay/state?seq=1"
    cases = [
        ("&view=everything", 422, "view"),
        ("&view=room&table=9", 404, "table"),
        ("&view=room&ideas=5000", 422, "ideas"),
        ("&table=9", 404, "table"),
    ]
    for query, status, field in cases:
        r = room.client.get(base + query, headers=auth(room.organiser))
        assert r.status_code == status, (query, r.text)
        assert r.json()["error"]["field"] == field, (query, r.json())
