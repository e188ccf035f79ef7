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
    assert "<h1>Our town: harvest</h1>" in r.text


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
