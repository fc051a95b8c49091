"""Fine-tuning the generator on pysynth's own output: `train_sft` (QuEST rejection fine-tuning, ScaleQuest
question fine-tuning) and `train_dpo` (ScaleQuest question preference optimisation).

Needs the `train` extra (torch, transformers, trl, peft); importing this package does not load them.
"""

from pysynth.train.data import PreferenceData, SFTData, SFTFormat, load_preference_data, load_sft_data
from pysynth.train.dpo import DPO_REPORT_NAME, DPOResult, PreferencePoint, train_dpo
from pysynth.train.questions import QuestionData, load_question_data, question_rows, render_question
from pysynth.train.sft import REPORT_NAME, LossPoint, SFTResult, train_sft
from pysynth.train.spec import DPOSpec, LoraSpec, SFTSpec, load_dpo_spec, load_sft_spec

__all__ = [
    "DPO_REPORT_NAME",
    "REPORT_NAME",
    "DPOResult",
    "DPOSpec",
    "LoraSpec",
    "LossPoint",
    "PreferenceData",
    "PreferencePoint",
    "QuestionData",
    "SFTData",
    "SFTFormat",
    "SFTResult",
    "SFTSpec",
    "load_dpo_spec",
    "load_preference_data",
    "load_question_data",
    "load_sft_data",
    "load_sft_spec",
    "question_rows",
    "render_question",
    "train_dpo",
    "train_sft",
]
