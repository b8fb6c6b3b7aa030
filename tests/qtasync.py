"""Qt + asyncio in tests: the console's hub client runs on a qasync loop, so
Qt events (repaints, signals, timers) and network I/O share one thread, just
as in the app.

``arun(coro)`` runs a coroutine on that loop (Qt events are processed while
it waits); inside it, ``await until(lambda: ...)`` polls a condition. An
exception raised inside any asyncio task or callback fails the test (the loop
exception handler of qasync's own tests)."""
from __future__ import annotations

import asyncio
from typing import Callable

import pytest
import qasync


async def until(pred: Callable[[], object], timeout: float = 10.0, what: str = "") -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not pred():
        if loop.time() > end:
            raise TimeoutError(f"timed out waiting for {what or pred}")
        await asyncio.sleep(0.02)


@pytest.fixture
def qloop(qapp):
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    errors: list[dict] = []

    def handler(_loop, context):
        errors.append(context)
    loop.set_exception_handler(handler)
    yield loop
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for t in pending:
        t.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
    asyncio.set_event_loop(None)
    loop.close()
    assert not errors, f"exceptions in asyncio callbacks: {errors}"


@pytest.fixture
def arun(qloop):
    def run(coro, timeout: float = 60.0):
        return qloop.run_until_complete(asyncio.wait_for(coro, timeout))
    return run
