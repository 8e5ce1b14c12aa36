from pathlib import Path

import pytest

from huitoukan.synth.generator import SynthConfig, generate


@pytest.fixture(scope="session")
def county_factory(tmp_path_factory):
    """Generate (once per session) a county of `households` with `seed`; returns its folder."""
    made: dict[tuple, Path] = {}

    def make(households: int = 300, seed: int = 1, **options) -> Path:
        key = (households, seed, tuple(sorted(options.items())))
        if key not in made:
            outdir = tmp_path_factory.mktemp(f"synth-{households}-{seed}")
            generate(outdir, SynthConfig(households=households, seed=seed, **options))
            made[key] = outdir
        return made[key]

    return make


@pytest.fixture(scope="session")
def small(county_factory) -> Path:
    return county_factory(300, 1)
