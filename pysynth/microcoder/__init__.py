"""MicroCoder (arXiv 2603.07779): curating real competitive-programming problems for RL.

Collect several problem sets, normalise them to one prompt shape (stdin or function call), drop
near-duplicates and benchmark contamination, predict difficulty with an LLM over weighted
dimensions, calibrate the prediction against measured pass rates, select the hard ones, and keep
only problems whose reference solutions pass their tests. The authors published no pipeline
code: every parameter without a paper value is documented as ours (README, "MicroCoder").
"""
