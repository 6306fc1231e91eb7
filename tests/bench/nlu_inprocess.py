"""Runs inside the Rasa environment (.venv-nlu): parse messages with the model loaded in-process.

Usage: python nlu_inprocess.py MODEL < messages.jsonl > timings.json
Prints one JSON object: {"ms": [...per message latency...]}. Used by the NLU benchmark as the
baseline the HTTP server is compared with.
"""

import asyncio
import json
import sys
import time


async def main() -> None:
    from rasa.core.agent import Agent

    agent = Agent.load(sys.argv[1])
    texts = [json.loads(line)["text"] for line in sys.stdin if line.strip()]
    for text in texts:  # one untimed pass, as over HTTP: TensorFlow traces each new shape once
        await agent.parse_message(text)
    timings = []
    for text in texts:
        start = time.perf_counter()
        await agent.parse_message(text)
        timings.append((time.perf_counter() - start) * 1000)
    print(json.dumps({"ms": timings}))


if __name__ == "__main__":
    asyncio.run(main())
