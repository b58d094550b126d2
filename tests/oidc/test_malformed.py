"""Malformed requests on every endpoint: a clear 4xx answer (an OAuth error in JSON on the
protocol endpoints, a page on the sign-in routes), never a 500 (docs/security.md)."""

from __future__ import annotations

import base64
import json

import pytest

JSON_ENDPOINTS = ("/token", "/userinfo", "/revoke", "/introspect")
POST_ONLY = ("/token", "/revoke", "/introspect")
PAGES_POST_ONLY = ("/login/some-interaction/password", "/authorize/cancel/some-interaction")
GET_ONLY = (
    "/.well-known/openid-configuration",
    "/.well-known/oauth-authorization-server",
    "/jwks.json",
    "/login/some-interaction",
    "/authorize/resume/some-interaction",
)
EVERY_PATH = ("/authorize", *JSON_ENDPOINTS, *PAGES_POST_ONLY, *GET_ONLY)
SECRET = "health-portal-test-secret-0123456789abcdef"
CB = b"http%3A%2F%2F127.0.0.1%3A5001%2Fauth%2Fcallback"


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def assert_handled(response, path: str) -> None:
    assert response.status_code < 500, (path, response.status_code, response.data[:300])
    if response.request.method == "HEAD":
        return
    if path in JSON_ENDPOINTS and response.status_code >= 400:
        assert response.mimetype == "application/json", (path, response.data[:200])
        assert "error" in response.get_json(), response.data[:200]
    if path.startswith(("/authorize", "/login")) and response.status_code >= 400:
        assert response.mimetype == "text/html", (path, response.data[:200])


# -- wrong method ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", POST_ONLY)
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_wrong_method_on_protocol_endpoints_is_405_json(client, path, method):
    response = client.open(path, method=method)
    assert response.status_code == 405
    assert response.mimetype == "application/json"
    assert response.get_json()["error"]


@pytest.mark.parametrize("path", PAGES_POST_ONLY)
def test_get_on_post_only_pages_is_a_405_page(client, path):
    response = client.get(path)
    assert response.status_code == 405
    assert response.mimetype == "text/html"
    assert "Cette action n'est pas possible ici" in response.get_data(as_text=True).replace(
        "&#39;", "'"
    )


@pytest.mark.parametrize("path", GET_ONLY)
def test_post_on_get_only_endpoints_is_405(client, path):
    response = client.post(path, data={"x": "y"})
    assert response.status_code == 405


@pytest.mark.parametrize("path", EVERY_PATH)
@pytest.mark.parametrize("method", ["HEAD", "OPTIONS", "TRACE", "PROPFIND"])
def test_unusual_methods_never_crash(client, path, method):
    assert_handled(client.open(path, method=method), path)


# -- bodies and parameters ------------------------------------------------------------------------

FORM = "application/x-www-form-urlencoded"
BODIES: list[tuple[str, bytes | str, str | None]] = [
    ("empty", b"", None),
    ("empty form", b"", FORM),
    ("non-utf8 form", b"grant_type=\xff\xfe&code=\xc3\x28&token=\x80", FORM),
    ("percent non-utf8", b"grant_type=%ff%fe&client_id=%c3%28&token=%80%80", FORM),
    ("bad percent", b"grant_type=%zz&client_id=%&token=%%%", FORM),
    ("nul bytes", b"grant_type=authorization_code%00&code=%00&token=%00&client_id=%00", FORM),
    (
        "repeated",
        b"grant_type=authorization_code&grant_type=refresh_token&code=a&code=b"
        b"&client_id=health-portal&client_id=mobile-app&token=a&token=b",
        FORM,
    ),
    ("only separators", b"&&&===&&", FORM),
    ("no values", b"grant_type&code&client_id&token", FORM),
    ("huge value", b"grant_type=authorization_code&code=" + b"a" * 200_000, FORM),
    ("huge token", b"token=" + b"a" * 200_000 + b"&refresh_token=" + b"b" * 100_000, FORM),
    ("many params", "&".join(f"p{i}=v" for i in range(5000)).encode(), FORM),
    ("json", json.dumps({"grant_type": "client_credentials", "token": "x"}), "application/json"),
    ("json garbage", b"{not json", "application/json"),
    ("json as form", json.dumps({"grant_type": "authorization_code"}), FORM),
    ("text", b"grant_type=authorization_code", "text/plain"),
    ("xml", b"<grant_type>x</grant_type>", "application/xml"),
    (
        "multipart",
        b'--x\r\nContent-Disposition: form-data; name="grant_type"\r\n\r\n'
        b"client_credentials\r\n--x--\r\n",
        "multipart/form-data; boundary=x",
    ),
    ("multipart no boundary", b"garbage", "multipart/form-data"),
    ("bad charset", b"grant_type=client_credentials", FORM + "; charset=klingon"),
    ("latin1 charset", b"grant_type=\xe9", FORM + "; charset=latin-1"),
    ("content type garbage", b"a=b", ";;;==="),
    ("binary", bytes(range(256)) * 4, "application/octet-stream"),
]


@pytest.mark.parametrize("path", ["/authorize", *JSON_ENDPOINTS, *PAGES_POST_ONLY])
@pytest.mark.parametrize(("name", "body", "content_type"), BODIES, ids=[b[0] for b in BODIES])
def test_garbage_post_bodies_never_crash(client, path, name, body, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post(path, data=body, headers=headers)
    assert_handled(response, path)


@pytest.mark.parametrize("path", ["/token", "/revoke", "/introspect"])
@pytest.mark.parametrize(("name", "body", "content_type"), BODIES, ids=[b[0] for b in BODIES])
def test_garbage_bodies_with_valid_client_auth(client, path, name, body, content_type):
    headers = {"Authorization": "Basic " + b64(f"health-portal:{SECRET}".encode())}
    if content_type:
        headers["Content-Type"] = content_type
    response = client.post(path, data=body, headers=headers)
    assert_handled(response, path)
    if path != "/token" and response.status_code == 200:
        assert response.get_json() in ({}, {"active": False})


def test_body_over_the_limit_is_413(client):
    response = client.post(
        "/token", data=b"a=" + b"x" * (2 * 1024 * 1024), headers={"Content-Type": FORM}
    )
    assert response.status_code == 413
    assert response.get_json()["error"]


QUERIES = [
    b"",
    b"client_id=%ff%fe&redirect_uri=%c3%28&state=%80",
    b"client_id=%zz&response_type=%",
    b"client_id=health-portal&client_id=mobile-app",
    b"response_type=code&response_type=token&client_id=health-portal",
    b"client_id=health-portal&redirect_uri=http%3A%2F%2F127.0.0.1%3A5001%2Fauth%2Fcallback"
    b"&redirect_uri=http%3A%2F%2Fevil.example",
    b"client_id=" + b"a" * 10000,
    b"client_id=health-portal&state=" + b"s" * 10000,
    b"client_id=health-portal&scope=" + b"openid%20" * 3000,
    b"client_id=%00&redirect_uri=%00&response_type=%00",
    b"&&&===",
    b"client_id[]=x&client_id[x]=y",
    b"client_id=health-portal&response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%3A5001"
    b"%2Fauth%2Fcallback&max_age=99999999999999999999&prompt=%ff&ui_locales=%ff&login_hint=%ff"
    b"&id_token_hint=%ff.%ff.%ff&acr_values=%ff&nonce=%ff",
    b"client_id=health-portal&response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%3A5001"
    b"%2Fauth%2Fcallback&code_challenge=" + b"a" * 5000 + b"&code_challenge_method=S256",
    b"client_id=health-portal&response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%3A5001"
    b"%2Fauth%2Fcallback&max_age=%EF%BC%91",  # a full-width digit
    b"client_id=health-portal&response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%3A5001"
    b"%2Fauth%2Fcallback&id_token_hint=" + b"e" * 20000,
    b"client_id=mobile-app&response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%3A0%2F"
    b"oauth2%2Fcallback&code_challenge=" + b"a" * 43,
    b"client_id=mobile-app&response_type=code&redirect_uri=http%3A%2F%2F%5B%3A%3A1%5D%3Aabc%2F",
    b"client_id=mobile-app&response_type=code&redirect_uri=http%3A%2F%2F%5Bnot-ipv6%5D%2F",
    b"client_id=health-portal&response_type=%22token%22&redirect_uri=" + CB,
    b"client_id=health-portal&response_type=%C3%A9&redirect_uri=" + CB,
    b"client_id=health-portal&response_type=%5C&redirect_uri=" + CB,
    b"client_id=health-portal&response_type=code&redirect_uri=https%3A%2F%2Fevil%2F%22%5C%C3%A9",
    b"client_id=health-portal&response_type=code&redirect_uri=" + CB + b"&max_age=%C2%B2",
    b"client_id=health-portal%0A&response_type=code&redirect_uri=" + CB,
    b"client_id=health-portal&response_type=code&redirect_uri=" + CB + b"&prompt=%22%5C",
    b"client_id=health-portal&response_type=code&redirect_uri=" + CB + b"&scope=%22%5C%C3%A9",
]


@pytest.mark.parametrize("path", ["/authorize", "/userinfo", *GET_ONLY])
@pytest.mark.parametrize("qs", QUERIES)
def test_garbage_query_strings_never_crash(client, path, qs):
    assert_handled(client.get(path, query_string=qs.decode("ascii")), path)


@pytest.mark.parametrize("path", ["/authorize", "/login/x", "/userinfo", "/jwks.json"])
def test_raw_non_ascii_bytes_in_query_and_path(client, path):
    response = client.get(path, environ_overrides={"QUERY_STRING": "client_id=\xff\xfe&a=\x00"})
    assert_handled(response, path)
    assert_handled(client.get("/login/\xff\xfe%ff%00"), "/login/x")
    assert_handled(client.get("/authorize/resume/" + "x" * 5000), "/authorize/resume/x")


# -- Authorization headers ------------------------------------------------------------------------

AUTHORIZATIONS = [
    "Basic",
    "Basic ",
    "Basic !!!!",
    "Basic ====",
    "Basic " + b64(b"\xff\xfe:\xfd"),
    "Basic " + b64(b"health-portal:\xff"),
    "Basic " + b64(b"no-colon-here"),
    "Basic " + b64(b":"),
    "Basic " + b64(b"%zz:%zz"),
    "Basic " + b64(b"%ff%fe:%ff"),
    "Basic " + b64(b"health-portal%00:x"),
    "Basic " + b64(b"a" * 10000 + b":" + b"b" * 10000),
    "Basic " + b64(b"health-portal:" + SECRET.encode()) + " extra",
    "basic " + b64(b"health-portal:wrong"),
    "Bearer abc",
    "Bearer " + "a" * 20000,
    "Bearer \x7f",
    "Digest username=x",
    "Negotiate YII=",
    ",,,,",
    "\x00",
    "Basic \u00e9\u00e9",
]


@pytest.mark.parametrize("path", [*JSON_ENDPOINTS, "/authorize"])
@pytest.mark.parametrize("authorization", AUTHORIZATIONS)
def test_garbage_authorization_headers_never_crash(client, path, authorization):
    environ = {"HTTP_AUTHORIZATION": authorization.encode("utf-8").decode("latin-1")}
    response = client.post(
        path,
        data={"grant_type": "client_credentials", "token": "x", "code": "x"},
        environ_overrides=environ,
    )
    assert_handled(response, path)
    if path in ("/token", "/revoke", "/introspect"):
        assert response.status_code in (400, 401), response.data[:200]


# -- grants with garbage --------------------------------------------------------------------------

GRANT_BODIES = [
    {
        "grant_type": "authorization_code",
        "code": "x" * 10000,
        "redirect_uri": "x",
        "code_verifier": "v" * 10000,
    },
    {"grant_type": "authorization_code", "code": "\x00", "redirect_uri": "\x00"},
    {"grant_type": "authorization_code", "code": "é" * 100, "code_verifier": "é" * 100},
    {"grant_type": "refresh_token", "refresh_token": "r" * 100000},
    {"grant_type": "refresh_token", "refresh_token": "é\x00", "scope": "\x00" * 100},
    {"grant_type": "refresh_token", "refresh_token": "x", "scope": "openid " * 5000},
    {"grant_type": "client_credentials", "scope": "é" * 1000},
    {"grant_type": "client_credentials", "scope": "\x00"},
    {"grant_type": "x" * 10000},
    {"grant_type": ""},
    {"grant_type": "authorization_code"},
    {"grant_type": "refresh_token"},
]


@pytest.mark.parametrize("body", GRANT_BODIES)
@pytest.mark.parametrize(
    "client_id", ["health-portal", "mobile-app", "reporting-service", "legacy-portal", None]
)
def test_grants_with_garbage_values(client, body, client_id):
    secrets = {
        "health-portal": SECRET,
        "reporting-service": "reporting-service-test-secret-0123456789abcd",
        "legacy-portal": "legacy-portal-test-secret-0123456789abcdef",
    }
    data = dict(body)
    headers = {}
    if client_id in secrets:
        headers["Authorization"] = "Basic " + b64(f"{client_id}:{secrets[client_id]}".encode())
    elif client_id:
        data["client_id"] = client_id
    response = client.post("/token", data=data, headers=headers)
    assert_handled(response, "/token")
    assert response.status_code in (400, 401)
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.parametrize(
    "data",
    [
        {"access_token": "a" * 100000},
        {"access_token": "\x00"},
        {"access_token": "é"},
        {"access_token": ""},
        {"access_token": ["a", "b"]},
    ],
)
def test_userinfo_form_garbage(client, data):
    response = client.post("/userinfo", data=data)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("path", ["/revoke", "/introspect"])
@pytest.mark.parametrize(
    "hint", ["access_token", "refresh_token", "id_token", "é", "\x00", "x" * 5000, ""]
)
def test_token_type_hints_never_crash(client, path, hint):
    headers = {"Authorization": "Basic " + b64(f"health-portal:{SECRET}".encode())}
    response = client.post(path, data={"token": "abc", "token_type_hint": hint}, headers=headers)
    assert_handled(response, path)
    assert response.status_code in (200, 400)


@pytest.mark.parametrize(
    "path", ["/no-such-page", "/.well-known/nothing", "/token/x", "/%ff", "/" + "a" * 5000]
)
def test_unknown_paths_are_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
