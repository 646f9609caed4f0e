//! A layer's trainable numbers: a weight matrix, optional biases, and their names.
//!
//! Parameter `p` counts through the matrix in storage order (column by column), then the
//! biases. For a dense layer that is every unit's weight from the first input, then from
//! the second, …, the slides' w5, w6, w7, w8; for a convolution, filter by filter.

use nalgebra::{DMatrix, DVector};
use std::iter::Chain;
use std::slice::Iter;

#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    pub weights: DMatrix<f64>,
    pub bias: Option<DVector<f64>>,
    /// One name per parameter, in parameter order.
    pub names: Vec<String>,
}

impl Params {
    pub fn count(&self) -> usize {
        self.weights.len() + self.bias.as_ref().map_or(0, |b| b.len())
    }

    pub fn get(&self, p: usize) -> f64 {
        match p.checked_sub(self.weights.len()) {
            None => self.weights.as_slice()[p],
            Some(b) => self.bias.as_ref().expect("a bias")[b],
        }
    }

    pub fn set(&mut self, p: usize, value: f64) {
        match p.checked_sub(self.weights.len()) {
            None => self.weights.as_mut_slice()[p] = value,
            Some(b) => self.bias.as_mut().expect("a bias")[b] = value,
        }
    }

    /// Biases come after the weights; they get no L2 penalty.
    pub fn is_bias(&self, p: usize) -> bool {
        p >= self.weights.len()
    }

    pub fn name(&self, p: usize) -> &str {
        &self.names[p]
    }

    /// The index of bias `unit`.
    pub fn bias_index(&self, unit: usize) -> usize {
        self.weights.len() + unit
    }

    /// The index of bias `unit`, if the layer has biases.
    pub fn bias_of(&self, unit: usize) -> Option<usize> {
        self.bias.as_ref().map(|_| self.bias_index(unit))
    }

    /// Every parameter in parameter order: two slices one after the other, so copying them
    /// out is a straight copy.
    pub fn iter(&self) -> Chain<Iter<'_, f64>, Iter<'_, f64>> {
        let bias = self.bias.as_ref().map(|b| b.as_slice()).unwrap_or_default();
        self.weights.as_slice().iter().chain(bias)
    }

    /// Every parameter in parameter order, to change in place.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut f64> {
        let bias = self
            .bias
            .as_mut()
            .map(|b| b.as_mut_slice())
            .unwrap_or_default();
        self.weights.as_mut_slice().iter_mut().chain(bias)
    }

    /// No parameters, as the same kind of iterator.
    pub fn none() -> Chain<Iter<'static, f64>, Iter<'static, f64>> {
        [].iter().chain(&[])
    }
}
