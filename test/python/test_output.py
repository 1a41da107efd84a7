from django_s3_static import output


def test_heroku_style(capsys):
    output.step("Step")
    output.info("detail\nsecond")
    output.warn("careful", ["do this"])
    output.error("broken", ["fix it"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == ["-----> Step", "       detail", "       second"]
    assert " !     Warning: careful" in lines
    assert " !     do this" in lines
    assert " !     Error: broken" in lines
    assert " !     fix it" in lines


def test_registered_secrets_are_redacted_everywhere(capsys, monkeypatch):
    monkeypatch.setattr(output, "_secrets", [])
    output.register_secret("super-secret-value")
    output.register_secret("")  # nothing to hide, nothing hidden
    output.info("key=super-secret-value!")
    output.relay("child said super-secret-value")
    output.error("failed with super-secret-value", ["super-secret-value"])
    printed = capsys.readouterr().out
    assert "super-secret-value" not in printed
    assert printed.count("[redacted]") == 4


def test_human_bytes():
    assert output.human_bytes(512) == "512 B"
    assert output.human_bytes(2048) == "2.0 KiB"
    assert output.human_bytes(3 * 1024 * 1024) == "3.0 MiB"
