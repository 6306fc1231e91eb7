"""A stand-in for the `rasa` executable (`rasa run --enable-api -i H -p P -t T -m MODEL`), as a
real OS process, for tests of the NLU server's life cycle that need no TensorFlow.

It serves `/status` like Rasa, reporting the model id of `-m` (read from the archive the way
`nlu.rasa_service.model_id` does) or, with FAKE_RASA_MODEL_ID set, that id instead: an "old
model" server. `/model/parse` answers with the keyword NLU of `tests.fakes.fake_nlu`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from pathlib import Path

from aiohttp import web

from nlu.rasa_service import model_id
from tests.fakes.fake_nlu import rasa_answer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command")
    parser.add_argument("--enable-api", action="store_true")
    parser.add_argument("-i", dest="host", default="127.0.0.1")
    parser.add_argument("-p", dest="port", type=int, default=5005)
    parser.add_argument("-t", dest="token", default="")
    parser.add_argument("-m", dest="model", default="")
    parser.add_argument("--log-file", default=None)
    args = parser.parse_args()
    served_id = os.environ.get("FAKE_RASA_MODEL_ID") or model_id(Path(args.model))

    async def status(request: web.Request) -> web.StreamResponse:
        if request.query.get("token") != args.token:
            return web.json_response({"status": "failure"}, status=401)
        return web.json_response({"model_file": Path(args.model).name, "model_id": served_id,
                                  "num_active_training_jobs": 0})

    async def parse(request: web.Request) -> web.StreamResponse:
        if request.query.get("token") != args.token:
            return web.json_response({"status": "failure"}, status=401)
        body = await request.json()
        return web.json_response(rasa_answer(body.get("text", "")))

    async def serve() -> None:
        app = web.Application()
        app.router.add_get("/status", status)
        app.router.add_post("/model/parse", parse)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, args.host, args.port).start()
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
        await runner.cleanup()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
