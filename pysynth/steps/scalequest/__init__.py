"""The steps of the ScaleQuest pipeline (pipelines/scalequest.yaml); their logic lives in `pysynth.scalequest`."""
