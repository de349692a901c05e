"""Where evidence bytes live: Django's storage API, content-addressed paths.

Local filesystem by default, in a folder that no URL serves; S3-compatible object storage
when ``EVIDENCE_STORAGE=s3`` (django-storages). The path derives from the SHA-256 only, never
from a user-supplied file name.
"""

from django.core.files.storage import Storage, storages


def evidence_storage() -> Storage:
    return storages["evidence"]


def blob_path(sha256: str) -> str:
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"
