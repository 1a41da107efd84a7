import pytest

from django_s3_static.build import ci_app
from django_s3_static.build.__main__ import main


@pytest.mark.parametrize(
    "argv",
    [[], ["--result", "r.json"], ["--result", "r.json", "--collect-to", "d"], ["--committed", "c"]],
)
def test_the_app_process_refuses_any_other_command_line(argv):
    with pytest.raises(SystemExit) as raised:
        ci_app.main(argv)
    assert raised.value.code == ci_app.USAGE


def test_the_helper_names_its_two_commands_when_called_wrong(capsys):
    assert main(["test-compile", "build", "cache"]) == 2
    assert main(["build"]) == 2
    printed = capsys.readouterr().out.splitlines()
    usage = "usage: python -m django_s3_static.build [test-compile] BUILD_DIR CACHE_DIR ENV_DIR"
    assert printed == [usage, usage]
