"""RSA signing keys, JWKS export and a permissive JWT encoder for forging test tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto import jwk

_HMAC_HASHES = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


class SigningKey:
    """An RSA-2048 private key with its RFC 7638 thumbprint as ``kid``."""

    def __init__(self, private_key: rsa.RSAPrivateKey) -> None:
        """Wrap an existing RSA private key."""
        self.private_key = private_key
        self.public_jwk: dict[str, str] = _public_jwk(private_key)
        self.kid: str = self.public_jwk["kid"]

    @classmethod
    def generate(cls) -> SigningKey:
        """Generate a fresh RSA-2048 key."""
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @classmethod
    def from_pem(cls, pem: bytes | str) -> SigningKey:
        """Load a key from PKCS#8 or traditional PEM text."""
        data = pem.encode() if isinstance(pem, str) else pem
        key = serialization.load_pem_private_key(data, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("only RSA private keys are supported")
        return cls(key)

    @classmethod
    def load_or_generate(cls, path: str | os.PathLike[str] | None) -> SigningKey:
        """Load the key at ``path``, or generate one and save it there with mode 0600."""
        if path is None:
            return cls.generate()
        target = Path(path)
        if target.exists():
            return cls.from_pem(target.read_bytes())
        key = cls.generate()
        key.save(target)
        return key

    @property
    def private_pem(self) -> bytes:
        """Return the private key as unencrypted PKCS#8 PEM."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    @property
    def public_pem(self) -> bytes:
        """Return the public key as SubjectPublicKeyInfo PEM."""
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the private key to ``path`` readable by the owner only."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(self.private_pem)
        os.chmod(target, 0o600)

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """Return a JWKS holding this key's public half."""
        return {"keys": [dict(self.public_jwk)]}

    def sign(self, claims: dict[str, Any], headers: dict[str, Any] | None = None) -> str:
        """Sign ``claims`` with RS256 and this key's ``kid``."""
        return encode_jwt(claims, self.private_key, {"kid": self.kid, **(headers or {})})


def _public_jwk(private_key: rsa.RSAPrivateKey) -> dict[str, str]:
    """Export the public half as a JWK with kid, alg and use."""
    key = jwk.JWK.from_pyca(private_key.public_key())
    exported: dict[str, str] = key.export_public(as_dict=True)
    exported.update({"kid": key.thumbprint(), "alg": "RS256", "use": "sig"})
    return exported


def _b64(data: bytes) -> str:
    """Encode bytes as unpadded base64url."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def encode_jwt(
    claims: dict[str, Any],
    key: Any,
    headers: dict[str, Any] | None = None,
    alg: str = "RS256",
) -> str:
    """Encode a JWT with ``alg``; ``none`` and HS* are built by hand so tests can forge them.

    Args:
        claims: The payload.
        key: An RSA private key object or PEM for RS*/PS*, any str/bytes secret for HS*,
            ignored for ``none``.
        headers: Extra JOSE header fields (``kid`` is not added here).
        alg: The JWS algorithm name.
    """
    header = {"typ": "JWT", "alg": alg, **(headers or {})}
    if alg == "none" or alg in _HMAC_HASHES:
        signing_input = (
            _b64(json.dumps(header, separators=(",", ":")).encode())
            + "."
            + _b64(json.dumps(claims, separators=(",", ":")).encode())
        )
        if alg == "none":
            return signing_input + "."
        secret = key.encode() if isinstance(key, str) else bytes(key)
        digest = hmac.new(secret, signing_input.encode("ascii"), _HMAC_HASHES[alg]).digest()
        return signing_input + "." + _b64(digest)
    extra = {k: v for k, v in header.items() if k not in ("alg",)}
    return jwt.encode(claims, key, algorithm=alg, headers=extra)
