//! Samplers for every region of the language. Being written.
