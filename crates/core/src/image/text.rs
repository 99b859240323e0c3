//! `cachelens show`'s text for an image set: images, cache exports and build records.

use super::*;

impl ImageSet {
    /// Whether damage was found.
    pub fn has_problems(&self) -> bool {
        !self.problems.is_empty()
    }

    /// For a layout that holds a BuildKit cache export and nothing else (no image, no build
    /// record), the cache config's bytes: a comparison compares them, so the export meets the
    /// same cache exported to a registry (`application/vnd.buildkit.cacheconfig.v0`) as equals.
    pub fn cache_config(&self) -> Option<&[u8]> {
        match (
            &self.caches[..],
            self.images.is_empty(),
            self.builds.is_empty(),
        ) {
            ([only], true, true) => only.config_bytes(),
            _ => None,
        }
    }

    /// Text for people (what `cachelens show img.tar` prints).
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "archive: {} ({} bytes, {} entries)",
            self.kind, self.size, self.entries
        );
        if let Some(i) = &self.index {
            let _ = writeln!(
                out,
                "index:   {} ({})",
                i.digest,
                count(i.manifests as u64, "manifest", "manifests")
            );
        }
        for i in &self.indexes {
            let _ = writeln!(
                out,
                "  image index {} ({}){}",
                i.digest,
                count(i.manifests as u64, "manifest", "manifests"),
                i.check.map(check_text).unwrap_or_default()
            );
        }
        let n = self.images.len();
        let _ = writeln!(out, "images:  {n}");
        for (k, img) in self.images.iter().enumerate() {
            let _ = writeln!(out);
            let _ = write!(out, "image {}/{n}: {}", k + 1, img.platform);
            if let Some(r) = &img.ref_name {
                let _ = write!(out, "  ref {r}");
            }
            if !img.repo_tags.is_empty() {
                let _ = write!(out, "  tags {}", img.repo_tags.join(", "));
            }
            let _ = writeln!(out);
            image_text(&mut out, img);
        }
        if !self.attestations.is_empty() {
            let _ = writeln!(out);
            let _ = writeln!(out, "attestations: {}", self.attestations.len());
            for a in &self.attestations {
                let what = a
                    .index_annotations
                    .get("vnd.docker.reference.digest")
                    .map(|d| format!(" for {d}"))
                    .unwrap_or_default();
                let digest = a.manifest.as_ref().map(|m| m.digest.to_string());
                let _ = writeln!(out, "  {}{what}", digest.unwrap_or_default());
            }
        }
        for c in &self.caches {
            let _ = writeln!(out);
            cache_text(&mut out, c);
        }
        for b in &self.builds {
            let _ = writeln!(out);
            build_text(&mut out, b);
        }
        if !self.problems.is_empty() || !self.warnings.is_empty() {
            let _ = writeln!(out);
        }
        for p in &self.problems {
            let _ = writeln!(out, "problem: {p}");
        }
        for w in &self.warnings {
            let _ = writeln!(out, "warning: {w}");
        }
        out
    }
}

fn cache_text(out: &mut String, c: &CacheExport) {
    let _ = write!(
        out,
        "BuildKit cache export ({} form)",
        if c.form == "index" {
            "index: BuildKit before v0.21"
        } else {
            "image manifest: BuildKit v0.21 and later"
        }
    );
    if let Some(r) = &c.ref_name {
        let _ = write!(out, "  ref {r}");
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "  {}:    {}  {} bytes{}",
        c.form,
        c.root.digest,
        c.root.size,
        check_text(c.root.check)
    );
    let _ = writeln!(
        out,
        "  cache config: {}  {} bytes{}",
        c.config.digest,
        c.config.size,
        check_text(c.config.check)
    );
    for o in &c.caches {
        let _ = writeln!(
            out,
            "  cache:    {} records ({} roots, {} with layers, {} with chains), {} links, {} layers",
            o.records, o.roots, o.with_results, o.with_chains, o.links, o.layers
        );
    }
    let absent = c
        .layers
        .iter()
        .filter(|l| l.check.digest == Status::Absent)
        .count();
    let _ = writeln!(
        out,
        "  layer blobs: {}{}",
        c.layers.len(),
        if absent > 0 {
            format!(" ({absent} not present: not needed to read the cache)")
        } else {
            String::new()
        }
    );
    for l in &c.layers {
        let digest = l.digest.as_ref().map_or("?", Digest::as_str);
        let size = l.size.map(|s| format!("  {s} bytes")).unwrap_or_default();
        let _ = writeln!(out, "    {:>3}  {digest}{size}", l.index);
    }
    for w in &c.warnings {
        let _ = writeln!(out, "  cache warning: {w}");
    }
}

fn build_text(out: &mut String, b: &crate::buildx::BuildRecord) {
    let _ = writeln!(out, "build record {} ({})", b.reference, b.status);
    let mut line = |k: &str, v: &str| {
        let _ = writeln!(out, "  {k:<10} {v}");
    };
    if let Some(t) = &b.target {
        line("target:", t);
    }
    if let Some(n) = &b.name {
        line("name:", n);
    }
    if let Some(e) = &b.error {
        line("error:", e);
    }
    if let Some(t) = &b.created_at {
        line("started:", t);
    }
    if let Some(t) = &b.completed_at {
        line("completed:", t);
    }
    line(
        "steps:",
        &format!(
            "{} ({} completed, {} cached)",
            b.steps.total, b.steps.completed, b.steps.cached
        ),
    );
    for e in &b.exporters {
        let attrs: Vec<String> = e.attrs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        line("exporter:", &format!("{} {}", e.kind, attrs.join(",")));
    }
    for (k, v) in &b.build_args {
        line("build arg:", &format!("{k}={v}"));
    }
    for m in &b.materials {
        line("material:", &format!("{} {}", m.uri, m.digests.join(" ")));
    }
    for r in &b.results {
        let _ = writeln!(
            out,
            "  result {}: {} {} ({} bytes){}",
            r.key,
            if r.root.is_index() {
                "image index"
            } else {
                "image manifest"
            },
            r.root.digest,
            r.root.size,
            if r.present { "" } else { "  [missing]" }
        );
        let _ = writeln!(out, "    media type: {}", r.root.media_type);
        if let Some(c) = &r.config {
            let _ = writeln!(
                out,
                "    config:     {} ({} bytes; not in the file: buildx keeps only the root)",
                c.digest, c.size
            );
        }
        if !r.layers.is_empty() {
            let _ = writeln!(out, "    layers:     {}", r.layers.len());
            for (i, l) in r.layers.iter().enumerate() {
                let _ = writeln!(out, "      {i:>3}  {}  {} bytes", l.digest, l.size);
            }
            if let Some(l) = r.layers.last() {
                let empty = if l.digest.as_str() == EMPTY_LAYER {
                    "  (the empty layer: no cache key)"
                } else {
                    ""
                };
                let _ = writeln!(out, "    last layer: {}{empty}", l.digest);
            }
            let _ = writeln!(
                out,
                "    chain ID:   not known (it needs the config's rootfs.diff_ids, not in the file)"
            );
        }
        for m in &r.manifests {
            let _ = writeln!(
                out,
                "    manifest:   {} {} (not in the file)",
                m.descriptor.digest, m.platform
            );
        }
        if r.root.is_index() {
            let _ = writeln!(
                out,
                "    The root is an image index: this file holds no image manifest or config (buildx keeps only the root)."
            );
        }
        let _ = writeln!(
            out,
            "    To read the last layer, diff_ids and chain ID without pulling a layer, fetch the rest from the build record (where it was built; buildx 0.20 or later):"
        );
        for c in &r.commands {
            let _ = writeln!(out, "      {c}");
        }
    }
}

fn check_text(c: Check) -> String {
    if c.digest == Status::Verified && c.size == Status::Verified {
        "  [verified]".into()
    } else {
        format!("  [digest {}, size {}]", c.digest.as_str(), c.size.as_str())
    }
}

fn image_text(out: &mut String, img: &Image) {
    if let Some(m) = &img.manifest {
        let _ = writeln!(
            out,
            "  manifest: {}  {} bytes{}",
            m.digest,
            m.size,
            check_text(m.check)
        );
    }
    if let Some(c) = &img.config {
        let _ = writeln!(
            out,
            "  config:   {}  {} bytes{}",
            c.blob.digest,
            c.blob.size,
            check_text(c.blob.check)
        );
        if let Some(d) = &c.without_cache_digest {
            let _ = writeln!(out, "  config without moby.buildkit.cache.v0: {d}");
        }
        for cache in &c.caches {
            let _ = writeln!(
                out,
                "  cache:    {} ({}, {} with layers, {} with chains), {}",
                count(cache.records as u64, "record", "records"),
                count(cache.roots as u64, "root", "roots"),
                cache.with_results,
                cache.with_chains,
                count(cache.links as u64, "link", "links")
            );
        }
        for w in &c.warnings {
            let _ = writeln!(out, "  config warning: {w}");
        }
    }
    let _ = writeln!(out, "  layers:   {}", img.layers.len());
    for l in &img.layers {
        let digest = l.digest.as_ref().map_or("?", Digest::as_str);
        let size = l.size.map(|s| format!("  {s} bytes")).unwrap_or_default();
        let flag = match (l.check.digest, l.check.size) {
            (Status::Missing, _) => "  [missing]",
            (Status::Absent, _) => "  [not present]",
            (_, Status::Mismatch) => "  [size mismatch]",
            _ => "",
        };
        let _ = writeln!(out, "    {:>3}  {digest}{size}{flag}", l.index);
        if let Some(d) = &l.diff_id {
            let _ = writeln!(out, "         diff_id  {d}");
        }
        if let Some(c) = &l.chain_id {
            let _ = writeln!(out, "         chain_id {c}");
        }
    }
    let absent = img
        .layers
        .iter()
        .filter(|l| l.check.digest == Status::Absent)
        .count();
    if absent > 0 {
        let _ = writeln!(
            out,
            "  layer blobs: {} of {} not present (not needed to read the image)",
            absent,
            img.layers.len()
        );
    }
    if let Some(l) = &img.last_layer {
        let empty = if img.last_layer_empty {
            "  (the empty layer: no cache key, see the warning)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  last layer: {}{empty}",
            l.digest.as_ref().map_or("?", Digest::as_str)
        );
    }
    match &img.chain_id {
        Some(c) => {
            let _ = writeln!(
                out,
                "  chain ID:   {c}  (the whole layer stack: the better cache key)"
            );
        }
        None if !img.layers.is_empty() => {
            let _ = writeln!(
                out,
                "  chain ID:   not known (it needs the config's rootfs.diff_ids)"
            );
        }
        None => {}
    }
    for (k, v) in &img.index_annotations {
        let _ = writeln!(out, "  index annotation {k}: {v}");
    }
    for (k, v) in &img.annotations {
        let _ = writeln!(out, "  annotation {k}: {v}");
    }
}
