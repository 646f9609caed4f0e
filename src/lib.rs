//! nntrace: backpropagation made visible, number by number.
//!
//! `scenario` reads a YAML scenario into a [`network::Network`]; `network` runs one
//! training step through a [`trace::Recorder`]; `render` prints the trace.

pub mod formula;
pub mod network;
pub mod trace;
pub mod error;
pub mod scenario;
pub mod cli;
pub mod render;
