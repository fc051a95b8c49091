"""Reward backends: the SGLang `/classify` client against a stand-in over real HTTP, and an in-process
tiny sequence-classification model; and the batch coalescer that feeds them from row threads."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from pysynth.errors import ConfigError, LLMRequestError
from pysynth.scalequest.reward import (
    PLAIN_TEMPLATE,
    BatchCoalescer,
    ConversationFormatter,
    Pair,
    SGLangRewardClient,
    TransformersRewardModel,
)
from tests.scalequest.tiny_reward import QUESTION, build_tiny_reward_model
from tests.support.reward_server import RewardServer

PAIRS = [(QUESTION, "two plus two equals four"), (QUESTION, "two plus two equals five"),
         (QUESTION, "it equals three")]


@pytest.fixture(scope="module")
def planted_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch

    torch.set_num_threads(1)  # two OpenMP threads on a busy 2-core machine spin against each other
    return build_tiny_reward_model(tmp_path_factory.mktemp("planted-rm"), planted={"four": 3.0, "five": -3.0})


@pytest.fixture(scope="module")
def random_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_reward_model(tmp_path_factory.mktemp("random-rm"))


def test_the_request_is_sglangs_classify_shape_and_scores_come_back_in_order() -> None:
    with RewardServer({"four": 2.5, "five": -1.0}) as server:
        client = SGLangRewardClient(server.url, "rm-test", ConversationFormatter())
        assert client.score(PAIRS) == [2.5, -1.0, 0.0]
    assert server.requests == [{"model": "rm-test", "text": [
        PLAIN_TEMPLATE.format(question=question, response=response) for question, response in PAIRS]}]


def test_the_conversation_is_written_with_the_tokenizers_chat_template(random_model: Path) -> None:
    with RewardServer({}) as server:
        SGLangRewardClient(server.url, "rm", ConversationFormatter(str(random_model))).score(PAIRS[:1])
    assert server.requests[0]["text"] == [f"<|user|> {QUESTION} <|end|> <|assistant|> two plus two equals four <|end|> "]


def test_an_error_status_fails_with_one_line_naming_the_url_and_status_without_retrying() -> None:
    with RewardServer({}, fail_status=400) as server:
        client = SGLangRewardClient(server.url, "rm", ConversationFormatter(), max_retries=3)
        with pytest.raises(LLMRequestError) as caught:
            client.score(PAIRS)
    message = str(caught.value)
    assert f"{server.url}/classify" in message and "HTTP 400" in message and "\n" not in message, message
    assert caught.value.status == 400 and len(server.requests) == 1


def test_a_retryable_status_is_retried_then_reported_with_the_attempts() -> None:
    with RewardServer({}, fail_status=503) as server:
        client = SGLangRewardClient(server.url, "rm", ConversationFormatter(), max_retries=2,
                                    backoff_base_s=0.01, backoff_max_s=0.02)
        with pytest.raises(LLMRequestError, match="failed after 3 attempts; last failure: HTTP 503"):
            client.score(PAIRS)
    assert len(server.requests) == 3


def test_an_https_or_malformed_url_is_refused_at_once() -> None:
    with pytest.raises(ConfigError, match="expected http://host:port"):
        SGLangRewardClient("https://rm.example:443", "rm", ConversationFormatter())


def test_the_planted_model_ranks_responses_as_planted(planted_model: Path) -> None:
    four, five, neither = TransformersRewardModel(str(planted_model)).score(PAIRS)
    assert four > 0 and five < 0 and neither == pytest.approx(0.0, abs=1e-6), (four, five, neither)


def test_scores_are_deterministic_and_batched_equals_one_by_one(random_model: Path) -> None:
    model = TransformersRewardModel(str(random_model))
    pairs = [*PAIRS, (QUESTION, "two"), (QUESTION, "one plus one equals two and two plus two equals four")]
    batched = model.score(pairs)
    assert model.score(pairs) == batched
    assert TransformersRewardModel(str(random_model)).score(pairs) == batched  # same weights, same scores
    one_by_one = [model.score([pair])[0] for pair in pairs]
    assert one_by_one == pytest.approx(batched, abs=1e-5)
    assert len(set(batched)) == len(batched), f"a random model should tell these apart: {batched}"


def test_the_coalescer_batches_concurrent_rows_and_isolates_a_failing_one() -> None:
    batches: list[int] = []
    release = threading.Event()

    def score(pairs: Sequence[Pair]) -> list[float]:
        release.wait(5)  # the first batch holds the lock until the other rows have queued
        batches.append(len(pairs))
        if any(response == "bad" for _, response in pairs):
            raise ValueError("bad row")
        return [float(len(response)) for _, response in pairs]

    coalescer = BatchCoalescer(score, max_batch=8)
    responses = ["a", "bb", "bad", "dddd", "eeeee"]
    results: dict[str, object] = {}

    def run(response: str) -> None:
        try:
            results[response] = coalescer.score(("q", response))
        except ValueError as error:
            results[response] = error

    threads = [threading.Thread(target=run, args=(response,)) for response in responses]
    for thread in threads:
        thread.start()
    threading.Timer(0.3, release.set).start()
    for thread in threads:
        thread.join(10)
    assert {key: value for key, value in results.items() if key != "bad"} == {
        "a": 1.0, "bb": 2.0, "dddd": 4.0, "eeeee": 5.0}
    assert isinstance(results["bad"], ValueError)
    assert max(batches) > 1, f"rows were never batched together: {batches}"
