import pytest

from cases.eventstore import Event


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "kind"), [("/api/v1/public/complaints/", "json"), ("/complaints/new/", "html")])
def test_a_request_larger_than_any_valid_one_is_refused_unread(client, settings, path, kind):
    settings.MAX_REQUEST_BYTES = 1024
    response = client.post(path, data=b"x" * 2048, content_type="application/octet-stream")

    assert response.status_code == 413
    if kind == "json":
        assert response.json()["code"] == "request_too_large"
    else:
        assert "413.html" in [template.name for template in response.templates]
    assert not Event.objects.exists()
