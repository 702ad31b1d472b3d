"""Identity: the OS login on every event, users bound to logins, database roles (PostgreSQL).

Through the command line and the library, on SQLite and PostgreSQL; the role tests
need the PostgreSQL server and create cluster-wide roles, which they drop again.
"""

from __future__ import annotations

import getpass
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from inctrack.domain import os_login

from .helpers import BACKENDS, PG_URL, Cli, Desk, fails, ok


def as_login(monkeypatch: pytest.MonkeyPatch, login: str, *, asserted: bool = False) -> None:
    """Run as the OS login ``login``, with INCTRACK_USER unset unless ``asserted``."""
    monkeypatch.setenv("LOGNAME", login)
    if not asserted:
        monkeypatch.delenv("INCTRACK_USER", raising=False)


def team(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """An admin bound to boss-login, a service-desk analyst bound to kim-login, and an
    analyst bound to nothing; registered from the admin's login."""
    monkeypatch.setenv("LOGNAME", "boss-login")
    ok(cli("user", "add", "boss", "--role", "admin", "--role", "service-desk",
           "--login", "boss-login", actor="boss"))  # fmt: skip
    ok(cli("user", "add", "kim", "--role", "service-desk", "--login", "kim-login", actor="boss"))
    ok(cli("user", "add", "pat", "--role", "service-desk", actor="boss"))


def events(cli: Cli, ref: str = "INC-1", **kwargs: Any) -> list[dict[str, Any]]:
    return list(cli.json("show", ref, **kwargs)["events"])


# -- the OS login on every event ------------------------------------------------------


def test_every_event_records_the_os_login_beside_the_actor(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOGNAME", "desk07")
    ok(cli("log", "VPN down", "--reporter", "Ann", actor="sam"))
    ok(cli("respond", "INC-1", "Looking", actor="sam"))
    assert [(e["actor"], e["os_login"]) for e in events(cli)] == [
        ("sam", "desk07"), ("sam", "desk07"),
    ]  # fmt: skip
    shown = ok(cli("show", "INC-1"))
    assert "sam via desk07" in shown


def test_the_timeline_names_the_login_only_when_it_is_not_the_actor(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOGNAME", "sam")
    ok(cli("log", "VPN down", "--reporter", "Ann", actor="sam"))
    shown = ok(cli("show", "INC-1"))
    assert "sam" in shown
    assert " via " not in shown


def test_the_library_records_the_login_it_is_given(desk: Desk) -> None:
    with desk.database.transaction() as session:
        from inctrack.incidents.tracker import Tracker

        tracker = Tracker(session, clock=desk.clock, actor="sam", os_login="svc-mon")
        incident = tracker.log("Disk full", reporter="monitoring")
        tracker.note(incident.id, "checking")
        record = tracker.record(tracker.get_or_raise(incident.id), with_events=True)
    assert {e["os_login"] for e in record["events"]} == {"svc-mon"}


def test_problem_events_record_the_os_login_too(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOGNAME", "desk09")
    from inctrack.problems.verbs import Problems

    with desk.tracker("sam") as tracker:
        problem = Problems(tracker).create("Flaky VPN")
        assert {event.os_login for event in Problems(tracker).events(problem)} == {"desk09"}


def test_a_login_without_a_name_falls_back_to_the_uid(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_name() -> str:
        raise OSError("No username set in the environment")

    monkeypatch.setattr(getpass, "getuser", no_name)
    assert os_login().startswith("uid:")
    assert os_login()[4:].isdigit()


# -- users bound to OS logins -----------------------------------------------------------


def test_a_bound_login_acts_as_its_user_without_as(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    team(cli, monkeypatch)
    as_login(monkeypatch, "kim-login")
    ok(cli("log", "Printer jam", "--reporter", "Ann"))
    assert [(e["actor"], e["os_login"]) for e in events(cli)] == [("kim", "kim-login")]
    assert ok(cli("list", "--mine", "-q")) == ""  # nobody assigned yet
    ok(cli("take", "INC-1"))
    assert ok(cli("list", "--mine", "-q")) == "INC-1\n"


def test_an_unbound_login_without_as_acts_under_its_own_name(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    team(cli, monkeypatch)
    as_login(monkeypatch, "stranger")
    fails(cli("log", "Printer jam", "--reporter", "Ann"), 5, "stranger is not a registered user")


def test_acting_as_a_bound_user_from_another_login_is_refused(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    team(cli, monkeypatch)
    as_login(monkeypatch, "kim-login")
    ok(cli("log", "Printer jam", "--reporter", "Ann"))
    as_login(monkeypatch, "pat-laptop")
    message = fails(
        cli("close", "INC-1", "--unconfirmed", "--reason", "x", actor="boss"), 5,
        "boss is bound to the OS login boss-login, and this is pat-laptop",
    )  # fmt: skip
    assert message.count("\n") == 1  # one sentence
    monkeypatch.setenv("LOGNAME", "kim-login")
    monkeypatch.setenv("INCTRACK_USER", "boss")  # the variable is no better than --as
    fails(cli("note", "INC-1", "hi"), 5, "boss is bound to the OS login boss-login")
    as_login(monkeypatch, "kim-login")
    assert [e["kind"] for e in events(cli)] == ["logged"]  # nothing written


def test_an_admins_login_may_act_as_a_bound_user(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    team(cli, monkeypatch)
    as_login(monkeypatch, "boss-login")
    ok(cli("log", "Printer jam", "--reporter", "Ann", actor="kim"))
    assert [(e["actor"], e["os_login"]) for e in events(cli)] == [("kim", "boss-login")]
    assert "kim via boss-login" in ok(cli("show", "INC-1"))


def test_a_user_bound_to_no_login_may_still_be_named(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    team(cli, monkeypatch)
    as_login(monkeypatch, "kim-login")
    ok(cli("log", "Printer jam", "--reporter", "Ann", actor="pat"))
    assert events(cli)[0]["actor"] == "pat"


def test_one_login_binds_one_user_and_can_be_unbound(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    team(cli, monkeypatch)
    fails(
        cli("user", "add", "lee", "--role", "service-desk", "--login", "kim-login", actor="boss"),
        4, "The OS login kim-login is already bound to kim",
    )  # fmt: skip
    ok(cli("user", "update", "kim", "--login", "", actor="boss"))
    users = {u["name"]: u for u in cli.json("user", "list", actor="boss")}
    assert users["kim"]["login"] is None
    assert users["boss"]["login"] == "boss-login"
    as_login(monkeypatch, "pat-laptop")
    ok(cli("log", "Printer jam", "--reporter", "Ann", actor="kim"))  # kim is unbound now


def test_the_library_refuses_a_bound_user_from_another_login(desk: Desk) -> None:
    from inctrack.errors import PermissionDenied
    from inctrack.identity import identify

    with desk.tracker("boss") as tracker:
        tracker.users.add("boss", roles=["admin"], login="boss-login")
        tracker.users.add("kim", roles=["service-desk"], login="kim-login")
    with desk.database.transaction() as session:
        assert identify(session, asserted=None, login="kim-login") == "kim"
        assert identify(session, asserted="kim", login="boss-login") == "kim"
        assert identify(session, asserted=None, login="nobody") == "nobody"
        with pytest.raises(PermissionDenied, match="boss is bound to the OS login boss-login"):
            identify(session, asserted="boss", login="kim-login")


# -- database roles (PostgreSQL) ----------------------------------------------------------


@pytest.fixture
def role(db_url: str) -> Iterator[str]:
    """A cluster-wide role name no other test uses, dropped with what it was granted."""
    if not db_url.startswith("postgresql"):
        pytest.fail("the role fixture is for PostgreSQL")
    name = f"inc_{uuid.uuid4().hex[:10]}"
    yield name
    engine = create_engine(str(PG_URL), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with engine.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": name}
        ).first()
        if exists:
            connection.execute(text(f'DROP OWNED BY "{name}" CASCADE'))
            connection.execute(text(f'DROP ROLE "{name}"'))
    engine.dispose()


def as_role(db_url: str, role: str) -> str:
    return make_url(db_url).set(username=role).render_as_string(hide_password=False)


def test_db_grant_on_sqlite_says_sqlite_has_no_roles(tmp_path: Any) -> None:
    from inctrack.storage import Database

    path = str(tmp_path / "team.db")
    Database.init(path)
    cli = Cli(path)
    ok(cli("user", "add", "boss", "--role", "admin", actor="boss"))
    fails(cli("db", "grant", "boss", actor="boss"), 4, "SQLite has no database roles",
          "docs/identity.md")  # fmt: skip


pg_only = pytest.mark.parametrize(
    "db_url", [backend for backend in BACKENDS if backend == "postgresql"], indirect=True
)
"""Roles exist on PostgreSQL only (SQLite's answer is the test above)."""


@pg_only
def test_a_granted_role_works_as_its_user_and_nobody_else(
    cli: Cli, db_url: str, role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    team(cli, monkeypatch)
    granted = cli.json("db", "grant", "kim", "--login", role, actor="boss")
    assert (granted["name"], granted["db_role"]) == ("kim", role)
    analyst = Cli(as_role(db_url, role))
    as_login(monkeypatch, "shared-terminal")
    ok(analyst("log", "Printer jam", "--reporter", "Ann"))
    ok(analyst("respond", "INC-1", "On it"))
    assert [(e["actor"], e["os_login"]) for e in events(analyst)] == [
        ("kim", "shared-terminal"), ("kim", "shared-terminal"),
    ]  # fmt: skip
    fails(analyst("note", "INC-1", "x", actor="boss"), 5,
          f"This database session is the database role {role}, which acts as kim",
          "acting as boss needs kim to be an admin")  # fmt: skip
    fails(analyst("note", "INC-1", "x", actor="pat"), 5, "acting as pat needs kim to be an admin")
    assert len(events(analyst)) == 2  # nothing written by the refusals


@pg_only
def test_a_granted_role_cannot_switch_the_append_only_guard_off(
    cli: Cli, db_url: str, role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    team(cli, monkeypatch)
    ok(cli("db", "grant", "kim", "--login", role, actor="boss"))
    ok(Cli(as_role(db_url, role))("log", "Printer jam", "--reporter", "Ann", actor="kim"))
    engine = create_engine(as_role(db_url, role), poolclass=NullPool)
    refused = (
        "ALTER TABLE events DISABLE TRIGGER ALL",
        "SET session_replication_role = replica",
        "UPDATE events SET message = 'forged'",
        "DELETE FROM events",
        "DROP TABLE events",
    )
    try:
        for statement in refused:
            with engine.connect() as connection, pytest.raises(DBAPIError):
                connection.execute(text(statement))
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM events")).scalar_one() == 1
    finally:
        engine.dispose()


@pg_only
def test_an_admins_granted_role_may_act_as_others(
    cli: Cli, db_url: str, role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    team(cli, monkeypatch)
    ok(cli("db", "grant", "boss", "--login", role, actor="boss"))
    admin = Cli(as_role(db_url, role))
    as_login(monkeypatch, "anywhere")
    ok(admin("log", "Printer jam", "--reporter", "Ann", actor="kim"))
    ok(admin("note", "INC-1", "as myself"))
    assert [e["actor"] for e in events(admin)] == ["kim", "boss"]


@pg_only
def test_db_grant_needs_an_admin_and_a_valid_unused_role(
    cli: Cli, role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    team(cli, monkeypatch)
    fails(cli("db", "grant", "kim", "--login", role, actor="kim"), 5,
          "Managing users needs the admin role")  # fmt: skip
    fails(cli("db", "grant", "nobody", "--login", role, actor="boss"), 3, "no user nobody")
    fails(cli("db", "grant", "kim", "--login", "Bad-Name", actor="boss"), 4,
          "cannot be a database role name")  # fmt: skip
    fails(cli("db", "grant", "kim", "--login", "postgres", actor="boss"), 4,
          "is the role this session runs as")  # fmt: skip
    ok(cli("db", "grant", "kim", "--login", role, actor="boss"))
    fails(cli("db", "grant", "pat", "--login", role, actor="boss"), 4,
          f"The database role {role} is already granted to kim")  # fmt: skip
