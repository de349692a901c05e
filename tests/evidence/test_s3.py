"""The S3 storage path, against a real S3 HTTP endpoint on loopback (moto's server mode)."""

import hashlib

import boto3
import pytest
from django.core.files.base import ContentFile
from django.test import override_settings
from moto.server import ThreadedMotoServer

from apps.evidence import services
from apps.evidence.storage import evidence_storage

from .conftest import PDF

pytestmark = pytest.mark.django_db


@pytest.fixture
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id="test", aws_secret_access_key="test", region_name="eu-west-3"
    ).create_bucket(Bucket="evidence", CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
    yield endpoint
    server.stop()


def test_s3_round_trip(s3_endpoint, investigator, case, settings):
    s3 = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "evidence",
            "endpoint_url": s3_endpoint,
            "region_name": "eu-west-3",
            "access_key": "test",
            "secret_key": "test",
            "file_overwrite": False,
            "default_acl": None,
        },
    }
    with override_settings(STORAGES={**settings.STORAGES, "evidence": s3}):
        item = services.evidence_register(
            actor=investigator, case=case, upload=ContentFile(PDF, name="pv.pdf"), title="PV", source="public"
        )
        again = services.evidence_register(
            actor=investigator, case=case, upload=ContentFile(PDF, name="copie.pdf"), title="Copie", source="public"
        )
        assert again.blob == item.blob
        storage = evidence_storage()
        assert type(storage).__name__ == "S3Storage"
        with storage.open(item.blob.storage_name, "rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == item.blob.sha256
        assert services.blob_verify(item.blob) == (True, "")
        _dirs, files = storage.listdir(f"sha256/{item.blob.sha256[:2]}/{item.blob.sha256[2:4]}")
        assert files == [item.blob.sha256]
