import pytest

from django_s3_static.format.names import all_plain, name_problem, shown


@pytest.mark.parametrize(
    "name", ["css/site.css", "admin/img/icon.8d245a995e18.svg", "a b/ç.js", "x", "a/b/c/d.e.f"]
)
def test_ordinary_static_names_are_safe(name):
    assert name_problem(name) is None


@pytest.mark.parametrize(
    "name, problem",
    [
        ("", "empty"),
        (None, "empty"),
        (42, "empty"),
        ("../etc/passwd", "'..'"),
        ("css/../../x.css", "'..'"),
        ("/etc/passwd", "absolute"),
        ("css\\site.css", "backslash"),
        ("css/site\n.css", "control"),
        ("css/\x00.css", "control"),
        ("css//site.css", "empty"),
        ("./site.css", "'.'"),
        ("css/", "empty"),
        ("a" * 901, "longer"),
        ("bad\udcff.css", "UTF-8"),
        # What str.splitlines breaks at: a name holding one splits the build log's line.
        ("css/a\u2028 !     Error: forged.css", "line-breaking"),
        ("css/a\u2029b.css", "line-breaking"),
        ("css/a\x85b.css", "line-breaking"),
        ("css/a\x9bb.css", "line-breaking"),
        ("css/a\x0bb.css", "control"),
        ("css/a\x0cb.css", "control"),
        ("css/a\x1cb.css", "control"),
        ("css/a\x1eb.css", "control"),
    ],
)
def test_unsafe_names_are_rejected_with_the_reason(name, problem):
    assert problem in name_problem(name)
    assert name_problem(name) is not None


def test_every_character_splitlines_breaks_at_is_refused():
    breaking = [chr(c) for c in range(0x110000) if len(f"a{chr(c)}b".splitlines()) > 1]
    assert sorted(breaking) == sorted("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
    assert [c for c in breaking if name_problem(f"css/a{c}b.css") is None] == []


def test_a_name_is_shown_on_one_line():
    forged = "css/a\u2028 !     Error: forged\x85x\n\udcff.css"
    assert shown(forged) == "css/a\\u2028 !     Error: forged\\x85x\\n\\xff.css"
    assert len(f" !     {shown(forged)}".splitlines()) == 1
    assert shown("a b/ç.js") == "a b/ç.js"


def test_the_one_match_for_plain_names_agrees_with_the_checks_one_by_one():
    """``name_problem`` decides most names by one match; it must find safe exactly the names
    the checks one by one find safe (the characters and segments where they differ)."""
    import random

    from django_s3_static.format.names import _problem

    pieces = [
        "a",
        "Z",
        "0",
        " ",
        ".",
        "..",
        "...",
        "/",
        "\\",
        ".manifests",
        ".manifest",
        "~",
        "[",
        "]",
        "-",
        "\x00",
        "\x1f",
        "\x7f",
        "\x85",
        "\u2028",
        "é",
        "\udcff",
        "?#%",
    ]
    chosen = random.Random(7)
    names = [
        "".join(chosen.choice(pieces) for _ in range(chosen.randint(1, 6))) for _ in range(20000)
    ]
    names += ["a" * 900, "a" * 901, "é" * 450, "é" * 451, ".manifests", "a/.manifests/b"]
    for name in names:
        assert name_problem(name) == _problem(name), repr(name)
    # And the one match of many names, one a line (a static cache's): true only when every name
    # is safe, whatever the neighbours ("..\n", ".manifests\n", "a/\n" end at a line's end), and
    # for every set of safe ASCII names (others are checked one by one).
    safe = [name for name in names if _problem(name) is None and name.isascii()]
    assert all_plain(safe) and all_plain(safe[:1]) and all_plain({"a": 1, "b/c": 2})
    assert not all_plain([*safe[:3], "a b/ç.js"]) and name_problem("a b/ç.js") is None
    for name in names:
        if _problem(name) is not None:
            assert not all_plain([safe[0], name, safe[1]]), repr(name)
            assert not all_plain([name, safe[0]]) and not all_plain([safe[0], name]), repr(name)
    assert not all_plain([]) and not all_plain(["a", None]) and not all_plain(["a", ""])
