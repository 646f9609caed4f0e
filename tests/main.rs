//! The one integration-test binary: every test of the command line and the numbers.

mod support;

#[global_allocator]
static ALLOCATOR: support::alloc::Counting = support::alloc::Counting;

mod ascii;
mod broken;
mod browser;
mod check;
mod class;
mod classroom;
mod cli;
mod conv2d;
mod conv2d_reference;
mod diagnoses;
mod diagram;
mod diagram_maps;
mod errors;
mod export;
mod fuzz;
mod generate;
mod gradcheck;
mod hostile;
mod marking;
mod numbers;
mod one_output;
mod pools;
mod readme;
mod round;
mod seesaw;
mod snapshots;
mod tables;
mod training;
mod walk;
