//! runtime-core
