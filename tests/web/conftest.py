from tests.api.conftest import world  # noqa: F401  (the same agencies and officers)
