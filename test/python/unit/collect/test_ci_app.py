import pytest

from django_s3_static.collect import ci_app


@pytest.mark.parametrize(
    "argv",
    [[], ["--result", "r.json"], ["--result", "r.json", "--collect-to", "d"], ["--committed", "c"]],
)
def test_the_app_process_refuses_any_other_command_line(argv):
    with pytest.raises(SystemExit) as raised:
        ci_app.main(argv)
    assert raised.value.code == ci_app.USAGE
