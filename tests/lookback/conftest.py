# The synthetic county generator's session fixture, shared with tests/synth.
from tests.synth.conftest import county_factory  # noqa: F401
