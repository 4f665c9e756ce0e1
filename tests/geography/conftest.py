from tests.stats.fixtures import fictional  # noqa: F401
