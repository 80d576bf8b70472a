"""Uploading a file through a staff page, as a browser posts the form."""

import io


def upload(client, csrf_token, path: str, content: bytes, filename: str) -> str:
    """The page the upload form at `path` answers with."""
    data = {"csrf_token": csrf_token(path), "file": (io.BytesIO(content), filename)}
    return client.post(path, data=data, content_type="multipart/form-data").get_data(as_text=True)
