"""pysynth.quiet: which third-party noise is silenced, and that nothing else is."""

from __future__ import annotations

import logging
import sys
import warnings

import pytest

from pysynth import quiet

PYDANTIC_FIELD_WARNING = ("The 'default' attribute with value None was provided to the `Field()` function, "
                          "which has no effect in the context it was used.")
CHECKPOINTING_WARNING = ("`is_gradient_checkpointing` is deprecated and will be removed in v6. "
                         "Use `is_activation_checkpointing` instead.")


def warn_as(module: str, message: str, category: type[Warning] = UserWarning) -> None:
    warnings.warn_explicit(message, category, filename=f"{module}.py", lineno=1, module=module)


def shown_after_silencing(monkeypatch: pytest.MonkeyPatch, warnoptions: list[str]) -> list[str]:
    monkeypatch.setattr(sys, "warnoptions", warnoptions)
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        quiet.silence_third_party()
        warn_as("pydantic._internal._generate_schema", PYDANTIC_FIELD_WARNING)
        warn_as("pydantic._internal._generate_schema", "some other pydantic warning")
        warn_as("transformers.modeling_utils", CHECKPOINTING_WARNING, FutureWarning)
        warn_as("transformers.modeling_utils", "another transformers warning", FutureWarning)
        warn_as("pysynth.steps.base", "a warning of pysynth's own")
    return [str(item.message) for item in shown]


def test_only_the_known_dependency_warnings_are_silenced(monkeypatch: pytest.MonkeyPatch) -> None:
    assert shown_after_silencing(monkeypatch, []) == [
        "some other pydantic warning", "another transformers warning", "a warning of pysynth's own"]


def test_warnings_the_user_asked_for_are_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(shown_after_silencing(monkeypatch, ["always"])) == 5


def test_rebuilding_a_step_drops_only_the_no_pipeline_notice(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("distilabel.step.scorer")
    notice = "Step 'scorer' hasn't received a pipeline, and it hasn't been created within a `Pipeline` context."
    with caplog.at_level(logging.INFO):
        with quiet.rebuilding_step("scorer"):
            logger.warning(notice)
            logging.getLogger("distilabel.step.other").warning("another step's record")
            logger.info("the step's own record")
        logger.warning(notice)
    assert [record.getMessage() for record in caplog.records] == ["another step's record", "the step's own record",
                                                                  notice]


def test_rebuilding_a_step_ignores_the_warnings_of_its_build() -> None:
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        with quiet.rebuilding_step("scorer"):
            warnings.warn("repeated from the parent's build")
        warnings.warn("after the build")
    assert [str(item.message) for item in shown] == ["after the build"]
