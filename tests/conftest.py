"""Hypothesis settings for the whole suite.

On a developer's machine the property tests draw new examples on every run: that is
how they find bugs (one found a float overflow in mib()). In CI (`CI` set, as .ci/run
and every hosted CI does) they are derandomized: the same examples every run, so a
gate passes or fails on the change, not on the draw. Hypothesis does this itself from
6.1xx; registering it here makes it hold for every version pyproject.toml allows.
A failure prints its reproduction blob either way.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "memplan-ci",
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
if os.environ.get("CI"):
    settings.load_profile("memplan-ci")
