"""The steps of the MicroCoder pipeline (pipelines/microcoder.yaml); their logic lives in `pysynth.microcoder`."""
