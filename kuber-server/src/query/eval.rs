//! Evaluating a [`Condition`] against a document: the comparison rules of the query language.
//!
//! Every function here borrows the document and allocates nothing.

use std::cmp::Ordering;

use serde_json::Value;

use super::{Condition, Op, Operand, Scalar};

impl Condition {
    /// True when the document satisfies the condition: some value reached by the path passes
    /// the comparison, or, for `!=`, no reached value is `=` the operand.
    pub fn matches(&self, doc: &Value) -> bool {
        match self.op {
            Op::Ne => !self.path.any(doc, &mut |value| self.equals(value)),
            _ => self.path.any(doc, &mut |value| self.test(value)),
        }
    }

    fn equals(&self, value: &Value) -> bool {
        match &self.operand {
            Operand::Scalar(scalar) => scalar_eq(value, scalar),
            Operand::List(items) => array_eq(value, items),
            Operand::Pattern(_) => false,
        }
    }

    /// The comparison for one reached value (`!=` is handled by the caller).
    fn test(&self, value: &Value) -> bool {
        match (self.op, &self.operand) {
            (Op::Eq, _) => self.equals(value),
            (Op::Ne, _) => !self.equals(value),
            (Op::Gt | Op::Ge | Op::Lt | Op::Le, Operand::Scalar(scalar)) => compare(value, scalar)
                .is_some_and(|order| match self.op {
                    Op::Gt => order == Ordering::Greater,
                    Op::Ge => order != Ordering::Less,
                    Op::Lt => order == Ordering::Less,
                    _ => order != Ordering::Greater,
                }),
            (Op::Contains, Operand::Scalar(scalar)) => contains(value, scalar),
            (Op::In, Operand::List(items)) => items.iter().any(|item| scalar_eq(value, item)),
            (Op::Like | Op::Regex, Operand::Pattern(pattern)) => {
                value.as_str().is_some_and(|text| pattern.matches(text))
            }
            _ => false,
        }
    }
}

/// `=` between a JSON value and a scalar operand; arrays and objects equal no scalar.
fn scalar_eq(value: &Value, scalar: &Scalar) -> bool {
    match (scalar, value) {
        (Scalar::Null, Value::Null) => true,
        (Scalar::Bool(want), Value::Bool(have)) => want == have,
        (Scalar::Number(want, _), Value::Number(have)) => have.as_f64() == Some(*want),
        (Scalar::Number(_, text) | Scalar::Text(text), Value::String(have)) => have == text,
        _ => false,
    }
}

/// `=` between a JSON value and a list operand: an array of equal elements, in order.
fn array_eq(value: &Value, items: &[Scalar]) -> bool {
    value.as_array().is_some_and(|array| {
        array.len() == items.len()
            && array
                .iter()
                .zip(items)
                .all(|(element, item)| scalar_eq(element, item))
    })
}

/// The order of a JSON value relative to the operand, within the operand's type class only.
fn compare(value: &Value, scalar: &Scalar) -> Option<Ordering> {
    match (scalar, value) {
        (Scalar::Number(want, _), Value::Number(have)) => have.as_f64()?.partial_cmp(want),
        (Scalar::Text(want), Value::String(have)) => Some(have.as_str().cmp(want.as_str())),
        _ => None,
    }
}

fn contains(value: &Value, scalar: &Scalar) -> bool {
    match value {
        Value::Array(items) => items.iter().any(|item| scalar_eq(item, scalar)),
        Value::String(text) => text.contains(scalar.as_text()),
        _ => false,
    }
}
