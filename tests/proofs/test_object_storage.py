"""Evidence in an S3-compatible object store (EVIDENCE_S3_BUCKET): files go to the bucket, private,
and come back to those who may see the deal through the same download, whichever host serves it.
The store is moto's in-process S3."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from django.test import override_settings
from django.urls import reverse
from moto import mock_aws

from proofs import services
from tests.factories import make_deal, requirement, seller, upload

BUCKET = "dealdesk-evidence"
CSV = b"ticket,closed_at\n1,2026-03-01\n"
S3 = {
    "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": BUCKET,
            "location": "evidence",
            "default_acl": "private",
            "file_overwrite": False,
        },
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


@pytest.fixture
def bucket(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        with override_settings(STORAGES=S3):
            yield client


@pytest.mark.django_db
def test_an_evidence_file_goes_to_the_bucket_and_comes_back_to_the_owner_only(client, bucket):
    owner = seller()
    deal = make_deal(owner=owner, evidence=False)
    artifact = services.artifact_submit_file(
        deal_id=deal.pk,
        requirement_id=requirement("audit-log-sample").pk,
        actor=owner,
        file=upload("log.csv", CSV),
    )
    keys = [o["Key"] for o in bucket.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == [f"evidence/{artifact.file.name}"]
    assert bucket.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read() == CSV
    grants = bucket.get_object_acl(Bucket=BUCKET, Key=keys[0])["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]  # the owner's alone: not public

    url = reverse("proofs:artifact_file", args=[artifact.pk])
    client.force_login(owner)
    assert b"".join(client.get(url).streaming_content) == CSV
    client.force_login(seller())
    assert client.get(url).status_code == 404


def test_the_environment_chooses_the_object_store():
    root = Path(__file__).resolve().parents[2]
    show = "from django.conf import settings as s; d = s.STORAGES['default']; o = d.get('OPTIONS', {}); "
    show += "print(d['BACKEND'], o.get('bucket_name'), o.get('endpoint_url'))"
    env = {
        **os.environ,
        "EVIDENCE_S3_BUCKET": "acme-evidence",
        "EVIDENCE_S3_ENDPOINT_URL": "https://minio.internal",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", show], cwd=root, env=env, capture_output=True, text=True
    )
    assert done.stdout.strip().splitlines()[-1].split() == [
        "storages.backends.s3.S3Storage",
        "acme-evidence",
        "https://minio.internal",
    ]
