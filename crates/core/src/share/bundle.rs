//! Bundle files: the payload of a link as a file, for payloads too large for a link. The same
//! compressed container as a fragment, as bytes, after a recognisable magic and version prefix,
//! so the page can open it again by drop or upload.

use super::{
    FORMAT_VERSION, MAX_DECOMPRESSED_BYTES, SharePayload, Shared, check_version, decode_versioned,
    into_pair, split_version, v2,
};
use crate::{Error, ErrorKind};

/// Every bundle file starts with these bytes, followed by the `v<N>.` version prefix.
pub const BUNDLE_MAGIC: &[u8] = b"cachelens-share:";

/// A bundle file (for payloads too large for a link): the same container as the fragment but as bytes, with a recognisable magic/prefix, so the page can open it again by drop or upload.
pub fn encode_bundle(payload: &SharePayload) -> Vec<u8> {
    encode_shared_bundle(&Shared::Pair(payload.clone()))
}

/// A bundle file of any share (a pair, a series, the changes only), in the current format.
pub fn encode_shared_bundle(shared: &Shared) -> Vec<u8> {
    let mut out = BUNDLE_MAGIC.to_vec();
    out.extend_from_slice(format!("v{FORMAT_VERSION}.").as_bytes());
    out.extend_from_slice(&v2::encode(shared));
    out
}

/// Decodes a bundle file of a pair made by [`encode_bundle`] (v1 or v2).
pub fn decode_bundle(bytes: &[u8]) -> Result<SharePayload, Error> {
    into_pair(decode_shared_bundle_with_limit(
        bytes,
        MAX_DECOMPRESSED_BYTES,
    )?)
}

/// Decodes any bundle file into what it holds.
pub fn decode_shared_bundle(bytes: &[u8]) -> Result<Shared, Error> {
    decode_shared_bundle_with_limit(bytes, MAX_DECOMPRESSED_BYTES)
}

/// Whether `bytes` look like a bundle file (start with [`BUNDLE_MAGIC`]).
pub fn is_bundle(bytes: &[u8]) -> bool {
    bytes.starts_with(BUNDLE_MAGIC)
}

fn decode_shared_bundle_with_limit(bytes: &[u8], limit: usize) -> Result<Shared, Error> {
    let rest = bytes
        .strip_prefix(BUNDLE_MAGIC)
        .ok_or(ErrorKind::NotABundle)?;
    let (version, compressed) = split_version(rest).ok_or(ErrorKind::NotABundle)?;
    check_version(version)?;
    decode_versioned(version, compressed, limit)
}

#[cfg(test)]
pub(super) fn decode_bundle_with_limit(
    bytes: &[u8],
    limit: usize,
) -> Result<SharePayload, ErrorKind> {
    decode_shared_bundle_with_limit(bytes, limit)
        .and_then(into_pair)
        .map_err(|e| e.kind)
}
