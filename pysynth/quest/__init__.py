"""QueST (Hu et al. 2025): difficult competitive-programming problems from a concept graph.

The pure logic the pipeline steps call, in pipeline order: seeds (`seeds`), concept extraction
and normalization (`concepts`), few-shot choice and the generation prompt (`fewshot`), code in
model answers (`code`), test inputs written or generated (`inputs`), difficulty by majority vote
in the judge (`difficulty`), keeping the hardest of K candidates (`rejection`), and the rows
written for fine-tuning, RL and distillation (`exports`)."""

from pysynth.quest.code import NoCode, NoCodeReason, extract_code, render_solution_prompt
from pysynth.quest.concepts import (
    ConceptExtraction,
    ExtractionRejected,
    ExtractionRejection,
    normalize_concept,
    parse_concept_extraction,
    render_extraction_prompt,
)
from pysynth.quest.difficulty import (
    DifficultyDrop,
    DifficultyDropReason,
    DifficultyRules,
    DifficultyScore,
    VotedInput,
    score_difficulty,
    score_judge_result,
)
from pysynth.quest.exports import distillation_row, rft_messages_row, rft_row, rl_row
from pysynth.quest.fewshot import ConceptSeed, FewShotChoice, choose_few_shot, jaccard, render_generation_prompt
from pysynth.quest.inputs import (
    CheckedInputs,
    DroppedInput,
    DropReason,
    InputLimits,
    generate_inputs,
    parse_test_inputs,
    render_generator_prompt,
    render_inputs_prompt,
    validate_inputs,
)
from pysynth.quest.rejection import ChosenCandidate, NoValidCandidate, RejectedCandidate, choose_hardest
from pysynth.quest.seeds import (
    CODECONTESTS_COLUMNS,
    TACO_COLUMNS,
    SeedColumns,
    SeedProblem,
    level_from_rating,
    level_from_taco,
    load_seeds,
)

__all__ = [
    "CODECONTESTS_COLUMNS",
    "TACO_COLUMNS",
    "CheckedInputs",
    "ChosenCandidate",
    "ConceptExtraction",
    "ConceptSeed",
    "DifficultyDrop",
    "DifficultyDropReason",
    "DifficultyRules",
    "DifficultyScore",
    "DropReason",
    "DroppedInput",
    "ExtractionRejected",
    "ExtractionRejection",
    "FewShotChoice",
    "InputLimits",
    "NoCode",
    "NoCodeReason",
    "NoValidCandidate",
    "RejectedCandidate",
    "SeedColumns",
    "SeedProblem",
    "VotedInput",
    "choose_few_shot",
    "choose_hardest",
    "distillation_row",
    "extract_code",
    "generate_inputs",
    "jaccard",
    "level_from_rating",
    "level_from_taco",
    "load_seeds",
    "normalize_concept",
    "parse_concept_extraction",
    "parse_test_inputs",
    "render_extraction_prompt",
    "render_generation_prompt",
    "render_generator_prompt",
    "render_inputs_prompt",
    "rft_messages_row",
    "rft_row",
    "rl_row",
    "score_difficulty",
    "score_judge_result",
    "validate_inputs",
]
