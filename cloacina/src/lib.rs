//! Cloacina runtime crate (see the issue "The runtime crate").
