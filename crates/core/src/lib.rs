//! cachelens core (placeholder).
