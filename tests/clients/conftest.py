from tests.fakes.fixtures import fake_apis, fake_apis_factory  # noqa: F401 - pytest fixtures
