"""Benchmark the LLM client's per-request overhead against a bare aiohttp loop.

Workload: `--requests` (20000) chat completions of a one-line prompt, `--concurrency` (256) tasks
pulling from one shared counter, all from one asyncio loop, against the instantly answering test
server (`tests/support/openai_server.py`, a child process on 127.0.0.1). No pass/fail: it prints a
table, the floor is what the runtime needs (>= 1,500 requests/s end to end on 2 cores).

Contenders, one after another in this process, each after `--warmup` requests to open its pool:
- OpenAICompatibleLLM.agenerate: the distilabel LLM pysynth's steps use (body building, retries
  armed, answer and usage extraction, GenerateOutput).
- OpenAIHttpClient.post_json: the HTTP layer under it alone (semaphore, retry loop, orjson).
- bare aiohttp: `session.post(data=orjson.dumps(body))` + `orjson.loads(await response.read())`
  with the same TCPConnector limit: the floor any aiohttp client can reach.

Measured, best of `--repeat` (3): requests/s (wall), and client CPU µs/request (this process's
CPU time / requests; the server's CPU is not included, but it shares the same cores).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.support when run as a script

from pysynth.llm import OpenAICompatibleLLM, OpenAIHttpClient  # noqa: E402
from tests.support.openai_server import OpenAIServer  # noqa: E402

MESSAGES = [{"role": "user", "content": "Write one hard problem about segment trees."}]
OneRequest = Callable[[int], Awaitable[object]]


async def drive(one: OneRequest, requests: int, concurrency: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) for `requests` calls from `concurrency` tasks."""
    next_index = 0

    async def worker() -> None:
        nonlocal next_index
        while next_index < requests:
            next_index += 1
            await one(next_index)

    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - wall, time.process_time() - cpu


async def measure(one: OneRequest, args: argparse.Namespace) -> tuple[float, float]:
    """Best (highest requests/s) of `--repeat` runs: (requests/s, CPU µs/request)."""
    await drive(one, args.warmup, args.concurrency)
    best: tuple[float, float] = (0.0, 0.0)
    for _ in range(args.repeat):
        wall, cpu = await drive(one, args.requests, args.concurrency)
        if args.requests / wall > best[0]:
            best = (args.requests / wall, cpu / args.requests * 1e6)
    return best


async def bench_llm(base_url: str, args: argparse.Namespace) -> tuple[float, float]:
    llm = OpenAICompatibleLLM(base_url=base_url, model="test-model", max_concurrency=args.concurrency)
    llm.load()

    async def one(_: int) -> object:
        return await llm.agenerate(MESSAGES, max_tokens=64, temperature=1.0)

    try:
        return await measure(one, args)
    finally:
        await llm.aclose()


async def bench_client(base_url: str, args: argparse.Namespace) -> tuple[float, float]:
    client = OpenAIHttpClient(base_url=base_url, api_key=None, timeout_s=120, max_retries=4,
                              backoff_base_s=0.5, backoff_max_s=20, max_concurrency=args.concurrency)
    body = {"model": "test-model", "messages": MESSAGES, "n": 1, "max_tokens": 64, "temperature": 1.0}

    async def one(_: int) -> object:
        return await client.post_json("/chat/completions", body)

    try:
        return await measure(one, args)
    finally:
        await client.aclose()


async def bench_bare(base_url: str, args: argparse.Namespace) -> tuple[float, float]:
    url = base_url + "/chat/completions"
    body = {"model": "test-model", "messages": MESSAGES, "n": 1, "max_tokens": 64, "temperature": 1.0}
    headers = {"Content-Type": "application/json"}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=args.concurrency)) as session:

        async def one(_: int) -> object:
            async with session.post(url, data=orjson.dumps(body), headers=headers) as response:
                return orjson.loads(await response.read())

        return await measure(one, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=256)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    contenders = [("OpenAICompatibleLLM.agenerate", bench_llm), ("OpenAIHttpClient.post_json", bench_client),
                  ("bare aiohttp", bench_bare)]
    print(f"{args.requests} requests, {args.concurrency} concurrent tasks, best of {args.repeat};"
          f" {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, aiohttp {aiohttp.__version__}")
    print(f"{'contender':<32}{'requests/s':>12}{'client CPU µs/req':>20}")
    with OpenAIServer() as server:
        for name, bench in contenders:
            rate, cpu_us = asyncio.run(bench(server.base_url, args))
            print(f"{name:<32}{rate:>12,.0f}{cpu_us:>20,.0f}")


if __name__ == "__main__":
    main()
