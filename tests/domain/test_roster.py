"""Reading the participant list: every problem named by line and column, all or nothing, and
importing again updates the same people (server/domain/roster.py)."""

from __future__ import annotations

import pytest

from server.domain.errors import Invalid
from server.domain.model import Part
from server.domain.roster import ROSTER_MAX, Listed, plan, read_csv

PARTS = {
    "residents": Part("residents", "Residents", 40),
    "gps": Part("gps", "GPs & nurses", 8),
    "police": Part("police", "Police", None),
}
HEADER = "name,email,parts,access_needs\n"


def problems(text: str) -> list[tuple[int, str | None, str]]:
    with pytest.raises(Invalid) as refused:
        read_csv(text, PARTS)
    assert refused.value.code == "bad_roster" and refused.value.field == "csv"
    assert "nothing was imported" in refused.value.message
    return [(d["line"], d["column"], d["message"]) for d in refused.value.details or []]


def test_a_good_file_gives_each_person_checked() -> None:
    rows = read_csv(
        "\ufeffName,E-mail,Parts,Access needs\n"
        'Ana Silva,ana@example.org,Residents; gps & NURSES,"wheelchair, step-free"\n'
        "\n"
        "Bo,,police,\n",
        PARTS,
    )
    assert [(r.line, r.name, r.email, r.parts, r.access_needs) for r in rows] == [
        (2, "Ana Silva", "ana@example.org", ("residents", "gps"), "wheelchair, step-free"),
        (4, "Bo", None, ("police",), None),
    ]


def test_every_bad_row_is_named_by_line_and_column() -> None:
    found = problems(
        HEADER + "Ana,ana@example.org,Residents,\n"  # line 2: fine
        ",bo@example.org,Police,\n"  # line 3: no name
        "Cy,cy@,Residents,\n"  # line 4: bad email
        "Di,di@example.org,Firefighters,\n"  # line 5: unknown part
        "Ed,ANA@example.org,,\n"  # line 6: the same email as line 2
        '"Fay\nFox",fay@example.org,Residents;Residents,\n'  # lines 7-8: a part twice (a quoted line break)
        "Gus,gus@example.org,Police," + "x" * 301 + "\n"  # line 9: access needs too long
        "Hal,,,\n"
        "hal,,,\n"  # line 11: the same name without email twice
    )
    assert [(line, column) for line, column, _ in found] == [
        (3, "name"),
        (4, "email"),
        (5, "parts"),
        (6, "email"),
        (7, "parts"),
        (9, "access_needs"),
        (11, "name"),
    ]
    assert "no part 'Firefighters'; the parts are: Residents, GPs & nurses, Police" in found[2][2]
    assert "already on line 2" in found[3][2]


def test_the_header_must_name_known_columns() -> None:
    assert problems("name,phone\nAna,123\n") == [
        (1, "phone", "unknown column 'phone'; the columns are: name, email, parts, access_needs, table")
    ]
    assert problems("email\nana@example.org\n")[0][:2] == (1, None)
    assert problems("")[0][2].startswith("the file is empty")
    assert problems("name,name\nAna,Ana\n")[0][:2] == (1, "name")


def test_cells_beyond_the_columns_and_broken_quoting_are_refused() -> None:
    assert problems("name\nAna,extra\n") == [(2, None, "cell 2 is beyond the named columns")]
    assert problems('name\n"Ana\n')[0][2].startswith("not readable as CSV")


def test_names_and_texts_are_checked_like_the_join_form() -> None:
    found = problems(HEADER + "A" * 41 + ",,,\nNul\x00,,,\n")
    assert [(line, column) for line, column, _ in found] == [(2, "name"), (3, "name")]


def test_parts_need_declared_parts() -> None:
    with pytest.raises(Invalid) as refused:
        read_csv("name,parts\nAna,Residents\n", {})
    assert "the parts are: none: declare the parts first" in (refused.value.details or [])[0]["message"]


def test_a_list_has_a_size_limit() -> None:
    text = "name\n" + "".join(f"P{i}\n" for i in range(ROSTER_MAX + 1))
    assert problems(text)[-1] == (ROSTER_MAX + 2, None, f"a list holds at most {ROSTER_MAX:,} people")


def test_importing_again_updates_by_email_then_by_name_without_email() -> None:
    listed = [
        Listed("i1", "Ana", "ana@example.org", ("residents",), None),
        Listed("i2", "Bo", None, ("police",), None),
        Listed("i3", "Cy", None, (), None),
    ]
    rows = read_csv(
        HEADER + "Ana Silva,ANA@example.org,Residents,\n"  # the same email: renamed
        "Bo,bo@example.org,Police,\n"  # Bo gains an email
        "Cy,,,\n"  # unchanged
        "Di,,,\n",  # new
        PARTS,
    )
    done = plan(rows, listed)
    assert done.summary() == {"added": 1, "updated": 2, "unchanged": 1}
    assert [(i, r.name, r.email) for i, r in done.update] == [
        ("i1", "Ana Silva", "ANA@example.org"),
        ("i2", "Bo", "bo@example.org"),
    ]
    assert [r.name for r in done.add] == ["Di"]


def test_two_rows_updating_one_person_are_refused() -> None:
    listed = [Listed("i1", "Ana", None, (), None)]
    rows = read_csv(HEADER + "Ana,,,\nAna,ana@example.org,,\n", PARTS)
    with pytest.raises(Invalid) as refused:
        plan(rows, listed)
    assert (refused.value.details or [])[0] == {
        "line": 3,
        "column": "name",
        "message": "updates the same listed person (Ana) as line 2",
    }


def test_a_home_table_is_named_by_its_name_or_id_and_an_unknown_one_is_refused() -> None:
    tables = {"1": "Table 1", "2": "Riverside"}
    rows = read_csv("name,parts,home table\nAna,Residents,riverside\nBo,GPs,1\nCy,,\n", PARTS, tables)
    assert [(r.name, r.table) for r in rows] == [("Ana", "2"), ("Bo", "1"), ("Cy", None)]
    with pytest.raises(Invalid) as refused:
        read_csv("name,table\nAna,Table 9\n", PARTS, tables)
    assert refused.value.details == [
        {"line": 2, "column": "table", "message": "no table 'Table 9'; the tables are: Table 1, Riverside"}
    ]
