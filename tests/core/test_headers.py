"""Security headers: a strict Content-Security-Policy the pages satisfy, and the usual others."""

from portal.headers import CONTENT_SECURITY_POLICY


def test_pages_get_a_strict_policy_and_the_usual_headers(client, login_as):
    login_as("cdc")
    for path in ("/", "/projects/", "/map/", "/reports/new", "/login"):
        response = client.get(path)
        policy = response.headers["Content-Security-Policy"]
        assert policy == CONTENT_SECURITY_POLICY, path
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "frame-ancestors 'self'" in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "Strict-Transport-Security" not in response.headers  # plain http here


def test_no_page_carries_an_inline_script_or_style(client, login_as):
    login_as("cdc")
    for path in ("/", "/projects/", "/projects/new", "/map/", "/dashboard/", "/reports/new"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>" not in page and " style=" not in page, path
        assert "<style" not in page, path


def test_the_map_document_keeps_its_own_narrower_policy(client):
    response = client.get("/map/frame")
    policy = response.headers["Content-Security-Policy"]
    assert policy != CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in policy and "form-action 'none'" in policy


def test_https_requests_get_strict_transport_security(client):
    response = client.get("/", base_url="https://portal.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
