"""The model manager's tests use a fake Hugging Face Hub on 127.0.0.1."""

from tests.fixtures.hub_fixtures import fake_hub, hub_models

__all__ = ["fake_hub", "hub_models"]
