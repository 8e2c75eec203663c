"""The job runtime of a process: which engine, the task context, start and stop.

The API process builds one in its lifespan (``app.state.jobs``) and ``obhub worker``
builds one to run jobs in the foreground. On SQLite the engine is the embedded
:class:`~issuer_api.jobs.local.LocalRunner`; on PostgreSQL it is procrastinate
(:mod:`issuer_api.jobs.distributed`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
from datetime import timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from issuer_api.jobs import distributed
from issuer_api.jobs.local import LocalRunner
from issuer_api.jobs.registry import JobContext, load_tasks
from issuer_api.settings import Settings
from verify.cache import HttpCache

logger = logging.getLogger(__name__)

Engine = Literal["local", "distributed"]


class JobRuntime:
    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        kek: bytes,
        *,
        worker_id: str | None = None,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.kek = kek
        self.registry = load_tasks()
        self.http_cache = HttpCache()
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        url = settings.effective_database_url
        self.engine: Engine = "distributed" if url.startswith("postgresql") else "local"
        self.jobs_started = 0
        self._background: asyncio.Task[None] | None = None
        self.local = LocalRunner(
            self.registry,
            self.context,
            worker_id=self.worker_id,
            concurrency=settings.worker_concurrency,
            lease=timedelta(seconds=settings.job_lease_seconds),
            backoff_first=float(settings.job_retry_backoff_seconds),
        )
        self.procrastinate = (
            distributed.build_app(
                self.registry,
                url,
                self.context,
                stalled_after=settings.worker_stalled_after_seconds,
                backoff_first=settings.job_retry_backoff_seconds,
            )
            if self.engine == "distributed"
            else None
        )

    def context(self) -> JobContext:
        self.jobs_started += 1
        return JobContext(
            sessions=self.sessions,
            settings=self.settings,
            kek=self.kek,
            http_cache=self.http_cache,
            worker_id=self.worker_id,
        )

    @property
    def in_process_by_default(self) -> bool:
        configured = self.settings.run_jobs_in_process
        return self.engine == "local" if configured is None else configured

    async def run_pending(self) -> int:
        """Run every due job to completion (jobs they enqueue included); how many ran."""
        before = self.jobs_started
        if self.procrastinate is None:
            await self.local.run_pending()
        else:
            async with self.procrastinate.open_async():
                await self.procrastinate.run_worker_async(
                    wait=False,
                    concurrency=1,
                    install_signal_handlers=False,
                    listen_notify=False,
                    name=self.worker_id,
                )
        return self.jobs_started - before

    def start_background(self) -> None:
        """Run jobs in this process, in the background, until :meth:`stop`."""
        if self.procrastinate is None:
            self.local.start()
        else:
            self._background = asyncio.create_task(self._run_distributed(install_signals=False))
        logger.info("job runner started", extra={"engine": self.engine, "worker": self.worker_id})

    async def run_forever(self) -> None:
        """``obhub worker``: run jobs in the foreground until SIGINT/SIGTERM."""
        if self.procrastinate is not None:
            await self._run_distributed(install_signals=True)
            return
        self.local.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        try:
            await stop.wait()
        finally:
            await self.local.stop()

    async def _run_distributed(self, *, install_signals: bool) -> None:
        assert self.procrastinate is not None  # noqa: S101 - checked by the callers
        async with self.procrastinate.open_async():
            await self.procrastinate.run_worker_async(
                concurrency=self.settings.worker_concurrency,
                install_signal_handlers=install_signals,
                name=self.worker_id,
                update_heartbeat_interval=self.settings.worker_heartbeat_seconds,
                stalled_worker_timeout=self.settings.worker_stalled_after_seconds,
                delete_jobs="successful",
            )

    async def stop(self) -> None:
        if self.procrastinate is None:
            await self.local.stop()
            return
        if self._background is not None:
            self._background.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._background
            self._background = None
