"""Fine-tuning the generator on pysynth's own output (QuEST rejection fine-tuning): `train_sft`.

Needs the `train` extra (torch, transformers, trl, peft); importing this package does not load them.
"""

from pysynth.train.data import SFTData, SFTFormat, load_sft_data
from pysynth.train.sft import REPORT_NAME, LossPoint, SFTResult, train_sft
from pysynth.train.spec import LoraSpec, SFTSpec, load_sft_spec

__all__ = [
    "REPORT_NAME",
    "LoraSpec",
    "LossPoint",
    "SFTData",
    "SFTFormat",
    "SFTResult",
    "SFTSpec",
    "load_sft_data",
    "load_sft_spec",
    "train_sft",
]
