//! nntrace: backpropagation made visible, number by number.
//!
//! `scenario` reads a YAML scenario into a [`network::Network`]; `network` runs one
//! training step through a [`trace::Recorder`]; `render` prints the trace.

pub mod check;
pub mod cli;
pub mod error;
pub mod formula;
pub mod generate;
pub mod network;
pub mod numbers;
pub mod output;
pub mod render;
pub mod scenario;
pub mod text;
pub mod trace;
pub mod train;
pub mod walk;
