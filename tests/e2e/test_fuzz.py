"""The fuzzer's quick profile: mutated signed launches and garbage get no 5xx and open no session.

``scripts/fuzz`` runs the same fuzzer for longer (see the README's "Fuzzing" section). Set
``R2COM_FUZZ_SEED`` to try another seed; the default one keeps the test reproducible.
"""

from __future__ import annotations

import os

from lti_tool.devplatform.driver import Browser
from fuzzing import LaunchFuzzer

SEED = int(os.environ.get("R2COM_FUZZ_SEED", "20261202"))


def test_mutated_launches_and_garbage_get_4xx_never_5xx(connected):
    tool, platform, cid, dep = connected
    templates = LaunchFuzzer.capture_templates(platform, Browser, cid, dep)
    fuzzer = LaunchFuzzer(tool.app, platform, cid, dep, seed=SEED, templates=templates)
    report = fuzzer.run(launches=300, garbage=200)
    assert report.launches == 300 and report.garbage == 200
    assert not report.server_errors, report.server_errors[:5]
    assert not report.accepted_bad, report.accepted_bad[:5]
    assert not report.logged_errors, report.logged_errors[:5]
    # The fuzzer reaches past the signature: some launches are accepted and many claim checks answer.
    assert report.accepted > 0
    assert len(report.codes) >= 15, report.codes
