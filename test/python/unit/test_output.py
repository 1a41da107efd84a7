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


def test_progress_on_a_terminal_is_a_live_bar(capsys):
    progress = output.Progress(terminal=True)
    progress.update(5, 10, 2048, 1.0)
    progress.update(10, 10, 4096, 2.0)
    progress.done()
    printed = capsys.readouterr().out
    assert printed.count("\r") == 2
    assert "[###############---------------] 5/10 objects" in printed
    assert "[##############################] 10/10 objects, 4.0 KiB, 2.0 KiB/s" in printed
    assert printed.endswith("\n")


def test_progress_in_a_build_log_is_a_line_every_few_seconds(capsys, monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(output.time, "monotonic", lambda: clock[0])
    progress = output.Progress(every=3.0, terminal=False)
    for step in range(10):  # one update every half second, for five seconds
        progress.update(step, 10, step * 1024, step * 0.5)
        clock[0] += 0.5
    progress.done()
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["       ... 6/10 objects, 6.0 KiB, 2.0 KiB/s"]
    assert "\r" not in "".join(lines)
