import pytest

from django_s3_static.format.names import name_problem


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
    ],
)
def test_unsafe_names_are_rejected_with_the_reason(name, problem):
    assert problem in name_problem(name)
    assert name_problem(name) is not None
