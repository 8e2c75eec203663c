"""Issued credentials and the Bitstring Status Lists that track them.

A :class:`StatusList` is one W3C Bitstring Status List of one issuer and one purpose
(``revocation`` or ``suspension``): ``bits`` is the raw bitstring, ``version`` goes up
on every change (it is the ETag of the published list credential) and ``url`` is the
public address credentials point to, fixed when the list is created. A list is closed
(``closed_at``) when it is full or when the configured public base URL no longer matches
its URL; a closed list is still published and updated, it only takes no new credentials.
Lists of an issuer and purpose are numbered by ``sequence``; the unique constraint on it
is what stops two concurrent requests from opening two lists at once.

A :class:`StatusAllocation` records an index handed out in a list; the unique constraint
on (list, index) is what guarantees that an index is never given twice, even by
concurrent requests on several workers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from issuer_api.models.base import Base, TimestampMixin, new_id


class StatusList(TimestampMixin, Base):
    """A Bitstring Status List of one issuer and purpose; ``bits`` is the raw bitstring."""

    __tablename__ = "status_list"
    __table_args__ = (UniqueConstraint("issuer_id", "purpose", "sequence"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuer.id", ondelete="RESTRICT"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))  # revocation | suspension
    sequence: Mapped[int] = mapped_column()  # 1, 2, … per issuer and purpose
    url: Mapped[str] = mapped_column(String(2000))  # public URL of the list credential
    size: Mapped[int] = mapped_column()
    bits: Mapped[bytes] = mapped_column(LargeBinary)
    version: Mapped[int] = mapped_column(default=1)  # bumped on every change (ETag)
    updated_at: Mapped[datetime | None] = mapped_column(default=None)
    # No new allocations: the list is full, or its URL is not under the configured base.
    closed_at: Mapped[datetime | None] = mapped_column(default=None)


class StatusAllocation(Base):
    """An index handed out in a status list: unique, so an index is never reused."""

    __tablename__ = "status_allocation"
    __table_args__ = (UniqueConstraint("status_list_id", "status_index"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    # Indexed by the unique (status_list_id, status_index), whose leading column it is.
    status_list_id: Mapped[str] = mapped_column(ForeignKey("status_list.id", ondelete="RESTRICT"))
    status_index: Mapped[int] = mapped_column()
    credential_id: Mapped[str] = mapped_column(String(36), index=True)


class IssuedCredential(TimestampMixin, Base):
    """A credential this service signed. ``id`` is the UUID of its ``urn:uuid:`` id.

    ``credential_uri`` is the ``id`` inside the credential (``urn:uuid:{id}`` for
    credentials built here; whatever the caller chose through the VC-API, or nothing).
    """

    __tablename__ = "issued_credential"
    __table_args__ = (
        UniqueConstraint("client_id", "idempotency_key"),
        # A credential id identifies one credential of an issuer (VCDM 2.0 §4.4).
        UniqueConstraint("issuer_id", "credential_uri"),
        Index("ix_issued_credential_issuer_id_created_at", "issuer_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuer.id", ondelete="RESTRICT"))
    achievement_version_id: Mapped[str | None] = mapped_column(
        ForeignKey("achievement_version.id", ondelete="RESTRICT"), index=True
    )
    credential_uri: Mapped[str | None] = mapped_column(String(500), index=True)
    # Indexed by the unique (client_id, idempotency_key), whose leading column it is.
    client_id: Mapped[str | None] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_digest: Mapped[str | None] = mapped_column(String(64))
    recipient_type: Mapped[str] = mapped_column(String(16))  # email | did | id | none
    # Salted hash (email) or subject id: never the plaintext email.
    recipient: Mapped[str | None] = mapped_column(String(300), index=True)
    format: Mapped[str] = mapped_column(String(8))  # di | jwt
    document: Mapped[dict[str, Any]] = mapped_column()
    jwt: Mapped[str | None] = mapped_column(Text)
    valid_from: Mapped[datetime | None] = mapped_column()
    valid_until: Mapped[datetime | None] = mapped_column(default=None)
    revocation_list_id: Mapped[str | None] = mapped_column(ForeignKey("status_list.id"))
    revocation_index: Mapped[int | None] = mapped_column()
    suspension_list_id: Mapped[str | None] = mapped_column(ForeignKey("status_list.id"))
    suspension_index: Mapped[int | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    suspended: Mapped[bool] = mapped_column(default=False)
    # Set when the holder's data was erased (GDPR): revoked, document emptied.
    erased_at: Mapped[datetime | None] = mapped_column(default=None)
