"""The audit log: every domain records who did what to which object, and why."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from issuer_api.models import AuditEvent


def add_audit_event(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    target_type: str,
    target_id: str,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Add an event to the unit of work (written when the request or job commits)."""
    session.add(
        AuditEvent(
            actor=actor,
            action=action,
            target_type=target_type,
            target_id=target_id,
            reason=reason,
            data=data or {},
        )
    )
