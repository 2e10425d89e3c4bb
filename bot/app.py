"""Wire the core to its storage from settings: the one place that knows how the parts fit together."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.catalogue.loader import load_claims
from bot.core.dispatcher import Dispatcher
from bot.core.limits import LimitConfig, Limits
from bot.core.live import LiveCatalogue
from bot.core.memory import MemoryCatalogue, MemoryKeyStore
from bot.core.metrics import Metrics
from bot.core.permissions import AccessConfig
from bot.core.policy import PolicyConfig, ReplyPolicy
from bot.core.ports import CatalogueSource, KeyStore, SharedLock
from bot.core.registry import default_registry
from bot.core.services import Stores
from bot.domain.models import Origin
from bot.matching.matcher import Thresholds
from bot.matching.semantic import SemanticReranker, load_reranker
from bot.settings import MatcherSettings, Settings

if TYPE_CHECKING:
    from bot.ops.server import OpsRoutes
    from bot.storage.claims import SqlClaimStore, SyncReport
    from bot.storage.db import Database
    from bot.storage.notify import ChangeListener

log = logging.getLogger(__name__)


def thresholds_from(settings: MatcherSettings) -> Thresholds:
    """Matcher thresholds from settings."""
    return Thresholds(
        reply=settings.reply_threshold,
        suggest=settings.suggest_threshold,
        reply_margin=settings.reply_margin,
        min_reply_words=settings.min_reply_words,
        stance_penalty=settings.stance_penalty,
        unanchored_reply=settings.unanchored_reply_threshold,
        min_lead=settings.min_lead,
    )


def semantic_from(settings: MatcherSettings) -> SemanticReranker | None:
    """The optional semantic re-ranker from settings (loads the model), or None when semantic_model is empty."""
    return load_reranker(
        settings.semantic_model,
        weight=settings.semantic_weight,
        candidates=settings.semantic_candidates,
        max_windows=settings.semantic_max_windows,
        languages=settings.semantic_languages,
    )


@dataclass(slots=True)
class Services:
    """The running core: where claims come from, the live catalogue, the stores and the dispatcher."""

    settings: Settings
    source: CatalogueSource
    keys: KeyStore
    catalogue: LiveCatalogue
    dispatcher: Dispatcher
    database: Database | None = None
    store: SqlClaimStore | None = None
    stores: Stores = field(default_factory=Stores)
    listener: ChangeListener | None = None

    async def prune(self) -> dict[str, int]:
        """Delete what retention says to forget: expired keys, old handled reports, old replies and feedback."""
        if self.database is None:
            return {}
        from bot.storage.keys import SqlKeyStore
        from bot.storage.replies import SqlReplyLog
        from bot.storage.reports import SqlReportStore
        from bot.storage.trial import SqlTrialStore

        retention = self.settings.retention
        return {
            "keys": await SqlKeyStore(self.database).prune(),
            "reports": await SqlReportStore(self.database).prune(dt.timedelta(days=retention.report_days)),
            "held replies": await SqlTrialStore(self.database).prune(dt.timedelta(days=retention.report_days)),
            "replies": await SqlReplyLog(self.database).prune(dt.timedelta(days=retention.feedback_days)),
        }

    def shared_lock(self) -> SharedLock | None:
        """A lock every process sharing the database respects (PostgreSQL); None for SQLite, one process by design."""
        if self.database is None or self.database.is_sqlite:
            return None
        from bot.storage.locks import AdvisoryLock

        return AdvisoryLock(self.database.url)

    def ops_routes(
        self, *, figures: Callable[[], dict[str, float]] | None = None, in_flight: Callable[[], int] = lambda: 0
    ) -> OpsRoutes:
        """/healthz and /metrics for this process: the database probe (storage's, on a connection of its own). A
        process that serves them exports its figures to Prometheus from then on."""
        from bot.ops.metrics import prometheus
        from bot.ops.server import OpsRoutes
        from bot.storage.health import DatabaseProbe

        self.dispatcher.metrics.listener = prometheus()
        ops = self.settings.ops
        probe = DatabaseProbe(self.database, ops.health_timeout_seconds) if self.database is not None else None
        return OpsRoutes(
            probe=probe,
            figures=figures or self.dispatcher.metrics.snapshot,
            in_flight=in_flight,
            metrics=ops.metrics,
        )

    @asynccontextmanager
    async def ops_server(
        self, *, figures: Callable[[], dict[str, float]] | None = None, in_flight: Callable[[], int] = lambda: 0
    ) -> AsyncIterator[int | None]:
        """Serve /healthz and /metrics on OPS_PORT while the block runs (Discord, Slack Socket Mode); None if off."""
        from bot.ops.server import OpsServer

        ops = self.settings.ops
        if not ops.port:
            yield None
            return
        server = OpsServer(self.ops_routes(figures=figures, in_flight=in_flight), ops.host, ops.port)
        port = await server.start()
        try:
            yield port
        finally:
            await server.stop()

    @asynccontextmanager
    async def background(self) -> AsyncIterator[None]:
        """Run pruning and, on PostgreSQL, the change listener beside the adapter; stopped on exit."""
        tasks: list[asyncio.Task[None]] = []
        if self.database is not None:
            from bot.storage.channels import SqlChannelStore
            from bot.storage.communities import SqlCommunityStore
            from bot.storage.local import SqlLocalClaimStore
            from bot.storage.notify import CATALOGUE_CHANNEL, CHANNELS_CHANNEL, COMMUNITIES_CHANNEL, ChangeListener

            handlers = {CATALOGUE_CHANNEL: self.catalogue.announce}
            if isinstance(self.stores.channels, SqlChannelStore):
                handlers[CHANNELS_CHANNEL] = self.stores.channels.invalidate
            community_caches = [
                store.invalidate
                for store in (self.stores.communities, self.stores.local)
                if isinstance(store, SqlCommunityStore | SqlLocalClaimStore)
            ]

            def communities_changed() -> None:
                for invalidate in community_caches:
                    invalidate()

            if community_caches:
                handlers[COMMUNITIES_CHANNEL] = communities_changed
            self.listener = ChangeListener(self.database, handlers)
            tasks = [
                asyncio.create_task(self.maintain(), name="factbot-maintenance"),
                asyncio.create_task(self.listener.run(), name="factbot-change-listener"),
            ]
        tasks.append(asyncio.create_task(self.report_metrics(), name="factbot-metrics"))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def report_metrics(self, interval: float = 60.0) -> None:
        """A metrics line in the log every minute: replies, suggestions, duplicates, latency, database errors."""
        while True:
            await asyncio.sleep(interval)
            log.info("metrics", extra=self.dispatcher.metrics.snapshot())

    async def maintain(self, interval: float = 3600.0) -> None:
        """Prune once an hour until cancelled; long-running adapters run this beside themselves."""
        while True:
            try:
                log.info("pruned expired data", extra=await self.prune())
            except Exception:
                log.exception("pruning failed; will try again")
            await asyncio.sleep(interval)


async def open_database(settings: Settings) -> tuple[Database, SqlClaimStore]:
    """Open the configured database, migrate it, and import the bundled catalogue if it is empty."""
    from bot.storage.claims import SqlClaimStore
    from bot.storage.db import Database, redacted

    database = Database(settings.database.resolved_url(), echo=settings.database.echo)
    try:
        await database.upgrade()
        if database.new_file is not None:
            log.warning(
                "created a new database (set DATABASE_URL to use another)", extra={"path": str(database.new_file)}
            )
        store = SqlClaimStore(database)
        if settings.catalogue.import_when_empty and await store.is_empty():
            report = await store.sync_from_files(load_claims(settings.catalogue.dir), only_if_empty=True)
            if report.added:  # another process starting at the same moment may have imported it first
                log.info(
                    "imported the bundled catalogue",
                    extra={"claims": len(report.added), "directory": str(settings.catalogue.dir)},
                )
    except BaseException:
        await database.dispose()
        raise
    log.debug("database open", extra={"database": redacted(database.url)})
    return database, store


async def sync_catalogue(store: SqlClaimStore, directory: Path) -> SyncReport:
    """Import changes from a YAML directory without overwriting moderators' edits."""
    return await store.sync_from_files(load_claims(directory))


async def _read_only_source(settings: Settings, reader: Origin | None) -> CatalogueSource | None:
    """The catalogue read without SQLAlchemy for one reader's community, when the database allows it (else None)."""
    if reader is None or settings.database.echo:  # whoever asked to see the SQL gets the full way's SQL
        return None
    from bot.storage.readonly import read_catalogue

    return await read_catalogue(settings.database.resolved_url(), (reader.platform, reader.workspace_id))


@asynccontextmanager
async def open_services(
    settings: Settings, *, catalogue_dir: Path | None = None, read_only_for: Origin | None = None
) -> AsyncIterator[Services]:
    """Build the core; with `catalogue_dir` it runs from YAML in memory and touches no database.

    `read_only_for` says the caller only fact-checks for that origin and stores nothing (`factbot check`): a SQLite
    database at the newest schema is then read with sqlite3 alone, and SQLAlchemy is never imported.
    """
    database: Database | None = None
    store: SqlClaimStore | None = None
    source: CatalogueSource
    keys: KeyStore
    stores = Stores()
    if catalogue_dir is not None:
        source, keys = MemoryCatalogue(load_claims(catalogue_dir)), MemoryKeyStore()
    elif (read := await _read_only_source(settings, read_only_for)) is not None:
        source, keys = read, MemoryKeyStore()
    else:
        from bot.storage.audit import SqlAuditLog
        from bot.storage.channels import SqlChannelStore
        from bot.storage.communities import SqlCommunityStore
        from bot.storage.keys import SqlKeyStore
        from bot.storage.local import SqlLocalClaimStore
        from bot.storage.proposals import SqlProposalStore
        from bot.storage.replies import SqlReplyLog
        from bot.storage.reports import SqlReportStore
        from bot.storage.trial import SqlTrialStore

        database, store = await open_database(settings)
        source, keys = store, SqlKeyStore(database)
        stores = Stores(
            editor=store,
            reports=SqlReportStore(database),
            replies=SqlReplyLog(database),
            channels=SqlChannelStore(database, refresh_seconds=settings.policy.channel_refresh_seconds),
            communities=SqlCommunityStore(database, refresh_seconds=settings.policy.channel_refresh_seconds),
            audit=SqlAuditLog(database),
            held=SqlTrialStore(database),
            local=SqlLocalClaimStore(database, refresh_seconds=settings.policy.channel_refresh_seconds),
            proposals=SqlProposalStore(database, store),
        )
    try:
        # Loading a sentence-embedding model takes seconds: off the event loop, like every catalogue build.
        semantic = await asyncio.to_thread(semantic_from, settings.matcher) if settings.matcher.semantic_model else None
        catalogue = LiveCatalogue(
            source,
            thresholds_from(settings.matcher),
            check_interval=settings.catalogue.check_interval_seconds,
            semantic=semantic,
        )
        policy = ReplyPolicy(
            PolicyConfig.build(
                min_length=settings.policy.min_length,
                cooldown_minutes=settings.policy.cooldown_minutes,
                watched_channels=settings.policy.watched_channels,
            ),
            keys,
            channels=stores.channels,
        )
        access = AccessConfig.build(
            editor_user_ids=settings.editors.user_ids,
            editor_role_ids=settings.editors.role_ids,
            moderator_user_ids=settings.moderators.user_ids,
            moderator_role_ids=settings.moderators.role_ids,
            trust_platform_admins=settings.moderators.trust_platform_admins,
        )
        limits = Limits(keys, LimitConfig(**settings.limits.model_dump()))
        dispatcher = Dispatcher(catalogue, policy, default_registry(), access, stores, Metrics(), limits=limits)
        try:
            yield Services(settings, source, keys, catalogue, dispatcher, database, store, stores)
        finally:
            await catalogue.aclose()
    finally:
        if database is not None:
            await database.dispose()
