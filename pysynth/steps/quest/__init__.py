"""The steps of the QueST pipeline (pipelines/quest.yaml); their logic lives in `pysynth.quest`."""
