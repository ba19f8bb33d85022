//! Threshold expressions: `aggregation operator number`.

use std::fmt;

use super::Aggregation;

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==` or `===`
    Eq,
    /// `!=`
    Ne,
}

impl Operator {
    fn apply(self, a: f64, b: f64) -> bool {
        match self {
            Operator::Lt => a < b,
            Operator::Le => a <= b,
            Operator::Gt => a > b,
            Operator::Ge => a >= b,
            Operator::Eq => a == b,
            Operator::Ne => a != b,
        }
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operator::Lt => "<",
            Operator::Le => "<=",
            Operator::Gt => ">",
            Operator::Ge => ">=",
            Operator::Eq => "==",
            Operator::Ne => "!=",
        })
    }
}

/// `aggregation operator number`.
#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    /// What is measured.
    pub aggregation: Aggregation,
    /// How it is compared.
    pub operator: Operator,
    /// With what.
    pub value: f64,
}

impl Expression {
    /// Whether `observed` (the aggregation's value) satisfies the
    /// expression. With no data (`None`) a threshold passes: k6 does not
    /// fail thresholds of metrics that got no samples.
    pub fn passes(&self, observed: Option<f64>) -> bool {
        match observed {
            None => true,
            Some(v) => self.operator.apply(v, self.value),
        }
    }

    /// Parse `p(95) < 500` and friends.
    pub fn parse(text: &str) -> Result<Expression, String> {
        let t = text.trim();
        let op_at = t.find(['<', '>', '=', '!']).ok_or_else(|| {
            "no comparison operator; expected one of <, <=, >, >=, ==, ===, !=".to_string()
        })?;
        let (agg_text, rest) = t.split_at(op_at);
        let (operator, value_text) = [
            ("===", Operator::Eq),
            ("<=", Operator::Le),
            (">=", Operator::Ge),
            ("==", Operator::Eq),
            ("!=", Operator::Ne),
            ("<", Operator::Lt),
            (">", Operator::Gt),
        ]
        .iter()
        .find_map(|(s, op)| rest.strip_prefix(s).map(|v| (*op, v)))
        .ok_or_else(|| {
            format!("unknown operator in {rest:?}; expected one of <, <=, >, >=, ==, ===, !=")
        })?;
        let aggregation = Aggregation::parse(agg_text.trim())?;
        let value_text = value_text.trim();
        let value: f64 = value_text
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| format!("{value_text:?} is not a number"))?;
        Ok(Expression {
            aggregation,
            operator,
            value,
        })
    }
}

impl fmt::Display for Expression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{}", self.aggregation, self.operator, self.value)
    }
}
