"""What a collect wrote into its folder, as the static cache describes it (files only)."""

import base64
import hashlib
import json

from django_s3_static.collect import folder


def test_walk_describes_every_file_but_django_s_manifest(tmp_path):
    (tmp_path / "css").mkdir()
    css = b"body { color: red }\n"
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    (tmp_path / "css" / "site.0123456789ab.css").write_bytes(css)
    (tmp_path / "logo.png").write_bytes(png)
    (tmp_path / "staticfiles.json").write_text(json.dumps({"paths": {"a.css": "a.1.css"}}))

    found = folder.walk(str(tmp_path))

    assert sorted(found) == ["css/site.0123456789ab.css", "logo.png"]
    sha384 = base64.b64encode(hashlib.sha384(css).digest()).decode()
    assert found["css/site.0123456789ab.css"] == {
        "size": len(css),
        "md5": hashlib.md5(css).hexdigest(),
        "integrity": f"sha384-{sha384}",  # what the browser checks a stylesheet against
    }
    assert found["logo.png"] == {"size": len(png), "md5": hashlib.md5(png).hexdigest()}
    assert folder.manifest_paths(str(tmp_path)) == {"a.css": "a.1.css"}


def test_a_file_larger_than_one_read_is_digested_whole(tmp_path):
    data = b"x" * (1024 * 1024 * 2 + 5)
    (tmp_path / "big.js").write_bytes(data)
    found = folder.file_record(str(tmp_path / "big.js"), "big.js")
    assert found["size"] == len(data)
    assert found["md5"] == hashlib.md5(data).hexdigest()
    assert found["integrity"].endswith(base64.b64encode(hashlib.sha384(data).digest()).decode())
