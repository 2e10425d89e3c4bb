"""Why a catalogue change was refused, in terms a moderator can act on."""

from __future__ import annotations

from bot.domain.models import StoredClaim


class StorageError(Exception):
    """The database could not be reached or failed; the storage layer raises this so the core can degrade."""


class EditRefused(Exception):
    """Base for refusals: the message is shown to the moderator as it is."""


class UnknownClaim(EditRefused):
    """No claim has this id."""

    def __init__(self, claim_id: str) -> None:
        super().__init__(f"No claim has the id `{claim_id}`.")
        self.claim_id = claim_id


class ClaimExists(EditRefused):
    """A new claim would reuse an existing id."""

    def __init__(self, claim_id: str) -> None:
        super().__init__(f"A claim with the id `{claim_id}` already exists; choose another id or edit that one.")
        self.claim_id = claim_id


class StaleVersion(EditRefused):
    """The edit was based on an older version: someone else changed the claim since."""

    def __init__(self, current: StoredClaim, expected: int) -> None:
        super().__init__(
            f"`{current.claim.id}` was changed by {current.updated_by} at "
            f"{current.updated_at:%Y-%m-%d %H:%M} UTC (now v{current.version}; your edit was based on v{expected}). "
            f"Reload it with `claim show {current.claim.id}` and edit again."
        )
        self.current = current


class NothingChanged(EditRefused):
    """The edit would leave the claim exactly as it is."""

    def __init__(self, claim_id: str) -> None:
        super().__init__(f"`{claim_id}` already reads like that; nothing was changed.")


class UnknownRevision(EditRefused):
    """No revision has this number."""

    def __init__(self, revision_id: int) -> None:
        super().__init__(f"There is no revision #{revision_id}; `claim history ID` lists them.")


class NotLatestRevision(EditRefused):
    """Undoing an older revision would silently discard the changes made after it."""

    def __init__(self, revision_id: int, current: StoredClaim) -> None:
        super().__init__(
            f"Revision #{revision_id} is not the latest change to `{current.claim.id}` (now v{current.version}, by "
            f"{current.updated_by}); undo the later revisions first, newest first."
        )


class DatabaseUnavailable(Exception):
    """The database could not be reached or used; the message names it without its password."""
