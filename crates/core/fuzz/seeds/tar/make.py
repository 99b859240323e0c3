#!/usr/bin/env python3
"""Writes the seed archives of the `tar` fuzz target: a small OCI image layout tarball and a
docker-save tarball of the same image, with correct digests and sizes. Run it here; it is
deterministic (fixed mtimes, sorted entries)."""
import base64, gzip, hashlib, io, json, tarfile

def sha(b): return "sha256:" + hashlib.sha256(b).hexdigest()

def tar_bytes(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in entries:
            info = tarfile.TarInfo(name); info.size = len(data); info.mtime = 0; info.mode = 0o644
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()

layer_tar = tar_bytes([("hello.txt", b"hello\n")])
layer_gz = gzip.compress(layer_tar, mtime=0)
cache = [{"digest": "sha256:" + "ab" * 32, "layers": [{"layer": 0, "createdAt": "2024-01-01T00:00:00Z"}]}]
config = json.dumps({
    "architecture": "amd64", "os": "linux", "config": {"Env": ["PATH=/usr/bin"]},
    "rootfs": {"type": "layers", "diff_ids": [sha(layer_tar)]},
    "moby.buildkit.cache.v0": base64.b64encode(json.dumps(cache).encode()).decode(),
}, separators=(",", ":")).encode()
manifest = json.dumps({
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha(config), "size": len(config)},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": sha(layer_gz), "size": len(layer_gz)}],
}, separators=(",", ":")).encode()
index = json.dumps({
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
    "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha(manifest), "size": len(manifest),
                   "annotations": {"org.opencontainers.image.ref.name": "latest"}}],
}, separators=(",", ":")).encode()
blob = lambda b: "blobs/sha256/" + hashlib.sha256(b).hexdigest()
oci = [("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'), ("index.json", index),
       (blob(manifest), manifest), (blob(config), config), (blob(layer_gz), layer_gz)]
open("oci-layout.tar", "wb").write(tar_bytes(oci))
cfg_name = hashlib.sha256(config).hexdigest() + ".json"
docker = [("manifest.json", json.dumps([{"Config": cfg_name, "RepoTags": ["img:latest"], "Layers": ["layer0/layer.tar"]}]).encode()),
          (cfg_name, config), ("layer0/layer.tar", layer_tar)]
open("docker-save.tar", "wb").write(tar_bytes(docker))
