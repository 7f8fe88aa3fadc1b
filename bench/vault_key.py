"""The personal-data vault's master key for bench databases, and only for them.

Settings refuse to start with DEBUG off and no `PERSONAL_DATA_KEYS`, as production must. The
benchmarks run with DEBUG off, so they give one: fixed, so that a bench database kept between
runs still opens, and never used anywhere else."""

import base64

PERSONAL_DATA_KEYS = "bench:" + base64.b64encode(b"bench-only-personal-data-key-32b").decode()
