//! Share format v2 (`docs/share-link-format.md`, "v2"): the exact bytes of every input, stored in
//! the form that compresses. Each `sha256:<hex>` once in a digest table (32 raw bytes, in its own
//! stored deflate block at the end), the documents referring to it; an image config's inline
//! cache decoded when its base64 is canonical (re-encoded exactly on open); an input after the
//! first as a copy/insert difference against the one before when that is smaller; one deflate
//! over the whole container, primed with a dictionary of the formats' words. Every input is
//! checked on open against the sha256 the link carries for it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use miniz_oxide::deflate::core::{
    CompressorOxide, TDEFLFlush, TDEFLStatus, compress_to_output, create_comp_flags_from_zip_params,
};
use miniz_oxide::inflate::TINFLStatus;
use miniz_oxide::inflate::core::{DecompressorOxide, decompress, inflate_flags};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::{
    CHECKSUM_LEN, Cursor, Record, ShareArchive, ShareOptions, SharePayload, ShareSide, checksum,
    encode_options, malformed, parse_options, put_record, put_text, put_varint, set_once,
};
use crate::diagnose::{Diagnosis, Upstream};
use crate::{Change, Error, ErrorKind, Pointer, Side};

/// What a v2 link or bundle holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Shared {
    /// Two inputs and the options: a diff. An archive comparison is a pair whose sides carry
    /// [`ShareSide::archive`] (the comparable documents read from the archives, never a layer).
    Pair(SharePayload),
    /// A series of inputs, in build order.
    Series(SharedSeries),
    /// Only the canonical change set of a diff, with both sides' names, kinds and digests and
    /// the diagnosis: for a diff whose inputs do not fit a link. Opens read-only.
    Changes(SharedChanges),
}

/// A series of inputs as shared.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SharedSeries {
    /// Each input's name and exact bytes (after any redaction), in order.
    pub inputs: Vec<(String, Vec<u8>)>,
    /// Each input's original digest (`sha256:<hex>` of the unredacted input), in order.
    pub original_digests: Vec<Option<String>>,
    /// Each input's redacted places, in order (empty when nothing was redacted).
    pub redacted: Vec<Vec<Pointer>>,
    /// The options the sender had set.
    pub options: ShareOptions,
}

/// One side of a changes-only share.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChangedSide {
    /// The name the sender gave it.
    pub name: String,
    /// Its kind (`image-config`, `cache-config`, ...).
    pub kind: String,
    /// sha256 of the sender's exact input (`sha256:<hex>`).
    pub digest: String,
}

/// A changes-only share: what the reader sees of a diff without its inputs. Written as JSON by
/// [`SharedChanges::to_json`] and read back by [`SharedChanges::from_json`] (building and walking
/// the value by hand costs the page less code than derived serde impls).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SharedChanges {
    /// `identical`, `equivalent` or `different`.
    pub verdict: String,
    /// The verdict in one sentence, as the sender saw it.
    pub headline: String,
    /// The left input.
    pub left: ChangedSide,
    /// The right input.
    pub right: ChangedSide,
    /// The canonical change set (a JSON Patch over the canonical documents).
    pub changes: Vec<Change>,
    /// Known causes that fit.
    pub diagnoses: Vec<SharedDiagnosis>,
    /// The options the comparison was made with (in the options record, not the JSON).
    pub options: ShareOptions,
}

/// A known cause as a changes-only share carries it: [`Diagnosis`] with its id as owned text
/// (a link's ids are not interned: any text a link holds would stay in memory).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SharedDiagnosis {
    /// Stable id (`inline-results-vanished`).
    pub id: String,
    /// What happened, in one sentence.
    pub summary: String,
    /// What shows it.
    pub evidence: Vec<String>,
    /// What it means for a build that imports the right side's cache.
    pub next_build: Option<String>,
    /// What to do, when something helps.
    pub remedy: Option<String>,
    /// Upstream issues.
    pub upstream: Vec<Upstream>,
}

impl From<&Diagnosis> for SharedDiagnosis {
    fn from(d: &Diagnosis) -> Self {
        SharedDiagnosis {
            id: d.id.to_owned(),
            summary: d.summary.clone(),
            evidence: d.evidence.clone(),
            next_build: d.next_build.clone(),
            remedy: d.remedy.clone(),
            upstream: d.upstream.clone(),
        }
    }
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key)?.as_str().map(str::to_owned)
}

/// Each element of the array at `key` read by `read`; `None` when one does not read. (Loops,
/// not `collect::<Option<_>>`: the page's code is smaller this way.)
fn each<T>(v: &Value, key: &str, read: impl Fn(&Value) -> Option<T>) -> Option<Vec<T>> {
    let items = v.get(key)?.as_array()?;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        out.push(read(item)?);
    }
    Some(out)
}

impl ChangedSide {
    fn from_json(v: &Value) -> Option<Self> {
        Some(ChangedSide {
            name: text(v, "name")?,
            kind: text(v, "kind")?,
            digest: text(v, "digest")?,
        })
    }
}

impl SharedDiagnosis {
    fn from_json(v: &Value) -> Option<Self> {
        Some(SharedDiagnosis {
            id: text(v, "id")?,
            summary: text(v, "summary")?,
            evidence: each(v, "evidence", |t| t.as_str().map(str::to_owned))?,
            next_build: text(v, "nextBuild"),
            remedy: text(v, "remedy"),
            upstream: each(v, "upstream", |u| {
                Some(Upstream {
                    name: text(u, "name")?,
                    url: text(u, "url")?,
                })
            })?,
        })
    }
}

fn change_from_json(v: &Value) -> Option<Change> {
    let op = match v.get("op")?.as_str()? {
        "add" => crate::Op::Add,
        "remove" => crate::Op::Remove,
        "replace" => crate::Op::Replace,
        _ => return None,
    };
    Some(Change {
        op,
        path: Pointer::parse(v.get("path")?.as_str()?).ok()?,
        value: v.get("value").cloned(),
        old: v.get("old").cloned(),
    })
}

fn change_to_json(c: &Change) -> Value {
    let mut v = json!({"op": c.op.as_str(), "path": c.path.to_string()});
    if let Some(map) = v.as_object_mut() {
        for (key, value) in [("value", &c.value), ("old", &c.old)] {
            if let Some(value) = value {
                map.insert(key.into(), value.clone());
            }
        }
    }
    v
}

impl SharedChanges {
    /// The JSON a changes-only link carries (and `cachelens diff --link --format json` prints):
    /// `verdict`, `headline`, `left`/`right` (`name`, `kind`, `digest`), `changes` as in the diff
    /// report, `diagnoses` (`id`, `summary`, `evidence`, `nextBuild`, `remedy`, `upstream`).
    pub fn to_json(&self) -> Value {
        let side = |s: &ChangedSide| json!({"name": s.name, "kind": s.kind, "digest": s.digest});
        let diagnoses: Vec<Value> = self
            .diagnoses
            .iter()
            .map(|d| {
                let mut v = json!({
                    "id": d.id,
                    "summary": d.summary,
                    "evidence": d.evidence,
                    "upstream": d.upstream.iter().map(|u| json!({"name": u.name, "url": u.url})).collect::<Vec<_>>(),
                });
                for (key, value) in [("nextBuild", &d.next_build), ("remedy", &d.remedy)] {
                    if let (Some(text), Some(map)) = (value, v.as_object_mut()) {
                        map.insert(key.into(), Value::String(text.clone()));
                    }
                }
                v
            })
            .collect();
        json!({
            "verdict": self.verdict,
            "headline": self.headline,
            "left": side(&self.left),
            "right": side(&self.right),
            "changes": self.changes.iter().map(change_to_json).collect::<Vec<_>>(),
            "diagnoses": diagnoses,
        })
    }

    /// Reads the JSON [`SharedChanges::to_json`] writes; `None` when it is not that shape.
    pub fn from_json(v: &Value) -> Option<Self> {
        Some(SharedChanges {
            verdict: text(v, "verdict")?,
            headline: text(v, "headline")?,
            left: ChangedSide::from_json(v.get("left")?)?,
            right: ChangedSide::from_json(v.get("right")?)?,
            changes: each(v, "changes", change_from_json)?,
            diagnoses: each(v, "diagnoses", SharedDiagnosis::from_json)?,
            options: ShareOptions::default(),
        })
    }

    /// The read-only view as text lines (the CLI prints them; the page shows the same parts).
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{}\n(changes-only share link: read-only, the inputs are not in it)\n",
            self.headline
        );
        for (label, s) in [("left", &self.left), ("right", &self.right)] {
            out.push_str(&format!("{label}: {} ({}) {}\n", s.name, s.kind, s.digest));
        }
        out.push_str(&format!(
            "{} change{}\n",
            self.changes.len(),
            if self.changes.len() == 1 { "" } else { "s" }
        ));
        for c in &self.changes {
            out.push_str(&format!("{} {}", crate::report::sign(c.op), c.path));
            if let Some(v) = &c.value {
                out.push_str(&format!(" = {}", crate::json::to_compact(v)));
            }
            out.push('\n');
        }
        for d in &self.diagnoses {
            out.push_str(&format!("diagnosis: {}\n", d.summary));
            if let Some(r) = &d.remedy {
                out.push_str(&format!("  remedy: {r}\n"));
            }
        }
        out
    }
}

impl Shared {
    /// A short description for messages: `a pair`, `a series of 3 inputs`, `the changes only`.
    pub fn describe(&self) -> String {
        match self {
            Shared::Pair(_) => "a pair of inputs".into(),
            Shared::Series(s) => format!("a series of {} inputs", s.inputs.len()),
            Shared::Changes(_) => "the changes only (no inputs)".into(),
        }
    }
}

// Top-level tags.
const TAG_KIND: u64 = 1;
const TAG_INPUT: u64 = 2;
const TAG_OPTIONS: u64 = 3;
const TAG_CHANGES: u64 = 4;
const TAG_DIGESTS: u64 = 15;
// Inside an input.
const TAG_IN_NAME: u64 = 1;
const TAG_IN_DATA: u64 = 2;
const TAG_IN_BASE: u64 = 3;
const TAG_IN_CACHE: u64 = 4;
const TAG_IN_CHECK: u64 = 5;
const TAG_IN_ORIGINAL: u64 = 6;
const TAG_IN_NO_ORIGINAL: u64 = 7;
const TAG_IN_REDACTED: u64 = 8;
const TAG_IN_ARCHIVE: u64 = 9;
// Inside an archive.
const TAG_AR_NAME: u64 = 1;
const TAG_AR_KIND: u64 = 2;
const TAG_AR_DIGEST: u64 = 3;
const TAG_AR_SIZE: u64 = 4;

const KIND_PAIR: u64 = 1;
const KIND_SERIES: u64 = 2;
const KIND_CHANGES: u64 = 3;

/// How many bytes of an input's sha256 the encoder writes as its check (the decoder takes 8 to 32).
const CHECK_LEN: usize = 8;
/// The byte that starts a digest reference in an input's data (`REF 0` is a literal `REF`).
const REF: u8 = 0xff;
const DIGEST_PREFIX: &[u8] = b"sha256:";
const DIGEST_TEXT_LEN: usize = 7 + 64;
const INLINE_CACHE_KEY: &[u8] = b"\"moby.buildkit.cache.v0\"";
/// A difference copies runs of at least this many bytes.
const MIN_COPY: usize = 16;
const HASH_LEN: usize = 12;
/// How many slots of the difference index a window is looked for in (and stored in).
const PROBES: usize = 16;
/// Up to this much earlier and later stream together, the choice between a difference and the
/// whole stream is made by compressing both; past it by their sizes (compressing megabytes
/// twice more would slow the page).
const MEASURED_CHOICE: usize = 64 * 1024;
const STORED_BLOCK_MAX: usize = 65_535;

/// The deflate dictionary: the window starts with these bytes, so the first record of a
/// document costs what the second does. Words of image configs, caches and cache configs, most
/// common last. Part of the format: never change it within v2.
pub(super) const DICTIONARY: &[u8] = b"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"application/vnd.buildkit.cacheconfig.v0\",\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"\xff\",\"size\":\"annotations\":{\"buildkit/createdat\":\"20\",\"containerd.io/uncompressed\":\"\xff\"}}\
{\"architecture\":\"amd64\",\"config\":{\"User\":\"\",\"ExposedPorts\":{\"\":{}},\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\"Entrypoint\":[\"/usr/local/bin/\"],\"Cmd\":[\"/bin/sh\"],\"WorkingDir\":\"/\",\"Labels\":{\"org.opencontainers.image.title\":\"\"},\"OnBuild\":null},\"created\":\"20\",\"history\":[{\"created\":\"20\",\"created_by\":\"/bin/sh -c #(nop) \",\"comment\":\"Imported from -\"},{\"created\":\"20\",\"created_by\":\"WORKDIR /\",\"comment\":\"buildkit.dockerfile.v0\",\"empty_layer\":true},{\"created\":\"20\",\"created_by\":\"COPY  # buildkit\",\"comment\":\"buildkit.dockerfile.v0\"},{\"created\":\"20\",\"created_by\":\"RUN /bin/sh -c  # buildkit\",\"comment\":\"buildkit.dockerfile.v0\"}],\"moby.buildkit.buildinfo.v1\":\"\",\"moby.buildkit.cache.v0\":\"\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"\xff\",\"\xff\"]}}\
{\"layers\":[{\"blob\":\"\xff\",\"parent\":-1},{\"blob\":\"\xff\",\"parent\":1}],\"records\":[{\"digest\":\"\xff\"},{\"layers\":[{\"layer\":0,\"createdAt\":\"20\"}],\"digest\":\"\xff\",\"inputs\":[[{\"selector\":\"\xff\",\"link\":1}],[{\"link\":2}]]},{\"digest\":\"\xff\",\"inputs\":[[{\"link\":";

// ---------------------------------------------------------------- the digest table

/// The digests in order of first use, with an open-addressing index (`slots[h]` is an entry's
/// index + 1, 0 empty; a digest's first 8 bytes are its hash). Plain vectors: a hash map type of
/// its own would cost the page more code.
#[derive(Default)]
struct Table {
    digests: Vec<[u8; 32]>,
    slots: Vec<u32>,
}

fn slot_of(d: &[u8; 32], mask: usize) -> usize {
    let mut h = [0; 8];
    h.copy_from_slice(&d[..8]);
    u64::from_le_bytes(h) as usize & mask
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

/// The 32 bytes of `sha256:<64 lowercase hex>` at the start of `text`.
fn digest_at(text: &[u8]) -> Option<[u8; 32]> {
    let hex = text.strip_prefix(DIGEST_PREFIX)?.get(..64)?;
    let mut out = [0; 32];
    for (o, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
        *o = hex_value(pair[0])? << 4 | hex_value(pair[1])?;
    }
    Some(out)
}

fn digest_text(d: &[u8; 32], out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.extend_from_slice(DIGEST_PREFIX);
    for b in d {
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 15)]);
    }
}

impl Table {
    /// The entry of `d`, added when new.
    fn index_of(&mut self, d: [u8; 32]) -> usize {
        if (self.digests.len() + 1) * 2 > self.slots.len() {
            let size = (self.slots.len() * 2).max(64);
            self.slots = vec![0; size];
            for (i, old) in self.digests.iter().enumerate() {
                let mut at = slot_of(old, size - 1);
                while self.slots[at] != 0 {
                    at = (at + 1) & (size - 1);
                }
                self.slots[at] = i as u32 + 1;
            }
        }
        let mask = self.slots.len() - 1;
        let mut at = slot_of(&d, mask);
        loop {
            match self.slots[at] {
                0 => {
                    self.digests.push(d);
                    self.slots[at] = self.digests.len() as u32;
                    return self.digests.len() - 1;
                }
                k if self.digests[k as usize - 1] == d => return k as usize - 1,
                _ => at = (at + 1) & mask,
            }
        }
    }

    /// `bytes` with every `sha256:<64 lowercase hex>` replaced by `REF varint(index + 1)` and
    /// every literal `REF` by `REF 0`.
    fn encode(&mut self, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(bytes.len() / 2);
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            if b == b's'
                && let Some(d) = digest_at(&bytes[i..])
            {
                let k = self.index_of(d);
                out.push(REF);
                put_varint(&mut out, k as u64 + 1);
                i += DIGEST_TEXT_LEN;
                continue;
            }
            out.push(b);
            if b == REF {
                out.push(0);
            }
            i += 1;
        }
        out
    }
}

/// Undoes [`Table::encode`], writing at most `cap` bytes: `Err(Some(offset))` at a reference past
/// the table or cut short, `Err(None)` past the cap.
fn unref(data: &[u8], table: &[[u8; 32]], cap: usize) -> Result<Vec<u8>, Option<usize>> {
    let mut out = Vec::with_capacity(data.len().saturating_mul(2).min(cap));
    let mut cursor = Cursor::new(data, 0);
    while let Some(&b) = data.get(cursor.pos) {
        let at = cursor.pos;
        cursor.pos += 1;
        if b != REF {
            out.push(b);
        } else {
            let k = cursor.varint("digest reference").map_err(|_| Some(at))?;
            if k == 0 {
                out.push(REF);
            } else {
                let d = usize::try_from(k - 1)
                    .ok()
                    .and_then(|k| table.get(k))
                    .ok_or(Some(at))?;
                digest_text(d, &mut out);
            }
        }
        if out.len() > cap {
            return Err(None);
        }
    }
    Ok(out)
}

/// The references of an absolute stream (`REF k+1` names entry `k`) in compact form: the next
/// digest not yet referenced in the container is `REF 1`, any other entry `k` is `REF k+2`.
/// `next` counts the entries referenced so far, in container order.
fn compact(abs: &[u8], next: &mut u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(abs.len());
    let mut cursor = Cursor::new(abs, 0);
    while let Some(&b) = abs.get(cursor.pos) {
        cursor.pos += 1;
        out.push(b);
        if b != REF {
            continue;
        }
        match cursor.varint("digest reference") {
            Ok(0) | Err(_) => out.push(0),
            Ok(k) if k - 1 == *next => {
                out.push(1);
                *next += 1;
            }
            Ok(k) => {
                put_varint(&mut out, k + 1);
                *next = (*next).max(k);
            }
        }
    }
    out
}

/// Undoes [`compact`]; `Err(offset)` at a reference cut short.
fn expand(data: &[u8], next: &mut u64) -> Result<Vec<u8>, usize> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 8);
    let mut cursor = Cursor::new(data, 0);
    while let Some(&b) = data.get(cursor.pos) {
        let at = cursor.pos;
        cursor.pos += 1;
        out.push(b);
        if b != REF {
            continue;
        }
        match cursor.varint("digest reference").map_err(|_| at)? {
            0 => out.push(0),
            1 => {
                *next = next.checked_add(1).ok_or(at)?;
                put_varint(&mut out, *next);
            }
            c => {
                put_varint(&mut out, c - 1);
                *next = (*next).max(c - 1);
            }
        }
    }
    Ok(out)
}

/// Counts the entries an absolute stream (a difference's result) references, as [`compact`] does.
fn note_refs(abs: &[u8], next: &mut u64) {
    let mut cursor = Cursor::new(abs, 0);
    while let Some(&b) = abs.get(cursor.pos) {
        cursor.pos += 1;
        if b == REF
            && let Ok(k) = cursor.varint("digest reference")
        {
            *next = (*next).max(k);
        }
    }
}

/// What is left of the decompressed-size cap for rebuilt inputs.
struct Budget {
    left: usize,
    limit: usize,
}

impl Budget {
    fn take(&mut self, n: usize) -> Result<(), ErrorKind> {
        self.left = self
            .left
            .checked_sub(n)
            .ok_or(ErrorKind::ShareTooLarge { limit: self.limit })?;
        Ok(())
    }
}

// ---------------------------------------------------------------- the inline cache

/// Where a config's canonical inline cache base64 is: (start, end) of the text between quotes.
fn inline_cache(bytes: &[u8]) -> Option<(usize, usize, Vec<u8>)> {
    let at = bytes
        .windows(INLINE_CACHE_KEY.len())
        .position(|w| w == INLINE_CACHE_KEY)?;
    let mut i = at + INLINE_CACHE_KEY.len();
    let skip = |i: &mut usize| {
        while bytes.get(*i).is_some_and(|b| b.is_ascii_whitespace()) {
            *i += 1;
        }
    };
    skip(&mut i);
    (bytes.get(i) == Some(&b':')).then_some(())?;
    i += 1;
    skip(&mut i);
    (bytes.get(i) == Some(&b'"')).then_some(())?;
    let start = i + 1;
    let len = bytes.get(start..)?.iter().position(|&b| b == b'"')?;
    let raw = &bytes[start..start + len];
    let decoded = STANDARD.decode(raw).ok()?;
    // Only canonical base64 (standard alphabet, padded, unwrapped) is re-encoded exactly.
    (!decoded.is_empty() && STANDARD.encode(&decoded).as_bytes() == raw).then_some(())?;
    Some((start, start + len, decoded))
}

// ---------------------------------------------------------------- differences

fn window_hash(w: &[u8]) -> u64 {
    w.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

/// A copy/insert program rebuilding `target` from `base`: `varint(len << 1 | 1)
/// varint(zigzag(offset - end of the previous copy))` copies, `varint(len << 1) bytes` inserts.
fn delta(base: &[u8], target: &[u8]) -> Vec<u8> {
    // Every 4th window of `base` by hash (open addressing: a slot is a position + 1, 0 empty).
    let count = base.len().saturating_sub(HASH_LEN - 1).div_ceil(4);
    let size = (count * 2).next_power_of_two().max(16);
    let mask = size - 1;
    let mut slots = vec![0u32; size];
    if base.len() >= HASH_LEN {
        for pos in (0..=base.len() - HASH_LEN).step_by(4) {
            // At most PROBES slots from its hash: a window repeated thousands of times (a
            // run of `x`) keeps a few places, and building the index stays linear.
            let mut at = window_hash(&base[pos..pos + HASH_LEN]) as usize & mask;
            for _ in 0..PROBES {
                if slots[at] == 0 {
                    slots[at] = pos as u32 + 1;
                    break;
                }
                at = (at + 1) & mask;
            }
        }
    }
    let mut out = Vec::new();
    let (mut literal_from, mut i, mut last_end) = (0usize, 0usize, 0usize);
    let flush_literal = |out: &mut Vec<u8>, from: usize, to: usize| {
        if to > from {
            put_varint(out, ((to - from) as u64) << 1);
            out.extend_from_slice(&target[from..to]);
        }
    };
    while i + HASH_LEN <= target.len() {
        let mut best: Option<(usize, usize, usize)> = None; // (start in target, start in base, len)
        let window = &target[i..i + HASH_LEN];
        let mut at = window_hash(window) as usize & mask;
        let mut candidates = Vec::new();
        for _ in 0..PROBES {
            if slots[at] == 0 || candidates.len() == 8 {
                break;
            }
            let pos = slots[at] as usize - 1;
            if base[pos..pos + HASH_LEN] == *window {
                candidates.push(pos);
            }
            at = (at + 1) & mask;
        }
        for pos in candidates {
            let fwd = base[pos..]
                .iter()
                .zip(&target[i..])
                .take_while(|(a, b)| a == b)
                .count();
            if fwd < HASH_LEN {
                continue;
            }
            let back = (1..=pos.min(i - literal_from))
                .take_while(|&k| base[pos - k] == target[i - k])
                .count();
            let len = fwd + back;
            if best.is_none_or(|(_, _, l)| len > l) {
                best = Some((i - back, pos - back, len));
            }
        }
        match best {
            Some((t, b, len)) if len >= MIN_COPY => {
                flush_literal(&mut out, literal_from, t);
                put_varint(&mut out, (len as u64) << 1 | 1);
                put_varint(&mut out, zigzag(b as i64 - last_end as i64));
                last_end = b + len;
                i = t + len;
                literal_from = i;
            }
            _ => i += 1,
        }
    }
    flush_literal(&mut out, literal_from, target.len());
    out
}

/// Runs a [`delta`] program; `record` is the data record's container offset, for errors.
fn apply_delta(
    base: &[u8],
    program: &[u8],
    input: usize,
    record: usize,
    budget: &mut Budget,
) -> Result<Vec<u8>, ErrorKind> {
    let bad = |offset, problem| ErrorKind::ShareInput {
        input,
        offset,
        problem,
    };
    let mut out = Vec::new();
    let mut cursor = Cursor::new(program, record);
    let mut last_end = 0usize;
    while !cursor.at_end() {
        let at = record + cursor.pos;
        let op = cursor
            .varint("difference")
            .map_err(|_| bad(at, "a difference operation is cut short"))?;
        let len = usize::try_from(op >> 1).map_err(|_| bad(at, "a copy or insert too long"))?;
        budget.take(len)?;
        if op & 1 == 1 {
            let rel = cursor
                .varint("difference")
                .map_err(|_| bad(at, "a copy is cut short"))?;
            let from = i64::try_from(last_end)
                .ok()
                .and_then(|e| e.checked_add(unzigzag(rel)))
                .and_then(|v| usize::try_from(v).ok());
            let slice = from
                .and_then(|f| base.get(f..f.checked_add(len)?))
                .ok_or_else(|| bad(at, "a copy points outside the earlier input"))?;
            out.extend_from_slice(slice);
            last_end = from.unwrap_or_default() + len;
        } else {
            let slice = program
                .get(cursor.pos..cursor.pos.saturating_add(len))
                .ok_or_else(|| bad(at, "an insert runs past the end of the data"))?;
            cursor.pos += len;
            out.extend_from_slice(slice);
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- compression

/// Raw deflate of `head` then `tail` with the window primed with [`DICTIONARY`]; `tail` (the
/// digest table, which does not compress) goes in stored blocks.
fn compress(head: &[u8], tail: &[u8]) -> Vec<u8> {
    let mut c = CompressorOxide::new(create_comp_flags_from_zip_params(9, -15, 0));
    let feed = |c: &mut CompressorOxide, data: &[u8], flush, keep: bool, out: &mut Vec<u8>| {
        let (status, _) = compress_to_output(c, data, flush, |bytes| {
            if keep {
                out.extend_from_slice(bytes);
            }
            true
        });
        debug_assert!(matches!(status, TDEFLStatus::Okay | TDEFLStatus::Done));
    };
    let mut out = Vec::new();
    feed(&mut c, DICTIONARY, TDEFLFlush::Sync, false, &mut out);
    if tail.is_empty() {
        feed(&mut c, head, TDEFLFlush::Finish, true, &mut out);
        return out;
    }
    feed(&mut c, head, TDEFLFlush::Sync, true, &mut out);
    let mut chunks = tail.chunks(STORED_BLOCK_MAX).peekable();
    while let Some(chunk) = chunks.next() {
        out.push(u8::from(chunks.peek().is_none())); // BFINAL, BTYPE 00, byte-aligned
        let len = chunk.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out
}

/// Inflates `data` with the window primed with [`DICTIONARY`], at most `limit` bytes out.
pub(super) fn inflate(data: &[u8], limit: usize) -> Result<Vec<u8>, ErrorKind> {
    inflate_with(data, limit, DICTIONARY)
}

/// Inflates raw deflate `data` with the window primed with `dictionary` (v1: none), at most
/// `limit` bytes out.
pub(super) fn inflate_with(
    data: &[u8],
    limit: usize,
    dictionary: &[u8],
) -> Result<Vec<u8>, ErrorKind> {
    let flags = inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
    let dict = dictionary.len();
    let first = data.len().saturating_mul(4).max(1024).min(limit.max(1));
    let mut out = vec![0; dict + first];
    out[..dict].copy_from_slice(dictionary);
    let mut decomp = Box::<DecompressorOxide>::default();
    let (mut input, mut pos) = (data, dict);
    loop {
        let (status, used, written) = decompress(&mut decomp, input, &mut out, pos, flags);
        pos += written;
        input = input.get(used..).unwrap_or_default();
        match status {
            TINFLStatus::Done => {
                out.truncate(pos);
                out.drain(..dict);
                return Ok(out);
            }
            TINFLStatus::HasMoreOutput => {
                if out.len() - dict >= limit {
                    return Err(ErrorKind::ShareTooLarge { limit });
                }
                let grown = ((out.len() - dict) * 2).min(limit) + dict;
                out.resize(grown, 0);
            }
            TINFLStatus::FailedCannotMakeProgress | TINFLStatus::NeedsMoreInput => {
                return Err(ErrorKind::ShareDecompress {
                    problem: "the data ends early (link cut short?)",
                });
            }
            _ => {
                return Err(ErrorKind::ShareDecompress {
                    problem: "invalid deflate data (link altered?)",
                });
            }
        }
    }
}

// ---------------------------------------------------------------- encoding

/// One input's stream before compression: its bytes with the inline cache moved to the end
/// (decoded) and digests as table references; `cache` is (base64 offset, decoded length).
struct Stream {
    data: Vec<u8>,
    cache: Option<(usize, usize)>,
}

fn stream(bytes: &[u8], table: &mut Table) -> Stream {
    match inline_cache(bytes) {
        Some((start, end, decoded)) => {
            let mut plain = Vec::with_capacity(bytes.len());
            plain.extend_from_slice(&bytes[..start]);
            plain.extend_from_slice(&bytes[end..]);
            plain.extend_from_slice(&decoded);
            Stream {
                data: table.encode(&plain),
                cache: Some((start, decoded.len())),
            }
        }
        None => Stream {
            data: table.encode(bytes),
            cache: None,
        },
    }
}

/// What `data` costs compressed after `history` (the data records before it, as the window
/// holds them: at most the last 32 KiB).
fn cost_after(history: &[u8], data: &[u8]) -> usize {
    let tail = &history[history.len().saturating_sub(32 * 1024)..];
    compress(&[tail, data].concat(), &[]).len()
}

/// The data record of `s` (absolute references): its compact form, or a difference against
/// `prev` when that compresses smaller after the records before it (deflate's 32 KiB window
/// sees a small earlier input by itself). Updates `next` as the decoder will.
fn choose(prev: Option<&[u8]>, s: &[u8], next: &mut u64, history: &[u8]) -> (Vec<u8>, bool) {
    let mut after = *next;
    let plain = compact(s, &mut after);
    *next = after;
    let Some(prev) = prev else {
        return (plain, false);
    };
    let d = delta(prev, s);
    let smaller = d.len() < plain.len();
    let measured = prev.len() + s.len() <= MEASURED_CHOICE;
    if smaller && (!measured || cost_after(history, &d) < cost_after(history, &plain)) {
        (d, true)
    } else {
        (plain, false)
    }
}

fn digest_of(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

fn encode_input(
    side: &ShareSide,
    prev: Option<&[u8]>,
    table: &mut Table,
    next: &mut u64,
    history: &mut Vec<u8>,
) -> (Vec<u8>, Vec<u8>) {
    let s = stream(&side.bytes, table);
    let mut rec = Vec::new();
    put_text(&mut rec, TAG_IN_NAME, side.name.as_deref());
    let (data, is_delta) = choose(prev, &s.data, next, history);
    put_record(&mut rec, TAG_IN_DATA, &data);
    history.extend_from_slice(&data);
    if is_delta {
        put_record(&mut rec, TAG_IN_BASE, &[]);
    }
    if let Some((at, len)) = s.cache {
        let mut v = Vec::new();
        put_varint(&mut v, at as u64);
        put_varint(&mut v, len as u64);
        put_record(&mut rec, TAG_IN_CACHE, &v);
    }
    let own = digest_of(&side.bytes);
    put_record(&mut rec, TAG_IN_CHECK, &own[..CHECK_LEN]);
    match &side.original_digest {
        None => put_record(&mut rec, TAG_IN_NO_ORIGINAL, &[]),
        Some(d) if *d == super::sha256_digest(&side.bytes) => {}
        Some(d) => put_record(
            &mut rec,
            TAG_IN_ORIGINAL,
            &compact(&table.encode(d.as_bytes()), next),
        ),
    }
    for p in &side.redacted {
        put_record(&mut rec, TAG_IN_REDACTED, p.to_string().as_bytes());
    }
    if let Some(a) = &side.archive {
        let mut inner = Vec::new();
        put_record(&mut inner, TAG_AR_NAME, a.name.as_bytes());
        put_record(&mut inner, TAG_AR_KIND, a.kind.as_bytes());
        put_record(
            &mut inner,
            TAG_AR_DIGEST,
            &compact(&table.encode(a.digest.as_bytes()), next),
        );
        let mut size = Vec::new();
        put_varint(&mut size, a.size);
        put_record(&mut inner, TAG_AR_SIZE, &size);
        put_record(&mut rec, TAG_IN_ARCHIVE, &inner);
    }
    (rec, s.data)
}

/// The sides of `shared` as the container lists them, with its kind.
fn parts(shared: &Shared) -> (u64, Vec<ShareSide>, &ShareOptions) {
    match shared {
        Shared::Pair(p) => (KIND_PAIR, vec![p.left.clone(), p.right.clone()], &p.options),
        Shared::Series(s) => (
            KIND_SERIES,
            s.inputs
                .iter()
                .enumerate()
                .map(|(i, (name, bytes))| ShareSide {
                    bytes: bytes.clone(),
                    name: Some(name.clone()),
                    original_digest: s.original_digests.get(i).cloned().flatten(),
                    redacted: s.redacted.get(i).cloned().unwrap_or_default(),
                    archive: None,
                })
                .collect(),
            &s.options,
        ),
        Shared::Changes(c) => (KIND_CHANGES, Vec::new(), &c.options),
    }
}

/// The compressed container of `shared` (what a fragment base64-encodes and a bundle holds).
pub(super) fn encode(shared: &Shared) -> Vec<u8> {
    let (kind, sides, options) = parts(shared);
    let mut table = Table::default();
    let mut body = Vec::new();
    let mut k = Vec::new();
    put_varint(&mut k, kind);
    put_record(&mut body, TAG_KIND, &k);
    let mut prev: Option<Vec<u8>> = None;
    let mut next = 0;
    let mut history = Vec::new();
    for side in &sides {
        let (rec, s) = encode_input(side, prev.as_deref(), &mut table, &mut next, &mut history);
        if history.len() > 64 * 1024 {
            history.drain(..history.len() - 32 * 1024);
        }
        put_record(&mut body, TAG_INPUT, &rec);
        prev = Some(s);
    }
    put_record(&mut body, TAG_OPTIONS, &encode_options(options));
    if let Shared::Changes(c) = shared {
        let json = crate::json::to_compact_pub(&c.to_json()).into_bytes();
        put_record(
            &mut body,
            TAG_CHANGES,
            &compact(&table.encode(&json), &mut next),
        );
    }
    let digests: Vec<u8> = table.digests.concat();
    put_varint(&mut body, TAG_DIGESTS);
    put_varint(&mut body, digests.len() as u64);
    let sum = {
        let mut all = body.clone();
        all.extend_from_slice(&digests);
        checksum(&all)
    };
    let mut head = sum.to_vec();
    head.extend_from_slice(&body);
    compress(&head, &digests)
}

// ---------------------------------------------------------------- decoding

struct RawInput<'a> {
    offset: usize,
    name: Option<String>,
    data: Option<Record<'a>>,
    delta: bool,
    cache: Option<(u64, u64)>,
    check: Option<Record<'a>>,
    original: Option<Record<'a>>,
    no_original: bool,
    redacted: Vec<Pointer>,
    archive: Option<RawArchive<'a>>,
}

fn one_varint(rec: &Record<'_>, field: &'static str) -> Result<u64, ErrorKind> {
    let mut inner = rec.nested();
    let v = inner.varint(field)?;
    if !inner.at_end() {
        return Err(malformed(rec.offset, field, "bytes after the number"));
    }
    Ok(v)
}

fn parse_input<'a>(outer: &Record<'a>) -> Result<RawInput<'a>, ErrorKind> {
    let mut raw = RawInput {
        offset: outer.offset,
        name: None,
        data: None,
        delta: false,
        cache: None,
        check: None,
        original: None,
        no_original: false,
        redacted: Vec::new(),
        archive: None,
    };
    let (mut base, mut no_original) = (None, None);
    let mut cursor = Cursor::new(outer.value, outer.value_offset);
    while !cursor.at_end() {
        let rec = cursor.record("input")?;
        match rec.tag {
            TAG_IN_NAME => set_once(&mut raw.name, rec.text("input name")?, &rec, "input name")?,
            TAG_IN_DATA => set_once(&mut raw.data, clone(&rec), &rec, "input data")?,
            TAG_IN_BASE => set_once(&mut base, (), &rec, "input base")?,
            TAG_IN_CACHE => {
                let mut inner = rec.nested();
                let at = inner.varint("input cache")?;
                let len = inner.varint("input cache")?;
                if !inner.at_end() {
                    return Err(malformed(
                        rec.offset,
                        "input cache",
                        "bytes after the numbers",
                    ));
                }
                set_once(&mut raw.cache, (at, len), &rec, "input cache")?;
            }
            TAG_IN_CHECK => set_once(&mut raw.check, clone(&rec), &rec, "input check")?,
            TAG_IN_ORIGINAL => {
                set_once(
                    &mut raw.original,
                    clone(&rec),
                    &rec,
                    "input original digest",
                )?;
            }
            TAG_IN_NO_ORIGINAL => set_once(&mut no_original, (), &rec, "input original digest")?,
            TAG_IN_REDACTED => raw.redacted.push(rec.pointer("redacted pointer")?),
            TAG_IN_ARCHIVE => {
                let a = parse_archive(&rec)?;
                set_once(&mut raw.archive, a, &rec, "input archive")?;
            }
            _ => {}
        }
    }
    raw.delta = base.is_some();
    raw.no_original = no_original.is_some();
    if raw.no_original && raw.original.is_some() {
        return Err(malformed(
            outer.offset,
            "input original digest",
            "both a digest and none",
        ));
    }
    Ok(raw)
}

type RawArchive<'a> = (
    Option<String>,
    Option<String>,
    Option<Record<'a>>,
    Option<u64>,
);

fn parse_archive<'a>(outer: &Record<'a>) -> Result<RawArchive<'a>, ErrorKind> {
    let mut a: RawArchive<'a> = (None, None, None, None);
    let mut cursor = Cursor::new(outer.value, outer.value_offset);
    while !cursor.at_end() {
        let rec = cursor.record("input archive")?;
        match rec.tag {
            TAG_AR_NAME => set_once(&mut a.0, rec.text("archive name")?, &rec, "archive name")?,
            TAG_AR_KIND => set_once(&mut a.1, rec.text("archive kind")?, &rec, "archive kind")?,
            TAG_AR_DIGEST => set_once(&mut a.2, clone(&rec), &rec, "archive digest")?,
            TAG_AR_SIZE => {
                let v = one_varint(&rec, "archive size")?;
                set_once(&mut a.3, v, &rec, "archive size")?;
            }
            _ => {}
        }
    }
    Ok(a)
}

fn clone<'a>(rec: &Record<'a>) -> Record<'a> {
    Record {
        tag: rec.tag,
        offset: rec.offset,
        value: rec.value,
        value_offset: rec.value_offset,
    }
}

/// A text field stored with digest references.
fn ref_text(
    rec: &Record<'_>,
    table: &[[u8; 32]],
    next: &mut u64,
    budget: &mut Budget,
    field: &'static str,
) -> Result<String, ErrorKind> {
    let abs = expand(rec.value, next)
        .map_err(|at| malformed(rec.value_offset + at, field, "a digest reference cut short"))?;
    let bytes = unref(&abs, table, budget.left).map_err(|at| match at {
        Some(at) => malformed(
            rec.value_offset + at,
            field,
            "a digest reference past the digest table",
        ),
        None => ErrorKind::ShareTooLarge {
            limit: budget.limit,
        },
    })?;
    String::from_utf8(bytes).map_err(|_| ErrorKind::ShareUtf8 {
        field,
        offset: rec.value_offset,
    })
}

/// Rebuilds one input's bytes from its stream.
fn rebuild(
    raw: &RawInput<'_>,
    index: usize,
    s: &[u8],
    table: &[[u8; 32]],
    budget: &mut Budget,
) -> Result<Vec<u8>, ErrorKind> {
    let data_offset = raw.data.as_ref().map_or(raw.offset, |d| d.value_offset);
    let bad = |problem| ErrorKind::ShareInput {
        input: index,
        offset: data_offset,
        problem,
    };
    let plain = unref(s, table, budget.left).map_err(|at| match at {
        Some(_) => bad("a digest reference past the digest table"),
        None => ErrorKind::ShareTooLarge {
            limit: budget.limit,
        },
    })?;
    let Some((at, len)) = raw.cache else {
        budget.take(plain.len())?;
        return Ok(plain);
    };
    let doc_len = usize::try_from(len)
        .ok()
        .and_then(|l| plain.len().checked_sub(l))
        .ok_or_else(|| bad("the inline cache is longer than the input"))?;
    let at = usize::try_from(at)
        .ok()
        .filter(|&a| a <= doc_len)
        .ok_or_else(|| bad("the inline cache's place is outside the document"))?;
    let (doc, cache) = plain.split_at(doc_len);
    let mut out = Vec::with_capacity(doc.len() + cache.len() * 4 / 3 + 4);
    out.extend_from_slice(&doc[..at]);
    out.extend_from_slice(STANDARD.encode(cache).as_bytes());
    out.extend_from_slice(&doc[at..]);
    budget.take(out.len())?;
    Ok(out)
}

fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    bytes
        .iter()
        .flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]])
        .map(char::from)
        .collect()
}

fn side_of(kind: u64, index: usize) -> Option<Side> {
    match (kind, index) {
        (KIND_PAIR, 0) => Some(Side::Left),
        (KIND_PAIR, 1) => Some(Side::Right),
        _ => None,
    }
}

/// Rebuilds and checks input `i` (after `prev`, the previous input's absolute stream): the side
/// and its absolute stream.
fn open_input(
    raw: &RawInput<'_>,
    i: usize,
    prev: Option<&Vec<u8>>,
    table: &[[u8; 32]],
    next: &mut u64,
    budget: &mut Budget,
) -> Result<(ShareSide, Vec<u8>), ErrorKind> {
    let data = raw.data.as_ref().map_or(&[][..], |d| d.value);
    let data_offset = raw.data.as_ref().map_or(raw.offset, |d| d.value_offset);
    let s = if raw.delta {
        let base = prev.ok_or(ErrorKind::ShareInput {
            input: i,
            offset: raw.offset,
            problem: "a difference against an earlier input, but it is the first",
        })?;
        let s = apply_delta(base, data, i, data_offset, budget)?;
        note_refs(&s, next);
        s
    } else {
        expand(data, next).map_err(|at| ErrorKind::ShareInput {
            input: i,
            offset: data_offset + at,
            problem: "a digest reference cut short",
        })?
    };
    let bytes = rebuild(raw, i, &s, table, budget)?;
    let own = digest_of(&bytes);
    let check = raw.check.as_ref().ok_or(malformed(
        raw.offset,
        "input check",
        "missing: every input carries its digest",
    ))?;
    let n = check.value.len();
    if !(8..=32).contains(&n) {
        return Err(malformed(check.offset, "input check", "not 8 to 32 bytes"));
    }
    if own[..n] != *check.value {
        return Err(ErrorKind::ShareDigestMismatch {
            input: i,
            expected: hex(check.value),
            found: hex(&own[..n]),
        });
    }
    let original_digest = match &raw.original {
        _ if raw.no_original => None,
        Some(rec) => Some(ref_text(rec, table, next, budget, "input original digest")?),
        None => Some(format!("sha256:{}", hex(&own))),
    };
    let archive = match &raw.archive {
        None => None,
        Some((name, kind, digest, size)) => Some(ShareArchive {
            name: name.clone().unwrap_or_default(),
            kind: kind.clone().unwrap_or_default(),
            digest: match digest {
                Some(rec) => ref_text(rec, table, next, budget, "archive digest")?,
                None => String::new(),
            },
            size: size.unwrap_or(0),
        }),
    };
    let side = ShareSide {
        bytes,
        name: raw.name.clone(),
        original_digest,
        redacted: raw.redacted.clone(),
        archive,
    };
    Ok((side, s))
}

/// Decodes a v2 container (decompressed); `limit` caps what the inputs rebuild to as well.
pub(super) fn decode_container(container: &[u8], limit: usize) -> Result<Shared, Error> {
    let (sum, body) = container.split_at_checked(CHECKSUM_LEN).ok_or_else(|| {
        Error::new(malformed(
            0,
            "checksum",
            "container is shorter than its 4-byte checksum",
        ))
    })?;
    if sum != checksum(body) {
        return Err(Error::new(ErrorKind::ShareChecksum));
    }
    let (mut kind, mut options, mut changes, mut digests) = (None, None, None, None);
    let mut inputs = Vec::new();
    let mut cursor = Cursor::new(body, CHECKSUM_LEN);
    while !cursor.at_end() {
        let rec = cursor.record("top-level record").map_err(Error::new)?;
        let r = match rec.tag {
            TAG_KIND => one_varint(&rec, "kind").and_then(|k| set_once(&mut kind, k, &rec, "kind")),
            TAG_INPUT => parse_input(&rec).map(|i| inputs.push(i)),
            TAG_OPTIONS => {
                parse_options(&rec).and_then(|o| set_once(&mut options, o, &rec, "options"))
            }
            TAG_CHANGES => set_once(&mut changes, clone(&rec), &rec, "changes"),
            TAG_DIGESTS => {
                if rec.value.len() % 32 != 0 {
                    Err(malformed(
                        rec.offset,
                        "digest table",
                        "its length is not a multiple of 32",
                    ))
                } else {
                    let table: Vec<[u8; 32]> = rec
                        .value
                        .chunks_exact(32)
                        .map(|c| {
                            let mut d = [0; 32];
                            d.copy_from_slice(c);
                            d
                        })
                        .collect();
                    set_once(&mut digests, table, &rec, "digest table")
                }
            }
            _ => Ok(()),
        };
        r.map_err(Error::new)?;
    }
    let table = digests.unwrap_or_default();
    let options = options.unwrap_or_default();
    let kind = kind.unwrap_or(0);
    let mut budget = Budget { left: limit, limit };
    let mut next = 0;
    let mut sides: Vec<ShareSide> = Vec::with_capacity(inputs.len());
    let mut streams: Vec<Vec<u8>> = Vec::with_capacity(inputs.len());
    for (i, raw) in inputs.iter().enumerate() {
        let (side, s) = open_input(raw, i, streams.last(), &table, &mut next, &mut budget)
            .map_err(|k| Error::new(k).on(side_of(kind, i)))?;
        sides.push(side);
        streams.push(s);
    }
    let count = |expected: &'static str| {
        Error::new(malformed(
            CHECKSUM_LEN,
            expected,
            "the wrong number of inputs for the link's kind",
        ))
    };
    match kind {
        KIND_PAIR => {
            if sides.len() != 2 {
                return Err(count("a pair"));
            }
            let right = sides.pop().unwrap_or_default();
            let left = sides.pop().unwrap_or_default();
            Ok(Shared::Pair(SharePayload {
                left,
                right,
                options,
            }))
        }
        KIND_SERIES => Ok(Shared::Series(SharedSeries {
            original_digests: sides.iter().map(|s| s.original_digest.clone()).collect(),
            redacted: sides.iter().map(|s| s.redacted.clone()).collect(),
            inputs: sides
                .into_iter()
                .map(|s| (s.name.unwrap_or_default(), s.bytes))
                .collect(),
            options,
        })),
        KIND_CHANGES => {
            if !sides.is_empty() {
                return Err(count("changes only"));
            }
            let rec =
                changes.ok_or_else(|| Error::new(malformed(CHECKSUM_LEN, "changes", "missing")))?;
            let text =
                ref_text(&rec, &table, &mut next, &mut budget, "changes").map_err(Error::new)?;
            let mut c = crate::json::parse(&text)
                .ok()
                .as_ref()
                .and_then(SharedChanges::from_json)
                .ok_or_else(|| {
                    Error::new(malformed(
                        rec.value_offset,
                        "changes",
                        "not the JSON of a change set",
                    ))
                })?;
            c.options = options;
            Ok(Shared::Changes(c))
        }
        _ => Err(Error::new(malformed(
            CHECKSUM_LEN,
            "kind",
            "missing or unknown (1 pair, 2 series, 3 changes only)",
        ))),
    }
}

#[cfg(test)]
mod tests;
