"""A light Socket.IO listener for the fan-out bench: many websocket clients on one asyncio loop.

A python-socketio Client costs a thread or two and a full decode of every packet, so two
thousand of them on two cores measure themselves rather than the server. These clients speak
just enough of the protocol (RFC 6455 frames, Engine.IO 4 open and ping, a Socket.IO 5
namespace connect) to join a namespace, answer pings, and note when one named event arrives:
other events are skipped by their prefix, without decoding them. Both servers in a comparison
get the same clients, so what differs is the server.
"""
from __future__ import annotations

import asyncio
import base64
import json
import os
import struct
import time
from urllib.parse import urlsplit

_TEXT, _CLOSE, _PING, _PONG = 0x1, 0x8, 0x9, 0xA


class LightClient:
    """One websocket connection joined to one namespace; `arrivals` holds (monotonic time, id)
    of each `event` received, the id read from the payload's "id"."""

    def __init__(self, base_url: str, namespace: str, event: str, query: str = ""):
        self.base_url, self.namespace, self.query = base_url, namespace, query
        self.prefix = f'42{namespace},["{event}",'
        self.arrivals: list[tuple[float, int]] = []
        self._writer: asyncio.StreamWriter | None = None

    async def connect(self, timeout: float = 60.0) -> None:
        """Open the websocket and join the namespace; returns once the server acknowledged."""
        url = urlsplit(self.base_url)
        reader, self._writer = await asyncio.wait_for(
            asyncio.open_connection(url.hostname, url.port or 80), timeout)
        self._reader = reader
        key = base64.b64encode(os.urandom(16)).decode()
        path = f"/socket.io/?EIO=4&transport=websocket{'&' + self.query if self.query else ''}"
        self._writer.write((f"GET {path} HTTP/1.1\r\nHost: {url.netloc}\r\nUpgrade: websocket\r\n"
                            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
                           .encode())
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise ConnectionError(head.split(b"\r\n", 1)[0].decode(errors="replace"))
        opening = await asyncio.wait_for(self._message(), timeout)
        if not opening.startswith("0"):
            raise ConnectionError(f"no Engine.IO open packet: {opening[:40]!r}")
        self._send(f"40{self.namespace},")
        while not (await asyncio.wait_for(self._message(), timeout)).startswith(f"40{self.namespace},"):
            pass

    async def listen(self) -> None:
        """Until the connection ends: answer pings, note each awaited event's arrival."""
        try:
            while True:
                message = await self._message()
                if message == "2":
                    self._send("3")
                elif message.startswith(self.prefix):
                    moment = time.monotonic()
                    self.arrivals.append((moment, json.loads(message[len(self.prefix):-1])["id"]))
        except (asyncio.IncompleteReadError, ConnectionError):
            return

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()

    async def _message(self) -> str:
        """The next text message (server frames are unmasked and, from these servers, whole)."""
        while True:
            first, second = await self._reader.readexactly(2)
            length = second & 0x7F
            if length == 126:
                (length,) = struct.unpack("!H", await self._reader.readexactly(2))
            elif length == 127:
                (length,) = struct.unpack("!Q", await self._reader.readexactly(8))
            data = await self._reader.readexactly(length)
            opcode = first & 0x0F
            if opcode == _TEXT:
                return data.decode()
            if opcode == _PING:
                self._frame(_PONG, data)
            elif opcode == _CLOSE:
                raise ConnectionError("closed by the server")

    def _send(self, text: str) -> None:
        self._frame(_TEXT, text.encode())

    def _frame(self, opcode: int, data: bytes) -> None:
        """A client frame: FIN, masked (RFC 6455 requires clients to mask)."""
        mask = os.urandom(4)
        length = len(data)
        if length < 126:
            head = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
        elif length < 1 << 16:
            head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
        masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(data))
        self._writer.write(head + mask + masked)
