import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True


def test_healthz_is_503_when_the_broker_does_not_answer(client, monkeypatch):
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    # Through the variable Celery reads first: setting the attribute would leave a fixed
    # broker_write_url in the app's configuration after the test, for every later test.
    monkeypatch.setenv("CELERY_BROKER_WRITE_URL", "redis://127.0.0.1:9/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["broker"]["ok"] is False
    assert body["database"]["ok"] is True


def test_healthz_refuses_writes(client):
    assert client.post("/healthz").status_code == 405
