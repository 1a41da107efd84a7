from django_s3_static.buildpack.__main__ import USAGE, main


def test_the_helper_names_its_verbs_when_called_wrong(capsys):
    assert main(["test-compile", "build", "cache"]) == 2
    assert main(["app", "layers", "platform"]) == 2  # the verb is never implied
    assert main(["deploy", "build", "cache", "env"]) == 2
    assert capsys.readouterr().out.splitlines() == USAGE.splitlines() * 3
    assert "build APP_DIR LAYERS_DIR PLATFORM_DIR" in USAGE
