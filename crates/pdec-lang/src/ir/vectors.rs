//! Vector unknowns seen from the outputs: the IR has scalar unknowns only (`U[1]`, `U[2]`
//! for `unknown U(t, x)[2]`, consecutive), and exports and plots that draw a vector field
//! (VTK `VECTORS`, quiver pictures) need them grouped back by name.

use super::Problem;

/// A vector unknown: its name as declared (`U`) and its components' unknown indices in
/// order (`U[1]`, `U[2]`, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VectorUnknown {
    pub name: String,
    pub components: Vec<usize>,
}

/// A component's name split into the vector's name and its 1-based index (`U[2]` is
/// `("U", 2)`); `None` for a scalar unknown (a declared name has no `[`).
pub fn component_of(name: &str) -> Option<(&str, usize)> {
    let (base, rest) = name.split_once('[')?;
    let j = rest.strip_suffix(']')?.parse().ok()?;
    Some((base, j))
}

/// The name an unknown was declared with: a component `U[2]` belongs to `U`, a scalar
/// unknown is its own.
pub fn declared_name(name: &str) -> &str {
    component_of(name).map_or(name, |(base, _)| base)
}

impl Problem {
    /// The vector unknowns in declaration order; scalar unknowns are not listed.
    pub fn vector_unknowns(&self) -> Vec<VectorUnknown> {
        let mut out: Vec<VectorUnknown> = Vec::new();
        for (k, u) in self.unknowns.iter().enumerate() {
            let Some((base, j)) = component_of(&u.name) else {
                continue;
            };
            match out.last_mut() {
                // The checker lists a vector's components together, `U[1]` first.
                Some(v) if v.name == base && j == v.components.len() + 1 => v.components.push(k),
                _ => out.push(VectorUnknown {
                    name: base.to_string(),
                    components: vec![k],
                }),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::component_of;

    #[test]
    fn components_split_by_name() {
        assert_eq!(component_of("U[2]"), Some(("U", 2)));
        assert_eq!(component_of("velocity[12]"), Some(("velocity", 12)));
        assert_eq!(component_of("u"), None);
        assert_eq!(component_of("U[x]"), None);
    }
}
