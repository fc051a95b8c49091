from tests.train.conftest import tiny_model  # noqa: F401  (`pysynth train` trains the same tiny model)
