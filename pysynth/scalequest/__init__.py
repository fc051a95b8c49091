"""ScaleQuest (arXiv 2410.18693): math questions written from scratch by a fine-tuned solver.

QFT teaches a solver to write questions (`pysynth train sft --format questions`), pre-query
sampling asks it for questions with no seed, QPO rewrites them and trains with DPO (`pysynth train
dpo`), filters keep ASCII, solvable questions in a fail-rate band, and a reward model picks the best
of several responses. Values without a paper source are documented as ours (README, "ScaleQuest").
"""
