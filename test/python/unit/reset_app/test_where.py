"""Where reset_app agrees to run: not on a dyno, not against a database on another machine,
unless --allow-remote (pure: the addresses a host resolves to are given)."""

from __future__ import annotations

import pytest

from django_reset_app.problems import check_where, is_local_host


@pytest.mark.parametrize(
    "host, addresses",
    [
        ("", []),
        ("  ", []),
        ("/var/run/postgresql", []),
        ("localhost", []),
        ("127.0.0.1", ["127.0.0.1"]),
        ("127.0.1.1", ["127.0.1.1"]),
        ("::1", ["::1"]),
        ("[::1]", ["::1"]),
        ("vm", ["127.0.0.1", "::1"]),  # a name /etc/hosts maps to this machine
        ("db", ["::ffff:127.0.0.1"]),
    ],
)
def test_local_databases(host, addresses):
    assert is_local_host(host, addresses)
    assert check_where(None, "default", "postgresql", host, addresses, False) is None


@pytest.mark.parametrize(
    "host, addresses",
    [
        ("ec2-1-2-3-4.compute-1.amazonaws.com", ["1.2.3.4"]),
        ("192.0.2.2", ["192.0.2.2"]),
        ("db.internal", []),  # does not resolve: not known to be local
        ("half", ["127.0.0.1", "10.0.0.5"]),
        ("fe80::1%eth0", ["fe80::1%eth0"]),
    ],
)
def test_remote_databases_need_the_flag(host, addresses):
    assert not is_local_host(host, addresses)
    problem = check_where(None, "default", "postgresql", host, addresses, False)
    assert f"The database 'default' is on {host}, not on this machine" in problem
    assert "--allow-remote" in problem
    assert check_where(None, "default", "postgresql", host, addresses, True) is None


def test_a_dyno_needs_the_flag_even_with_a_local_database():
    problem = check_where("release.1", "default", "sqlite", "", [], False)
    assert problem.startswith("DYNO is set (release.1): this is a Heroku dyno")
    assert "--allow-remote" in problem
    assert check_where("release.1", "default", "sqlite", "", [], True) is None


def test_sqlite_is_a_file_here():
    assert check_where(None, "default", "sqlite", "", [], False) is None
