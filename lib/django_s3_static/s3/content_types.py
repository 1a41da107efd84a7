"""The Content-Type of each static file, from this table alone: ``mimetypes`` varies by machine.

A script or stylesheet of the wrong type is refused under ``nosniff``. Types follow IANA
(https://www.iana.org/assignments/media-types/).
"""

from __future__ import annotations

DEFAULT = "application/octet-stream"

TYPES = {
    # Scripts, styles, documents
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".cjs": "text/javascript",
    ".css": "text/css",
    ".html": "text/html",
    ".htm": "text/html",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".csv": "text/csv",
    ".xml": "application/xml",
    ".xsl": "application/xslt+xml",
    ".json": "application/json",
    ".map": "application/json",
    ".jsonld": "application/ld+json",
    ".webmanifest": "application/manifest+json",
    ".pdf": "application/pdf",
    ".wasm": "application/wasm",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    # Images
    ".png": "image/png",
    ".apng": "image/apng",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/vnd.microsoft.icon",
    ".bmp": "image/bmp",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    # Fonts
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".eot": "application/vnd.ms-fontobject",
    # Audio and video
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".wav": "audio/wav",
    ".weba": "audio/webm",
    ".flac": "audio/flac",
    ".m4a": "audio/mp4",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".webm": "video/webm",
    ".ogv": "video/ogg",
    ".mov": "video/quicktime",
    ".vtt": "text/vtt",
    # Archives and downloads
    ".zip": "application/zip",
    ".gz": "application/gzip",
    ".tar": "application/x-tar",
}


#: What gzip makes noticeably smaller: text and the uncompressed binaries ``.ico``, TTF, OTF;
#: never formats already compressed. The CDNs' lists are alike: CloudFront
#: (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/ServingCompressedFiles.html)
#: and Cloudflare (https://developers.cloudflare.com/speed/optimization/content/compression/).
COMPRESSIBLE = frozenset(
    (
        ".js", ".mjs", ".cjs", ".css", ".html", ".htm", ".txt", ".md", ".csv", ".vtt",
        ".xml", ".xsl", ".rss", ".atom", ".svg", ".json", ".map", ".jsonld", ".webmanifest",
        ".ico", ".bmp", ".ttf", ".otf", ".eot", ".wasm",
    )
)  # fmt: skip


def extension(name: str) -> str:
    """The lower-case extension of a name's last segment ("" when it has none)."""
    dot = name.rfind(".")
    return name[dot:].lower() if dot > name.rfind("/") else ""


def compressible(name: str) -> bool:
    """Whether gzip is worth trying on this file (``s3.encoding`` keeps it only if it pays)."""
    return extension(name) in COMPRESSIBLE


def content_type(name: str) -> str:
    """The type to upload ``name`` with; text types get ``charset=utf-8``."""
    found = TYPES.get(extension(name), DEFAULT)
    return f"{found}; charset=utf-8" if found.startswith("text/") else found
