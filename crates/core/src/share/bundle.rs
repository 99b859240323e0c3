//! Bundle files: the payload of a link as a file, for payloads too large for a link. The same
//! compressed container as a fragment, as bytes, after a recognisable magic and version prefix,
//! so the page can open it again by drop or upload.

use super::{
    FORMAT_VERSION, MAX_DECOMPRESSED_BYTES, SharePayload, check_version, compress,
    decode_compressed, encode_container, split_version,
};
use crate::{Error, ErrorKind};

/// Every bundle file starts with these bytes, followed by the `v<N>.` version prefix.
pub const BUNDLE_MAGIC: &[u8] = b"cachelens-share:";

/// A bundle file (for payloads too large for a link): the same container as the fragment but as bytes, with a recognisable magic/prefix, so the page can open it again by drop or upload.
pub fn encode_bundle(payload: &SharePayload) -> Vec<u8> {
    let compressed = compress(&encode_container(payload));
    let mut out = BUNDLE_MAGIC.to_vec();
    out.extend_from_slice(format!("v{FORMAT_VERSION}.").as_bytes());
    out.extend_from_slice(&compressed);
    out
}

/// Decodes a bundle file made by [`encode_bundle`].
pub fn decode_bundle(bytes: &[u8]) -> Result<SharePayload, Error> {
    decode_bundle_with_limit(bytes, MAX_DECOMPRESSED_BYTES).map_err(Error::new)
}

/// Whether `bytes` look like a bundle file (start with [`BUNDLE_MAGIC`]).
pub fn is_bundle(bytes: &[u8]) -> bool {
    bytes.starts_with(BUNDLE_MAGIC)
}

pub(super) fn decode_bundle_with_limit(
    bytes: &[u8],
    limit: usize,
) -> Result<SharePayload, ErrorKind> {
    let rest = bytes
        .strip_prefix(BUNDLE_MAGIC)
        .ok_or(ErrorKind::NotABundle)?;
    let (version, compressed) = split_version(rest).ok_or(ErrorKind::NotABundle)?;
    check_version(version)?;
    decode_compressed(compressed, limit)
}
