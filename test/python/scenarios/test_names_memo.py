"""The build cache's memo of a passed names check never hides a change.

A build keeps, in the build cache, the SHA-256 of the static cache's bytes and the sources'
fingerprint its names check passed with (or its full collect wrote, whose names are Django's for
those sources); a build with exactly both skips the check. An edited static cache, a memo of
another fingerprint, or changed sources: the check (or a collect) runs.
"""

from __future__ import annotations

import hashlib
import json
import os

from conftest import deploy_config

CACHE = os.path.join("static_cache", "manifest.json")
MEMO = os.path.join("django-s3-static", "names-memo.json")


def test_the_memo_stands_for_exactly_the_bytes_and_sources_it_was_written_for(
    make_slug, s3server, bucket
):
    slug = make_slug()
    slug.set_config(**deploy_config(s3server, bucket))
    cache, memo = os.path.join(slug.build_dir, CACHE), os.path.join(slug.cache_dir, MEMO)
    assert slug.compile().returncode == 0  # a full collect: the memo of what it wrote
    with open(cache, "rb") as handle:
        published = handle.read()
    with open(memo) as handle:
        kept = json.load(handle)
    assert kept["cache_sha256"] == hashlib.sha256(published).hexdigest()
    assert kept["fingerprint"] == json.loads(published)["fingerprint"]

    # The same bytes and sources: the memo stands for the check, which would have replaced it.
    written = os.stat(memo).st_ino
    again = slug.compile()
    assert "Static files unchanged" in again.stdout, again.output
    assert os.stat(memo).st_ino == written

    # The static cache edited (its fingerprint left as it was): the memo is of other bytes.
    document = json.loads(published)
    true_name = document["paths"]["js/app.js"]
    forged = true_name.replace(true_name.split(".")[-2], "0" * 12)
    document["paths"]["js/app.js"] = forged
    document["objects"][forged] = document["objects"][true_name]
    with open(cache, "w") as handle:
        json.dump(document, handle, indent=1, sort_keys=True)
    edited = slug.compile()
    assert edited.returncode == 0, edited.output
    assert "Static files unchanged" not in edited.stdout
    assert (
        f"Collecting: untrusted: 1 hashed name not of today's sources (js/app.js is recorded as "
        f"{forged}, but its content gives {true_name})"
    ) in edited.stdout
    with open(cache, "rb") as handle:
        assert json.loads(handle.read())["paths"]["js/app.js"] == true_name

    # A memo of these bytes with another fingerprint (other sources, or another Django): the
    # check runs, passes, and writes the memo of this one.
    with open(cache, "rb") as handle:
        rewritten = hashlib.sha256(handle.read()).hexdigest()
    with open(memo, "w") as handle:
        json.dump({**kept, "cache_sha256": rewritten, "fingerprint": "sha256:" + "0" * 64}, handle)
    written = os.stat(memo).st_ino
    checked = slug.compile()
    assert "Static files unchanged" in checked.stdout, checked.output
    assert os.stat(memo).st_ino != written
    with open(memo) as handle:
        assert json.load(handle)["fingerprint"] == kept["fingerprint"]

    # A source changed: stale, whatever the memo says.
    with open(os.path.join(slug.build_dir, "exampleapp", "static", "js", "app.js"), "a") as handle:
        handle.write("\n// changed\n")
    changed = slug.compile()
    assert "Static files unchanged" not in changed.stdout
    assert "Collecting: stale: the static sources changed" in changed.stdout, changed.output
