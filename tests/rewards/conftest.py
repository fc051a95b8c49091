from tests.train.conftest import tiny_model  # noqa: F401  (GRPO trains the same tiny model as SFT)
