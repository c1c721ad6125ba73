// `dot` takes vectors: the Jacobian `grad(U)` is a matrix, and no matrix product is guessed.
space x in [0, 1]^2
unknown U(x)[2]
pde lap(U) = 0
boundary on(x): dot(grad(U), [1, 0]) = 0 //~ pdec::check::vector_expected
