"""A seeded fuzzer for ``/lti/login`` and ``/lti/launch``: mutated signed launches and plain garbage.

Used by ``tests/e2e/test_fuzz.py`` (a quick profile in every test run) and ``scripts/fuzz`` (the long run).

Launches start from real id_tokens of the development platform (captured through its id_token hook for
a resource-link and a deep-linking launch). For every launch the fuzzer logs in at the tool (in process,
through the WSGI fast path), mutates the header and claims of the real token, signs the result with the
platform's own key — or tampers with it after signing, or signs with a stranger's key — and posts it to
the launch. It checks two things for every answer:

- never a 5xx (and nothing logged at ERROR level by the tool);
- no accepted bad token: a launch the tool accepts must pass an independent reference check of the
  header and the claims the tool must verify (issuer, audience, times, nonce, deployment, ...), must
  have been signed by the platform key, and then its landing page must not fail either.

Garbage requests are random queries and bodies, some of them close to real logins and launches.
Everything comes from one ``random.Random(seed)``: a failure is reproduced by re-running the seed.
"""

from __future__ import annotations

import base64
import collections
import copy
import json
import logging
import math
import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import parse_qs, quote_plus, urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from werkzeug.test import Client

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPE = LTI + "message_type"
DEPLOYMENT_ID = LTI + "deployment_id"
TARGET_LINK_URI = LTI + "target_link_uri"
ROLES = LTI + "roles"
VERSION = LTI + "version"
RESOURCE_LINK = LTI + "resource_link"
DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"

_STRANGER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)

_STRINGS = [
    "", " ", "x", "0", "null", "true", "[]", "{}", "RS256", "none", "1.3.0", "LtiResourceLinkRequest",
    "LtiDeepLinkingRequest", "\x00", "a\x00b", "\ud800", "\udfff x", "J\u00fcrgen M\u00fcller", "\u202eevil",
    "\U0001f600" * 3, "e\u0301", "<script>alert(1)</script>", "javascript:alert(1)", "' OR 1=1 --", "%00%ff",
    "http://127.0.0.1/", "http://169.254.169.254/latest/meta-data/", "https://evil.example/lineitems",
    "https://[::1]:99999/x", "http://[fe80::1%25eth0]/", "https://", "ftp://example.org/file", "\\\\server\\share",
    "\n\r\t", "\u2028", "\ufeff", "\ufffd",
]


def _long_strings(rng: random.Random) -> str:
    size = rng.choice([64, 65, 255, 256, 400, 401, 1000, 1001, 2049, 5000])
    head = rng.choice(["", "https://platform.example/", "http://127.0.0.1:1/", "\u00fc"])
    return (head + rng.choice("ab\u00fc\U0001f600/?&=%") * size)[:size]


def random_value(rng: random.Random, depth: int = 0) -> Any:
    """A random JSON value, biased towards the shapes that break type assumptions."""
    kinds = ["str", "str", "long", "int", "float", "special", "bool", "none", "list", "dict"]
    if depth > 2:
        kinds = kinds[:8]
    kind = rng.choice(kinds)
    if kind == "str":
        return rng.choice(_STRINGS)
    if kind == "long":
        return _long_strings(rng)
    if kind == "int":
        return rng.choice([0, -1, 1, 2**31, 2**53 + 1, 2**63, 2**64 + 1, -(2**70), 10**30])
    if kind == "float":
        return rng.choice([0.5, -0.0, 1e308, 1e-308, 3.0])
    if kind == "special":
        return rng.choice([math.nan, math.inf, -math.inf])
    if kind == "bool":
        return rng.choice([True, False])
    if kind == "none":
        return None
    if kind == "list":
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(["id", "url", "title", "", "\u00fc", "scope", "lineitems"]): random_value(rng, depth + 1)
            for _ in range(rng.randint(0, 3))}


def _raw(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")  # lone surrogates become bytes that are not UTF-8


def form_bytes(fields: dict[str, str]) -> str:
    """Urlencode fields whose text may hold lone surrogates (sent as invalid UTF-8 bytes)."""
    return "&".join(quote_plus(_raw(k)) + "=" + quote_plus(_raw(v)) for k, v in fields.items())


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def sign(header: Any, body: bytes, key: Any) -> str:
    """A compact JWS with ``header`` (any JSON value) over ``body`` (raw bytes), RS256 with ``key``."""
    signing_input = b64(json.dumps(header).encode()) + "." + b64(body)
    signature = key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return signing_input + "." + b64(signature)


def dumps(claims: Any) -> bytes:
    return json.dumps(claims, separators=(",", ":"), allow_nan=True).encode("utf-8")


@dataclass
class Mutation:
    """One mutated launch: how it was made, and whether it was signed by the platform key."""

    kind: str
    header: Any
    body: bytes
    signed_by_platform: bool = True
    token: str | None = None  # set when the token text was changed after signing
    extra_form: dict[str, str] = field(default_factory=dict)


@dataclass
class Outcome:
    """What the tool answered to one request."""

    kind: str
    status: int
    accepted: bool
    detail: str = ""


@dataclass
class Report:
    """Counts of a fuzz run."""

    launches: int = 0
    garbage: int = 0
    statuses: collections.Counter = field(default_factory=collections.Counter)
    codes: collections.Counter = field(default_factory=collections.Counter)
    accepted: int = 0
    server_errors: list[str] = field(default_factory=list)
    accepted_bad: list[str] = field(default_factory=list)
    logged_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.server_errors or self.accepted_bad or self.logged_errors)

    def summary(self) -> str:
        return (f"{self.launches} mutated launches, {self.garbage} garbage requests: "
                f"{sum(v for k, v in self.statuses.items() if k >= 500)} answers of 5xx, "
                f"{len(self.accepted_bad)} accepted bad tokens, {len(self.logged_errors)} errors logged, "
                f"{self.accepted} launches accepted; statuses {dict(sorted(self.statuses.items()))}")


class _ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage() + (" (with traceback)" if record.exc_info else ""))


class LaunchFuzzer:
    """Fuzz a tool app (in process) registered with a running development platform."""

    def __init__(self, app: Any, platform: Any, client_id: str, deployment_id: str, *, seed: int,
                 templates: dict[str, dict[str, Any]]):
        self.app = app
        self.platform = platform
        self.client_id = client_id
        self.deployment_id = deployment_id
        self.rng = random.Random(seed)
        self.templates = templates
        self.base_url = app.config["R2COM"]["BASE_URL"]
        self.http = Client(app)
        self.report = Report()
        self._login_params = {"iss": platform.issuer, "login_hint": "fuzz-user", "client_id": client_id,
                              "lti_deployment_id": deployment_id, "target_link_uri": self.base_url + "/lti/launch"}

    # -- the real launch to start from ------------------------------------------------------------
    @staticmethod
    def capture_templates(platform: Any, browser_factory: Callable[[], Any], client_id: str,
                          deployment_id: str) -> dict[str, dict[str, Any]]:
        """Real id_token claims of the platform: a learner's resource-link and an instructor's deep-linking launch."""
        templates: dict[str, dict[str, Any]] = {}
        for name, user, message in (("resource", "learner", "resource"), ("deeplink", "instructor", "deeplink")):
            def hook(claims, headers, name=name):
                templates[name] = copy.deepcopy(claims)
                return claims, headers
            platform.next_id_token_hook = hook
            with browser_factory() as browser:
                resp = browser.launch(platform.base_url, client_id, deployment_id, user=user, message=message)
            if resp.status_code != 200 or name not in templates:
                raise RuntimeError(f"the unmutated {name} launch failed: {resp.status_code} {resp.text[-300:]}")
        return templates

    # -- running ---------------------------------------------------------------------------------
    def run(self, launches: int, garbage: int, *, deadline: float | None = None) -> Report:
        """Make ``launches`` mutated launches and ``garbage`` garbage requests, interleaved."""
        handler = _ErrorLog()
        logging.getLogger().addHandler(handler)
        try:
            jobs = ["launch"] * launches + ["garbage"] * garbage
            self.rng.shuffle(jobs)
            for job in jobs:
                if deadline is not None and time.monotonic() > deadline:
                    break
                if job == "launch":
                    self.report.launches += 1
                    self._one_launch()
                else:
                    self.report.garbage += 1
                    self._one_garbage()
        finally:
            logging.getLogger().removeHandler(handler)
        self.report.logged_errors.extend(handler.records)
        return self.report

    def _record(self, what: str, resp: Any) -> None:
        self.report.statuses[resp.status_code] += 1
        if resp.status_code >= 500:
            self.report.server_errors.append(f"{what}: {resp.status_code} {resp.get_data(as_text=True)[:300]!r}")
        elif resp.status_code >= 400:
            body = resp.get_data(as_text=True)
            start = body.find("<code>")
            if start >= 0:
                self.report.codes[body[start + 6:body.find("</code>", start)]] += 1

    # -- mutated launches ------------------------------------------------------------------------
    def _login(self) -> tuple[str, str, dict[str, str]] | None:
        resp = self.http.get("/lti/login", query_string=self._login_params)
        if resp.status_code != 302:
            self._record("login", resp)
            return None
        query = parse_qs(urlsplit(resp.headers["Location"]).query)
        cookies = {}
        for header in resp.headers.getlist("Set-Cookie"):
            name, _, value = header.split(";", 1)[0].partition("=")
            if value:
                cookies[name] = value
        return query["state"][0], query["nonce"][0], cookies

    def _one_launch(self) -> None:
        login = self._login()
        if login is None:
            return
        state, nonce, cookies = login
        template = self.templates[self.rng.choice(sorted(self.templates))]
        claims = copy.deepcopy(template)
        now = int(time.time())
        claims.update(iat=now, exp=now + 300, nonce=nonce)
        header: Any = {"typ": "JWT", "alg": "RS256", "kid": self.platform.kid}
        mutation = self._mutate(header, claims)
        if mutation.token is not None:
            token = mutation.token
        elif mutation.signed_by_platform:
            token = sign(mutation.header, mutation.body, self.platform.key.private_key)
        else:
            token = sign(mutation.header, mutation.body, _STRANGER_KEY)
        form = {"id_token": token, "state": state, **mutation.extra_form}
        cookie_header = "; ".join(f"{k}={v}" for k, v in cookies.items())
        resp = self.http.post("/lti/launch", data=form, headers={"Cookie": cookie_header})
        self._record(f"launch ({mutation.kind})", resp)
        if resp.status_code == 303 and "/lti/home?ltik=" in resp.headers.get("Location", ""):
            self.report.accepted += 1
            problem = self._reference_problem(mutation, nonce)
            if problem:
                self.report.accepted_bad.append(f"{mutation.kind}: {problem}")
            home = self.http.get(resp.headers["Location"])
            self._record(f"home after {mutation.kind}", home)

    def _mutate(self, header: dict[str, Any], claims: dict[str, Any]) -> Mutation:
        rng = self.rng
        family = rng.choices(["claims", "header", "tamper", "stranger", "raw_body"], weights=[60, 15, 12, 3, 10])[0]
        if family == "claims":
            kinds = []
            for _ in range(rng.choice([1, 1, 1, 2, 3])):
                kinds.append(self._mutate_claim(claims))
            return Mutation("claims:" + ",".join(kinds), header, dumps(claims))
        if family == "header":
            key = rng.choice(["kid", "kid", "alg", "crit", "typ", "jku", "x5u", "b64", "zip", "cty"])
            action = rng.random()
            if key == "crit":
                header["crit"] = rng.choice([["exp"], ["b64"], [], "b64", random_value(rng)])
            elif action < 0.15:
                header.pop(key, None)
            else:
                header[key] = random_value(rng) if rng.random() < 0.8 else rng.choice(
                    ["RS256", "HS256", "none", "RS512", "PS256", self.platform.kid + "x", "http://127.0.0.1/jwks"])
            if rng.random() < 0.05:
                header = random_value(rng)  # not even an object
            return Mutation(f"header:{key}", header, dumps(claims))
        if family == "stranger":
            return Mutation("stranger key", header, dumps(claims), signed_by_platform=False)
        if family == "raw_body":
            return self._raw_body(header, claims)
        return self._tamper(header, claims)

    def _paths(self, claims: dict[str, Any]) -> list[tuple[str, ...]]:
        paths = [(k,) for k in claims]
        for key, value in claims.items():
            if isinstance(value, dict):
                paths.extend((key, sub) for sub in value)
        extra = [("https://purl.imsglobal.org/spec/lti-ags/claim/endpoint",),
                 ("https://purl.imsglobal.org/spec/lti-ags/claim/endpoint", "lineitems"),
                 ("https://purl.imsglobal.org/spec/lti-ags/claim/endpoint", "lineitem"),
                 ("https://purl.imsglobal.org/spec/lti-ags/claim/endpoint", "scope"),
                 ("https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice",),
                 ("https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice", "context_memberships_url"),
                 (LTI + "custom",), (LTI + "custom", "r2com_item"), (LTI + "custom", "\u00fc"), ("nbf",),
                 ("name",), ("given_name",), ("family_name",), ("locale",), ("email",), (LTI + "for_user",)]
        return paths + extra

    def _mutate_claim(self, claims: dict[str, Any]) -> str:
        rng = self.rng
        path = rng.choice(self._paths(claims))
        parent: Any = claims
        for key in path[:-1]:
            if not isinstance(parent.get(key), dict):
                parent[key] = {}
            parent = parent[key]
        last = path[-1]
        action = rng.choices(["set", "delete", "append", "service_url"], weights=[70, 15, 8, 7])[0]
        if action == "delete":
            parent.pop(last, None)
        elif action == "append" and isinstance(parent.get(last), list):
            parent[last].append(random_value(rng))
        elif action == "service_url":
            parent[last] = rng.choice(["http://169.254.169.254/latest", "https://evil.example/lineitems",
                                       self.platform.url("/api/ags/x") + "?" + "p" * 1000, "http://127.0.0.1:1/",
                                       "https://" + "a" * 995 + ".org", self.platform.url("/api/nrps/zz")])
        else:
            parent[last] = random_value(rng)
        return f"{action} {'/'.join(p.rsplit('/', 1)[-1] for p in path)}"

    def _raw_body(self, header: dict[str, Any], claims: dict[str, Any]) -> Mutation:
        rng = self.rng
        body = dumps(claims)
        trick = rng.choice(["dup_nonce", "dup_iss", "bom", "trailing", "latin1", "deep", "not_object", "lone_surrogate",
                            "nul_escape", "huge_int", "big_int"])
        if trick == "dup_nonce":
            body = body[:-1] + b',"nonce":"' + b"x" * rng.choice([1, 43, 300]) + b'"}'
        elif trick == "dup_iss":
            body = body[:-1] + b',"iss":"https://evil.example"}'
        elif trick == "bom":
            body = b"\xef\xbb\xbf" + body
        elif trick == "trailing":
            body = body + rng.choice([b"x", b" {}", b"\x00"])
        elif trick == "latin1":
            body = body.replace(b'"sub":"', b'"sub":"\xfc', 1)
        elif trick == "deep":
            depth = rng.choice([50, 1000, 20000])
            body = body[:-1] + b',"deep":' + b"[" * depth + b"]" * depth + b"}"
        elif trick == "not_object":
            body = rng.choice([b"[]", b"null", b'"x"', b"1", b""])
        elif trick == "lone_surrogate":
            body = body.replace(b'"sub":"', b'"sub":"\\ud834', 1)
        elif trick == "big_int":
            body = body[:-1] + b',"' + rng.choice([b"exp", b"iat", b"nbf"]) + b'":1' + b"0" * 400 + b"}"
        elif trick == "huge_int":
            body = body[:-1] + b',"exp":1' + b"0" * 5000 + b"}"
        else:
            body = body.replace(b'"sub":"', b'"sub":"\\u0000', 1)
        return Mutation(f"raw body:{trick}", header, body)

    def _tamper(self, header: dict[str, Any], claims: dict[str, Any]) -> Mutation:
        """Sign correctly, then change the token text: never acceptable."""
        rng = self.rng
        token = sign(header, dumps(claims), self.platform.key.private_key)
        parts = token.split(".")
        trick = rng.choice(["flip_sig", "flip_body", "bad_char", "padding", "truncate", "extra_part", "swap_body",
                            "empty_sig", "header_none", "spare_bits"])
        if trick == "flip_sig":
            i = rng.randrange(len(parts[2]))
            parts[2] = parts[2][:i] + ("A" if parts[2][i] != "A" else "B") + parts[2][i + 1:]
        elif trick == "flip_body":
            i = rng.randrange(len(parts[1]))
            parts[1] = parts[1][:i] + ("A" if parts[1][i] != "A" else "B") + parts[1][i + 1:]
        elif trick == "bad_char":
            which = rng.randrange(3)
            i = rng.randrange(len(parts[which]) + 1)
            parts[which] = parts[which][:i] + rng.choice(["=", "+", "/", " ", "\n", "\u00fc", "%", "!", "*"]) + \
                parts[which][i:]
        elif trick == "padding":
            parts[rng.randrange(3)] += rng.choice(["=", "=="])
        elif trick == "truncate":
            parts[2] = parts[2][: rng.randrange(len(parts[2]))]
        elif trick == "extra_part":
            parts.append(rng.choice(["", "abc", parts[2]]))
        elif trick == "swap_body":
            other = dict(claims, sub="someone-else")
            parts[1] = b64(dumps(other))
        elif trick == "spare_bits":  # the same signature bytes, written another way
            alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
            index = alphabet.index(parts[2][-1])
            parts[2] = parts[2][:-1] + alphabet[index | rng.randrange(1, 16)]
        elif trick == "empty_sig":
            parts[2] = ""
        else:
            parts[0] = b64(json.dumps({"alg": "none", "kid": self.platform.kid}).encode())
        return Mutation(f"tamper:{trick}", header, b"", token=".".join(parts))

    def _reference_problem(self, mutation: Mutation, nonce: str) -> str | None:
        """Why an accepted token should have been refused, by rules written apart from the tool's code."""
        if mutation.token is not None:
            return "the token text was changed after signing"
        if not mutation.signed_by_platform:
            return "signed with a key the platform does not publish"
        header = mutation.header
        if not isinstance(header, dict) or header.get("alg") != "RS256" or header.get("kid") != self.platform.kid:
            return f"header {header!r:.200}"
        if "crit" in header:
            return "header has crit"
        try:
            claims = json.loads(mutation.body)
        except ValueError:
            return "the body is not JSON"
        if not isinstance(claims, dict):
            return "the body is not an object"
        now = time.time()
        checks = {
            "iss": claims.get("iss") == self.platform.issuer,
            "aud": claims.get("aud") in (self.client_id, [self.client_id]),
            "azp": claims.get("azp", self.client_id) == self.client_id,
            "exp": _finite(claims.get("exp")) and claims["exp"] > now - 60,
            "iat": _finite(claims.get("iat")) and now - 400 < claims["iat"] < now + 60,
            "nbf": "nbf" not in claims or (_finite(claims["nbf"]) and claims["nbf"] < now + 60),
            "nonce": claims.get("nonce") == nonce,
            "sub": isinstance(claims.get("sub"), str) and 0 < len(claims["sub"]) <= 255,
            "deployment_id": claims.get(DEPLOYMENT_ID) == self.deployment_id,
            "message_type": claims.get(MESSAGE_TYPE) in ("LtiResourceLinkRequest", "LtiDeepLinkingRequest"),
            "version": claims.get(VERSION) == "1.3.0",
            "roles": isinstance(claims.get(ROLES), list) and all(isinstance(r, str) for r in claims[ROLES]),
            "target_link_uri": isinstance(claims.get(TARGET_LINK_URI), str)
            and claims[TARGET_LINK_URI].startswith(self.base_url),
        }
        if claims.get(MESSAGE_TYPE) == "LtiResourceLinkRequest":
            link = claims.get(RESOURCE_LINK)
            checks["resource_link"] = isinstance(link, dict) and isinstance(link.get("id"), str) and bool(link["id"])
        elif claims.get(MESSAGE_TYPE) == "LtiDeepLinkingRequest":
            settings = claims.get(DL_SETTINGS)
            checks["deep_linking_settings"] = isinstance(settings, dict) and isinstance(
                settings.get("deep_link_return_url"), str)
        ags, nrps = claims.get(AGS), claims.get(NRPS)
        service_urls = [ags.get(k) for k in ("lineitems", "lineitem")] if isinstance(ags, dict) else []
        service_urls += [nrps.get("context_memberships_url")] if isinstance(nrps, dict) else []
        platform_host = urlsplit(self.platform.base_url).hostname
        checks["service hosts"] = all(url is None or (isinstance(url, str) and _hostname(url) == platform_host)
                                      for url in service_urls)
        failed = [name for name, ok in checks.items() if not ok]
        return ("claims " + ", ".join(failed)) if failed else None

    # -- garbage ---------------------------------------------------------------------------------
    def _garbage_text(self) -> str:
        rng = self.rng
        choice = rng.random()
        if choice < 0.4:
            value = random_value(rng)
            return value if isinstance(value, str) else json.dumps(value, allow_nan=True)
        if choice < 0.6:
            return "".join(rng.choice("%=&+;.\x00\u00fc\U0001f600abc01-_/ ") for _ in range(rng.randint(0, 60)))
        if choice < 0.8:
            return ".".join(b64(rng.randbytes(rng.randint(0, 80))) for _ in range(rng.choice([1, 3, 3, 4])))
        return _long_strings(rng)

    def _one_garbage(self) -> None:
        rng = self.rng
        target = rng.choice(["login_get", "login_post", "launch", "launch_semi", "login_semi", "other"])
        headers: dict[str, str] = {}
        if rng.random() < 0.3:
            name = "r2com-lti-" + rng.choice(["", "x", "A" * 22, self._garbage_text()[:30]])
            cookie = f"{name}={rng.choice(['', 'v', 'A' * 32, self._garbage_text()[:60]])}; other=1"
            headers["Cookie"] = "".join(ch if ch not in "\r\n\x00" else " " for ch in cookie)  # a valid header line
        if rng.random() < 0.2:
            headers["Accept"] = rng.choice(["application/json", "*/*", "text/html;q=0", "\u00fc"])
        fields = {self._garbage_text()[:40]: self._garbage_text() for _ in range(rng.randint(0, 5))}
        if target in ("login_semi", "login_get") and rng.random() < 0.7:
            fields = {**self._login_params, **fields}
            for key in rng.sample(sorted(self._login_params), rng.randint(1, 3)):
                fields[key] = self._garbage_text()
            if rng.random() < 0.3:
                fields["lti_storage_target"] = self._garbage_text()
        if target == "launch_semi":
            login = self._login()
            if login is None:
                return
            state, _nonce, cookies = login
            fields = {"state": rng.choice([state, self._garbage_text()]), "id_token": self._garbage_text()}
            if rng.random() < 0.5:
                fields["lti_binding"] = rng.choice([next(iter(cookies.values()), ""), self._garbage_text()])
            if rng.random() < 0.5:
                fields["lti_storage_target"] = rng.choice(["_parent", self._garbage_text()])
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        if target == "login_get" or (target == "other" and rng.random() < 0.5):
            path = "/lti/login" if target == "login_get" else rng.choice(["/lti/launch", "/lti/home", "/lti/login"])
            query = form_bytes(fields) if rng.random() < 0.7 else quote_plus(_raw(self._garbage_text()), safe="=&%")
            resp = self.http.get(path + "?" + query, headers=headers)
        else:
            path = "/lti/login" if target in ("login_post", "login_semi") else "/lti/launch"
            kind = rng.choices(["form", "raw", "multipart", "json"], weights=[60, 20, 10, 10])[0]
            if kind == "form":
                resp = self.http.post(path, data=form_bytes(fields), headers=headers,
                                      content_type="application/x-www-form-urlencoded")
            elif kind == "multipart":
                safe = {k.encode("utf-8", "replace").decode(): v.encode("utf-8", "replace").decode()
                        for k, v in fields.items() if k}
                resp = self.http.post(path, data=safe, headers=headers, content_type="multipart/form-data")
            elif kind == "json":
                resp = self.http.post(path, data=json.dumps(fields), headers=headers, content_type="application/json")
            else:
                body = rng.randbytes(rng.randint(0, 400)) if rng.random() < 0.5 else _raw(self._garbage_text())
                resp = self.http.post(path, data=body, headers=headers,
                                      content_type=rng.choice(["application/x-www-form-urlencoded", "text/plain",
                                                               "application/x-www-form-urlencoded; charset=latin-1",
                                                               "multipart/form-data; boundary=x"]))
        self._record(f"garbage {target}", resp)
        if resp.status_code == 303 and "/lti/home?ltik=" in resp.headers.get("Location", ""):
            self.report.accepted_bad.append(f"garbage {target} opened a session")


def _hostname(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _finite(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return -(2**53) <= value <= 2**53 if isinstance(value, int) else math.isfinite(value)
