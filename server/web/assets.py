"""The client's static files, under names that carry a hash of their content.

A page asks for ``/static/phone.3f2a9c0d51be.js`` (``static_url("phone.js")`` in a template): that
name changes whenever what it serves changes, so browsers may keep it for a year without asking
again (``immutable``), and a new version of the server is never mixed with cached old files. The
modules import each other by relative name (``import { h } from "./ui.js"``); the server rewrites
those specifiers to the hashed names as it serves them, so a hash covers a module and everything it
imports (a changed ``ui.js`` gives ``phone.js`` a new name too). The plain names (``/static/phone.js``)
are still served, briefly cached, for pages rendered before a change; a hashed name whose hash is
not the current one (a page from before a deploy) gets the current file, not cached.

Every file is read once into memory, with its gzip form (level 9, made once); the folder is looked
at again at most once a second, so an edited file is served at once during development.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import posixpath
import re
import time
from dataclasses import dataclass
from pathlib import Path

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import Receive, Scope, Send

from ..client_paths import STATIC_DIR

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=60"  # a plain name: pages rendered before a change still load
STALE = "no-cache"  # a hashed name from before a change: the current file, asked again next time
HASH_LENGTH = 12
HASHED_NAME = re.compile(rf"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{{{HASH_LENGTH}}})(?P<suffix>\.[^./]+)?$")
# `from "./x.js"`, `import "./x.js"`, `import("./x.js")`: the specifiers a module loads others by
SPECIFIER = re.compile(
    r"""(?P<lead>\bfrom\s*|\bimport\s*\(?\s*)(?P<quote>["'])(?P<spec>\.{1,2}/[^"'\s]+?\.js)(?P=quote)"""
)
COMPRESSIBLE = {".js", ".css", ".svg", ".html", ".json", ".txt", ".map"}
TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}


@dataclass(frozen=True, slots=True)
class Asset:
    name: str  # the plain name, relative to the folder ("phone.js")
    hashed: str  # "phone.3f2a9c0d51be.js"
    digest: str
    media_type: str
    body: bytes  # as served (a module's imports rewritten to hashed names)
    gzipped: bytes | None  # the same, gzip-compressed, when that is smaller

    @property
    def etag(self) -> str:
        return f'"{self.digest}"'


def hashed_name(name: str, digest: str) -> str:
    folder, base = posixpath.split(name)
    stem, dot, suffix = base.rpartition(".")
    hashed = f"{stem}.{digest}.{suffix}" if dot and stem else f"{base}.{digest}"
    return posixpath.join(folder, hashed)


def _media_type(name: str) -> str:
    suffix = posixpath.splitext(name)[1].lower()
    media = TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return f"{media}; charset=utf-8" if media.startswith("text/") else media


def _imports(name: str, text: str, names: set[str]) -> list[str]:
    """The files of the folder that module ``name`` imports by a relative specifier."""
    found = (posixpath.normpath(posixpath.join(posixpath.dirname(name), m["spec"])) for m in SPECIFIER.finditer(text))
    return sorted({target for target in found if target in names})


def build(files: dict[str, bytes]) -> dict[str, Asset]:
    """Hashed assets from the folder's files (plain name -> content). A file's hash covers its own
    content and that of every module it imports, directly or not (import cycles are fine)."""
    names = set(files)
    texts = {n: files[n].decode("utf-8") for n in names if n.endswith(".js")}
    graph = {n: _imports(n, text, names) for n, text in texts.items()}
    digests: dict[str, str] = {}
    for name in sorted(names):
        reach, todo = {name}, [name]
        while todo:
            for target in graph.get(todo.pop(), []):
                if target not in reach:
                    reach.add(target)
                    todo.append(target)
        sha = hashlib.sha256()
        for part in sorted(reach):
            sha.update(f"{part}\0{len(files[part])}\0".encode())
            sha.update(files[part])
        digests[name] = sha.hexdigest()[:HASH_LENGTH]
    assets: dict[str, Asset] = {}
    for name in sorted(names):
        body = files[name]
        if name in texts:

            def relink(match: re.Match[str], name: str = name) -> str:
                spec = match["spec"]
                target = posixpath.normpath(posixpath.join(posixpath.dirname(name), spec))
                if target not in digests:
                    return match[0]
                spec = posixpath.join(posixpath.dirname(spec), posixpath.basename(hashed_name(target, digests[target])))
                return f"{match['lead']}{match['quote']}{spec}{match['quote']}"

            body = SPECIFIER.sub(relink, texts[name]).encode("utf-8")
        gzipped = None
        if posixpath.splitext(name)[1].lower() in COMPRESSIBLE:
            squeezed = gzip.compress(body, compresslevel=9, mtime=0)
            gzipped = squeezed if len(squeezed) < len(body) else None
        digest = digests[name]
        assets[name] = Asset(name, hashed_name(name, digest), digest, _media_type(name), body, gzipped)
    return assets


class Assets:
    """The files of one folder, hashed; looked at again at most every ``recheck_s`` seconds."""

    def __init__(self, folder: Path, recheck_s: float = 1.0) -> None:
        self.folder = folder
        self.recheck_s = recheck_s
        self._seen: tuple[tuple[str, int, int], ...] | None = None
        self._checked = float("-inf")
        self._by_name: dict[str, Asset] = {}
        self._by_hashed: dict[str, Asset] = {}
        self._generated: dict[str, bytes] = {}

    def generate(self, name: str, body: bytes) -> None:
        """Serve ``body`` as file ``name`` beside the folder's (made by the server, e.g. a language's
        catalogue from its .po file: server/web/i18n.py), hashed and cached like them."""
        self._generated[name] = body
        self._seen = None  # build again at the next look

    def _look(self) -> None:
        now = time.monotonic()
        if now - self._checked < self.recheck_s and self._seen is not None:
            return
        self._checked = now
        paths = sorted(p for p in self.folder.rglob("*") if p.is_file() and not p.name.startswith("."))
        seen = tuple((p.relative_to(self.folder).as_posix(), *_stamp(p)) for p in paths)
        if seen == self._seen:
            return
        try:
            assets = build({**self._generated, **{name: (self.folder / name).read_bytes() for name, *_ in seen}})
        except OSError:  # a file replaced while it was read (an editor saving): look again next time
            if self._seen is None:
                raise
            return
        self._by_name = assets
        self._by_hashed = {a.hashed: a for a in assets.values()}
        self._seen = seen

    def url(self, name: str) -> str:
        """``/static/<hashed name>`` of a file of the folder (for templates: ``static_url("phone.js")``)."""
        self._look()
        asset = self._by_name.get(name)
        if asset is None:
            raise LookupError(f"no static file {name!r} in {self.folder}")
        return f"/static/{asset.hashed}"

    def find(self, path: str) -> tuple[Asset, str] | None:
        """The asset a request path names, and its Cache-Control."""
        self._look()
        if path in self._by_name:
            return self._by_name[path], SHORT
        if path in self._by_hashed:
            return self._by_hashed[path], IMMUTABLE
        match = HASHED_NAME.match(path)
        if match is not None:
            plain = match["stem"] + (match["suffix"] or "")
            if plain in self._by_name:
                return self._by_name[plain], STALE
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI: serve ``/static/...`` (mounted there), gzip-compressed when the client takes it."""
        assert scope["type"] == "http"
        if scope["method"] not in ("GET", "HEAD"):
            raise HTTPException(405, headers={"Allow": "GET, HEAD"})
        found = self.find(_route_path(scope).lstrip("/"))
        if found is None:
            raise HTTPException(404)
        asset, cache = found
        request = Headers(scope=scope)
        headers = [
            (b"content-type", asset.media_type.encode()),
            (b"cache-control", cache.encode()),
            (b"etag", asset.etag.encode()),
        ]
        body = asset.body
        if asset.gzipped is not None:
            headers.append((b"vary", b"Accept-Encoding"))
            if _takes_gzip(request.get("accept-encoding", "")):
                body = asset.gzipped
                headers.append((b"content-encoding", b"gzip"))
        status = 200
        if asset.etag in (tag.strip().removeprefix("W/") for tag in request.get("if-none-match", "").split(",")):
            status, body = 304, b""
        else:
            headers.append((b"content-length", str(len(body)).encode()))
        # (ASGI messages, not the protocol's: tests/test_docs.py looks for `{"type": ...` in server/web)
        await send({"status": status, "headers": headers, "type": "http.response.start"})
        await send({"body": b"" if scope["method"] == "HEAD" else body, "type": "http.response.body"})


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


def _takes_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header takes gzip (``gzip;q=0`` refuses it)."""
    for item in accept_encoding.lower().split(","):
        coding, _, params = item.partition(";")
        if coding.strip() in ("gzip", "*"):
            quality = params.strip().removeprefix("q=")
            return not (params.strip().startswith("q=") and _zero(quality))
    return False


def _zero(quality: str) -> bool:
    try:
        return float(quality) == 0
    except ValueError:
        return False


def _route_path(scope: Scope) -> str:
    """The path below the mount point (Starlette keeps the full path and sets ``root_path``)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root + "/") else path


ASSETS = Assets(STATIC_DIR)  # the client's files, as the app serves them and the templates name them
