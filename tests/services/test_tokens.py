"""Access tokens: signed client assertions, caching per (issuer, client_id, scopes), Redis sharing."""

from __future__ import annotations

import os
import time
import uuid

import jwt
import pytest
import redis
import requests

from lti_tool.services.outbound import GuardedSession
from lti_tool.services.tokens import (
    MemoryTokenStore,
    RedisTokenStore,
    TokenError,
    TokenProvider,
    cache_key,
)

from .conftest import GradeEnv

SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
REDIS_URL = os.environ.get("LTI_TOOL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _info(env: GradeEnv):
    return env.app.extensions["r2com"]["platforms"].by_id(env.platform_id)


def _provider(env: GradeEnv, store=None) -> TokenProvider:
    ext = env.app.extensions["r2com"]
    return TokenProvider(ext["keyring"], store or MemoryTokenStore(), http=GuardedSession(ext["outbound_policy"]))


@pytest.fixture
def redis_client():
    """A Redis connection; the test fails (never skips) when Redis is not running."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis is required at {REDIS_URL} (set LTI_TOOL_TEST_REDIS_URL): {exc}")
    yield client
    client.close()


def test_client_assertion_is_signed_with_the_current_key(env: GradeEnv) -> None:
    info = _info(env)
    provider = _provider(env)
    key = env.app.extensions["r2com"]["keyring"].signing_key()
    first, second = provider.client_assertion(info), provider.client_assertion(info)
    header = jwt.get_unverified_header(first)
    assert header["alg"] == "RS256" and header["kid"] == key.kid
    claims = jwt.decode(first, key.private_key.public_key(), algorithms=["RS256"], audience=info.auth_token_url)
    assert claims["iss"] == claims["sub"] == info.client_id
    assert claims["exp"] > claims["iat"]
    assert claims["jti"] != jwt.decode(second, options={"verify_signature": False})["jti"]


def test_auth_audience_is_used_when_set(env: GradeEnv) -> None:
    info = _info(env)
    info.auth_audience = "https://platform.example/audience"
    claims = jwt.decode(_provider(env).client_assertion(info), options={"verify_signature": False})
    assert claims["aud"] == "https://platform.example/audience"


def test_one_token_request_for_many_calls(env: GradeEnv) -> None:
    provider, info = _provider(env), _info(env)
    tokens = {provider.get(info, [SCORE, LINEITEM]) for _ in range(50)}
    assert tokens == {provider.get(info, [LINEITEM, SCORE])}  # scope order does not matter
    assert env.platform.token_requests == 1
    provider.get(info, [SCORE])  # another scope set is another token
    assert env.platform.token_requests == 2


def test_private_key_is_not_parsed_per_request(env: GradeEnv, monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("the private key was parsed again")

    monkeypatch.setattr("cryptography.hazmat.primitives.serialization.load_pem_private_key", refuse)
    monkeypatch.setattr("jwt.algorithms.load_pem_private_key", refuse, raising=False)
    provider = _provider(env)
    for _ in range(3):
        provider.invalidate(_info(env), [SCORE], provider.get(_info(env), [SCORE]))
    assert env.platform.token_requests == 3


def test_token_is_refetched_near_expiry(env: GradeEnv) -> None:
    env.platform.token_lifetime = 1  # usable until 0.9 s after issue (a tenth is kept as margin)
    provider, info = _provider(env), _info(env)
    first = provider.get(info, [SCORE])
    assert provider.get(info, [SCORE]) == first
    time.sleep(1.0)
    assert provider.get(info, [SCORE]) != first
    assert env.platform.token_requests == 2


def test_invalidate_drops_only_the_refused_token(env: GradeEnv) -> None:
    provider, info = _provider(env), _info(env)
    token = provider.get(info, [SCORE])
    provider.invalidate(info, [SCORE], "some-older-token")
    assert provider.get(info, [SCORE]) == token
    provider.invalidate(info, [SCORE], token)
    assert provider.get(info, [SCORE]) != token


def test_refused_scope_is_permanent(env: GradeEnv) -> None:
    env.platform.clients[env.client_id].scopes = frozenset({LINEITEM})
    with pytest.raises(TokenError) as caught:
        _provider(env).get(_info(env), [SCORE])
    assert caught.value.permanent and "score" in str(caught.value)


def test_unreachable_token_endpoint_is_temporary(env: GradeEnv) -> None:
    env.stop_platform()
    with pytest.raises(TokenError) as caught:
        _provider(env).get(_info(env), [SCORE], requests.Session())
    assert not caught.value.permanent
    env.start_platform()


def test_redis_shares_one_token_between_workers(env: GradeEnv, redis_client) -> None:
    prefix = f"r2com-test:{uuid.uuid4().hex}:"
    info = _info(env)
    one = _provider(env, RedisTokenStore(redis_client, prefix))
    two = _provider(env, RedisTokenStore(redis.Redis.from_url(REDIS_URL), prefix))
    token = one.get(info, [SCORE, LINEITEM])
    assert two.get(info, [LINEITEM, SCORE]) == token
    assert env.platform.token_requests == 1
    ttl = redis_client.pttl(prefix + cache_key(info.issuer, info.client_id, [SCORE, LINEITEM]))
    assert 3_000_000 < ttl <= 3_600_000
    two.invalidate(info, [SCORE, LINEITEM], token)
    assert one.get(info, [SCORE, LINEITEM]) != token
    assert env.platform.token_requests == 2
    for key in redis_client.scan_iter(prefix + "*"):
        redis_client.delete(key)


def test_app_uses_redis_when_configured(tmp_path, redis_client) -> None:
    from support import drop_app, make_app

    app = make_app(tmp_path, REDIS_URL=REDIS_URL)
    try:
        assert isinstance(app.extensions["r2com"]["grade_tokens"].store, RedisTokenStore)
    finally:
        drop_app(app)
