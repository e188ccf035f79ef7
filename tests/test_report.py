"""The HTML harvest report and its pictures (server/exports.py html, server/report_svg.py): what
they say and keep to themselves, read as text. tests/browser/test_report.py opens and prints them."""

from __future__ import annotations

import base64
import hashlib
import html
import math
import random
import re
import xml.etree.ElementTree as ET

from server import exports
from server.domain.harvest import harvest
from server.report_svg import Bubble, opinion_map_svg, participation_svg, theme_map_svg
from server.web.headers import CSP as SITE_CSP
from tests.conftest import Room
from tests.domain.helpers import FACILITATOR, Scene
from tests.domain.test_sessions import loaded

SVG = "{http://www.w3.org/2000/svg}"
T0 = 1_764_000_000_000


def pictures() -> list[str]:
    return [
        theme_map_svg([Bubble("Buses", 0.2, 0.3, 40, 5), Bubble("Trees & <shade>", 0.7, 0.6, 10, 2)]),
        opinion_map_svg([(0.1, 0.2, "A"), (0.3, 0.1, "A"), (2.0, 1.5, "B"), (1.0, 1.0, None)], {"A": 2, "B": 1}),
        participation_svg([(T0, 3, 2), (T0 + 300_000, 7, 5)]),
    ]


def test_each_picture_is_an_image_with_a_title_and_a_description() -> None:
    """role="img", labelled by its own <title> and <desc> (ids unique in the report), well formed."""
    ids: set[str] = set()
    for svg in pictures():
        root = ET.fromstring(svg)
        assert root.get("role") == "img"
        title_id, desc_id = (root.get("aria-labelledby") or "").split()
        title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
        assert title is not None and title.get("id") == title_id and title.text
        assert desc is not None and desc.get("id") == desc_id and desc.text
        assert not ids & {title_id, desc_id}
        ids |= {title_id, desc_id}
        assert "style=" not in svg  # the report's CSP refuses style attributes


def test_the_opinion_map_tells_groups_apart_by_shape_and_gives_their_sizes() -> None:
    svg = opinion_map_svg([(0.1, 0.2, "A"), (0.3, 0.1, "A"), (2.0, 1.5, "B"), (1.0, 1.0, None)], {"A": 2, "B": 1})
    root = ET.fromstring(svg)
    shapes = {p.get("id"): p.get("d") for p in root.iter(f"{SVG}path")}
    assert len({shapes["opinion-map-A"], shapes["opinion-map-B"], shapes["opinion-map-none"]}) == 3
    marks = [u.get("href") for g in root.iter(f"{SVG}g") if (g.get("class") or "").startswith("group-") for u in g]
    assert sorted(marks) == ["#opinion-map-A", "#opinion-map-A", "#opinion-map-B", "#opinion-map-none"]
    words = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "Group A: 2 people" in words and "Group B: 1 person" in words and "Not in a group: 1" in words
    assert "circles" in (root.findtext(f"{SVG}desc") or "")


def test_theme_bubbles_grow_in_area_with_their_ideas_and_labels_are_escaped() -> None:
    svg = theme_map_svg([Bubble("Buses", 0.1, 0.3, 40, 5), Bubble("Trees & <shade>", 0.9, 0.6, 10, 2)])
    radii = [float(c.get("r") or 0) for c in ET.fromstring(svg).iter(f"{SVG}circle")]
    assert math.isclose((radii[0] / radii[1]) ** 2, 4.0, rel_tol=0.02)
    assert "Trees &amp; &lt;shade&gt;" in svg and "<shade>" not in svg


def test_the_theme_map_draws_the_biggest_thirty_themes_and_says_so() -> None:
    bubbles = [Bubble(f"Theme {n}", (n % 7) / 7, (n % 5) / 5, 100 - n, 1, n + 1) for n in range(40)]
    root = ET.fromstring(theme_map_svg(bubbles))
    assert len(list(root.iter(f"{SVG}circle"))) == 30
    assert (root.findtext(f"{SVG}title") or "").endswith("40 themes, the 30 biggest drawn")


# --- the report -----------------------------------------------------------------------------------

PRIVATE = """
id: mixed
title: Mixed
method: {name: Test, origin: Us}
steps:
  - {id: own, kind: ideas, duration: 1m, text: On your own, capture: {who: each, visibility: private}}
  - {id: talk, kind: discuss, duration: 1m, text: Together, capture: {who: each}}
  - {id: quiet, kind: ideas, duration: 1m, text: Unsigned, capture: {who: each, attribution: anonymous}}
"""


def mixed_scene() -> Scene:
    scene = Scene(tables=2)
    ana, bo = scene.join("1", name="Ana Named"), scene.join("2", name="Bo Quiet")
    session = loaded(scene, PRIVATE)
    scene.do(FACILITATOR, type="session.next", session_id=session)
    scene.idea(ana, "my private worry", client_id="a1")
    scene.do(FACILITATOR, type="session.next", session_id=session)
    scene.idea(ana, "a library on Sundays", client_id="a2")
    scene.do(FACILITATOR, type="session.next", session_id=session)
    scene.idea(bo, "said without a name", client_id="b1")
    return scene


def test_the_shared_report_quotes_the_room_and_names_no_anonymous_writer() -> None:
    text = exports.html(harvest(mixed_scene().state, T0, audience="shared"))
    assert "a library on Sundays" in text and "said without a name" in text
    assert "my private worry" not in text and "1 kept private" in text
    assert "<li><bdi>said without a name</bdi></li>" in text  # nothing beside it, no name
    body = text.split("<body>", 1)[1]
    assert body.lstrip().startswith('<header>\n  <p class="audience">For people who took part')


def test_the_staff_report_says_so_on_its_first_line_and_quotes_more() -> None:
    text = exports.html(harvest(mixed_scene().state, T0, audience="staff"))
    first = re.sub(r"<[^>]+>", "", text.split("<body>", 1)[1]).strip().splitlines()[0]
    assert first.startswith("For staff only")
    assert "<title>Staff only: Our town: harvest</title>" in text
    assert "my private worry" in text and "private" in text
    assert "Bo Quiet" in text  # the name she chose, in the list of people, never next to the unsigned idea
    assert 'said without a name</bdi><span class="where"> · <bdi>(anonymous)</bdi>' in text


def test_the_stylesheet_is_allowed_by_its_hash_and_nothing_else_runs() -> None:
    """The <style> holds exactly the stylesheet whose hash both policies allow; no script, no
    style attribute, nothing loaded from anywhere."""
    text = exports.html(harvest(mixed_scene().state, T0))
    (css,) = re.findall(r"<style>(.*?)</style>", text, re.S)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in exports.REPORT_CSP
    (meta,) = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', text)
    assert html.unescape(meta) == exports.REPORT_META_CSP
    assert "default-src 'none'" in exports.REPORT_CSP and "script-src" not in exports.REPORT_CSP
    assert "<script" not in text and " style=" not in text and "src=" not in text and 'href="http' not in text


def test_long_lists_are_capped_with_the_rest_one_click_away() -> None:
    """40 themes: 12 in the open table, 'and 28 more themes' in a collapsed details; with few ideas
    the details start open (so they print)."""
    scene = Scene(tables=2)
    people = [scene.join(str(1 + n % 2)) for n in range(4)]
    scene.push()
    ids = []
    for n in range(40):
        scene.now += 10_000
        ids.append(str(scene.idea(people[n % 4], f"idea {n}", client_id=f"t{n}").result["idea_id"]))
    themes = {
        "themes": [{"id": f"T{n}", "label": f"Theme {n}", "idea_ids": [i], "keywords": []} for n, i in enumerate(ids)],
        "positions": {i: [n / 40, (n % 4) / 4] for n, i in enumerate(ids)},
    }
    text = exports.html(harvest(scene.state, scene.now, themes=themes))
    section = text.split('aria-labelledby="themes"', 1)[1].split("</section>", 1)[0]
    assert section.count('<tr><td class="n">') == 40
    assert '<details class="more" open><summary>and 28 more themes' in section
    assert "<details open><summary>Each table" in text and '<details class="more" open>' in text


def test_the_export_route_serves_the_report_under_its_own_policy(room: Room) -> None:
    """The HTML report's response carries exports.REPORT_CSP (tests/browser/test_report.py shows
    Chromium styles it under that policy, and would not under the pages' own); other files keep
    the site's policy."""
    token = {"Authorization": f"Bearer {room.organiser}"}
    report = room.client.get(f"/api/events/{room.id}/export?format=html", headers=token)
    assert report.status_code == 200 and report.headers["content-security-policy"] == exports.REPORT_CSP
    markdown = room.client.get(f"/api/events/{room.id}/export?format=md", headers=token)
    assert markdown.headers["content-security-policy"] == SITE_CSP


def test_theme_bubbles_never_overlap() -> None:
    """Thirty themes placed at random, some on the same spot: pushed apart until none overlaps."""
    rng = random.Random(5)
    bubbles = [
        Bubble(f"T{n}", rng.random() if n % 3 else 0.5, rng.random() if n % 3 else 0.5, rng.randint(5, 300))
        for n in range(30)
    ]
    circles = [
        (float(c.get("cx") or 0), float(c.get("cy") or 0), float(c.get("r") or 0))
        for c in ET.fromstring(theme_map_svg(bubbles)).iter(f"{SVG}circle")
    ]
    assert len(circles) == 30
    for n, (x, y, r) in enumerate(circles):
        assert r <= x <= 720 - r and r <= y <= 420 - r
        assert all(math.hypot(x - x2, y - y2) >= r + r2 - 0.5 for x2, y2, r2 in circles[n + 1 :])
