//! Nothing here: this package holds examples that use other ecosystems'
//! crates with `runtime` (`integrations/examples/http.rs`: a hyper server), kept out of
//! the root package so that building its examples never compiles them.
