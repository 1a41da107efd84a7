from django_s3_static.buildpack.__main__ import main

USAGE = (
    "usage: python -m django_s3_static.buildpack {compile|test-compile} BUILD_DIR BUILD_CACHE "
    "ENV_DIR"
)


def test_the_helper_names_its_verbs_when_called_wrong(capsys):
    assert main(["test-compile", "build", "cache"]) == 2
    assert main(["build", "cache", "env"]) == 2  # the verb is never implied
    assert main(["deploy", "build", "cache", "env"]) == 2
    assert capsys.readouterr().out.splitlines() == [USAGE] * 3
