from tests.scope_fixtures import *
