"""The JSON renderer prints exactly what the standard library's indenting encoder prints."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inctrack.render import to_json

scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text()
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(st.lists(st.dictionaries(st.text(), values, max_size=6), max_size=4))
def test_to_json_matches_the_standard_library(data: list[dict[str, Any]]) -> None:
    assert to_json(data) == json.dumps(data, ensure_ascii=False, indent=2)


def test_text_that_orjson_refuses_still_prints() -> None:
    undecodable = {"title": "printer \udcff jam"}  # how Python keeps bytes it could not decode
    assert to_json(undecodable) == json.dumps(undecodable, ensure_ascii=False, indent=2)


def test_accents_quotes_and_control_characters() -> None:
    record = {"title": 'Café "Ünïcode"\n\ttab\x01', "empty": {}, "list": []}
    assert to_json(record) == (
        '{\n  "title": "Café \\"Ünïcode\\"\\n\\ttab\\u0001",\n  "empty": {},\n  "list": []\n}'
    )


def _queue_record(**fields: Any) -> dict[str, Any]:
    clock = {"state": "none", "remaining_seconds": None}
    record = {
        "id": "INC-1", "priority": None, "status": "new", "title": "", "assignee": None,
        "group": None, "reported_at": "2026-11-20T08:00:00+00:00", "responded_at": None,
        "major": False,
        "sla": {"response": clock, "resolution": clock},
    }  # fmt: skip
    record.update(fields)
    return record


def test_the_queue_table_cuts_titles_and_long_names_and_aligns_numbers() -> None:
    from datetime import UTC, datetime

    from rich.console import Console

    from inctrack.render.incidents import incident_list

    breached = {"state": "breached", "remaining_seconds": -7200}
    records = [
        _queue_record(title="Printer on floor 3 jams every morning"),
        _queue_record(
            id="INC-12", priority="P1", status="in_progress", title="VPN down",
            assignee="maximilian.wolfeschlegel", responded_at="2026-11-20T08:05:00+00:00",
            reported_at="2026-11-17T09:00:00+00:00", sla={"response": {}, "resolution": breached},
        ),
    ]  # fmt: skip
    out = io.StringIO()
    console = Console(width=80, no_color=True, file=out)
    console.print(incident_list(records, tz=UTC, now=datetime(2026, 11, 20, 9, 0, tzinfo=UTC)))
    # By hand: ID 6, Pri 9, Status 11, SLA 3, Age 3 wide, three spaces between and one
    # at each end: 80 - 20 - 32 = 28 for the title and the assignee. The assignee gives
    # way first, to 10 (the last character an ellipsis); the title keeps 18, cut before
    # the space that would come before the ellipsis.
    assert out.getvalue().splitlines() == [
        "",
        " ID       Pri         Status        Title                Assignee     SLA   Age",
        " " + "─" * 78,
        " INC-1    untriaged   new           Printer on floor…" + " " * 24 + "1h",
        " INC-12   P1          in_progress   VPN down             maximilia…   -2h    3d",
        "",
    ]


def test_the_pattern_table_fits_80_columns_one_line_per_candidate() -> None:
    from datetime import UTC, datetime

    from rich.console import Console

    from inctrack.render.problems import pattern_table

    record = {
        "number": 1, "label": "mail · email/outlook", "count": 4,
        "first": "2026-11-02T09:00:00+00:00", "last": "2026-11-10T08:00:00+00:00",
        "incidents": ["INC-1", "INC-2", "INC-3", "INC-4"], "linked": 0, "problems": [],
        "linked_incidents": [],
    }  # fmt: skip
    command = "inctrack problem create TITLE --from-pattern N --until 2026-11-21T00:00+00:00"
    out = io.StringIO()
    console = Console(width=80, no_color=True, file=out)
    console.print(pattern_table([record], tz=UTC, now=datetime(2026, 11, 27, tzinfo=UTC),
                                create=command))  # fmt: skip
    lines = out.getvalue().splitlines()
    assert all(len(line) <= 80 and not line.endswith(" ") for line in lines)
    # The incidents are cut after the last whole ID (the JSON has them all), and the
    # last day leaves room for the whole key; the command to record a candidate is whole.
    assert lines[1].split() == ["#", "Key", "Count", "First", "Linked", "Incidents"]
    assert lines[3] == " #1   mail · email/outlook       4   2026-11-02            INC-1, INC-2, …"
    assert " ".join(" ".join(lines[5:]).split()).endswith(f"Record #N as a problem: {command}")


def test_json_goes_to_stdout_as_the_same_bytes_json_dumps_would_print(
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    from inctrack.cli.output import _write_json

    records = [{"label": "mail · email/outlook", "incidents": ["INC-1", "INC-2"], "n": None}]
    _write_json(records)
    expected = json.dumps(records, ensure_ascii=False, indent=2) + "\n"
    assert capsysbinary.readouterr().out == expected.encode("utf-8")


def test_the_queue_table_styles_only_its_styled_cells() -> None:
    from datetime import UTC, datetime

    from rich.console import Console

    from inctrack.render.incidents import incident_list

    records = [_queue_record(title="VPN down", status="new")]
    out = io.StringIO()
    console = Console(width=80, file=out, force_terminal=True, color_system="standard")
    console.print(incident_list(records, tz=UTC, now=datetime(2026, 11, 20, 9, 0, tzinfo=UTC)))
    row = out.getvalue().splitlines()[3]
    # The bold ID, priority and status; the spaces, the title and the age plain.
    assert row == (
        " \x1b[1mINC-1\x1b[0m   \x1b[1muntriaged\x1b[0m   \x1b[1mnew\x1b[0m      VPN down"
        + " " * 27
        + "1h"
    )
