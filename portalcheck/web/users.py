"""Workspace accounts: roles, argon2 password hashes, and the audit log.

There is no default account and no default password: the first account is made with
`portalcheck users add NAME --role inspector` (or the demo prints the one it made).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from storage.models import AuditEvent, User, utcnow
from storage.session import Store

ROLES = {"inspector": "督查", "unit": "单位", "readonly": "只读", "admin": "管理员"}
ROLE_BY_ZH = {zh: code for code, zh in ROLES.items()}
MIN_PASSWORD = 10

_hasher = PasswordHasher()


class UserError(ValueError):
    """A user command that cannot be done (unknown role, missing unit, duplicate name): said in Chinese."""


@dataclass(frozen=True)
class Actor:
    """The signed-in user as the views see it."""

    id: int
    name: str
    role: str
    unit: str | None

    @property
    def sees_all(self) -> bool:
        return self.role != "unit"

    @property
    def can_recheck(self) -> bool:
        return self.role == "inspector"

    @property
    def can_export(self) -> bool:
        return self.role in ("inspector", "unit")  # a unit's staff download their own unit's tables

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def role_zh(self) -> str:
        return ROLES.get(self.role, self.role)

    def may_see(self, unit: str | None) -> bool:
        """A 单位 account sees its own unit only (never the site-wide findings of the portal)."""
        return self.sees_all or (unit is not None and unit == self.unit)


def role_code(text: str) -> str:
    code = ROLE_BY_ZH.get(text, text)
    if code not in ROLES:
        raise UserError(f"未知角色 {text!r}；可选：" + "、".join(f"{c}（{zh}）" for c, zh in ROLES.items()))
    return code


def random_password() -> str:
    return secrets.token_urlsafe(12)


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"密码至少 {MIN_PASSWORD} 个字符")
    return _hasher.hash(password)


def add_user(store: Store, name: str, role: str, password: str, unit: str | None = None,
             known_units: list[str] | None = None, *, by: str | None = None, address: str = "cli") -> Actor:
    """Add an account (the CLI's `users add` and the admin page); the audit log says who (`by`) and from where."""
    role = role_code(role)
    name = name.strip()
    if not name or len(name) > 100:
        raise UserError("用户名不能为空，且不超过 100 个字符")
    if role == "unit" and not unit:
        raise UserError("单位账号须用 --unit 指定所属单位")
    if role != "unit" and unit:
        raise UserError("只有单位账号（--role unit）才指定 --unit")
    if unit and known_units is not None and unit not in known_units:
        raise UserError(f"配置中没有单位 {unit!r}；已配置的单位：{'、'.join(known_units)}")
    hashed = hash_password(password)
    with store.session() as session:
        if session.scalar(select(User.id).where(User.name == name)) is not None:
            raise UserError(f"用户 {name} 已存在")
        user = User(name=name, password_hash=hashed, role=role, unit_name=unit, disabled=False,
                    created_at=utcnow(), password_changed_at=utcnow())
        session.add(user)
        session.flush()
        session.add(AuditEvent(user_name=by, action="user_add", address=address,
                               detail=f"{name} {role} {unit or ''}".strip()))
        return Actor(user.id, user.name, user.role, user.unit_name)


def set_password(store: Store, name: str, password: str, *, by: str | None = None, address: str = "cli") -> None:
    hashed = hash_password(password)
    with store.session() as session:
        user = _get(session, name)
        user.password_hash, user.password_changed_at = hashed, utcnow()
        session.add(AuditEvent(user_name=by, action="user_passwd", address=address, detail=name))


def set_disabled(store: Store, name: str, disabled: bool = True, *, by: str | None = None,
                 address: str = "cli") -> None:
    with store.session() as session:
        _get(session, name).disabled = disabled
        session.add(AuditEvent(user_name=by, action="user_disable" if disabled else "user_enable", address=address,
                               detail=name))


def list_users(store: Store) -> list[tuple[str, str, str | None, bool]]:
    with store.session() as session:
        return [tuple(row) for row in session.execute(  # type: ignore[misc]
            select(User.name, User.role, User.unit_name, User.disabled).order_by(User.id))]


def audit_events(store: Store, before: int | None = None, limit: int = 100) -> list[AuditEvent]:
    """The audit log, newest first, `limit` events older than the event id `before` (keyset paging)."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if before is not None:
        query = query.where(AuditEvent.id < before)
    with store.session() as session:
        return list(session.scalars(query))


def _get(session, name: str) -> User:  # type: ignore[no-untyped-def]
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise UserError(f"没有用户 {name}")
    return user


def authenticate(store: Store, name: str, password: str) -> Actor | None:
    """The account if the password matches and it is enabled; a rehash when argon2's parameters moved."""
    with store.session() as session:
        user = session.scalar(select(User).where(User.name == name))
        if user is None:
            _hasher.hash(password)  # the same cost for an unknown name: no timing oracle for names
            return None
        try:
            _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        if user.disabled:
            return None
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        return Actor(user.id, user.name, user.role, user.unit_name)


def load_actor(store: Store, user_id: int) -> Actor | None:
    """The session's user as stored now: a disabled or deleted account is signed out at its next request."""
    with store.session() as session:
        user = session.get(User, user_id)
        if user is None or user.disabled:
            return None
        return Actor(user.id, user.name, user.role, user.unit_name)


def audit(store: Store, actor: str | None, action: str, address: str | None, detail: str | None = None) -> None:
    with store.session() as session:
        # a failed login records the name as typed: whatever its length, it fits the column (PostgreSQL enforces it)
        session.add(AuditEvent(at=utcnow(), user_name=actor[:100] if actor else actor, action=action,
                               address=address[:100] if address else address, detail=detail))
