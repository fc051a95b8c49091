"""The judge as a reinforcement-learning reward: `code_reward`, a reward function for trl's
`GRPOTrainer`, and (`pysynth judge-server`, `pysynth.rewards.server`) a SandboxFusion-compatible
HTTP service for trainers that call one, such as verl.

Importing this package does not start the judge: the pool is made on a reward's first call."""

from pysynth.rewards.cases import RowTests, row_tests
from pysynth.rewards.code import CodeReward, RewardStats, Scoring, code_reward
from pysynth.rewards.completions import Completion, completion_text

__all__ = [
    "CodeReward", "Completion", "RewardStats", "RowTests", "Scoring", "code_reward", "completion_text", "row_tests",
]
