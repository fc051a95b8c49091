"""Short names of the built-in steps, and resolution of `type:` (short name or import path) to a class."""

from __future__ import annotations

import importlib

from pysynth.steps.adapter import AnyStep

BUILTIN_STEPS: dict[str, str] = {
    "load_file": "pysynth.steps.sources.load_file:LoadFile",
    "load_problems": "pysynth.steps.sources.load_problems:LoadProblems",
    "make_rows": "pysynth.steps.sources.make_rows:MakeRows",
    "load_rows": "distilabel.steps:LoadDataFromDicts",
    "generate": "pysynth.steps.llm.generate:Generate",
    "map": "pysynth.steps.transform.map_rows:MapRows",
    "explode": "pysynth.steps.transform.explode:Explode",
    "keep_columns": "distilabel.steps:KeepColumns",
    "filter": "pysynth.steps.filters.python_filter:PythonFilter",
    "near_dedup": "pysynth.steps.globals.near_dedup:NearDedup",
    "decontaminate": "pysynth.steps.globals.decontaminate:Decontaminate",
    # QueST (pipelines/quest.yaml)
    "quest_seed_rows": "pysynth.steps.quest.seed_rows:QuestSeedRows",
    "quest_concepts": "pysynth.steps.quest.concepts:QuestConcepts",
    "quest_sample_prompts": "pysynth.steps.quest.sample_prompts:QuestSamplePrompts",
    "quest_problems": "pysynth.steps.quest.problems:QuestProblems",
    "quest_inputs": "pysynth.steps.quest.inputs:QuestInputs",
    "quest_solutions": "pysynth.steps.quest.solutions:QuestSolutions",
    "quest_difficulty": "pysynth.steps.quest.difficulty:QuestDifficulty",
    "quest_reject": "pysynth.steps.quest.reject:QuestReject",
    "quest_teacher": "pysynth.steps.quest.teacher:QuestTeacher",
    "quest_export": "pysynth.steps.quest.export_rows:QuestExport",
    "quest_as_problems": "pysynth.steps.quest.as_problems:QuestAsProblems",
    # MicroCoder (pipelines/microcoder.yaml)
    "microcoder_collect": "pysynth.steps.microcoder.collect:Collect",
    "microcoder_normalize": "pysynth.steps.microcoder.normalize:Normalize",
    "microcoder_predict_difficulty": "pysynth.steps.microcoder.predict_difficulty:PredictDifficulty",
    "microcoder_calibration_subset": "pysynth.steps.microcoder.calibration_subset:CalibrationSubset",
    "microcoder_solve": "pysynth.steps.microcoder.solve:Solve",
    "microcoder_pass_rate": "pysynth.steps.microcoder.pass_rate:PassRate",
    "microcoder_calibrate": "pysynth.steps.microcoder.calibrate:Calibrate",
    "microcoder_select": "pysynth.steps.microcoder.select_hard:SelectHard",
    "microcoder_verify": "pysynth.steps.microcoder.verify:Verify",
    "microcoder_export": "pysynth.steps.microcoder.export_rows:MicrocoderExport",
    # ScaleQuest (pipelines/scalequest.yaml)
    "scalequest_prequery": "pysynth.steps.scalequest.prequery:ScaleQuestPreQuery",
    "scalequest_rewrite": "pysynth.steps.scalequest.rewrite:ScaleQuestRewrite",
    "scalequest_qpo_pairs": "pysynth.steps.scalequest.qpo_pairs:ScaleQuestQPOPairs",
    "scalequest_language_filter": "pysynth.steps.scalequest.language_filter:LanguageFilter",
    "scalequest_solvability": "pysynth.steps.scalequest.solvability:Solvability",
    "scalequest_fail_rate": "pysynth.steps.scalequest.fail_rate:FailRateAnswers",
    "scalequest_fail_rate_band": "pysynth.steps.scalequest.fail_rate_band:FailRateBand",
    "scalequest_responses": "pysynth.steps.scalequest.responses:Responses",
    "scalequest_reward_score": "pysynth.steps.scalequest.reward_score:RewardScore",
    "scalequest_best_of_n": "pysynth.steps.scalequest.best_of_n:BestOfN",
    "scalequest_export": "pysynth.steps.scalequest.export_rows:ScaleQuestExport",
}


class UnknownStepType(LookupError):
    """`type:` names nothing importable; the message says what was tried.

    `word` is the name that was not found and `candidates` the names it could have meant
    (the built-ins, or the step classes of the module that was imported).
    """

    def __init__(self, message: str, word: str = "", candidates: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.word = word
        self.candidates = candidates


def import_path(type_name: str) -> str:
    """`module:Class` for a short name or a dotted/colon import path."""
    if type_name in BUILTIN_STEPS:
        return BUILTIN_STEPS[type_name]
    if ":" in type_name:
        return type_name
    module, _, attribute = type_name.rpartition(".")
    return f"{module}:{attribute}" if module else type_name


def resolve_step_type(type_name: str) -> type[AnyStep]:
    path = import_path(type_name)
    module_name, _, attribute = path.partition(":")
    if not attribute:
        raise UnknownStepType(f"unknown step type '{type_name}'", type_name, tuple(BUILTIN_STEPS))
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UnknownStepType(f"cannot import '{type_name}': {exc}") from None
    found = getattr(module, attribute, None)
    if found is None:
        steps = tuple(name for name, value in vars(module).items()
                      if isinstance(value, type) and issubclass(value, AnyStep))
        raise UnknownStepType(f"module '{module_name}' has no '{attribute}'", attribute, steps)
    if not (isinstance(found, type) and issubclass(found, AnyStep)):
        what = "a class" if isinstance(found, type) else type(found).__name__
        article = "" if what.startswith("a ") else "an " if what[0] in "aeiou" else "a "
        raise UnknownStepType(f"'{type_name}' is {article}{what}, not a distilabel step class")
    return found
