"""A fake Telegram Bot API server for end-to-end tests, bound to 127.0.0.1.

The real python-telegram-bot Application talks to it over HTTP (`base_url`), exactly as it
would to api.telegram.org: long-polling getUpdates, form or JSON bodies whose values are JSON
strings, multipart uploads for photos and documents. Tests push updates in and read what the
bot sent; faults (403 blocked, 429 with retry_after) can be injected; every successful send
is time-stamped so tests can count sends per second.

Like Telegram, once a bot calls setWebhook the server stops offering getUpdates and POSTs each
update to the webhook with the secret-token header instead, retrying an update until the bot
answers 200 (a stopping process answers 503 or refuses the connection; another takes it).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self

from aiohttp import web

from tests.fakes.local_http import serve_local


@dataclass
class Sent:
    method: str
    chat_id: int | None
    text: str | None
    reply_markup: dict[str, Any] | None
    message_id: int | None
    at: float
    photo: bytes | None = None
    document: bytes | None = None

    @property
    def buttons(self) -> list[dict[str, Any]]:
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [b for row in rows for b in row]

    def button_data(self, label: str) -> str:
        for button in self.buttons:
            if button.get("text") == label:
                return str(button["callback_data"])
        raise KeyError(f"no button {label!r} in {[b.get('text') for b in self.buttons]}")


@dataclass
class _Fault:
    method: str
    error_code: int
    retry_after: int | None
    times: int
    chat_id: int | None


SEND_METHODS = {"sendMessage", "sendPhoto", "sendDocument", "editMessageText", "editMessageReplyMarkup"}


class FakeTelegramServer:
    def __init__(self, token: str = "123456:TEST", host: str = "127.0.0.1", port: int = 0) -> None:
        self.token = token
        self.host = host
        self.port = port
        self.sent: list[Sent] = []
        self.requests: list[str] = []
        self.command_menus: dict[str, dict[str, str]] = {}
        self._updates: list[dict[str, Any]] = []
        self._offset = 0
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = defaultdict(lambda: itertools.count(1))
        self._last_bot_message: dict[int, dict[str, Any]] = {}
        self._blocked: set[int] = set()
        self._faults: list[_Fault] = []
        self._latency = 0.0
        self._new_update = asyncio.Event()
        self._new_sent = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self.deliveries: list[tuple[int, int]] = []  # (update_id, HTTP status or 0 for no connection)
        self._to_deliver: asyncio.Queue[dict[str, Any]] | None = None
        self._delivery_tasks: list[asyncio.Task[None]] = []
        self.webhook_connections = 8

    # -- life cycle ---------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    async def start(self) -> None:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner, self.port = await serve_local(app, self.host, self.port)

    async def stop(self) -> None:
        for task in self._delivery_tasks:
            task.cancel()
        self._delivery_tasks.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- test side: updates in ----------------------------------------------------------------------
    def _user(self, user_id: int, language_code: str, first_name: str) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": language_code}

    def _chat(self, chat_id: int, chat_type: str) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type != "private":
            chat["title"] = "Parents group"
        return chat

    def push_update(self, update: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        if self._to_deliver is not None:
            self._to_deliver.put_nowait({"update_id": update_id, **update})
        else:
            self._updates.append({"update_id": update_id, **update})
            self._new_update.set()
        return update_id

    @property
    def undelivered(self) -> int:
        """Updates pushed in webhook mode that no bot process has accepted yet."""
        return 0 if self._to_deliver is None else self._to_deliver.qsize() + self._delivering

    _delivering = 0

    async def _deliver_forever(self) -> None:
        import aiohttp

        assert self._to_deliver is not None
        async with aiohttp.ClientSession() as session:
            while True:
                update = await self._to_deliver.get()
                self._delivering += 1
                try:
                    while True:
                        status = 0
                        try:
                            headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook_secret or ""}
                            assert self.webhook_url is not None
                            async with session.post(self.webhook_url, json=update, headers=headers,
                                                    timeout=aiohttp.ClientTimeout(total=10)) as response:
                                status = response.status
                        except (aiohttp.ClientError, TimeoutError):
                            status = 0
                        self.deliveries.append((update["update_id"], status))
                        if status == 200:
                            break
                        await asyncio.sleep(0.1)  # Telegram backs off and retries
                finally:
                    self._delivering -= 1

    def _message(self, user_id: int, chat_id: int | None, chat_type: str, language_code: str, **extra: Any) -> dict:
        chat = chat_id if chat_id is not None else user_id
        return {"message_id": next(self._message_ids[chat]), "date": int(time.time()),
                "from": self._user(user_id, language_code, "Sam"), "chat": self._chat(chat, chat_type), **extra}

    def push_text(self, user_id: int, text: str, chat_id: int | None = None, chat_type: str = "private",
                  language_code: str = "en-GB") -> int:
        message = self._message(user_id, chat_id, chat_type, language_code, text=text)
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self.push_update({"message": message})

    def push_command(self, user_id: int, command: str, **kwargs: Any) -> int:
        return self.push_text(user_id, command if command.startswith("/") else "/" + command, **kwargs)

    def push_callback(self, user_id: int, data: str, message_id: int | None = None,
                      language_code: str = "en-GB") -> int:
        message = self._last_bot_message.get(user_id) or {
            "message_id": message_id or 1, "date": int(time.time()), "chat": self._chat(user_id, "private"),
            "text": "earlier message"}
        if message_id is not None:
            message = {**message, "message_id": message_id}
        query = {"id": str(next(self._update_ids) * 1000), "from": self._user(user_id, language_code, "Sam"),
                 "chat_instance": str(user_id), "data": data, "message": message}
        return self.push_update({"callback_query": query})

    def push_media(self, user_id: int, kind: str) -> int:
        media: dict[str, Any] = {
            "sticker": {"sticker": {"file_id": "s1", "file_unique_id": "s1u", "width": 512, "height": 512,
                                    "is_animated": False, "is_video": False, "type": "regular"}},
            "voice": {"voice": {"file_id": "v1", "file_unique_id": "v1u", "duration": 3}},
            "photo": {"photo": [{"file_id": "p1", "file_unique_id": "p1u", "width": 90, "height": 90}]},
            "document": {"document": {"file_id": "d1", "file_unique_id": "d1u", "file_name": "x.pdf"}},
        }[kind]
        return self.push_update({"message": self._message(user_id, None, "private", "en-GB", **media)})

    def push_edit(self, user_id: int, message_id: int, text: str) -> int:
        message = self._message(user_id, None, "private", "en-GB", text=text)
        message["message_id"] = message_id
        message["edit_date"] = int(time.time())
        return self.push_update({"edited_message": message})

    # -- test side: what the bot sent ----------------------------------------------------------------
    def messages_to(self, chat_id: int) -> list[Sent]:
        return [s for s in self.sent if s.chat_id == chat_id and s.method in ("sendMessage", "sendPhoto",
                                                                              "sendDocument")]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("condition not met in time")
            self._new_sent.clear()
            try:
                await asyncio.wait_for(self._new_sent.wait(), min(remaining, 0.2))
            except TimeoutError:
                pass

    async def wait_for_messages(self, chat_id: int, count: int, timeout: float = 10.0) -> list[Sent]:
        await self.wait_for(lambda: len(self.messages_to(chat_id)) >= count, timeout)
        return self.messages_to(chat_id)

    def clear(self) -> None:
        self.sent.clear()

    def block_user(self, chat_id: int) -> None:
        self._blocked.add(chat_id)

    def fail_next(self, method: str, error_code: int = 429, retry_after: int | None = 1, times: int = 1,
                  chat_id: int | None = None) -> None:
        self._faults.append(_Fault(method, error_code, retry_after, times, chat_id))

    def set_latency(self, seconds: float) -> None:
        self._latency = seconds

    def send_timestamps(self, chat_id: int | None = None) -> list[float]:
        return [s.at for s in self.sent if s.method in SEND_METHODS - {"editMessageReplyMarkup"}
                and (chat_id is None or s.chat_id == chat_id)]

    def max_sends_per_second(self, chat_id: int | None = None) -> int:
        stamps = sorted(self.send_timestamps(chat_id))
        best, start = 0, 0
        for end, stamp in enumerate(stamps):
            while stamp - stamps[start] >= 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best

    # -- the Bot API ----------------------------------------------------------------------------------
    async def _params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
        files: dict[str, bytes] = {}
        params: dict[str, Any] = {}
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part.filename:
                    files[part.name or "file"] = await part.read()
                else:
                    params[part.name or ""] = (await part.read()).decode()
        elif request.content_type == "application/json":
            params = await request.json()
        else:
            params = dict(await request.post())
            params.update(request.query)
        decoded: dict[str, Any] = {}
        for key, value in params.items():
            if isinstance(value, str):
                try:
                    decoded[key] = json.loads(value)
                except ValueError:
                    decoded[key] = value
            else:
                decoded[key] = value
        return decoded, files

    def _ok(self, result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    def _error(self, code: int, description: str, retry_after: int | None = None) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        return web.json_response(body, status=code)

    def _fault_for(self, method: str, chat_id: int | None) -> _Fault | None:
        for fault in self._faults:
            if fault.method == method and fault.times > 0 and (fault.chat_id is None or fault.chat_id == chat_id):
                fault.times -= 1
                return fault
        return None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        method = request.match_info["method"]
        self.requests.append(method)
        params, files = await self._params(request)
        chat_id = params.get("chat_id")
        chat_id = int(chat_id) if isinstance(chat_id, (int, str)) and str(chat_id).lstrip("-").isdigit() else None
        if self._latency:
            await asyncio.sleep(self._latency)
        if method in SEND_METHODS or method == "sendChatAction":
            if chat_id in self._blocked:
                return self._error(403, "Forbidden: bot was blocked by the user")
            fault = self._fault_for(method, chat_id)
            if fault is not None:
                if fault.error_code == 429:
                    return self._error(429, f"Too Many Requests: retry after {fault.retry_after}", fault.retry_after)
                return self._error(fault.error_code, "Internal Server Error")
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return self._error(404, "Not Found: method not found")
        return await handler(params, files, chat_id)

    async def _m_getMe(self, params: dict, files: dict, chat_id: int | None) -> web.Response:
        return self._ok({"id": int(self.token.split(":")[0]), "is_bot": True, "first_name": "Tend",
                         "username": "tend_test_bot", "can_join_groups": True,
                         "can_read_all_group_messages": False, "supports_inline_queries": False})

    async def _m_getUpdates(self, params: dict, files: dict, chat_id: int | None) -> web.Response:
        offset = int(params.get("offset") or 0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        while not self._updates and time.monotonic() < deadline:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), max(0.01, deadline - time.monotonic()))
            except TimeoutError:
                break
        return self._ok(self._updates[:limit])

    async def _simple_true(self, params: dict, files: dict, chat_id: int | None) -> web.Response:
        return self._ok(True)

    async def _m_setWebhook(self, params: dict, files: dict, chat_id: int | None) -> web.Response:
        self.webhook_url = str(params["url"])
        self.webhook_secret = str(params["secret_token"]) if params.get("secret_token") is not None else None
        if self._to_deliver is None:
            self._to_deliver = asyncio.Queue()
            for update in self._updates:  # what was waiting for getUpdates now goes to the webhook
                self._to_deliver.put_nowait(update)
            self._updates.clear()
            self._delivery_tasks = [asyncio.create_task(self._deliver_forever())
                                    for _ in range(self.webhook_connections)]
        return self._ok(True)

    async def _m_setMyCommands(self, params: dict, files: dict, chat_id: int | None) -> web.Response:
        """Checked as Telegram checks it: 1-32 characters of a-z, 0-9 and _, a 1-256 character
        description; kept per language_code ("" for the default menu) for tests to read."""
        commands = params.get("commands") or []
        for item in commands:
            name, text = str(item.get("command", "")), str(item.get("description", ""))
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name) or not 1 <= len(text) <= 256:
                return self._error(400, "Bad Request: BOT_COMMAND_INVALID")
        self.command_menus[str(params.get("language_code") or "")] = {
            str(item["command"]): str(item["description"]) for item in commands}
        return self._ok(True)

    _m_deleteWebhook = _simple_true
    _m_deleteMyCommands = _simple_true
    _m_answerCallbackQuery = _simple_true
    _m_sendChatAction = _simple_true
    _m_close = _simple_true
    _m_logOut = _simple_true

    async def _m_getWebhookInfo(self, params: dict, files: dict, chat_id: int | None) -> web.Response:
        return self._ok({"url": "", "has_custom_certificate": False, "pending_update_count": 0})

    def _record(self, method: str, chat_id: int | None, params: dict, **extra: Any) -> dict[str, Any]:
        assert chat_id is not None
        message_id = next(self._message_ids[chat_id])
        message = {"message_id": message_id, "date": int(time.time()), "chat": self._chat(chat_id, "private"),
                   "from": {"id": int(self.token.split(":")[0]), "is_bot": True, "first_name": "Tend"}}
        if params.get("text") is not None:
            message["text"] = params["text"]
        if params.get("caption") is not None:
            message["caption"] = params["caption"]
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        message.update({k: v for k, v in extra.items() if k in ("photo", "document")})
        self._last_bot_message[chat_id] = message
        self.sent.append(Sent(method, chat_id, params.get("text") or params.get("caption"),
                              params.get("reply_markup") or None, message_id, time.monotonic(),
                              photo=extra.get("photo_bytes"), document=extra.get("document_bytes")))
        self._new_sent.set()
        return message

    async def _m_sendMessage(self, params: dict, files: dict, chat_id: int | None) -> web.Response:
        return self._ok(self._record("sendMessage", chat_id, params))

    async def _m_sendPhoto(self, params: dict, files: dict, chat_id: int | None) -> web.Response:
        data = files.get("photo", b"")
        photo = [{"file_id": "ph", "file_unique_id": "phu", "width": 800, "height": 600, "file_size": len(data)}]
        return self._ok(self._record("sendPhoto", chat_id, params, photo=photo, photo_bytes=data))

    async def _m_sendDocument(self, params: dict, files: dict, chat_id: int | None) -> web.Response:
        data = files.get("document", b"")
        document = {"file_id": "doc", "file_unique_id": "docu", "file_name": "file", "file_size": len(data)}
        return self._ok(self._record("sendDocument", chat_id, params, document=document, document_bytes=data))

    async def _m_editMessageText(self, params: dict, files: dict, chat_id: int | None) -> web.Response:
        self.sent.append(Sent("editMessageText", chat_id, params.get("text"), params.get("reply_markup"),
                              params.get("message_id"), time.monotonic()))
        self._new_sent.set()
        return self._ok(True)

    async def _m_editMessageReplyMarkup(self, params: dict, files: dict, chat_id: int | None) -> web.Response:
        self.sent.append(Sent("editMessageReplyMarkup", chat_id, None, params.get("reply_markup"),
                              params.get("message_id"), time.monotonic()))
        return self._ok(True)

    async def post_update(self, url: str, update: dict[str, Any], secret_token: str | None) -> int:
        """Deliver an update to a bot's webhook, as Telegram would; returns the HTTP status."""
        import aiohttp

        headers = {"X-Telegram-Bot-Api-Secret-Token": secret_token} if secret_token else {}
        async with aiohttp.ClientSession() as session, session.post(url, json=update, headers=headers) as response:
            return response.status
