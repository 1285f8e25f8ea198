"""S3-compatible object storage on loopback for the shared-store tests: moto's server, one bucket."""

from __future__ import annotations

import socket

import pytest

BUCKET = "routeboard-lake"
KEY_ID, SECRET = "AKIAROUTEBOARDTEST01", "routeboard-test-secret-key-do-not-store"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class S3:
    def __init__(self, endpoint: str):
        self.endpoint = endpoint
        self.env = {
            "ROUTEBOARD_S3_ENDPOINT": endpoint,
            "AWS_ACCESS_KEY_ID": KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET,
            "AWS_REGION": "us-east-1",
        }

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=KEY_ID,
            aws_secret_access_key=SECRET,
            region_name="us-east-1",
        )

    def keys(self, prefix: str = "") -> list[str]:
        """Every object key in the bucket under ``prefix``."""
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]


@pytest.fixture(scope="session")
def s3():
    """moto's S3 server on 127.0.0.1 with the bucket ``BUCKET`` (stopped at the end)."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    store = S3(f"http://127.0.0.1:{port}")
    store.client().create_bucket(Bucket=BUCKET)
    yield store
    server.stop()
