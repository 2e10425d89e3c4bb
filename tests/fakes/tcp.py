"""Misbehaving TCP peers on loopback, standing in for a database host that hangs or a network that goes quiet."""

from __future__ import annotations

import asyncio


class SilentServer:
    """Accepts TCP connections and never answers: a database host during a failover, or black-holed."""

    def __init__(self) -> None:
        self.connections = 0
        self.port = 0
        self._writers: list[asyncio.StreamWriter] = []
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> SilentServer:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _accept(self, _reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)

    async def __aexit__(self, *exc: object) -> None:
        for writer in self._writers:
            writer.close()
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()


class PausingProxy:
    """Forwards TCP to a local port until `paused`, then passes nothing either way: a connection gone half-open,
    or a database that stops answering in the middle of a query."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.paused = False
        self.port = 0
        self._writers: list[asyncio.StreamWriter] = []
        self._pipes: list[asyncio.Task[None]] = []
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> PausingProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._writers += [client_writer, server_writer]
        self._pipes += [
            asyncio.create_task(self._pipe(client_reader, server_writer)),
            asyncio.create_task(self._pipe(server_reader, client_writer)),
        ]

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                while self.paused:
                    await asyncio.sleep(0.01)
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()  # one side hung up: so does the other

    async def __aexit__(self, *exc: object) -> None:
        for pipe in self._pipes:
            pipe.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)
        for writer in self._writers:
            writer.close()  # PostgreSQL sees its client go and frees any lock the session held
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()
