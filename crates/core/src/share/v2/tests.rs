//! Tests of the v2 share format.
use super::*;
