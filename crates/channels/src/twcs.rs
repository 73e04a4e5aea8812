//! The public "Customer Support on Twitter" CSV layout.
