//! Images on disk without a registry or daemon (OCI layouts, docker-save tarballs): placeholder.
