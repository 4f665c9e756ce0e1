from .fixtures import fictional  # noqa: F401
