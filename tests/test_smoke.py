def test_healthz(api):
    assert api.get("/healthz").get_json() == {"status": "ok"}


def test_readyz(api):
    assert api.get("/readyz").status_code == 200
