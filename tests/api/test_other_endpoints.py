"""Organizations, aggregates, the index and errors: what a program calling the API relies on."""

from decimal import Decimal


def test_the_index_lists_the_resources(client):
    body = client.get("/api/v1/").get_json()
    assert body["openapi"].endswith("/api/v1/openapi.json")
    assert set(body["resources"]["aggregates"]) == {
        "province",
        "sector",
        "partner",
        "year",
        "source",
    }
    assert body["authenticated"] is False


def test_organizations_are_listed_and_found(client, registry):
    listing = client.get("/api/v1/organizations?q=jicax").get_json()
    assert [o["acronym"] for o in listing["data"]] == ["JICAX"]
    assert listing["meta"]["total"] == 1
    national = client.get("/api/v1/organizations?group=national&per_page=100").get_json()
    assert all(o["national"] for o in national["data"])
    assert "MOHX" in {o["acronym"] for o in national["data"]}

    one = client.get(f"/api/v1/organizations/{registry['moh'].id}").get_json()["data"]
    assert one["acronym"] == "MOHX" and one["national"] is True
    missing = client.get("/api/v1/organizations/999999")
    assert missing.status_code == 404
    assert "999999" in missing.get_json()["error"]["message"]
    assert client.get("/api/v1/organizations?group=donors").status_code == 400


def _rows(response) -> dict:
    return {row["key"]: row for row in response.get_json()["data"]}


def test_aggregates_by_province_split_money_by_share(client, registry):
    jica = registry["jica"].id
    rows = _rows(client.get(f"/api/v1/aggregates/province?partner={jica}"))
    assert rows["17"]["commitment_usd"] == "600000.00"
    assert rows["12"]["commitment_usd"] == "400000.00"
    assert rows["17"]["disbursed_usd"] == "210000.00"
    assert rows["17"]["label"] == "Siemreap"
    assert rows["17"]["project_count"] == 1


def test_aggregates_by_sector_partner_and_year(client, registry):
    jica = registry["jica"].id
    sectors = _rows(client.get(f"/api/v1/aggregates/sector?partner={jica}"))
    assert sectors["12220"]["commitment_usd"] == "700000.00"
    assert sectors["12230"]["label"].startswith("12230 ")
    partners = _rows(client.get("/api/v1/aggregates/partner"))
    # Only published money reaches the public.
    assert partners[jica]["commitment_usd"] == "1000000.00"
    assert registry["koica"].id not in partners
    assert partners[jica]["label"] == "JICAX"
    years = _rows(client.get(f"/api/v1/aggregates/year?partner={jica}"))
    assert years[2023]["disbursed_usd"] == "100000.00"
    assert years[2024]["disbursed_usd"] == "250000.00"
    only_2024 = client.get(f"/api/v1/aggregates/partner?partner={jica}&money_from=2024").get_json()
    assert only_2024["totals"]["disbursed_usd"] == "250000.00"
    assert Decimal(only_2024["totals"]["commitment_usd"]) == 0


def test_aggregates_with_a_token_include_the_users_drafts(client, registry, bearer):
    koica = registry["koica"].id
    public = _rows(client.get("/api/v1/aggregates/partner"))
    assert koica not in public
    mine = _rows(client.get("/api/v1/aggregates/partner", headers=bearer(registry["koica_user"])))
    assert mine[koica]["commitment_usd"] == "1000000.00"


def test_aggregate_errors_say_what_is_allowed(client):
    unknown = client.get("/api/v1/aggregates/colour")
    assert unknown.status_code == 404
    assert "province" in unknown.get_json()["error"]["message"]
    wrong_year = client.get("/api/v1/aggregates/year?money_from=1800")
    assert wrong_year.status_code == 400
    assert "money_from" in wrong_year.get_json()["error"]["fields"]


def test_unknown_addresses_and_methods_answer_json(client):
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["status"] == 404
    wrong = client.post("/api/v1/projects")
    assert wrong.status_code == 405
    assert wrong.is_json
    assert "GET" in wrong.headers["Allow"]
