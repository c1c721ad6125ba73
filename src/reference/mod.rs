//! Independent reference solutions (closed forms, trees, quadrature, finite differences)
//! used to check the DGM solver. Being written.
